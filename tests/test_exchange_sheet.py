"""Spreadsheets in and out: real-looking extraction tables (a Covidence CSV, a workbook with
merged headings and dates, a semicolon CSV in Windows-1252) import to what was worked out
by hand; a matrix's marks become codings and an unknown mark is refused with its cell;
a review exported as a workbook is the same bytes every run, holds no formula, and reads
back to the same tally."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook, load_workbook

import peersynth.cli.exchange  # noqa: F401 - registers export and import
from peersynth import analysis
from peersynth.review import Review
from reviewkit import DATA, REPO, load, run, small, write_review

SHEETS = REPO / "tests" / "data" / "exchange" / "sheets"


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _import(*args: str | Path) -> tuple[Any, str]:
    result = run("import", "sheet", *args)
    assert result.exit_code == 0, result.stderr
    return result, result.stderr


# ---------------------------------------------------------------------------
# --studies


def test_covidence_extraction_csv(tmp_path: Path) -> None:
    _, said = _import(SHEETS / "covidence-extraction.csv", "--studies", "--into", tmp_path,
                      "--map", "Country in which the study conducted=countries")
    # The consensus row is each study's; "Qualitative" and "Mixed methods" are the
    # vocabulary's; "Case study" is declared; the id "O'Brien 2020" slugged.
    assert _yaml(tmp_path / "studies.yaml") == {
        "vocabularies": {"design": ["qualitative", "quantitative", "mixed-methods",
                                    "Case study"]},
        "studies": [
            {"id": "smith-2019", "year": 2019, "title": "Peer workers in acute care",
             "countries": ["Australia"], "design": "qualitative",
             "attributes": {"Covidence #": 1234, "Participants (n)": 24,
                            "Setting": "Inpatient"}},
            {"id": "jones-2021", "year": 2021,
             "title": 'Peer support, recovery and "lived experience"',
             "countries": ["United Kingdom", "Ireland"], "design": "mixed-methods",
             "attributes": {"Covidence #": 1301, "Participants (n)": '=HYPERLINK("http://x")',
                            "Setting": "Community"}},
            {"id": "o-brien-2020", "year": 2020, "title": "Integrating peers",
             "countries": ["Canada"], "design": "Case study",
             "attributes": {"Covidence #": 1302, "Setting": "Community"}}]}
    assert "read as UTF-8 with a byte order mark, separated by ','" in said
    assert "2 reviewer row(s) of studies with a Consensus row left out" in said
    assert "'Study design' -> design" in said
    (tmp_path / "themes.yaml").write_text("themes:\n  - id: t\n    label: T\n"
                                          "    studies: [smith-2019]\n", encoding="utf-8")
    assert run("validate", tmp_path).exit_code == 0


def test_semicolon_csv_in_windows_1252_from_a_european_excel(tmp_path: Path) -> None:
    _, said = _import(SHEETS / "european-semicolon.csv", "--studies", "--into", tmp_path)
    # Commas inside cells do not fool the separator; ';' inside quotes splits authors;
    # a date 01.06.2020 in the year column is 2020; 34,5 (a decimal comma) stays text.
    assert _yaml(tmp_path / "studies.yaml") == {
        "vocabularies": {"quality": ["good", "fair", "poor", "hoch"]},
        "studies": [
            {"id": "muller-2018", "authors": ["Müller A", "Ødegaard B"], "year": 2018,
             "countries": ["Germany", "Norway"], "quality": "good",
             "attributes": {"Mean age": "34,5"}},
            {"id": "lefevre-2020", "authors": ["Lefèvre C"], "year": 2020,
             "countries": ["France"], "quality": "hoch", "attributes": {"Mean age": 41}}]}
    assert "read as Windows-1252 (it is not UTF-8), separated by ';'" in said
    assert "2 empty row(s) left out" in said


def _extraction_workbook(path: Path) -> None:
    """An extraction workbook as people make them: a notes sheet first; headings merged
    over their columns' own; a year typed into a date cell; a country merged down over
    two studies; a formatted cell far below and to the right."""
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes["A1"] = "Extraction by AL and BO"
    sheet = book.create_sheet("Data extraction")
    sheet["A1"] = "Study details"
    sheet.merge_cells("A1:C1")
    sheet["D1"] = "Participants"
    sheet.merge_cells("D1:E1")
    sheet["F1"] = "Quality"
    sheet.merge_cells("F1:F2")
    for letter, text in zip("ABCDE", ["Study ID", "Publication year", "Country", "n",
                                      "Age range"], strict=True):
        sheet[f"{letter}2"] = text
    rows: list[list[Any]] = [
        ["Ahmed 2017", dt.datetime(1905, 7, 9), "Kenya", 30, "18-65", "fair"],
        ["Baker 2022", dt.datetime(2022, 3, 15), "UK", 12.0, None, "Good"],
        ["Chen 2016", 2016, "China", "15", None, "poor"],
        ["Diaz 2018", 2018.0, None, 40, None, "poor"],
    ]
    for number, row in enumerate(rows, 3):
        for column, value in enumerate(row, 1):
            sheet.cell(row=number, column=column, value=value)
    sheet.merge_cells("C5:C6")
    sheet.cell(row=20, column=9).number_format = "0.00"  # formatted, empty
    book.save(path)


def test_workbook_with_merged_headings_and_dates(tmp_path: Path) -> None:
    _extraction_workbook(tmp_path / "x.xlsx")
    _, said = _import(tmp_path / "x.xlsx", "--studies", "--into", tmp_path / "r")
    # Excel shows 2017 typed into a date cell as 1905-07-09: day 2017 counted from
    # 1899-12-30 (2 days to 1900, 1826 to 1905, then 189 days: 9 July).
    n = "Participants / n"
    assert _yaml(tmp_path / "r" / "studies.yaml") == {"studies": [
        {"id": "ahmed-2017", "year": 2017, "countries": ["Kenya"], "quality": "fair",
         "attributes": {n: 30, "Participants / Age range": "18-65"}},
        {"id": "baker-2022", "year": 2022, "countries": ["UK"], "quality": "good",
         "attributes": {n: 12}},
        {"id": "chen-2016", "year": 2016, "countries": ["China"], "quality": "poor",
         "attributes": {n: 15}},
        {"id": "diaz-2018", "year": 2018, "countries": ["China"], "quality": "poor",
         "attributes": {n: 40}}]}
    assert "read sheet 'Data extraction' (of 2: 'Notes', 'Data extraction')" in said
    assert "rows 1-2 are the heading" in said
    assert (f"{(tmp_path / 'x.xlsx').as_posix()}:3:2: warning[date-as-year] Data extraction!B3: "
            "the date 1905-07-09 is how Excel shows 2017") in said
    assert "'Study details / Publication year' -> year" in said


def test_map_names_fields_and_refuses_what_is_none(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("Paper,Yr,Where\nA one,2001,Peru\n", encoding="utf-8")
    _import(tmp_path / "s.csv", "--studies", "--into", tmp_path / "r", "--map", "paper=id",
            "--map", "YR=year", "--map", "Where=attribute:site")
    assert _yaml(tmp_path / "r" / "studies.yaml") == {"studies": [
        {"id": "a-one", "year": 2001, "attributes": {"site": "Peru"}}]}
    bad = run("import", "sheet", tmp_path / "s.csv", "--studies", "--into", tmp_path / "q",
              "--map", "Yr=yaer")
    assert bad.exit_code == 2
    assert "'yaer' is not a field" in bad.stderr
    assert "did you mean 'year'" in bad.stderr
    missing = run("import", "sheet", tmp_path / "s.csv", "--studies", "--into", tmp_path / "q",
                  "--map", "Pages=note")
    assert missing.exit_code == 2
    assert "'Paper', 'Yr', 'Where'" in missing.stderr
    assert not (tmp_path / "q").exists()


def test_a_row_without_id_gets_one_from_authors_and_year(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(
        "Authors,Year,Title\nSmith J; Lee K,2019,A\nSmith P,2019,B\n,,\n,,C study here\n",
        encoding="utf-8")
    _, said = _import(tmp_path / "s.csv", "--studies", "--into", tmp_path / "r")
    ids = [s["id"] for s in _yaml(tmp_path / "r" / "studies.yaml")["studies"]]
    assert ids == ["smith-2019", "smith-2019-2", "c-study-here"]
    assert "no id column" in said


def test_two_studies_with_one_id_keep_the_first(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("id,year\na,2001\nb,2002\na,2003\n", encoding="utf-8")
    _, said = _import(tmp_path / "s.csv", "--studies", "--into", tmp_path / "r")
    assert [s["year"] for s in _yaml(tmp_path / "r" / "studies.yaml")["studies"]] == [
        2001, 2002]
    assert ":4:1: warning[duplicate-study] A4: study 'a' again (first in row 2)" in said


# ---------------------------------------------------------------------------
# --matrix


def test_matrix_marks_become_codings(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", """\
        studies:
          - id: smith-2019
            authors: [Smith J]
            year: 2019
          - id: lee
        """, "themes: []\n")
    (folder / "themes.yaml").unlink()
    (tmp_path / "m.csv").write_text(
        "Study,Stigma,Training,Cost,Total\n"
        "Smith 2019,x,,1,2\n"  # matched by its author-year label
        "lee,\u2713,No,TRUE,2\n"
        "ghost,yes,,,1\n"
        "Total,2,0,2,\n", encoding="utf-8")
    _, said = _import(tmp_path / "m.csv", "--matrix", "--into", folder)
    assert _yaml(folder / "themes.yaml") == {"themes": [
        {"id": "stigma", "label": "Stigma", "studies": ["smith-2019", "lee"]},
        {"id": "training", "label": "Training"},
        {"id": "cost", "label": "Cost", "studies": ["smith-2019", "lee"]}]}
    assert ":4:1: warning[unknown-study] A4: 'ghost' is no study" in said
    assert "columns read as about the study, not themes: 'Total'" in said
    assert run("validate", folder).exit_code == 0


def test_an_unknown_mark_is_an_error_naming_its_cell(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Coding"
    for row in (["id", "Stigma", "Cost"], ["a", 1, 0], ["b", "maybe", None],
                ["c", 2, "x"]):
        sheet.append(row)
    book.save(tmp_path / "m.xlsx")
    result = run("import", "sheet", tmp_path / "m.xlsx", "--matrix", "--into", tmp_path / "r")
    assert result.exit_code == 1
    file = (tmp_path / "m.xlsx").as_posix()
    assert f"{file}:3:2: error[unknown-mark] Coding!B3: 'maybe' is not a mark" in result.stderr
    assert f"{file}:4:2: error[unknown-mark] Coding!B4: '2'" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "r").exists()


def test_import_needs_one_kind_and_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("id\na\n", encoding="utf-8")
    assert run("import", "sheet", tmp_path / "s.csv", "--into", tmp_path).exit_code == 2
    assert run("import", "sheet", tmp_path / "s.csv", "--studies", "--matrix",
               "--into", tmp_path).exit_code == 2
    (tmp_path / "studies.yaml").write_text("mine", encoding="utf-8")
    refused = run("import", "sheet", tmp_path / "s.csv", "--studies", "--into", tmp_path)
    assert refused.exit_code == 2
    assert (tmp_path / "studies.yaml").read_text(encoding="utf-8") == "mine"
    _import(tmp_path / "s.csv", "--studies", "--into", tmp_path, "--force")
    assert _yaml(tmp_path / "studies.yaml") == {"studies": [{"id": "a"}]}


def test_xls_and_broken_workbooks_are_named(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    result = run("import", "sheet", tmp_path / "old.xls", "--studies", "--into", tmp_path / "r")
    assert result.exit_code == 1
    assert "error[not-a-sheet] an Excel 97-2003 (.xls) workbook" in result.stderr
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really")
    result = run("import", "sheet", tmp_path / "bad.xlsx", "--studies", "--into", tmp_path / "r")
    assert result.exit_code == 1
    assert "error[not-a-sheet]" in result.stderr


# ---------------------------------------------------------------------------
# export sheet, and back


def test_export_is_the_same_bytes_every_run_and_never_overwrites(tmp_path: Path) -> None:
    for name in ("a.xlsx", "b.xlsx"):
        result = run("export", "sheet", tmp_path / name, DATA)
        assert result.exit_code == 0, result.stderr
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert load_workbook(tmp_path / "a.xlsx").sheetnames == ["Characteristics", "Summary",
                                                             "Matrix", "Tally"]
    again = run("export", "sheet", tmp_path / "a.xlsx", DATA)
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert run("export", "sheet", tmp_path / "a.xlsx", DATA, "--force").exit_code == 0
    assert run("export", "sheet", tmp_path / "a.csv", DATA).exit_code == 2


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", """\
        studies:
          - id: a
            title: "=HYPERLINK(\\"http://evil\\",\\"click\\")"
            attributes: {setting: "@SUM(1+1)", site: "+1", other: "-2"}
        """, """\
        themes:
          - id: t
            label: "=1+2"
            studies: [a]
        """)
    assert run("export", "sheet", tmp_path / "x.xlsx", folder).exit_code == 0
    with zipfile.ZipFile(tmp_path / "x.xlsx") as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist())
    book = load_workbook(tmp_path / "x.xlsx")
    values = {cell.value: cell.data_type for sheet in book for row in sheet.iter_rows()
              for cell in row if cell.value is not None}
    for text in ('=HYPERLINK("http://evil","click")', "@SUM(1+1)", "+1", "-2", "=1+2"):
        assert values[text] == "s", text


def _tally(review: Review) -> list[tuple[Any, ...]]:
    return [(row.label, row.depth, row.total.n, row.total.N, row.total.studies)
            for row in analysis.tally(review).rows]


@pytest.mark.parametrize("which", ["shipped", "small"])
def test_review_to_sheet_to_review_keeps_the_tally(tmp_path: Path, which: str) -> None:
    folder = DATA if which == "shipped" else small(tmp_path)
    assert run("export", "sheet", tmp_path / "r.xlsx", folder).exit_code == 0
    _import(tmp_path / "r.xlsx", "--studies", "--into", tmp_path / "back")
    _, said = _import(tmp_path / "r.xlsx", "--matrix", "--into", tmp_path / "back")
    assert "rows 1-" in said  # the theme tree, read from the merged headings
    assert run("validate", tmp_path / "back").exit_code == 0
    original, back = load(folder), load(tmp_path / "back")
    assert _tally(back) == _tally(original)
    # Theme ids are made from the labels, which the sheet holds; all else is the same.
    back_matrix, matrix = analysis.matrix(back), analysis.matrix(original)
    assert back_matrix.rows == matrix.rows
    assert [(t.label, t.depth, t.n) for t in back_matrix.themes] == [
        (t.label, t.depth, t.n) for t in matrix.themes]
    assert [(s.id, s.ref, s.year, s.countries, s.design, s.quality, s.authors)
            for s in back.studies] == [
        (s.id, s.ref, s.year, s.countries, s.design, s.quality, s.authors)
        for s in original.in_reference_order]
    # Codings come back as they were, not rolled up.
    assert {t.label: sorted(t.study_ids) for t, _ in back.themes_file.walk()} == {
        t.label: sorted(t.study_ids) for t, _ in original.themes_file.walk()}


def test_exported_sheets_hold_the_figures(tmp_path: Path) -> None:
    folder = small(tmp_path)
    assert run("export", "sheet", tmp_path / "r.xlsx", folder).exit_code == 0
    book = load_workbook(tmp_path / "r.xlsx")
    tally = [[cell.value for cell in row] for row in book["Tally"].iter_rows()]
    # Access to care rolls up alpha, beta (cost) and gamma (insurance): 3 of 5 = 60%.
    assert tally[:3] == [["Theme", "Id", "n", "N", "%"], ["Access to care", "access", 3, 5, 60],
                         ["Cost", "cost", 2, 5, 40]]
    first = [[cell.value for cell in row] for row in book["Characteristics"].iter_rows()]
    assert first[0] == ["Id", "Ref", "Authors", "Year", "Country", "Design", "Quality",
                        "setting"]
    assert first[3] == ["gamma", 3, "Byrne L; Roennfeldt H; Smith J", 2019,
                        "Australia; India", "mixed-methods", "good", "community"]
    matrix = book["Matrix"]
    # Three levels of themes: three heading rows, access merged over its subtree.
    assert "D1:F1" in {str(r) for r in matrix.merged_cells.ranges}
    assert [matrix.cell(row=3, column=c).value for c in range(1, 10)] == [
        None, None, None, None, "Cost", "Insurance cover", None, None, None]
    assert [matrix.cell(row=4, column=c).value for c in range(1, 10)] == [
        1, "alpha", "\u00c5ngstr\u00f6m & Nguy\u1ec5n 2019", "\u2713", None, None,
        "\u2713", None, 2]


def test_reading_a_workbook_in_memory_bounds_its_parts(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id"])
    for number in range(3000):
        sheet.append([f"s{number}"])
    book.save(buffer)
    data = buffer.getvalue()
    (tmp_path / "big.xlsx").write_bytes(data)
    # The file is within the limit; its sheet, unpacked, is not (a ZIP bomb, mildly).
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > len(data) + 1
    monkeypatch.setenv("PEERSYNTH_MAX_FILE_BYTES", str(len(data) + 1))
    result = run("import", "sheet", tmp_path / "big.xlsx", "--studies", "--into", tmp_path / "r")
    assert result.exit_code == 1
    assert f"holds more than {len(data) + 1} bytes unpacked" in result.stderr
