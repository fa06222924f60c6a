"""The tables drawn for a terminal: real rich rendering at the widths people use.

A number is never cut or ellipsized: number columns keep their widest cell, text
wraps, and a table that cannot fit even so is printed plain, with a note. The matrix
uses short theme keys and a legend. NO_COLOR means no escape codes at all.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from peersynth import analysis, render
from peersynth.render import CiteFormat, Grid, TableFormat
from peersynth.review import Review
from reviewkit import DATA, REPO, load, write_review

WIDTHS = [20, 30, 40, 80, 100]

LONG_STUDIES = """\
studies:
  - id: first
    ref: 101
    authors: [Vandenberghe-Oppenheimer A, Szczepańska-Kowalczyk B]
    year: 2019
    countries: [United Kingdom of Great Britain and Northern Ireland]
    design: qualitative
    quality: good
  - id: second
    ref: 102
    authors: [Lee C]
    year: 2020
    countries: [Democratic Republic of the Congo]
    design: mixed-methods
    quality: fair
  - id: third
    authors: [Nakamura-Fitzgerald D, Okonkwo E]
    year: 2021
    countries: [United Kingdom of Great Britain and Northern Ireland]
    design: qualitative
    quality: good
"""
SUB_LABEL = ("Subtheme alpha bravo charlie delta echo foxtrot golf hotel india juliett "
             "kilo lima")
LONG_THEMES = f"""\
themes:
  - id: organisational-readiness-and-a-culture-of-shared-decision-making
    label: Organisational readiness and a culture of shared decision making across services
    studies: [first]
    subthemes:
      - id: sub
        label: {SUB_LABEL}
        studies: [second, third]
  - id: supervision
    label: Supervision
    studies: [first, second, third]
