"""Word output (--format docx --output FILE): read back with python-docx, and the rules
of writing a file: whole or not at all, never over an existing one without --force.

Expected cells are worked out by hand from ../shared/review/FACTS.md and the data."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from docx.table import Table

from peersynth.cli import common
from peersynth.errors import UsageError
from peersynth.render import Grid
from peersynth.render_docx import Paragraph, document
from reviewkit import DATA, REPO, run, small

DASH = "\u2013"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def written(tmp_path: Path, *args: str | Path, name: str = "out.docx") -> Table:
    target = tmp_path / name
    result = run(*args, "--format", "docx", "--output", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    [table] = docx.Document(str(target)).tables
    return table


def texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def indent(table: Table, row: int) -> object:
    return table.rows[row].cells[0].paragraphs[0].paragraph_format.left_indent


def repeats(table: Table, row: int) -> bool:
    properties = table.rows[row]._tr.trPr
    return properties is not None and properties.find(f"{W}tblHeader") is not None


# ---------------------------------------------------------------------------
# Round trips


def test_tally_round_trip(tmp_path: Path) -> None:
    table = written(tmp_path, "tally", "--data", DATA)
    # FACTS: education and training 12 of 16, role clarity 12, professional supervision
    # 8, demonstrated commitment 16, leadership 11, consistent inclusion 14.
    rows = texts(table)
    assert rows[0] == ["Theme", "n/N", "%"]
    assert rows[1] == ["Education and training", "12/16", "75%"]
    assert rows[3] == ["Role clarity", "12/16", "75%"]
    assert rows[6] == ["Professional supervision", "8/16", "50%"]
    assert rows[7] == ["Demonstrated commitment to peer integration and recovery practice",
                       "16/16", "100%"]
    assert rows[8] == ["Leadership", "11/16", "69%"]
    assert rows[10] == ["Consistent inclusion", "14/16", "88%"]
    assert len(rows) == 11
    # Only the heading row repeats on each page.
    assert repeats(table, 0)
    assert not any(repeats(table, i) for i in range(1, len(rows)))
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)
    # Subthemes are indented one level; themes are not.
    assert indent(table, 1) is None
    assert indent(table, 3) == Pt(12)
    assert table.rows[1].cells[1].paragraphs[0].alignment == 2  # right: a number


def test_evidence_round_trip_spans_theme_rows_and_indents_codings(tmp_path: Path) -> None:
    # The small review: access (alpha) > cost (beta) > insurance (beta; gamma "p. 3").
    table = written(tmp_path, "evidence", "--data", small(tmp_path))
    rows = texts(table)
    assert rows[0] == ["Theme / study", "Ref", "Evidence", "Note"]
    # A theme heads its codings across the whole width (one cell, spanning four).
    assert rows[1] == ["Access to care"] * 4
    assert len(table.rows[1]._tr.tc_lst) == 1
    assert table.rows[1]._tr.tc_lst[0].grid_span == 4
    assert all(run.bold for run in table.rows[1].cells[0].paragraphs[0].runs)
    assert rows[2] == ["\u00c5ngstr\u00f6m & Nguy\u1ec5n 2019", "1", DASH, DASH]
    # Access (a theme), alpha (its coding), Cost (a subtheme), beta (its coding),
    # Insurance cover (a sub-subtheme), beta and gamma (its codings): 12 points a level.
    assert [indent(table, i) for i in range(1, 8)] == [
        None, Pt(12), Pt(12), Pt(24), Pt(24), Pt(36), Pt(36)]
    assert rows[5] == ["Insurance cover"] * 4
    assert rows[7] == ["Byrne et al. 2019b", "3", "p. 3", DASH]
    assert repeats(table, 0)


def test_characteristics_round_trip_grouped(tmp_path: Path) -> None:
    table = written(tmp_path, "characteristics", "--data", DATA, "--group-by", "quality",
                    "--columns", "id,year,country")
    rows = texts(table)
    # FACTS: quality good 11 (refs 33-43), fair 5 (44-48); only refs 38 and 44 give a year.
    assert rows[0] == ["Id", "Year", "Country"]
    assert rows[1] == ["good (n = 11)"] * 3
    assert rows[2] == ["ref33", DASH, "United States"]
    assert rows[7] == ["ref38", "2021", "United States"]
    assert rows[13] == ["fair (n = 5)"] * 3
    assert rows[14] == ["ref44", "2011", "United Kingdom"]
    assert len(rows) == 1 + 2 + 16
    assert indent(table, 2) == Pt(12)


def test_matrix_round_trip_has_a_bold_total_row_and_is_landscape(tmp_path: Path) -> None:
    target = tmp_path / "matrix.docx"
    assert run("matrix", "--data", DATA, "--format", "docx", "-o", target).exit_code == 0
    document_ = docx.Document(str(target))
    [table] = document_.tables
    rows = texts(table)
    assert rows[0][:3] == ["Ref", "Study", "Education and training"]
    assert rows[0][-1] == "Themes"
    assert rows[1][:2] == ["33", "ref33"]
    # FACTS: education and training 12, role clarity 12 (the fourth theme column).
    assert rows[-1][:3] == ["", "Total", "12"]
    assert rows[-1][4] == "12"
    assert all(r.bold for r in table.rows[-1].cells[1].paragraphs[0].runs)
    # Twelve columns do not fit a portrait page.
    section = document_.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert section.page_width > section.page_height


def test_studies_round_trip(tmp_path: Path) -> None:
    rows = texts(written(tmp_path, "studies", "--data", DATA))
    # FACTS: 5191 records screened, 154 full texts, 16 included; United States 7.
    assert rows[0] == ["Characteristic", "Value", "n", "% of 16"]
    assert rows[1] == ["PRISMA flow", "Records screened", "5191", ""]
    assert ["", "Reports assessed for eligibility", "154", ""] in rows
    assert ["Country", "United States", "7", "44%"] in rows


def test_document_parts_and_cells_xml_cannot_hold() -> None:
    """Text XML cannot hold (U+FFFF) and controls arrive escaped; paragraphs come in
    order around the tables, as a reference list would."""
    import io

    grid = Grid(["A\x1b", "B"], [["x\uffffy", "1"], ["<&>", "2"]], "lr")
    data = document([Paragraph("Table 1. Studies", "Caption"), grid, Paragraph("After")])
    read = docx.Document(io.BytesIO(data))
    assert [p.text for p in read.paragraphs] == ["Table 1. Studies", "After"]
    assert texts(read.tables[0]) == [["A\\u001b", "B"], ["x\\uffffy", "1"], ["<&>", "2"]]


# ---------------------------------------------------------------------------
# Writing the file


def test_docx_without_output_is_a_usage_error() -> None:
    result = run("tally", "--data", DATA, "--format", "docx")
    assert result.exit_code == 2
    assert "--output" in result.stderr
    assert result.stdout == ""


def folder_for(tmp_path: Path) -> Path:
    """A folder of its own for the output (the test's cache lives in tmp_path too)."""
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_an_existing_file_is_not_replaced_without_force(tmp_path: Path) -> None:
    tmp_path = folder_for(tmp_path)
    target = tmp_path / "table1.docx"
    target.write_bytes(b"the manuscript's own table")
    result = run("characteristics", "--data", DATA, "--format", "docx", "--output", target)
    assert result.exit_code == 2
    assert f"{target.as_posix()} already exists; nothing was written" in result.stderr
    assert "--force" in result.stderr
    assert target.read_bytes() == b"the manuscript's own table"
    assert sorted(tmp_path.iterdir()) == [target]


def test_force_replaces_the_file(tmp_path: Path) -> None:
    tmp_path = folder_for(tmp_path)
    target = tmp_path / "table1.docx"
    target.write_bytes(b"old")
    result = run("characteristics", "--data", DATA, "--format", "docx", "-o", target, "--force")
    assert result.exit_code == 0, result.stderr
    assert texts(docx.Document(str(target)).tables[0])[1][0] == "ref33"
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_text_format_goes_to_the_output_file_too(tmp_path: Path) -> None:
    target = tmp_path / "themes.md"
    result = run("tally", "--data", DATA, "--format", "markdown", "--output", target)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == run("tally", "--data", DATA, "--format",
                                                     "markdown").stdout
    again = run("tally", "--data", DATA, "--format", "markdown", "--output", target)
    assert again.exit_code == 2


@pytest.mark.parametrize("force", [False, True])
def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              force: bool) -> None:
    """The disk fills while the bytes are written: no file, or the old one untouched,
    and no temporary file left beside it."""
    tmp_path = folder_for(tmp_path)
    target = tmp_path / "evidence.docx"
    if force:
        target.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    args: list[str | Path] = ["evidence", "--data", DATA, "--format", "docx", "--output", target]
    result = run(*args, *(["--force"] if force else []))
    assert result.exit_code == 3
    assert f"cannot write {target.as_posix()}: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    if force:
        assert target.read_bytes() == b"old"
        assert sorted(tmp_path.iterdir()) == [target]
    else:
        assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_exits_3(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "table.docx"
    result = run("matrix", "--data", DATA, "--format", "docx", "--output", target)
    assert result.exit_code == 3
    assert f"cannot write {target.as_posix()}" in result.stderr


def test_a_file_made_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    """Past the check at the start, the file is placed only if its name is still free."""
    target = tmp_path / "t.docx"
    target.write_bytes(b"made meanwhile")
    with pytest.raises(UsageError, match="already exists"):
        common.write_output(target, b"new", force=False)
    assert target.read_bytes() == b"made meanwhile"
    assert sorted(tmp_path.iterdir()) == [target]


def test_the_output_file_is_readable_by_others(tmp_path: Path) -> None:
    # Like any file the user makes (0o666 less the umask), not private like mkstemp's.
    previous = os.umask(0o022)
    try:
        common.write_output(tmp_path / "t.md", b"x", force=False)
    finally:
        os.umask(previous)
    assert (tmp_path / "t.md").stat().st_mode & 0o777 == 0o644


def test_other_formats_do_not_load_python_docx() -> None:
    code = ("import sys, peersynth.cli.tables\n"
            "from peersynth.cli import app\n"
            f"app(['characteristics', '--data', {str(DATA)!r}, '--format', 'markdown'],"
            " standalone_mode=False)\n"
            "print('docx' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
