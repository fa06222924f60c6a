"""Spreadsheets: a data-extraction table (one row a study) or a study x theme matrix of
marks read from .xlsx or .csv into review files, and a review written as one .xlsx with
its characteristics, matrix and tally.

Reading takes Excel's habits as they come: merged header cells (a group heading over
its columns' own), merged cells read in every cell they cover, empty rows and columns
left out, dates and numbers in cells (a year typed into a date cell shows as a date in
1905; its serial number is the year), CSV in UTF-8 with or without a byte order mark,
UTF-16 or Windows-1252, separated by ',', ';' or tabs (Excel's `sep=` line obeyed).
Nothing is guessed: a mark that is not one of the known ones is an error naming its
cell.

Writing: identical bytes on every run (fixed document dates, fixed ZIP member dates),
and a text cell is always text, never a formula, whatever it starts with.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from peersynth.diagnostics import Diagnostic
from peersynth.errors import UsageError
from peersynth.escape import visible
from peersynth.exchange.model import (
    ATTRIBUTE_PREFIX,
    FIELD_NAMES,
    FieldReader,
    Imported,
    StudyFields,
    Value,
    _Ids,
    slug,
    study_entry,
)
from peersynth.exchange.problems import problem
from peersynth.matching import field_key
from peersynth.models import SLUG_PATTERN
from peersynth.suggest import closest

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from peersynth.review import Review

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | None

# Column names (by field_key) that name the study, best first.
ID_NAMES: Final = tuple(field_key(name) for name in (
    "id", "study id", "study identifier", "study", "study name", "paper id", "record id"))
# What --map may name: a study field, `id`, an attribute, or `skip`.
FIELDS: Final = ("id", "ref", "authors", "year", "title", "journal", "doi", "key",
                 "countries", "design", "quality", "note")
_FIELD_ALIASES: Final = {"country": "countries", "author": "authors", "reference": "ref"}
# Columns of a matrix that describe the study rather than name a theme.
_MATRIX_INFO: Final = frozenset({*FIELD_NAMES, *map(field_key, (
    "study", "author year", "label", "themes", "total", "totals", "n", "sum", "count"))})
_TOTALS: Final = frozenset({"total", "totals", "sum", "n"})
# Headings over all the theme columns, which name no theme.
_GROUPS: Final = frozenset(map(field_key, ("themes", "theme", "codes", "coding")))
_REVIEWER: Final = frozenset(map(field_key, ("reviewer name", "reviewer", "extractor")))
_CONSENSUS: Final = "consensus"
# Marks of a matrix cell, compared casefolded and stripped; anything else is an error.
YES: Final = frozenset({"1", "x", "\u2713", "\u2714", "\u2714\ufe0f", "\u2611", "yes", "y",
                        "true"})
NO: Final = frozenset({"0", "no", "n", "false", ""})
# The fixed date a written workbook claims, so that two exports are the same bytes.
FIXED_DATE: Final = dt.datetime(2000, 1, 1)
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)
_DATE_TEXT: Final = re.compile(
    r"(?P<iso>\d{4})-\d\d?-\d\d?(?:[T ].*)?|\d\d?[./-]\d\d?[./-](?P<dmy>\d{4})(?: .*)?")
_INTEGER: Final = re.compile(r"-?[1-9]\d{0,8}|0")


# ---------------------------------------------------------------------------
# A sheet as a table: headers, then rows of cells


@dataclass(frozen=True)
class Table:
    file: str
    sheet: str | None  # None for CSV
    headers: tuple[str, ...]
    columns: tuple[int, ...]  # each header's column number, from 1
    rows: tuple[tuple[int, tuple[CellValue, ...]], ...]  # (row number, a cell a header)
    notes: tuple[str, ...] = ()  # how it was read: encoding, separator, header rows...
    # Each header's headings from the top, when merged headings head it: ("Barriers",
    # "Stigma") for "Barriers / Stigma".
    paths: tuple[tuple[str, ...], ...] = ()

    def where(self, row: int, column: int) -> str:
        """The cell as Excel names it: 'Sheet1!C7' (or 'C7' in a CSV)."""
        from openpyxl.utils import get_column_letter

        cell = f"{get_column_letter(column)}{row}"
        return f"{self.sheet}!{cell}" if self.sheet is not None else cell


@dataclass
class Read:
    table: Table | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (value.date().isoformat() if value.time() == dt.time() else
                value.isoformat(sep=" "))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def read_table(file: str, data: bytes, *, sheet: str | None = None,
               prefer: Sequence[str] = (), max_bytes: int = 64 * 1024 * 1024) -> Read:
    """The table in a .xlsx (the sheet named `sheet`, else the first whose name is one of
    `prefer`, else the first) or a .csv (`sheet` must then be None)."""
    lower = file.lower()
    if lower.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return Read(None, [problem("not-a-sheet", file, 1, 1,
                                   "an Excel 97-2003 (.xls) workbook, which is not read",
                                   "save it as .xlsx or .csv in Excel")])
    if lower.endswith((".xlsx", ".xlsm")) or data.startswith(b"PK\x03\x04"):
        return _read_xlsx(file, data, sheet, prefer, max_bytes)
    if sheet is not None:
        raise UsageError(f"--sheet names a sheet of a workbook; {file} is a CSV file")
    return _read_csv(file, data)


def _read_xlsx(file: str, data: bytes, sheet: str | None, prefer: Sequence[str],
               max_bytes: int) -> Read:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.file_size > max_bytes:
                    return Read(None, [problem(
                        "not-a-sheet", file, 1, 1,
                        f"the workbook's part {info.filename!r} holds more than {max_bytes} "
                        "bytes unpacked; nothing was read",
                        "raise PEERSYNTH_MAX_FILE_BYTES if the file is meant to be this large")])
        with warnings.catch_warnings():  # openpyxl warns of features it leaves out
            warnings.simplefilter("ignore")
            # Not read_only: merged cells are only known from the whole sheet. data_only:
            # a formula's value is the one Excel last computed and saved.
            book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a file it cannot read
        return Read(None, [problem("not-a-sheet", file, 1, 1,
                                   f"not an Excel workbook that can be read: {error}")])
    names = book.sheetnames
    if sheet is not None:
        chosen = next((name for name in names if name == sheet), None) or next(
            (name for name in names if field_key(name) == field_key(sheet)), None)
        if chosen is None:
            return Read(None, [problem("no-sheet", file, 1, 1,
                                       f"the workbook has no sheet {sheet!r}; its sheets: "
                                       + ", ".join(map(repr, names)))])
    else:
        wanted = [field_key(name) for name in prefer]
        chosen = next((name for key in wanted for name in names if field_key(name) == key),
                      names[0])
    worksheet: Worksheet = book[chosen]
    grid = [[_cell(cell.value) for cell in row]
            for row in worksheet.iter_rows(min_row=1, min_col=1)]
    merges = [(r.min_row, r.min_col, r.max_row, r.max_col)
              for r in worksheet.merged_cells.ranges]
    notes = [f"read sheet {chosen!r}" + (f" (of {len(names)}: "
                                         + ", ".join(map(repr, names)) + ")"
                                         if len(names) > 1 else "")]
    return _table(file, chosen, grid, merges, notes)


def _cell(value: object) -> CellValue:
    """A workbook cell's value as the reading knows it: rich text as its text, a decimal
    as a float, a formula whose value Excel never saved as empty, a whole number stored
    as text (Excel's green triangle) as the number, as in a CSV."""
    if isinstance(value, str):
        return _csv_value(value)
    if value is None or isinstance(value, int | float | bool | dt.date | dt.time):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    text = str(value)
    return None if text.startswith("=") else text


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "UTF-8 with a byte order mark"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (it is not UTF-8)"
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return data.decode("latin-1"), "Latin-1 (it is neither UTF-8 nor Windows-1252)"


def _delimiter(text: str) -> tuple[str, str]:
    """The separator and the text after Excel's `sep=X` line, when there is one."""
    first, _, rest = text.partition("\n")
    found = re.fullmatch(r'"?sep=(.)"?\r?', first)
    if found:
        return found.group(1), rest
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter, text
    except csv.Error:  # one column, or too few rows to tell: the heading row decides
        counts = {sep: first.count(sep) for sep in ",;\t"}
        best = max(counts, key=lambda sep: counts[sep])
        return (best if counts[best] else ","), text


def _csv_value(text: str) -> CellValue:
    stripped = text.strip()
    if not stripped:
        return None
    # A whole number is a number, as in a workbook; "007" stays text.
    return int(stripped) if _INTEGER.fullmatch(stripped) else stripped


def _read_csv(file: str, data: bytes) -> Read:
    text, encoding = _decode(data)
    separator, body = _delimiter(text)
    skipped = 1 if body is not text else 0
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator)
    grid: list[list[CellValue]] = []
    lines: list[int] = []
    last = 0
    try:
        for row in reader:
            lines.append(last + 1 + skipped)
            last = reader.line_num
            grid.append([_csv_value(cell) for cell in row])
    except csv.Error as error:
        return Read(None, [problem("not-a-sheet", file, reader.line_num + skipped, 1,
                                   f"not CSV that can be read: {error}")])
    shown = {",": "','", ";": "';'", "\t": "tabs"}.get(separator, repr(separator))
    return _table(file, None, grid, [], [f"read as {encoding}, separated by {shown}"],
                  lines)


