"""Every problem of both files in one run: no problem hides another.

A valid review, and one-line edits to it that each inject one problem (one per
diagnostic code that can occur beside others). Each edit's diagnostics were worked
out by hand; the property is that any two edits on different lines report at least
what each reports alone: report(A+B) contains report(A) and report(B).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peersynth.cli import app
from peersynth.validate import validate_folder

runner = CliRunner()

STUDY_LINES = """\
review:
  flow:
    records_identified: 100
    duplicates_removed: 10
    records_screened: 90
    included: 8
vocabularies:
  setting: [community, inpatient]
studies:
"""
# Each study takes 7 lines: study k's id is on line 10 + 7 * (k - 1).
STUDY = """\
  - id: s{n}
    ref: {n}
    year: 2020
    countries: [Finland]
    design: qualitative
    quality: good
    attributes: {{setting: community}}
"""
STUDIES = STUDY_LINES + "".join(STUDY.format(n=n) for n in range(1, 9))

THEMES = """\
themes:
  - id: t1
    label: Theme one
    reported: 3
    studies: [s1]
    subthemes:
      - id: t1a
        label: Sub a
        studies: [s2]
      - id: t1b
        label: Sub b
        studies: [s3]
      - id: t1c
        label: Sub c
        studies: [s1]
  - id: t2
    label: Theme two
    studies: [s4, s5]
  - id: t3
    label: Theme three
    studies: [s6]
  - id: t4
    label: Theme four
    studies: [s7]
  - id: t5
    label: Theme five
    studies: [s1, s8]
"""

S, T = "studies.yaml", "themes.yaml"
Place = tuple[str, int, str]  # file, line, code

# name: (file, line replaced, its new text, the diagnostics the edit alone gives).
EDITS: dict[str, tuple[str, int, str, set[Place]]] = {
    "vocabulary": (S, 14, "    design: qualitativ", {(S, 14, "not-in-vocabulary")}),
    "country-no": (S, 20, "    countries: [NO]", {(S, 20, "unquoted-string")}),
    "quoted-year": (S, 26, '    year: "2020"', {(S, 26, "wrong-type")}),
    "year-range": (S, 33, "    year: 999", {(S, 33, "invalid-value")}),
    "misspelt-field": (S, 43, "    qualty: good", {(S, 43, "unknown-field")}),
    "same-ref": (S, 46, "    ref: 5", {(S, 46, "duplicate-ref")}),
    "screened": (S, 5, "    records_screened: 80", {(S, 5, "flow-arithmetic")}),
    "included": (S, 6, "    included: 9", {(S, 6, "flow-mismatch")}),
    # s8 becomes a second s1: t5's coding of s8 names no study any more.
    "same-study-id": (S, 59, "  - id: s1", {(S, 59, "duplicate-study-id"),
                                             (T, 27, "unknown-study")}),
    "same-key": (S, 30, "    attributes: {setting: community, setting: inpatient}",
                 {(S, 30, "duplicate-key")}),
    "tag": (S, 36, "    quality: !foo good", {(S, 36, "yaml-tag")}),
    "spelling": (S, 41, "    countries: [finland]", {(S, 41, "near-duplicate")}),
    # s7's id is broken, so t4's coding of s7 names no study.
    "study-id": (S, 52, "  - id: S7", {(S, 52, "invalid-id"), (T, 24, "unknown-study")}),
    "no-label": (T, 8, "        description: Sub a", {(T, 7, "missing-field")}),
    "unknown": (T, 12, "        studies: [s3, s9]", {(T, 12, "unknown-study")}),
    "reported": (T, 4, "    reported: 4", {(T, 4, "reported-count-mismatch")}),
    "empty": (T, 15, "        studies: []", {(T, 13, "empty-theme")}),
    # s6 was coded only to t3.
    "uncoded": (T, 21, "    studies: []", {(S, 45, "uncoded-study"), (T, 19, "empty-theme")}),
    "twice": (T, 18, "    studies: [s4, s5, s4]", {(T, 18, "duplicate-coding")}),
    "same-theme-id": (T, 22, "  - id: t1", {(T, 22, "duplicate-theme-id")}),
    # The broken coding may be meant for a study: t5 is not called empty.
    "coding-id": (T, 27, "    studies: [S1, s8]", {(T, 27, "invalid-id")}),
    "empty-label": (T, 3, '    label: ""', {(T, 3, "invalid-value")}),
    # t4's codings cannot be read and name s7: neither s7 uncoded nor t4 empty is judged.
    "codings-text": (T, 24, "    studies: s7", {(T, 24, "wrong-type")}),
}


def _write(folder: Path, edits: list[str]) -> Path:
    texts = {S: STUDIES.splitlines(), T: THEMES.splitlines()}
    for name in edits:
        file, line, text, _ = EDITS[name]
        texts[file][line - 1] = text
    folder.mkdir(parents=True, exist_ok=True)
    for file, lines in texts.items():
        (folder / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _found(folder: Path) -> set[Place]:
    report = validate_folder(folder, max_problems=0)
    return {(Path(d.file).name, d.line, d.code) for d in report.diagnostics}


def test_the_base_review_is_valid(tmp_path: Path) -> None:
    assert _found(_write(tmp_path, [])) == set()


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_edit_gives_what_was_worked_out(name: str, tmp_path: Path) -> None:
    assert _found(_write(tmp_path, [name])) == EDITS[name][3]


def _independent(a: str, b: str) -> bool:
    """Edits on different lines, neither on a line where the other's problems are."""
    def lines(name: str) -> set[tuple[str, int]]:
        file, line, _, expected = EDITS[name]
        return {(file, line)} | {(f, n) for f, n, _ in expected}
    return not (lines(a) & lines(b))


