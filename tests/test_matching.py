"""The one rule for comparing values and field names, and the values it merges at load."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from peersynth.matching import (
    COUNTRY_ALIASES,
    clean,
    field_key,
    preferred_spellings,
    same_value,
    value_key,
    whole_number,
)
from peersynth.review import review_from, review_to_json
from reviewkit import DATA, load, write_review
from validation_cases import INVALID, assemble

NFC = "C\u00f4te d'Ivoire"
NFD = "Co\u0302te d'Ivoire"


def test_the_two_spellings_of_cote_divoire_are_different_strings() -> None:
    # The premise of the tests below: the two forms really differ as text.
    assert NFC != NFD
    assert unicodedata.normalize("NFC", NFD) == NFC


def test_clean_makes_nfc_and_strips_surrounding_whitespace() -> None:
    assert clean(NFD) == NFC
    assert clean("  Finland \t") == "Finland"
    assert clean(f"\u00a0{NFD}\u3000") == NFC
    # Inner spacing is the text's own.
    assert clean(" day  care ") == "day  care"


@pytest.mark.parametrize("name", [
    "lived_experience", "lived-experience", "Lived_Experience", "LIVED EXPERIENCE",
    " lived__experience ", "lived - experience"])
def test_field_names_differing_by_case_spacing_hyphen_or_underscore_are_one(name: str) -> None:
    assert field_key(name) == "lived_experience"


def test_field_names_that_differ_otherwise_stay_apart() -> None:
    assert field_key("lived_experience") != field_key("livedexperience")
    assert field_key("setting") != field_key("settings")


@pytest.mark.parametrize(("a", "b"), [
    ("Norway", "norway"), ("Finland ", "Finland"), ("day  care", "Day care"),
    ("mixed-methods", "Mixed methods"), ("mixed_methods", "MIXED-METHODS"), (NFC, NFD),
    ("Stra\u00dfe", "STRASSE")])
def test_values_differing_by_case_spacing_or_separators_are_one(a: str, b: str) -> None:
    assert same_value(a, b)
    assert same_value(a, b, country=True)


@pytest.mark.parametrize(("a", "b"), [
    ("UK", "United Kingdom"), ("U.K.", "united kingdom"),
    ("United Kingdom of Great Britain and Northern Ireland", "UK"),
    ("USA", "United States"), ("U.S.", "US"), ("United States of America", "usa"),
    ("The Netherlands", "Netherlands"), ("Republic of Korea", "South Korea"),
    ("Czech Republic", "Czechia"), ("Ivory Coast", NFD), ("Viet Nam", "Vietnam")])
def test_known_country_aliases_are_one_country(a: str, b: str) -> None:
    assert same_value(a, b, country=True)
    # Only countries: an attribute value "US" is not the United States.
    assert not same_value(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("England", "United Kingdom"), ("Great Britain", "UK"), ("Holland", "Netherlands"),
    ("Korea", "South Korea"), ("Niger", "Nigeria"), ("Côte d'Ivoire", "Cote d'Ivoire"),
    ("12", "012")])
def test_other_values_stay_apart(a: str, b: str) -> None:
    assert not same_value(a, b, country=True)


def test_no_alias_is_listed_for_two_countries() -> None:
    keys = [value_key(alias) for aliases in COUNTRY_ALIASES.values() for alias in aliases]
    assert len(keys) == len(set(keys))
    names = {value_key(name) for name in COUNTRY_ALIASES}
    assert not names & set(keys)


def test_preferred_spelling_is_the_most_frequent_then_the_first() -> None:
    pairs = [("norway", "norway"), ("norway", "Norway"), ("norway", "Norway"),
             ("uk", "UK"), ("uk", "United Kingdom"), ("x", "x")]
    assert preferred_spellings(pairs) == {"norway": "Norway", "uk": "UK", "x": "x"}


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), ("0123", 123), ("-5", -5), ("+7", 7), ("12.5", None), ("1e3", None),
    ("twelve", None), ("", None), ("\u0663", None), ("1 000", None),
    # Too long for int() to read under Python's limit on digits: text, not an error.
    ("9" * 5000, None)])
def test_whole_number(text: str, expected: int | None) -> None:
    assert whole_number(text) == expected


def test_loading_cleans_text_values_and_keys_and_the_cache_keeps_them(tmp_path: Path) -> None:
    studies = f"""\
    review: {{title: " Re{NFD[:3]}view "}}
    vocabularies:
      " setting ": [" day care", "{NFD}"]
    studies:
      - id: a
        authors: [" Mu\u0308ller A "]
        title: "  A title "
        countries: ["{NFD}", " Kenya"]
        design: " qualitative "
        quality: "good "
        attributes: {{" setting": " {NFD} ", "size ": 12}}
        note: " kept as written "
    """
    themes = 'themes:\n  - id: t\n    label: " Trust in ca\u0301re "\n    studies: [a]\n'
    review = load(write_review(tmp_path / "r", studies, themes))
    for loaded in (review, review_from(json.loads(json.dumps(review_to_json(review))))):
        study = loaded.studies[0]
        assert study.authors == ["M\u00fcller A"]
        assert study.title == "A title"
        assert study.countries == [NFC, "Kenya"]
        assert (study.design, study.quality) == ("qualitative", "good")
        assert study.attributes == {"setting": NFC, "size": 12}
        assert study.note == " kept as written "
        assert loaded.studies_file.vocabularies == {"setting": ["day care", NFC]}
        assert loaded.themes[0].label == "Trust in c\u00e1re"
        assert loaded.studies_file.review is not None
        assert loaded.studies_file.review.title == f"Re{NFC[:2]}view"


def test_keys_that_cleaning_would_merge_are_kept_as_written(tmp_path: Path) -> None:
    studies = 'studies:\n  - id: a\n    attributes: {" setting": x, "setting": y}\n'
    review = load(write_review(tmp_path / "r", studies,
                               "themes:\n  - id: t\n    label: T\n    studies: [a]\n"))
    assert review.studies[0].attributes == {" setting": "x", "setting": "y"}


# The near-duplicate check


def _warnings(folder: Path) -> list[str]:
    from peersynth.validate import validate_folder

    return [f"{d.line}:{d.column} {d.severity.value} {d.message} ({d.hint})"
            for d in validate_folder(folder).diagnostics]


def test_near_duplicates_name_the_preferred_spelling_and_its_line(tmp_path: Path) -> None:
    folder = assemble(INVALID / "near-duplicate", tmp_path / "r")
    # Ties go to the first in reference order: smith2020 (ref 1) writes 'United Kingdom',
    # 'Finland', 'lived_experience' and 'yes'.
    assert _warnings(folder) == [
        "9:17 warning 'UK' and 'United Kingdom' (line 4) are one country, spelt differently "
        "(write 'United Kingdom' everywhere)",
        "9:21 warning 'finland' and 'Finland' (line 4) are one country, spelt differently "
        "(write 'Finland' everywhere)",
        "11:18 warning attribute 'Lived-Experience' and 'lived_experience' (line 6) are one "
        "field, spelt differently (write 'lived_experience' everywhere)",
        "11:36 warning 'Yes' and 'yes' (line 6) are one value of 'lived_experience', spelt "
        "differently (write 'yes' everywhere)"]


def test_the_most_frequent_spelling_is_preferred_and_each_other_occurrence_reported(
        tmp_path: Path) -> None:
    studies = "studies:\n" + "".join(
        f"  - id: s{index}\n    ref: {index + 1}\n    countries: [{country}]\n"
        for index, country in enumerate(["norway", "Norway", "Norway", "NORWAY", "norway",
                                         "Norway", "Peru"]))
    ids = ", ".join(f"s{index}" for index in range(7))
    folder = write_review(tmp_path / "r", studies,
                          f"themes:\n  - id: t\n    label: T\n    studies: [{ids}]\n")
    # Norway 3 times, norway twice, NORWAY once: every other spelling is reported, naming
    # line 7, where 'Norway' first occurs.
    found = _warnings(folder)
    assert [line.split(" (line")[0] for line in found] == [
        "4:17 warning 'norway' and 'Norway'", "13:17 warning 'NORWAY' and 'Norway'",
        "16:17 warning 'norway' and 'Norway'"]
    assert all("(line 7)" in line for line in found)


def test_values_a_vocabulary_governs_are_not_reported_twice(tmp_path: Path) -> None:
    folder = assemble(INVALID / "near-duplicate-vocabulary", tmp_path / "r")
    found = _warnings(folder)
    assert found[0] == ("2:24 warning 'Community' and 'community' (line 2) are one value of "
                        "the setting vocabulary, spelt differently "
                        "(keep 'community' and remove 'Community')")
    # 'Community' under setting is in the vocabulary, 'in-patient' is an error only.
    assert not any(line.startswith(("7:27", "10:27 warning")) for line in found)
    assert found[3].startswith("10:27 error 'in-patient' is not in the setting vocabulary")
    # A vocabulary's name fixes the field's spelling, and it governs the field however the
    # name is spelt: 'Yes' is then outside it, an error, not also a near-duplicate.
    assert found[1].startswith("7:38 warning attribute 'Lived Experience' and "
                               "'lived_experience' (line 3)")
    assert found[2].startswith("7:56 error 'Yes' is not in the lived_experience vocabulary")


def test_spellings_that_loading_cleans_are_not_reported(tmp_path: Path) -> None:
    studies = f"""\
    studies:
      - id: a
        countries: ["{NFD}", "Finland "]
        attributes: {{"setting ": " day care"}}
      - id: b
        countries: ["{NFC}", Finland]
        attributes: {{setting: day care}}
    """
    folder = write_review(tmp_path / "r", studies,
                          "themes:\n  - id: t\n    label: T\n    studies: [a, b]\n")
    assert _warnings(folder) == []


def test_a_countries_vocabulary_makes_aliases_its_own_business(tmp_path: Path) -> None:
    studies = """\
    vocabularies:
      countries: [United Kingdom, UK]
    studies:
      - id: a
        countries: [UK]
    """
    folder = write_review(tmp_path / "r", studies,
                          "themes:\n  - id: t\n    label: T\n    studies: [a]\n")
    assert _warnings(folder) == [
        "2:31 warning 'UK' and 'United Kingdom' (line 2) are one value of the countries "
        "vocabulary, spelt differently (keep 'United Kingdom' and remove 'UK')"]


def test_the_shipped_review_has_no_near_duplicates() -> None:
    from peersynth.validate import validate_folder

    report = validate_folder(DATA)
    assert [d.text() for d in report.diagnostics if d.code == "near-duplicate"] == []