def _table(file: str, sheet: str | None, grid: list[list[CellValue]],
           merges: list[tuple[int, int, int, int]], notes: list[str],
           lines: list[int] | None = None) -> Read:
    """Rows numbered from 1 (or by `lines`), merged cells filled, the header rows made
    names, empty rows and columns left out."""
    out = Read()
    width = max((len(row) for row in grid), default=0)
    grid = [row + [None] * (width - len(row)) for row in grid]
    numbers = lines or list(range(1, len(grid) + 1))
    for top, left, bottom, right in merges:
        value = grid[top - 1][left - 1]
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                grid[row - 1][column - 1] = value
    if merges:
        notes.append(f"{len(merges)} merged cell range(s), each value read in every "
                     "cell it covers")
    filled = [index for index, row in enumerate(grid) if not all(map(_blank, row))]
    if not filled:
        out.diagnostics.append(problem("no-header", file, 1, 1,
                                       "the sheet is empty: no heading row and no rows"))
        return out
    head = filled[0]
    # A heading merged across columns heads the columns' own headings below it; one
    # merged down over several rows is as deep as the heading.
    depth = _heading_depth(grid, head, merges) if not lines else 1
    if depth > 1:
        notes.append(f"rows {numbers[head]}-{numbers[head] + depth - 1} are the heading "
                     "(merged heading cells)")
    headers: list[str] = []
    paths: list[tuple[str, ...]] = []
    columns: list[int] = []
    seen: dict[str, int] = {}
    body = [index for index in filled if index >= head + depth]
    for column in range(width):
        parts: list[str] = []
        for index in range(head, min(head + depth, len(grid))):
            part = _cell_text(grid[index][column])
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        name = " / ".join(parts)
        if not name:
            used = [index for index in body if not _blank(grid[index][column])]
            if used:
                where = Table(file, sheet, (), (), ()).where(numbers[head], column + 1)
                out.diagnostics.append(problem(
                    "no-heading", file, numbers[head], column + 1,
                    f"{where}: the column has {len(used)} value(s) but no heading; left out",
                    "give the column a heading"))
            continue
        key = field_key(name)
        if key in seen:
            seen[key] += 1
            renamed = f"{name} ({seen[key]})"
            out.diagnostics.append(problem(
                "duplicate-column", file, numbers[head], column + 1,
                f"a second column headed {name!r}: read as {renamed!r}"))
            name = renamed
        else:
            seen[key] = 1
        headers.append(name)
        paths.append(tuple(parts))
        columns.append(column + 1)
    skipped = len(grid) - len(filled)
    if skipped:
        notes.append(f"{skipped} empty row(s) left out")
    rows = tuple((numbers[index], tuple(grid[index][c - 1] for c in columns))
                 for index in body)
    out.table = Table(file, sheet, tuple(headers), tuple(columns), rows, tuple(notes),
                      tuple(paths))
    return out


