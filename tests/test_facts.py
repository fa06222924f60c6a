"""Every figure the published review states (FACTS.md), reproduced by the commands on data/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewkit import DATA, run


def output(*args: str) -> Any:
    result = run(*args, "--data", DATA, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def characteristic(field: str, *, explode: bool = False) -> dict[str, int]:
    body = output("studies", *(["--explode"] if explode else []))
    section = next(s for s in body["characteristics"] if s["field"] == field)
    return {row["value"]: row["n"] for row in section["rows"]}


def test_records_screened() -> None:
    assert output("studies")["flow"]["records_screened"] == 5191


def test_full_text_articles_examined() -> None:
    assert output("studies")["flow"]["full_text_assessed"] == 154


def test_studies_included() -> None:
    body = output("studies")
    assert body["flow"]["included"] == 16
    assert body["N"] == 16


@pytest.mark.parametrize(("country", "count"), [
    ("United States", 7), ("Australia", 3), ("United Kingdom", 2), ("Finland", 1),
    ("Singapore", 1), ("Multiple countries", 2)])
def test_country(country: str, count: int) -> None:
    assert characteristic("country")[country] == count


def test_countries_are_exactly_those_stated() -> None:
    assert set(characteristic("country")) == {"United States", "Australia", "United Kingdom",
                                              "Finland", "Singapore", "Multiple countries"}


@pytest.mark.parametrize("country", ["India", "Israel", "Germany", "Tanzania", "Uganda"])
def test_country_among_the_multiple_country_studies(country: str) -> None:
    body = output("studies")
    multiple = next(row for s in body["characteristics"] if s["field"] == "country"
                    for row in s["rows"] if row["value"] == "Multiple countries")
    assert country in multiple["detail"]
    # Each belongs to the two multi-country studies: exploded, it counts both of them.
    assert characteristic("country", explode=True)[country] == 2


@pytest.mark.parametrize(("design", "count"), [("qualitative", 13), ("mixed-methods", 3)])
def test_design(design: str, count: int) -> None:
    assert characteristic("design")[design] == count


@pytest.mark.parametrize(("quality", "count"), [("good", 11), ("fair", 5), ("poor", 0)])
def test_quality(quality: str, count: int) -> None:
    assert characteristic("quality")[quality] == count


@pytest.mark.parametrize(("theme", "n"), [
    ("education-and-training", 12),
    ("role-clarity", 12),
    ("professional-supervision", 8),
    ("demonstrated-commitment", 16),
    ("leadership", 11),
    ("consistent-inclusion", 14),
])
def test_theme_count(theme: str, n: int) -> None:
    rows = {row["id"]: row for row in output("tally")["themes"]}
    assert (rows[theme]["n"], rows[theme]["N"]) == (n, 16)


def test_role_clarity_in_the_plain_tally() -> None:
    result = run("tally", "--data", DATA)
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "Role clarity" in line)
    assert line.split() == ["Role", "clarity", "12/16", "75%"]


def test_cite_role_clarity() -> None:
    result = run("cite", "role-clarity", "--data", DATA)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Role clarity (12/16): [33\u201342, 44, 45]\n"