"""


@pytest.fixture(scope="module")
def shipped() -> Review:
    return load(DATA)


@pytest.fixture
def long(tmp_path: Path) -> Review:
    return load(write_review(tmp_path / "long", LONG_STUDIES, LONG_THEMES))


class Notes(list[str]):
    def __call__(self, text: str) -> None:
        self.append(text)


def assert_intact(out: str, values: set[str]) -> None:
    assert "\u2026" not in out  # nothing ellipsized
    for value in values:
        pattern = rf"(?<![\d/]){re.escape(value)}(?![\d/%])"
        assert re.search(pattern, out), f"{value!r} not intact in:\n{out}"


def assert_within(out: str, width: int) -> None:
    for line in out.splitlines():
        assert render._width(line) <= width, (width, line)


def fractions(cells: list[analysis.Cell]) -> set[str]:
    return {f"{c.n}/{c.N}" for c in cells} | {render.show_percent(c.percent) for c in cells}


def drawn(out: str, plain: str, notes: Notes, width: int) -> None:
    """Either a styled table that fits the width, or the plain table and one note."""
    if notes:
        assert out == plain
        assert len(notes) == 1
        assert f"the terminal has {width}" in notes[0]
    else:
        assert out != plain
        assert_within(out, width)


# never a cut number


Case = Callable[[Review, bool, int | None, Notes | None], str]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["shipped", "long"])
def test_tally_numbers_stay_whole(which: str, width: int, request: pytest.FixtureRequest) -> None:
    review: Review = request.getfixturevalue(which)
    for by in (None, "country"):
        result = analysis.tally(review, by=by)
        notes = Notes()
        out = render.render_tally(result, TableFormat.table, True, width, note=notes)
        cells = [cell for row in result.rows for cell in (row.total, *row.columns)]
        assert_intact(out, fractions(cells))
        drawn(out, render.render_tally(result, TableFormat.table), notes, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["shipped", "long"])
def test_citation_map_numbers_stay_whole(which: str, width: int,
                                         request: pytest.FixtureRequest) -> None:
    review: Review = request.getfixturevalue(which)
    result = analysis.citations(review)
    notes = Notes()
    out = render.render_citations(result, CiteFormat.table, is_terminal=True, width=width,
                                  note=notes)
    assert_intact(out, {f"{row.n}/{row.N}" for row in result.rows})
    # A citation may wrap between its numbers, never inside one.
    for row in result.rows:
        for word in row.citation.display().split():
            assert word in out, word
    drawn(out, render.render_citations(result, CiteFormat.table), notes, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["shipped", "long"])
def test_characteristics_numbers_stay_whole(which: str, width: int,
                                            request: pytest.FixtureRequest) -> None:
    review: Review = request.getfixturevalue(which)
    result = analysis.characteristics(review)
    notes = Notes()
    out = render.render_characteristics(result, TableFormat.table, True, width, note=notes)
    values = {f"{render.show_percent(render._percent(g, result.N))}"
              for section in result.sections for g in section.rows}
    assert_intact(out, values)
    drawn(out, render.render_characteristics(result, TableFormat.table), notes, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["shipped", "long"])
def test_matrix_numbers_stay_whole(which: str, width: int,
                                   request: pytest.FixtureRequest) -> None:
    review: Review = request.getfixturevalue(which)
    result = analysis.matrix(review)
    notes = Notes()
    out = render.render_matrix(result, TableFormat.table, True, width, note=notes)
    plain = render.render_matrix(result, TableFormat.table)
    if notes:
        assert out == plain
        return
    assert_within(out, width)
    assert "\u2026" not in out
    lines = out.splitlines()
    for row in result.rows:
        key = str(row.ref) if row.ref is not None else row.id
        # The row's line starts with its key and ends with its total.
        assert any(line.split()[:1] == [key] and line.split()[-1] == str(row.total)
                   for line in lines if line.strip()), (key, out)


def test_shipped_tally_at_30_columns_wraps_labels_and_keeps_every_count(
        shipped: Review) -> None:
    notes = Notes()
    out = render.render_tally(analysis.tally(shipped), TableFormat.table, True, 30,
                              note=notes)
    assert notes == []
    # Worked out from FACTS.md: Education and training 12/16, 75%; Role clarity 12/16.
    # The Theme column gets 30 - 2 rules - 7 - 6 = 15, 13 inside its padding.
    assert re.search(r"Education and +12/16 +75%", out)
    assert "16/16" in out
    assert "100%" in out


# too narrow, or no width at all


def test_too_narrow_prints_plain_and_says_so(shipped: Review) -> None:
    notes = Notes()
    result = analysis.tally(shipped)
    out = render.render_tally(result, TableFormat.table, True, 20, note=notes)
    assert out == render.render_tally(result, TableFormat.table)
    # Theme: the indent of a subtheme and 8 letters (10); n/N "12/16" (5); % "100%" (4);
    # each column padded by 2 and 2 rules between them: 10 + 5 + 4 + 3 * 2 + 2 = 27.
    assert notes == ["the table needs 27 columns but the terminal has 20: "
                     "printed as plain text"]


def test_fits_counts_padding_and_rules() -> None:
    grid = Grid(["Theme", "n/N"], [["Education", "12/16"]], "lr")
    # Text may wrap down to 8 columns, "12/16" never: 8 + 5, padded by 2 each, 1 rule.
    assert render.fits(grid, 18)
    assert not render.fits(grid, 17)


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "", " 80", "9" * 5000, "\u0663\u0660"])
def test_a_nonsense_width_means_unknown_and_prints_plain(
        shipped: Review, monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    result = analysis.tally(shipped)
    out = render.render_tally(result, TableFormat.table, is_terminal=True)
    assert out == render.render_tally(result, TableFormat.table)
    assert "12/16" in out


def test_styled_with_an_unknown_width_draws_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "0")
    grid = Grid(["Theme", "n/N"], [["Role clarity", "12/16"]], "lr")
    assert render.styled(grid) == render.plain(grid)


def test_width_comes_from_columns_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    assert render.terminal_width(None) == 30
    assert render.terminal_width(45) == 45
    assert render.terminal_width(0) is None


def test_columns_zero_on_a_real_terminal_prints_the_table(tmp_path: Path) -> None:
    # The defect: with COLUMNS=0 rich drew a table zero columns wide, printing nothing.
    env = {**os.environ, "COLUMNS": "0", "NO_COLOR": "1", "TERM": "xterm",
           "PEERSYNTH_CACHE_DIR": str(tmp_path / "cache")}
    main, child = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "peersynth", "tally", "--data", str(DATA)],
                          stdin=subprocess.DEVNULL, stdout=child, stderr=subprocess.PIPE,
                          env=env, cwd=REPO, check=False, timeout=60)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the pty reports EIO once the child's end is closed and drained
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert done.returncode == 0, done.stderr
    text = out.decode()
    assert "Education and training" in text
    assert "12/16" in text


# wrapping


def test_a_wrapped_subtheme_label_keeps_its_indent(long: Review) -> None:
    out = render.render_tally(analysis.tally(long), TableFormat.table, True, 40)
    words = SUB_LABEL.split()
    lines = [line for line in out.splitlines() if any(word in line.split() for word in words)]
    assert len(lines) > 1  # it did wrap
    for line in lines:
        # rich pads a cell by one column; a depth-1 label is indented by two more.
        assert line[:3] == "   ", line
        assert line[3] != " ", line
    assert " ".join(line[3:].split("  ")[0] for line in lines) == SUB_LABEL


def test_a_long_header_wraps_instead_of_pushing_columns_out(long: Review) -> None:
    # A number column's header once set its width: "United Kingdom of Great Britain and
    # Northern Ireland" took 52 columns, and at 55 the Theme and All columns vanished.
    result = analysis.tally(long, by="country")
    out = render.render_tally(result, TableFormat.table, True, 55)
    header = [line.split() for line in out.splitlines() if "Theme" in line.split()]
    assert header[0][:2] == ["Theme", "All"]
    assert_intact(out, fractions([c for row in result.rows for c in (row.total, *row.columns)]))
    assert_within(out, 55)


def test_long_words_fold_instead_of_ellipsis(long: Review) -> None:
    out = render.render_characteristics(analysis.characteristics(long), TableFormat.table,
                                        True, 40)
    assert "\u2026" not in out
    assert "Democratic" in out


# the matrix on a terminal


def test_matrix_uses_theme_keys_and_a_legend(shipped: Review) -> None:
    result = analysis.matrix(shipped)
    out = render.render_matrix(result, TableFormat.table, True, 80)
    lines = out.splitlines()
    header = lines[0].split()
    assert header[0] == "Ref"
    keys = [f"T{i}" for i in range(1, len(result.themes) + 1)]
    assert header[-len(keys) - 1:] == [*keys, "Themes"]
    # The legend, after the table, maps each key to its label, subthemes indented.
    legend = lines[-len(keys):]
    for key, theme, line in zip(keys, result.themes, legend, strict=True):
        assert line.rstrip().split(None, 1) == [key, theme.label]
        assert line.startswith(f"{key:<3}  " + "  " * theme.depth + theme.label[:3])
    assert "\u2026" not in out
    assert_within(out, 80)


def test_matrix_keeps_study_labels_when_they_fit(shipped: Review) -> None:
    result = analysis.matrix(shipped)
    wide = render.render_matrix(result, TableFormat.table, True, 100)
    # Without labels the table is 75 columns wide: Ref (5), ten keys (3), Total (5),
    # each padded by 2, 11 rules; the labels (up to 17 and 2) need 20 more.
    narrow = render.render_matrix(result, TableFormat.table, True, 80)
    labels = [row.label for row in result.rows]
    assert all(label in wide for label in labels)
    assert not any(label in narrow for label in labels)
    assert "Study" in wide.splitlines()[0].split()


def test_matrix_rows_without_ref_are_keyed_by_id(long: Review) -> None:
    out = render.render_matrix(analysis.matrix(long), TableFormat.table, True, 40)
    keys = [line.split()[0] for line in out.splitlines()[2:5]]
    assert keys == ["101", "102", "third"]


def test_matrix_other_formats_keep_full_labels(shipped: Review) -> None:
    result = analysis.matrix(shipped)
    for fmt in (TableFormat.markdown, TableFormat.latex, TableFormat.csv):
        out = render.render_matrix(result, fmt, True, 80)
        assert "Education and training" in out
        assert "T1" not in out


# colour


def test_no_color_means_no_escape_codes(shipped: Review, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    result = analysis.tally(shipped)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render.render_tally(result, TableFormat.table, True, 80)
    assert "\x1b[" not in render.render_matrix(analysis.matrix(shipped), TableFormat.table,
                                               True, 100)
    # no-color.org: an empty NO_COLOR does not count as set.
    monkeypatch.setenv("NO_COLOR", "")
    assert "\x1b[1m" in render.render_tally(result, TableFormat.table, True, 80)
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[1m" in render.render_tally(result, TableFormat.table, True, 80)