def _heading_depth(grid: list[list[CellValue]], head: int,
                   merges: list[tuple[int, int, int, int]]) -> int:
    """How many rows the heading takes: as deep as a heading merged down, and a row more
    under a heading merged across columns when every cell below it is text (the
    columns' own headings; a merge over a wide column's padding has blanks below)."""
    depth = 1
    grown = True
    while grown:
        grown = False
        for top, left, bottom, right in merges:
            if not head < top <= head + depth:  # rows from 1; `head` from 0
                continue
            need = bottom - head
            below = bottom  # the row under the merge, from 0
            if right > left and below < len(grid) and all(
                    isinstance(grid[below][c - 1], str) and not _blank(grid[below][c - 1])
                    for c in range(left, right + 1)):
                need += 1
            if need > depth:
                depth, grown = need, True
    return depth


# ---------------------------------------------------------------------------
# --map


def parse_maps(texts: Sequence[str], *, matrix: bool) -> dict[str, str]:
    """--map COLUMN=FIELD options by the column's field_key; FIELD one of FIELDS (for a
    matrix: id, theme or skip), `attribute`, `attribute:NAME` or `skip`."""
    found: dict[str, str] = {}
    valid = ["id", "theme", "skip"] if matrix else [*FIELDS, "attribute", "attribute:NAME",
                                                    "skip"]
    for text in texts:
        column, equals, target = text.rpartition("=")
        if not equals or not column.strip() or not target.strip():
            raise UsageError(f"--map {text!r} is not COLUMN=FIELD",
                             "for example --map 'Country of study=countries'")
        name = target.strip()
        key = field_key(name)
        key = _FIELD_ALIASES.get(key, key)
        if not matrix and key.startswith("attribute:") and name[len("attribute:"):].strip():
            made = ATTRIBUTE_PREFIX + name[len("attribute:"):].strip()
        elif not matrix and key == "attribute":
            made = ATTRIBUTE_PREFIX
        elif key in valid and key != "attribute:name":
            made = key
        else:
            near = closest(name, valid, limit=2)
            hint = ("did you mean " + " or ".join(map(repr, near)) + "? ") if near else ""
            raise UsageError(f"--map {text!r}: {name!r} is not a field",
                             hint + "fields: " + ", ".join(valid))
        found[field_key(column)] = made
    return found


