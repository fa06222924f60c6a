"""What a problem costs is bounded by what is shown, not by the size of the file.

No timings here: each test counts the work that used to grow with every item (a second
reading of the file to find positions, a position or a diagnostic built for every one of a
million errors, a list copied for every broken item) and checks that the diagnostics shown,
and the totals of those not shown, are exact.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from peersynth import checks, diagnostics, loading, validate
from peersynth.diagnostics import Severity
from peersynth.loading import Document, parse_text
from peersynth.render_diagnostics import more_line
from peersynth.validate import MAX_PROBLEMS, validate_folder
from validation_cases import VALID, assemble

MINIMAL_STUDIES = (VALID / "minimal" / "studies.yaml").read_text(encoding="utf-8")


def _review(tmp_path: Path, studies: str, themes: str) -> Path:
    folder = assemble(VALID / "minimal", tmp_path / "review")
    (folder / "studies.yaml").write_text(studies, encoding="utf-8")
    (folder / "themes.yaml").write_text(themes, encoding="utf-8")
    return folder


class _Calls:
    """How often the function `counted` put in place of another was called."""

    calls = 0


def _counted(real: Any) -> tuple[Any, _Calls]:
    """A function that calls `real` and counts the calls (a method too, once set on a class)."""
    seen = _Calls()

    def counting(*args: Any, **kwargs: Any) -> Any:
        seen.calls += 1
        return real(*args, **kwargs)
    return counting, seen


# ----------------------------------------------------------------------- positions

# A study (its id at 16:9) with 200,000 authors in one flow list on line 17 of the minimal
# review's studies.yaml, and three problems: the study is coded to no theme, its year is
# text (18:11), and it has an unknown field (19:5).
MANY_AUTHORS = MINIMAL_STUDIES + (
    "  - id: many\n"
    "    authors: [" + ", ".join(["a"] * 200_000) + "]\n"
    "    year: '2020'\n"
    "    colour: red\n")
THEMES = ("themes:\n  - id: training\n    label: Training\n"
          "    studies: [smith2020, jones2021]\n")


def test_positions_of_a_few_problems_in_a_large_file_cost_no_second_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _review(tmp_path, MANY_AUTHORS, THEMES)
    counting, runs = _counted(loading._run)
    monkeypatch.setattr(loading, "_run", counting)
    report = validate_folder(folder)
    studies = f"{folder.as_posix()}/studies.yaml"
    assert [(d.file, d.line, d.column, d.code) for d in report.diagnostics] == [
        (studies, 16, 9, "uncoded-study"),
        (studies, 18, 11, "wrong-type"),
        (studies, 19, 5, "unknown-field"),
    ]
    assert report.diagnostics[1].message == "'year' must be a whole number; '2020' is text"
    # One reading per file: none more to find where the three problems are.
    assert runs.calls == 2


def test_finding_a_position_allocates_nothing_per_node() -> None:
    doc, diagnostics = parse_text(MANY_AUTHORS, "studies.yaml")
    assert doc is not None
    assert diagnostics == []
    tracemalloc.start()
    try:
        first = doc.position(("studies", 2, "authors", 199_999))
        key = doc.position(("studies", 2, "colour"), key=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # "    authors: [" is 14 characters, each author "a, " three more.
    assert first == (17, 15 + 3 * 199_999)
    assert key == (19, 5)
    # An index of every node's path would take tens of megabytes here.
    assert peak < 1_000_000


@pytest.mark.parametrize(("text", "path", "expected"), [
    ("a: yes\n", ("a",), "yes"),
    ("a: [1, Off, ~, 0012.5e+3]\n", ("a", 1), "Off"),
    ("a: [1, Off, ~, 0012.5e+3]\n", ("a", 2), "~"),
    ("a: [1, Off, ~, 0012.5e+3]\n", ("a", 3), "0012.5e+3"),
    ("a:\n", ("a",), ""),
    ("a: {b: }\n", ("a", "b"), ""),
    ("x: 1\r\ny: -7\r\n", ("y",), "-7"),
    ("x: 1\ry: NULL\r", ("y",), "NULL"),
    ("x: \U0001F600\u2028\ny: +3\n", ("y",), "+3"),
    ("x: 'caf\u00e9'\ny: [\u00e9, TRUE]\n", ("y", 1), "TRUE"),
    ("a: &n 12\nb: *n\n", ("a",), "12"),
    ("a: &n 12\nb: *n\n", ("b",), None),  # an alias: no text of its own
    ("a: !!int 12\n", ("a",), None),  # tagged: not a plain value
    ("a: '12'\n", ("a",), None),  # text
    ("a: 2021-01-01\n", ("a",), "2021-01-01"),
    ("a: [b, 12]\n", ("a", 0), None),
    ("a: 12", ("a",), "12"),  # no final line break
    ("a:", ("a",), ""),
])
def test_the_source_text_of_plain_values_read_as_something_else(
        text: str, path: tuple[str | int, ...], expected: str | None) -> None:
    doc, _diagnostics = parse_text(text, "f.yaml")
    assert doc is not None
    assert doc.plain_text(path) == expected


def test_positions_through_aliases_and_past_the_end_of_a_path() -> None:
    text = "a: &m {b: 1, c: [x, y]}\nd: *m\ne: [p, q]\n"
    doc, _diagnostics = parse_text(text, "f.yaml")
    assert doc is not None
    assert doc.position(("a", "c", 1)) == (1, 21)
    assert doc.position(("a", "c"), key=True) == (1, 14)
    # Under an alias, the alias is the place.
    assert doc.position(("d", "c", 1)) == (2, 4)
    assert doc.position(("d",), key=True) == (2, 1)
    # Past what the file holds: the nearest enclosing node.
    assert doc.position(("e", 5)) == (3, 4)
    assert doc.position(("e", 1, "deeper")) == (3, 8)
    assert doc.position(("nothing", 0)) == (1, 1)
    assert doc.position(()) == (1, 1)
    assert Document("f.yaml", {}).position(("a",)) == (1, 1)


# ----------------------------------------------------------------------- one study coded many times

def test_a_study_coded_many_times_builds_only_what_is_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lines 1-4 open the theme; the codings are on lines 5 to 20,004, each 'smith2020'
    # at column 9: the first is the one kept, the 19,999 others are duplicates.
    themes = ("themes:\n  - id: training\n    label: Training\n    studies:\n"
              + "      - smith2020\n" * 20_000 + "      - jones2021\n")
    folder = _review(tmp_path, MINIMAL_STUDIES, themes)
    counting, positions = _counted(Document.position)
    monkeypatch.setattr(Document, "position", counting)
    counting, made = _counted(diagnostics.make)
    monkeypatch.setattr(checks, "make", counting)
    report = validate_folder(folder)
    assert report.errors == 19_999
    assert report.warnings == 0
    themes_file = f"{folder.as_posix()}/themes.yaml"
    assert [(d.line, d.column, d.code) for d in report.diagnostics] == [
        (line, 9, "duplicate-coding") for line in range(6, 6 + MAX_PROBLEMS)]
    assert report.diagnostics[0].message == \
        "'smith2020' is already coded to 'training' at line 5"
    assert [more_line(o) for o in report.omitted] == [
        f"... and 19899 more problems in {themes_file} (19899 errors, 0 warnings) not shown"]
    # Neither a position nor a diagnostic for each of the 19,999.
    assert positions.calls <= 5 * MAX_PROBLEMS
    assert made.calls <= 2 * MAX_PROBLEMS


def test_past_the_cap_codings_are_still_counted_by_kind(tmp_path: Path) -> None:
    # Unknown ids and duplicates mixed: every one counted, whichever is shown.
    themes = ("themes:\n  - id: training\n    label: Training\n    studies: [smith2020, "
              + "ghost, " * 300 + "jones2021, smith2020]\n")
    folder = _review(tmp_path, MINIMAL_STUDIES, themes)
    capped = validate_folder(folder)
    everything = validate_folder(folder, max_problems=0)
    # 300 unknown 'ghost' codings, 299 of them repeats, and smith2020 coded twice.
    assert everything.errors == capped.errors == 300 + 299 + 1
    assert capped.diagnostics == everything.diagnostics[:MAX_PROBLEMS]
    assert [(o.errors, o.warnings) for o in capped.omitted] == [(600 - MAX_PROBLEMS, 0)]


# ----------------------------------------------------------------------- many broken codings

class _CountingSet(set[Any]):
    """A set that counts the elements it is built from, summed over every set built."""

    elements = 0

    def __init__(self, items: Any = ()) -> None:
        items = list(items)
        _CountingSet.elements += len(items)
        super().__init__(items)


def test_many_broken_codings_cost_a_constant_each(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 20,000 codings '{}' (each lacks 'study') in one flow list on line 4, then two
    # unknown ids: 20,002 errors.
    prefix = "    studies: [smith2020, jones2021, "
    themes = ("themes:\n  - id: training\n    label: Training\n" + prefix
              + "{}, " * 20_000 + "ghost1, ghost2]\n")
    folder = _review(tmp_path, MINIMAL_STUDIES, themes)
    counting, replaced = _counted(validate._replace)
    monkeypatch.setattr(validate, "_replace", counting)
    _CountingSet.elements = 0
    monkeypatch.setattr(validate, "set", _CountingSet, raising=False)
    report = validate_folder(folder)
    assert report.errors == 20_002
    assert report.warnings == 0
    themes_file = f"{folder.as_posix()}/themes.yaml"
    # The k-th '{}' starts 4 characters after the one before it.
    assert [(d.file, d.line, d.column, d.code, d.message) for d in report.diagnostics] == [
        (themes_file, 4, len(prefix) + 1 + 4 * k, "missing-field", "'study' is required")
        for k in range(MAX_PROBLEMS)]
    assert [(o.errors, o.warnings) for o in report.omitted] == [(20_002 - MAX_PROBLEMS, 0)]
    assert more_line(report.omitted[0]) == (
        f"... and 19902 more problems in {themes_file} (19902 errors, 0 warnings) not shown")
    # The broken codings are set aside together, not one copy of the list each.
    assert replaced.calls <= 4
    assert _CountingSet.elements <= 5 * 20_000


def test_broken_codings_past_the_cap_count_as_errors(tmp_path: Path) -> None:
    themes = ("themes:\n  - id: training\n    label: Training\n    studies: [smith2020, "
              "jones2021, " + "{}, " * 150 + "{study: 7}]\n")
    folder = _review(tmp_path, MINIMAL_STUDIES, themes)
    everything = validate_folder(folder, max_problems=0)
    capped = validate_folder(folder)
    assert everything.errors == capped.errors == 151
    assert {d.severity for d in everything.diagnostics} == {Severity.ERROR}
    assert (everything.diagnostics[-1].code, everything.diagnostics[-1].message) == (
        "unquoted-string", "'7' is read as a number, not text")
    assert capped.diagnostics == everything.diagnostics[:MAX_PROBLEMS]


def test_the_errors_of_a_long_list_are_never_all_held_at_once(tmp_path: Path) -> None:
    """20,000 broken codings: pydantic turns the errors of at most a chunk of them into
    Python objects at a time (all of them at once would take over 25 MB)."""
    themes = ("themes:\n  - id: training\n    label: Training\n    studies: [smith2020, "
              "jones2021, " + "{}, " * 20_000 + "ghost]\n")
    folder = _review(tmp_path, MINIMAL_STUDIES, themes)
    tracemalloc.start()
    try:
        report = validate_folder(folder)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.errors == 20_001
    assert peak < 20_000_000


# Mixed entries around the chunk size: broken ones of several kinds, sound ones, a repeat.
CODINGS = ["smith2020", "{}", "7", "{study: jones2021}", "{study: 8, evidence: 9}", "[]",
           "{study: smith2020, extra: 1}", "smith2020", "''"] * 250
AUTHORS = ["Ann A", "1", "''", "[x]", "Bob B"] * 300


@pytest.mark.parametrize("chunk", [10 ** 9, validate._CHUNK])
def test_a_long_list_read_in_chunks_says_what_it_says_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The same diagnostics, to the character, whether a long list is validated whole or a
    chunk at a time (a chunk beyond any list's length reads every list whole)."""
    studies = MINIMAL_STUDIES + "  - id: many\n    authors: [" + ", ".join(AUTHORS) + "]\n"
    themes = ("themes:\n  - id: training\n    label: Training\n    studies: ["
              + ", ".join(CODINGS) + "]\n    subthemes:\n      - id: sub\n        label: Sub\n"
              "        studies: [" + ", ".join(CODINGS) + "]\n")
    folder = _review(tmp_path, studies, themes)
    monkeypatch.setattr(validate, "_CHUNK", chunk)
    report = validate_folder(folder, max_problems=0)
    # Per list of codings, 250 of each of: '{}' (missing study), 7 (a number), 8 and 9
    # (two wrong types), [] (not a mapping or text), 'extra' (an unknown field), '' (not
    # a slug); and repeats: 500 codings of smith2020 and 250 of jones2021, all but the
    # first of each. Authors: 300 each of 1, '' and [x]. The study 'many' is coded to no
    # theme.
    per_list = 250 * (1 + 1 + 2 + 1 + 1 + 1) + 499 + 249
    assert (report.errors, report.warnings) == (2 * per_list + 3 * 300, 1)
    lines = [d.text() for d in report.diagnostics]
    monkeypatch.setattr(validate, "_CHUNK", 10 ** 9)
    whole = [d.text() for d in validate_folder(folder, max_problems=0).diagnostics]
    assert lines == whole
