"""The acceptance test: the published Results section audited against the shipped review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit_kit import RESULTS, audit_cli, audit_json

E_AND_T = "Education and training"
ORG = "Organisational readiness"
STRUCT = "Structural adjustments, resourcing and support"
COMMIT = "Demonstrated commitment to peer integration and recovery practice"

# Every claim the text states that is not a citation list, by hand from the text:
# (line, kind, what is stated, subject).
EXPECTED_CLAIMS = [
    (3, "flow", "5191", "Records screened"),
    (3, "flow", "154", "Reports assessed for eligibility"),
    (3, "flow", "16", "Studies included in review"),
    (3, "characteristic", "5", "Countries"),
    (3, "characteristic", "7", "country: United States"),
    (3, "characteristic", "3", "country: Australia"),
    (3, "characteristic", "2", "country: United Kingdom"),
    (3, "characteristic", "1", "country: Finland"),
    (3, "characteristic", "1", "country: Singapore"),
    (3, "characteristic", "2", "country: Multiple countries"),
    (3, "characteristic", "13", "design: qualitative"),
    (3, "characteristic", "3", "design: mixed-methods"),
    (3, "characteristic", "11", "quality: good"),
    (3, "characteristic", "5", "quality: fair"),
    (3, "characteristic", "0", "quality: poor"),
    (5, "flow", "16", "Studies included in review"),
    (5, "characteristic", "4", "Themes"),
    (9, "count", "12/16", E_AND_T),
    (11, "author", "Byrne", "[38]"),
    (27, "count", "12", "Role clarity"),
    # Gates [47], Mancini [36] and Gillard [37]: the names the text gives, which the
    # shipped bibliography holds (FACTS.md), so they are checked too.
    (37, "author", "Gates", "[47]"),
    (41, "count", "8/16", "Professional supervision"),
    (45, "count", "all", COMMIT),
    (45, "author", "Mancini", "[36]"),
    (55, "count", "11/16", "Leadership"),
    (59, "author", "Berry", "[44]"),
    (63, "author", "Gillard", "[37]"),
    (69, "count", "14", "Consistent inclusion"),
]

# FACTS.md: the distinct references each section cites, 28 and 49 among them.
CITED = {
    E_AND_T: {33, 34, 35, 36, 37, 38, 39, 40, 41},
    ORG: {28, 38, 39, 40, 42, 43, 44, 45, 46},
    "Role clarity": {34, 35, 44, 45},
    "Recruitment and induction": {35, 38, 39, 43, 47, 48},
    STRUCT: {34, 35, 38, 39, 44, 46, 47},
    "Professional supervision": {33, 38, 41, 42, 45, 46},
    COMMIT: {34, 35, 36, 37, 38, 40, 41, 42, 44},
    "Leadership": {33, 34, 36, 38, 43, 44, 46, 48, 49},
    "Championing": {33, 37, 38, 42, 43, 44},
    "Consistent inclusion": {34, 35, 36, 38, 39, 43, 46},
}


def listed() -> dict[str, Any]:
    code, body = audit_json(RESULTS, "--list")
    assert code == 0
    return body


def test_every_stated_figure_is_recognised_and_consistent() -> None:
    findings = listed()["findings"]
    claims = [(f["line"], f["kind"], f["stated"], f["subject"]) for f in findings
              if f["code"] == "consistent" and f["kind"] != "citation"]
    assert claims == EXPECTED_CLAIMS


def test_no_errors_or_warnings_and_nothing_unattributed() -> None:
    body = listed()
    assert {f["severity"] for f in body["findings"]} == {"info"}
    assert body["summary"]["inconsistent"] == 0
    assert body["summary"]["unattributed"] == 0
    # 28 claims above, and one per citation list: the text has 52 bracketed lists.
    lists = sum(1 for f in body["findings"]
                if f["code"] == "consistent" and f["kind"] == "citation")
    assert lists == 52
    assert body["summary"]["claims"] == body["summary"]["consistent"] == 28 + 52


def test_citations_per_section_are_those_the_text_cites() -> None:
    cited: dict[str, set[int]] = {}
    for f in listed()["findings"]:
        if f["kind"] == "citation" and f["code"] == "consistent":
            numbers = f["text"].strip("[]").replace(" ", "").split(",")
            cited.setdefault(f["subject"], set()).update(map(int, numbers))
    assert cited == CITED


def test_refs_28_and_49_are_noted_as_no_included_study() -> None:
    _, body = audit_json(RESULTS)
    assert [(f["line"], f["column"], f["code"], f["stated"]) for f in body["findings"]] == [
        (23, 115, "not-included", "28"), (57, 1014, "not-included", "49")]


def test_web_residue_produces_no_findings() -> None:
    assert all(f["line"] < 71 for f in listed()["findings"])


def test_residue_alone_has_no_claims(tmp_path: Path) -> None:
    residue = tmp_path / "residue.txt"
    residue.write_text("留言 (0)\n\n沒有登入\ngif\n", encoding="utf-8")
    code, body = audit_json(residue, "--list")
    assert code == 0
    assert body["findings"] == []
    assert body["summary"]["claims"] == 0


def test_text_output_ends_with_the_summary() -> None:
    result = audit_cli(RESULTS)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == \
        "80 claims checked: 80 consistent, 0 inconsistent, 0 unattributed"


def test_counts_of_themes_other_studies_and_unknown_values_are_no_errors(tmp_path: Path) -> None:
    """Under a theme's heading: "one of the four themes" counts themes, "One study reported
    burnout [34]" counts the study it cites, and "Canada (n = 2)" counts a country no study
    is in; none of them is the heading theme's count."""
    manuscript = tmp_path / "f.md"
    manuscript.write_text("## Subtheme 1: role clarity\n\nOne of the four overarching themes "
                          "was role clarity. One study reported burnout [34]. Canada (n = 2) "
                          "was rare.\n", encoding="utf-8")
    code, body = audit_json(manuscript)
    assert code == 0
    assert [(f["line"], f["column"], f["code"], f["kind"]) for f in body["findings"]] == [
        (3, 54, "unattributed", "count"), (3, 94, "unattributed", "characteristic")]
    assert body["summary"] == {"claims": 3, "consistent": 1, "inconsistent": 0,
                               "unattributed": 2}