def _key(table: Table, index: int, *pools: Collection[str]) -> str:
    """What a column is known by: its whole name's key, or, under merged headings, its
    own heading's ('Publication / Year' is a year) when only that is in one of `pools`."""
    full = field_key(table.headers[index])
    path = table.paths[index] if table.paths else ()
    leaf = field_key(path[-1]) if len(path) > 1 else full
    return next((key for key in (full, leaf) if any(key in pool for pool in pools)), full)


def _check_maps(table: Table, maps: dict[str, str]) -> None:
    keys = {_key(table, index, [key]) for key in maps for index in range(len(table.headers))}
    for key in maps:
        if key not in keys:
            raise UsageError(f"--map names a column {key!r} the sheet does not have",
                             "its columns: " + ", ".join(map(repr, table.headers)))


def _id_column(table: Table, maps: dict[str, str]) -> int | None:
    keys = [_key(table, index, maps, ID_NAMES) for index in range(len(table.headers))]
    for index, key in enumerate(keys):
        if maps.get(key) == "id":
            return index
    ranked = [(ID_NAMES.index(key), index) for index, key in enumerate(keys)
              if key in ID_NAMES and key not in maps]
    return min(ranked)[1] if ranked else None


def _as_id(value: CellValue) -> str:
    text = _cell_text(value)
    return text if re.fullmatch(SLUG_PATTERN, text) else slug(text, "study")


# ---------------------------------------------------------------------------
# --studies: one row a study


class _SheetFields(FieldReader):
    """FieldReader with each column's target settled beforehand (names, --map, and a
    second column for one field kept as an attribute)."""

    def __init__(self, file: str, targets: dict[str, str]) -> None:
        super().__init__(file)
        self.targets = targets

    def target(self, name: str) -> str:
        found = self.targets[name]
        shown = (f"attribute {found[len(ATTRIBUTE_PREFIX):]}"
                 if found.startswith(ATTRIBUTE_PREFIX) else found)
        self.mapping.setdefault(name, shown)
        return found


def _excel_year(value: dt.date) -> int | None:
    """The year a date cell stands for when someone typed a year into a cell formatted
    as a date: Excel shows 2019 as 1905-07-11, its day number 2019."""
    if value.year > 1927:  # day 9999 is 1927-05-18
        return None
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        return None
    day = value.date() if isinstance(value, dt.datetime) else value
    # Excel's day numbers count from 1899-12-30 from March 1900 on (it takes 1900 for a
    # leap year); day 1000, the first year wanted, is in 1902.
    serial = (day - dt.date(1899, 12, 30)).days
    return serial if 1000 <= serial <= 9999 else None