def test_no_problem_hides_another(tmp_path: Path) -> None:
    alone = {name: EDITS[name][3] for name in EDITS}
    pairs = [pair for pair in itertools.combinations(sorted(EDITS), 2) if _independent(*pair)]
    assert len(pairs) > 200
    hidden = {}
    for number, (a, b) in enumerate(pairs):
        found = _found(_write(tmp_path / str(number), [a, b]))
        missing = (alone[a] | alone[b]) - found
        if missing:
            hidden[(a, b)] = missing
    assert hidden == {}


def test_every_edit_together_reports_them_all(tmp_path: Path) -> None:
    # Edits on one line or sharing a place are left out: one changes the other's meaning.
    chosen: list[str] = []
    for name in sorted(EDITS):
        if all(_independent(name, other) for other in chosen):
            chosen.append(name)
    assert len(chosen) >= 15
    found = _found(_write(tmp_path, chosen))
    assert set().union(*(EDITS[name][3] for name in chosen)) <= found


def _json(folder: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["validate", "--format", "json", str(folder)])
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert isinstance(body, dict)
    return body


def test_a_subtheme_without_label_hides_nothing_under_its_theme(tmp_path: Path) -> None:
    # The defect: only the missing label was reported, the rest of t1 was dropped.
    body = _json(_write(tmp_path, ["no-label", "unknown", "reported", "empty"]))
    codes = sorted((d["line"], d["code"]) for d in body["diagnostics"])
    assert codes == [(4, "reported-count-mismatch"), (7, "missing-field"),
                     (12, "unknown-study"), (13, "empty-theme")]


def test_a_study_with_a_broken_value_keeps_every_warning(tmp_path: Path) -> None:
    # The defect: `countries: [NO]` made every warning of both files vanish.
    body = _json(_write(tmp_path, ["country-no", "reported", "empty", "uncoded"]))
    assert (body["errors"], body["warnings"]) == (1, 4)
    codes = sorted((d["file"].rsplit("/", 1)[-1], d["line"], d["code"])
                   for d in body["diagnostics"])
    assert codes == [(S, 20, "unquoted-string"), (S, 45, "uncoded-study"),
                     (T, 4, "reported-count-mismatch"), (T, 13, "empty-theme"),
                     (T, 19, "empty-theme")]


def test_a_broken_study_still_counts_for_its_themes(tmp_path: Path) -> None:
    # s2 is broken (a country read as false) but is a study: t1 still counts it.
    assert _found(_write(tmp_path, ["country-no"])) == {(S, 20, "unquoted-string")}


def test_an_unreadable_theme_entry_keeps_the_other_themes(tmp_path: Path) -> None:
    folder = _write(tmp_path, ["unknown"])
    text = (folder / T).read_text().replace("  - id: t2\n    label: Theme two\n"
                                            "    studies: [s4, s5]\n", "  - 5\n  - 6\n  - 7\n")
    (folder / T).write_text(text)
    found = _found(folder)
    # s4 and s5 lost their only coding; the entries themselves hold no study id.
    assert found == {(T, 12, "unknown-study"), (T, 16, "wrong-type"), (T, 17, "wrong-type"),
                     (T, 18, "wrong-type"), (S, 31, "uncoded-study"),
                     (S, 38, "uncoded-study")}


def test_a_file_that_cannot_be_read_leaves_the_other_checked(tmp_path: Path) -> None:
    folder = _write(tmp_path, ["same-theme-id", "twice", "empty"])
    (folder / S).write_text("studies: [\n", encoding="utf-8")
    found = _found(folder)
    # Codings cannot be judged against studies that could not be read: no unknown-study.
    # The syntax error is at the '[' that is never closed, on line 1.
    assert found == {(S, 1, "yaml-syntax"), (T, 22, "duplicate-theme-id"),
                     (T, 18, "duplicate-coding"), (T, 13, "empty-theme")}