def studies_of(table: Table, maps: dict[str, str]) -> Imported:
    """The studies of a data-extraction table: one row a study; columns mapped to fields
    by name (or --map), the rest attributes."""
    out = Imported()
    _check_maps(table, maps)
    file = table.file
    id_index = _id_column(table, maps)
    targets: dict[str, str] = {}
    taken: dict[str, str] = {}
    reviewer: int | None = None
    for index, name in enumerate(table.headers):
        key = _key(table, index, maps, _REVIEWER, FIELD_NAMES)
        if index == id_index:
            continue
        if key in maps:
            made = maps[key]
            made = ATTRIBUTE_PREFIX + name if made == ATTRIBUTE_PREFIX else made
        elif key in _REVIEWER and reviewer is None:
            reviewer = index
            continue
        else:
            made = FIELD_NAMES.get(key) or ATTRIBUTE_PREFIX + name
        if made == "id":
            made = ATTRIBUTE_PREFIX + name  # a second id column
        if made != "skip" and not made.startswith(ATTRIBUTE_PREFIX):
            if made in taken:
                out.diagnostics.append(problem(
                    "duplicate-column", file, 1, table.columns[index],
                    f"columns {taken[made]!r} and {name!r} both read as {made}: "
                    f"{name!r} is kept as an attribute",
                    f"--map '{name}=skip' or --map '{name}=attribute' to say so"))
                made = ATTRIBUTE_PREFIX + name
            else:
                taken[made] = name
        targets[name] = made
    reader = _SheetFields(file, targets)
    rows = list(table.rows)
    if reviewer is not None:
        rows = _consensus(table, rows, reviewer, id_index, out.summary)
    ids = _Ids()
    seen: dict[str, int] = {}
    studies: list[StudyFields] = []
    made_ids: list[str] = []
    for line, cells in rows:
        if id_index is not None and not _blank(cells[id_index]):
            shown = _cell_text(cells[id_index])
            study_id = _as_id(cells[id_index])
            if study_id in seen:
                out.diagnostics.append(problem(
                    "duplicate-study", file, line, table.columns[id_index],
                    f"{table.where(line, table.columns[id_index])}: study {shown!r} "
                    f"again (first in row {seen[study_id]}); this row is left out"))
                continue
            seen[study_id] = line
            ids.taken.add(study_id)
            if study_id != shown:
                made_ids.append(f"{shown!r} -> {study_id}")
        else:
            base = _made_id(table, cells, targets)
            if base is None:
                where = table.where(line, table.columns[id_index] if id_index is not None
                                    else table.columns[0])
                out.diagnostics.append(problem(
                    "missing-id", file, line, 1,
                    f"{where}: the row names no study (no id, authors, year or title); "
                    "left out"))
                continue
            study_id = ids(base, "study")
            made_ids.append(f"row {line} -> {study_id}")
        study = StudyFields(study_id)
        studies.append(study)
        for index, name in enumerate(table.headers):
            if name not in targets or targets[name] == "skip" or _blank(cells[index]):
                continue
            where = table.where(line, table.columns[index])
            value = _study_value(cells[index], targets[name], where, file, line,
                                 table.columns[index], out.diagnostics)
            reader.put(study, name, value, line, table.columns[index], where=f"{where}: ")
    out.diagnostics += reader.diagnostics
    head: dict[str, Any] = {}
    vocabularies = reader.vocabularies()
    if vocabularies:
        head["vocabularies"] = vocabularies
    out.studies = {**head, "studies": [study_entry(study) for study in studies]}
    where = f"sheet {table.sheet!r}" if table.sheet is not None else "the CSV file"
    out.summary[:0] = [*table.notes, f"read {len(studies)} studies from {where}"]
    if id_index is not None:
        out.summary.append(f"ids from column {table.headers[id_index]!r}"
                           + (f"; made slugs: {', '.join(made_ids[:5])}"
                              + (f" and {len(made_ids) - 5} more" if len(made_ids) > 5
                                 else "") if made_ids else ""))
    else:
        out.summary.append("no id column: ids made from authors and year, else title")
    out.summary += reader.report()
    skipped = [name for name, target in targets.items() if target == "skip"]
    if skipped:
        out.summary.append("left out as --map says: " + ", ".join(map(repr, skipped)))
    return out


def _made_id(table: Table, cells: tuple[CellValue, ...],
             targets: dict[str, str]) -> str | None:
    """'smith-2019' from a row's first author and year, else its title."""
    by_field: dict[str, CellValue] = {}
    for index, name in enumerate(table.headers):
        target = targets.get(name)
        if target is not None and not _blank(cells[index]):
            by_field.setdefault(target, cells[index])
    authors = _cell_text(by_field.get("authors"))
    year = by_field.get("year")
    first = re.split(r"[;,]", authors)[0].split()[:1] if authors else []
    if first:
        year_text = str(year.year) if isinstance(year, dt.date) else _cell_text(year)
        return slug(" ".join([first[0], year_text[:4]]).strip(), "study")
    title = _cell_text(by_field.get("title"))
    return slug(" ".join(title.split()[:6]), "study") if title else None


def _study_value(value: CellValue, target: str, where: str, file: str, line: int,
                 column: int, diagnostics: list[Diagnostic]) -> Value:
    if target == "year":
        if isinstance(value, dt.date):
            year = _excel_year(value)
            if year is not None:
                diagnostics.append(problem(
                    "date-as-year", file, line, column,
                    f"{where}: the date {value:%Y-%m-%d} is how Excel shows {year} typed "
                    f"into a cell formatted as a date; read as the year {year}",
                    "format the column as a number in Excel"))
                return year
            return value.year
        if isinstance(value, str):
            found = _DATE_TEXT.fullmatch(value.strip())
            if found:
                return int(found.group("iso") or found.group("dmy"))
    if isinstance(value, dt.date | dt.time):
        return _cell_text(value)
    assert value is not None
    return value


def _consensus(table: Table, rows: list[tuple[int, tuple[CellValue, ...]]], reviewer: int,
               id_index: int | None,
               summary: list[str]) -> list[tuple[int, tuple[CellValue, ...]]]:
    """Covidence exports a row per reviewer and one marked Consensus: where a study has
    a consensus row, that row is the study's, and the reviewers' rows are left out."""
    name = table.headers[reviewer]
    if id_index is None:
        summary.append(f"column {name!r} left out (the reviewer of each row)")
        return rows

    def is_consensus(cells: tuple[CellValue, ...]) -> bool:
        return _cell_text(cells[reviewer]).casefold() == _CONSENSUS

    agreed = {_as_id(cells[id_index]) for _, cells in rows if is_consensus(cells)}
    kept = [(line, cells) for line, cells in rows
            if is_consensus(cells) or _blank(cells[id_index])
            or _as_id(cells[id_index]) not in agreed]
    summary.append(f"column {name!r} left out (the reviewer of each row)"
                   + (f"; {len(rows) - len(kept)} reviewer row(s) of studies with a "
                      "Consensus row left out" if len(kept) < len(rows) else ""))
    return kept


# ---------------------------------------------------------------------------
# --matrix: a study x theme matrix of marks


def mark(value: CellValue) -> bool | None:
    """True for a mark of coded, False for one of not coded, None for anything else."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        return True if text in YES else False if text in NO else None
    return None


def matrix_of(table: Table, maps: dict[str, str],
              known: dict[str, str] | None = None) -> Imported:
    """Themes from a matrix: a column a theme (its heading the label), a row a study,
    a cell marked coded a coding. `known` maps what names a study (its id, its slug,
    its author-year label, by field_key) to its id in an existing studies.yaml."""
    out = Imported()
    _check_maps(table, maps)
    file = table.file
    id_index = _id_column(table, maps)
    if id_index is None:
        id_index = next(index for index in range(len(table.headers))
                        if maps.get(_key(table, index, maps)) not in ("theme", "skip"))
        out.summary.append(f"the first column, {table.headers[id_index]!r}, names the studies")
    info: list[str] = []
    themes: list[tuple[int, str]] = []
    for index, name in enumerate(table.headers):
        key = _key(table, index, maps, _MATRIX_INFO)
        if index == id_index:
            continue
        if maps.get(key) == "skip" or (key not in maps and key in _MATRIX_INFO):
            info.append(name)
        else:
            themes.append((index, name))
    # A column under merged headings is a subtheme of each: ("Barriers", "Stigma").
    theme_ids = _Ids()
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}
    tops: list[dict[str, Any]] = []

    def node(path: tuple[str, ...]) -> dict[str, Any]:
        if path not in nodes:
            made_node: dict[str, Any] = {"id": theme_ids(path[-1], "theme"), "label": path[-1]}
            nodes[path] = made_node
            if len(path) > 1:
                node(path[:-1]).setdefault("subthemes", []).append(made_node)
            else:
                tops.append(made_node)
        return nodes[path]

    made: list[tuple[int, str, str]] = []
    for index, name in themes:
        path = tuple(part for part in (table.paths[index] if table.paths else (name,))
                     if field_key(part) not in _GROUPS) or (name,)
        made.append((index, name, node(path)["id"]))
    codings: dict[str, list[str]] = {theme: [] for _, _, theme in made}
    seen: dict[str, int] = {}
    studies = 0
    totals: list[int] = []
    for line, cells in table.rows:
        column = table.columns[id_index]
        named = _cell_text(cells[id_index]).casefold()
        if named in _TOTALS or (not named and any(
                _cell_text(value).casefold() in _TOTALS for value in cells)):
            totals.append(line)  # a row of sums, as `peersynth matrix` and Excel users add
            continue
        marks: list[tuple[str, bool]] = []
        for index, _, theme in made:
            found = mark(cells[index])
            if found is None:
                out.diagnostics.append(problem(
                    "unknown-mark", file, line, table.columns[index],
                    f"{table.where(line, table.columns[index])}: "
                    f"{_cell_text(cells[index])!r} is not a mark peersynth reads as coded "
                    "or not coded (1/0, x, \u2713, yes/no, y/n, true/false, blank)",
                    "write one of those marks in the cell"))
            else:
                marks.append((theme, found))
        if _blank(cells[id_index]):
            if any(hit for _, hit in marks):
                out.diagnostics.append(problem(
                    "missing-id", file, line, column,
                    f"{table.where(line, column)}: a row with marks names no study; "
                    "left out"))
            continue
        shown = _cell_text(cells[id_index])
        study = _as_id(cells[id_index])
        if known is not None:
            found_id = known.get(field_key(shown)) or known.get(field_key(study))
            if found_id is None:
                out.diagnostics.append(problem(
                    "unknown-study", file, line, column,
                    f"{table.where(line, column)}: {shown!r} is no study of the studies.yaml "
                    "beside it; the row is left out",
                    "import the studies first, or correct the id"))
                continue
            study = found_id
        if study in seen:
            out.diagnostics.append(problem(
                "duplicate-study", file, line, column,
                f"{table.where(line, column)}: study {shown!r} again (first in row "
                f"{seen[study]}); this row is left out"))
            continue
        seen[study] = line
        studies += 1
        for theme, hit in marks:
            if hit:
                codings[theme].append(study)
    for made_node in nodes.values():
        studies_of_theme = codings.get(made_node["id"])
        if studies_of_theme:
            subthemes = made_node.pop("subthemes", None)
            made_node["studies"] = studies_of_theme
            if subthemes:
                made_node["subthemes"] = subthemes
    out.themes = {"themes": tops}
    where = f"sheet {table.sheet!r}" if table.sheet is not None else "the CSV file"
    out.summary[:0] = [*table.notes, f"read {studies} studies x {len(made)} themes from "
                       f"{where}: {sum(map(len, codings.values()))} codings"]
    if info:
        out.summary.append("columns read as about the study, not themes: "
                           + ", ".join(map(repr, info)))
    if totals:
        out.summary.append("left out as totals: row(s) " + ", ".join(map(str, totals)))
    out.summary.append("a theme's marks are its own codings; a column under merged "
                       "headings is a subtheme of each")
    return out


def known_studies(review: Review) -> dict[str, str]:
    """What may name each study of `review` in a matrix, by field_key: its id and its
    author-year label."""
    from peersynth import analysis

    found: dict[str, str] = {}
    for study_id, label in analysis.author_year_labels(review).items():
        found.setdefault(field_key(label.label), study_id)
    for study in review.studies:
        found[field_key(study.id)] = study.id
    return found


# ---------------------------------------------------------------------------
# export sheet: one workbook, identical bytes every run


_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


# What a worksheet cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE: C0 controls but tab,
# line feed and carriage return), written as the escape every other output shows.
_NOT_IN_CELL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _shown(match: re.Match[str]) -> str:
    return visible(match.group())


def _put(worksheet: Worksheet, row: int, column: int, value: str | int | None,
         *, bold: bool = False, indent: int = 0) -> None:
    from openpyxl.styles import Alignment, Font

    if value is None or value == "":
        return
    cell = worksheet.cell(row=row, column=column)
    cell.value = _NOT_IN_CELL.sub(_shown, value) if isinstance(value, str) else value
    if isinstance(value, str):
        # Always text: a value starting with = + - @ would otherwise be a formula, which
        # Excel runs when the file is opened (CSV/XLSX formula injection).
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    if indent:
        cell.alignment = Alignment(indent=indent)


def _header(worksheet: Worksheet, headers: Sequence[str]) -> None:
    for column, text in enumerate(headers, 1):
        _put(worksheet, 1, column, text, bold=True)
    worksheet.freeze_panes = "A2"


def _write_characteristics(worksheet: Worksheet, review: Review) -> None:
    from peersynth.tables import characteristics as table1

    fields = ["id", "ref", "authors", "year", "title", "journal", "doi", "country",
              "design", "quality", "note"]
    columns = [table1.resolve_column(review, name) for name in fields]
    result = table1.study_table(review, columns)
    by_id = {study.id: study for study in review.studies}
    present = [index for index, column in enumerate(columns)
               if column.key == "id" or any(row.values[index] is not None
                                            for group in result.groups
                                            for row in group.rows)]
    with_key = any(study.key for study in review.studies)
    attributes = list(dict.fromkeys(name for study in review.studies
                                    for name in study.attributes))
    field_keys = {field_key(name) for name in (*FIELDS, *FIELD_NAMES, "country")}
    headers = [columns[index].title for index in present]
    headers += ["Key"] if with_key else []
    headers += [ATTRIBUTE_PREFIX + name if field_key(name) in field_keys or
                field_key(name) in ID_NAMES else name for name in attributes]
    _header(worksheet, headers)
    row_number = 1
    for group in result.groups:
        for row in group.rows:
            row_number += 1
            study = by_id[row.id]
            cells: list[str | int | None] = []
            for index in present:
                value = row.values[index]
                cells.append("; ".join(value) if isinstance(value, tuple) else value)
            if with_key:
                cells.append(study.key)
            cells += [study.attributes.get(name) for name in attributes]
            for column, value in enumerate(cells, 1):
                _put(worksheet, row_number, column, value)


def _number(text: str) -> str | int:
    return int(text) if _INTEGER.fullmatch(text) else text


def _write_grid(worksheet: Worksheet, review: Review) -> None:
    """The `studies` summary (render.characteristics_grid), numbers as numbers."""
    from peersynth import analysis, render

    grid = render.characteristics_grid(analysis.characteristics(review))
    _header(worksheet, grid.headers)
    for number, row in enumerate(grid.rows, 2):
        for column, (text, align) in enumerate(zip(row, grid.align, strict=True), 1):
            _put(worksheet, number, column, _number(text) if align == "r" else text)


def _write_matrix(worksheet: Worksheet, review: Review) -> None:
    """Studies by themes, each mark a study's own coding of the theme (no roll-up, so
    that `import sheet --matrix` reads back the codings as they are); a subtheme's
    column under its parent's heading, merged across the parent's columns."""
    from peersynth import analysis, render

    result = analysis.matrix(review, rollup=False)
    heads = list(result.themes)
    rows = max((head.depth for head in heads), default=0) + 1
    lead = ["Ref", "Id", "Study"]
    last_column = len(lead) + len(heads) + 1

    def merge(top: int, left: int, bottom: int, right: int) -> None:
        if (top, left) != (bottom, right):
            worksheet.merge_cells(start_row=top, start_column=left, end_row=bottom,
                                  end_column=right)

    for column, text in [*enumerate(lead, 1), (last_column, render.ROW_TOTAL)]:
        _put(worksheet, 1, column, text, bold=True)
        merge(1, column, rows, column)
    for index, head in enumerate(heads):
        column = len(lead) + 1 + index
        end = index
        while end + 1 < len(heads) and heads[end + 1].depth > head.depth:
            end += 1
        _put(worksheet, head.depth + 1, column, head.label, bold=True)
        if end > index:  # over its subthemes, and again down its own column
            merge(head.depth + 1, column, head.depth + 1, len(lead) + 1 + end)
            if head.depth + 2 <= rows:
                _put(worksheet, head.depth + 2, column, head.label, bold=True)
                merge(head.depth + 2, column, rows, column)
        else:
            merge(head.depth + 1, column, rows, column)
    worksheet.freeze_panes = worksheet.cell(row=rows + 1, column=len(lead) + 1).coordinate
    for number, row in enumerate(result.rows, rows + 1):
        cells: list[str | int | None] = [row.ref, row.id, row.label,
                                         *(render.CHECK if hit else None for hit in row.cells),
                                         row.total]
        for column, value in enumerate(cells, 1):
            _put(worksheet, number, column, value)
    last = len(result.rows) + rows + 1
    _put(worksheet, last, 3, "Total", bold=True)
    for column, theme in enumerate(heads, len(lead) + 1):
        _put(worksheet, last, column, theme.n, bold=True)


def _write_tally(worksheet: Worksheet, review: Review) -> None:
    from peersynth import analysis

    result = analysis.tally(review)
    _header(worksheet, ["Theme", "Id", "n", "N", "%"])
    for number, row in enumerate(result.rows, 2):
        _put(worksheet, number, 1, row.label, indent=2 * row.depth)
        for column, value in enumerate((row.id, row.total.n, row.total.N,
                                        row.total.percent), 2):
            _put(worksheet, number, column, value)


SHEETS: Final = ("Characteristics", "Summary", "Matrix", "Tally")


def workbook_bytes(review: Review) -> bytes:
    """The review as one .xlsx: Table 1's rows (Characteristics), the `studies` counts
    (Summary), the matrix and the tally; the same bytes for the same review."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    first = book.active
    assert first is not None
    first.title = SHEETS[0]
    _write_characteristics(first, review)
    for name, write in zip(SHEETS[1:], (_write_grid, _write_matrix, _write_tally),
                           strict=True):
        write(book.create_sheet(name), review)
    info = review.studies_file.review
    book.properties.title = info.title if info is not None and info.title else None
    book.properties.creator = "peersynth"
    book.properties.created = FIXED_DATE
    book.properties.modified = FIXED_DATE
    buffer = io.BytesIO()
    # ExcelWriter, not Workbook.save, which stamps the time of saving as `modified`.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return _fixed_dates(buffer.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    """The ZIP again, every member dated the same, so that two runs are the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, _ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
