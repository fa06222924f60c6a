"""The reporting commands' results as table, markdown, csv, json or latex. Returns strings.

- table: a rich table when `styled` (stdout is a terminal), else plain text in
  aligned columns, without box characters or colour, for pipes and logs;
- markdown: a pipe table that pastes into a manuscript (pandoc, GitHub);
- csv: one header row, then one row per theme or study, for spreadsheets;
- json: one object with ``"version": 1``; the keys of each command are listed
  in its function's docstring and only ever gain new keys within a version;
- latex: a booktabs ``tabular`` (tally, matrix and studies), or a ``longtable``
  where a table is too long for one page;
- docx: the same grids as a Word table, written by `peersynth.render_docx`.

rich is imported only where a styled table is drawn, so other formats never load it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from peersynth.analysis import (
    EN_DASH,
    Cell,
    Characteristics,
    Citations,
    Group,
    Matrix,
    Tally,
    percent,
)
from peersynth.choices import CiteFormat as CiteFormat
from peersynth.choices import TableFormat as TableFormat
from peersynth.escape import has_unsafe, json_safe, visible

JSON_VERSION = 1
CHECK = "\u2713"
NO_PERCENT = EN_DASH
# The last column of the matrix: how many top-level themes a study supports.
ROW_TOTAL = "Themes"  # what a percent of N = 0 shows as


# ---------------------------------------------------------------------------
# One grid, drawn five ways


@dataclass
class Grid:
    headers: list[str]
    rows: list[list[str]]
    align: str  # one letter a column: l(eft), r(ight) for numbers, c(entre) for marks
    depths: list[int] = field(default_factory=list)  # indent of each row's first cell
    totals: list[str] | None = None  # a last row set apart by a rule
    # Rows that head a group (a theme above its studies): bold, and across the whole
    # width in latex and docx.
    headings: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        # Every table format draws these cells, so escaping them here, once, leaves no
        # renderer able to print a control character from the review.
        self.headers = _visible_cells(self.headers)
        self.rows = [_visible_cells(row) for row in self.rows]
        if self.totals is not None:
            self.totals = _visible_cells(self.totals)


def _visible_cells(cells: list[str]) -> list[str]:
    # One check of the joined row: a matrix has millions of cells, nearly all plain.
    return cells if "".join(cells).isprintable() else [visible(cell) for cell in cells]


def _depth(grid: Grid, index: int) -> int:
    return grid.depths[index] if index < len(grid.depths) else 0


def _indented(grid: Grid, indent: str) -> list[list[str]]:
    rows = [[indent * _depth(grid, i) + row[0], *row[1:]] if row else row
            for i, row in enumerate(grid.rows)]
    return rows + ([grid.totals] if grid.totals is not None else [])


# Latin scripts without combining marks, and general punctuation: one column each.
_NARROW = re.compile("[\x00-\u02ff\u2000-\u206f]+")


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK) characters two, combining marks none."""
    return len(text) if text.isascii() else _wide_width(text)


@functools.lru_cache(maxsize=4096)  # a large matrix repeats its few cell texts millions of times
def _wide_width(text: str) -> int:
    # Most text is Latin and punctuation (an en dash); measure only the rest one by one.
    rest = _NARROW.sub("", text)
    return len(text) - len(rest) + sum(
        0 if unicodedata.combining(ch) else
        2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in rest)


def _pad(text: str, width: int, align: str, text_width: int | None = None) -> str:
    space = width - (_width(text) if text_width is None else text_width)
    before = space if align == "r" else space // 2 if align == "c" else 0
    return " " * before + text + " " * (space - before)


def plain(grid: Grid) -> str:
    rows = _indented(grid, "  ")
    columns = [set(column) for column in zip(grid.headers, *rows, strict=True)]
    # A large matrix holds millions of cells but few distinct texts in each column:
    # each distinct text is measured once, and padded once for its column.
    measured = {text: _width(text) for text in set().union(*columns)}
    widths = [max(map(measured.__getitem__, column)) for column in columns]
    padded = [{text: _pad(text, width, align, measured[text]) for text in column}
              for column, width, align in zip(columns, widths, grid.align, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(map(dict.__getitem__, padded, cells)).rstrip() + "\n"

    rule = "  ".join("-" * width for width in widths) + "\n"
    body = [line(row) for row in rows]
    if grid.totals is not None:
        body.insert(len(body) - 1, rule)
    return line(grid.headers) + rule + "".join(body)


# ---------------------------------------------------------------------------
# On a terminal: a rich table that never cuts a number


# Numbers and marks ("r" and "c" columns) are never wrapped, cut or ellipsized; text
# ("l") wraps, but not below this many columns (past any indent), or it is unreadable.
_KEEP = "rc"
_TEXT_FLOOR = 8
_MAX_COLUMNS = 100_000  # a wider COLUMNS is nonsense, not a terminal


Note = Callable[[str], None]


@dataclass(frozen=True)
class Key:
    """A line of the legend below a terminal table: a short key and what it stands for."""

    key: str
    label: str
    depth: int = 0


def terminal_width(width: int | None = None) -> int | None:
    """The width to draw at: `width` if given, else $COLUMNS, else the terminal's.

    None when unknown: COLUMNS set to 0 or to anything but a plain positive number,
    or stdout not a terminal. Then the plain table is printed rather than a guess."""
    if width is not None:
        return width if 0 < width <= _MAX_COLUMNS else None
    columns = os.environ.get("COLUMNS")
    if columns is not None:
        # Checked before int(): it reads " 80" and Arabic digits, and fails on 5,000 digits.
        if columns.isascii() and columns.isdigit() and len(columns) <= 6:
            return terminal_width(int(columns))
        return None
    try:
        return terminal_width(os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError, AttributeError):  # not a terminal, closed, or replaced
        return None


def _columns(grid: Grid) -> list[tuple[int, int]]:
    """Each column's (least, natural) width inside its padding."""
    sizes = []
    indent = 2 * max(grid.depths, default=0)
    rows = _indented(grid, "  ")
    for index, align in enumerate(grid.align):
        widest = max((_width(row[index]) for row in rows), default=0)
        header = grid.headers[index]
        if align in _KEEP:
            # The header may wrap between its words, never inside one.
            least = max(widest, *(_width(word) for word in header.split()), 0)
            sizes.append((least, least))
        else:
            natural = max(widest, _width(header))
            floor = (indent if index == 0 else 0) + _TEXT_FLOOR
            sizes.append((min(natural, floor), natural))
    return sizes


def _drawn_width(content: list[int]) -> int:
    # Each cell is padded by one column each side; one column of rule between columns.
    return sum(content) + 2 * len(content) + len(content) - 1


def needed(grid: Grid) -> int:
    """The fewest terminal columns `grid` can be drawn in with every number whole."""
    return _drawn_width([least for least, _ in _columns(grid)])


def fits(grid: Grid, width: int) -> bool:
    """Whether `grid` can be drawn `width` columns wide with every number whole and
    every text column at least 8 columns (past its indent)."""
    return needed(grid) <= width


def _fits_unwrapped(grid: Grid, width: int) -> bool:
    return _drawn_width([natural for _, natural in _columns(grid)]) <= width


# A word longer than this may still be broken, so that a long DOI or URL in one cell
# does not keep every other column narrow.
_WORD_CAP = 20


def _wrapped_widths(grid: Grid, width: int) -> list[int | None]:
    """Widths for the text columns that wrap them between words only, where the table
    fits `width` that way: the widest text column is narrowed first, never below its
    longest word. None for a column left to rich (numbers, or when that cannot fit)."""
    sizes = _columns(grid)
    if _drawn_width([natural for _, natural in sizes]) <= width:
        return [None] * len(sizes)
    rows = _indented(grid, "  ")
    widths = [natural for _, natural in sizes]
    floors = []
    for index, align in enumerate(grid.align):
        if align in _KEEP:
            floors.append(widths[index])
            continue
        words = (word for cell in (grid.headers[index], *(row[index] for row in rows))
                 for word in cell.split())
        longest = max(map(_width, words), default=1)
        floors.append(min(widths[index], max(sizes[index][0], min(longest, _WORD_CAP))))
    excess = _drawn_width(widths) - width
    while excess > 0:
        narrowable = [i for i, align in enumerate(grid.align)
                      if align not in _KEEP and widths[i] > floors[i]]
        if not narrowable:
            return [None] * len(sizes)
        widest = max(narrowable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return [None if align in _KEEP else w for w, align in zip(widths, grid.align, strict=True)]


def _too_narrow(grid: Grid, width: int) -> str:
    return (f"the table needs {needed(grid)} columns but the terminal has {width}: "
            "printed as plain text")


def _color_system() -> Literal["auto"] | None:
    # NO_COLOR (no-color.org: set and not empty) means no escape codes at all; rich's
    # own no_color drops colours but still writes bold, so no colour system is used.
    return None if os.environ.get("NO_COLOR") else "auto"


def styled(grid: Grid, width: int | None = None, legend: Sequence[Key] = ()) -> str:
    """`grid` as a rich table, and `legend` below it. Numbers are never wrapped; a
    table too wide for `width` even with its text wrapped is cut: see `table`."""
    from rich import box
    from rich.console import Console, RenderableType
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    def label(text: str, depth: int, style: str = "") -> RenderableType:
        # Text(), not markup: "[33, 34]" or a label with brackets must print as written.
        # Padding indents every line a label wraps onto, not only the first.
        cell = Text(text, style=style, overflow="fold")
        return Padding(cell, (0, 0, 0, 2 * depth)) if depth else cell

    columns = terminal_width(width)
    if columns is None:  # rich would draw a table 0 columns wide: nothing at all
        return plain(grid)
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False)
    justify = {"l": "left", "r": "right", "c": "center"}
    for header, align, (least, _), fixed in zip(grid.headers, grid.align, _columns(grid),
                                                _wrapped_widths(grid, columns), strict=True):
        keep = align in _KEEP
        table.add_column(Text(header, overflow="fold", no_wrap=False),
                         justify=justify[align],  # type: ignore[arg-type]
                         # A number column is exactly as wide as its widest cell or header
                         # word: rich shrinks only wrapping columns, so a long header
                         # ("United Kingdom of ...") must wrap rather than widen it.
                         no_wrap=keep, min_width=least if keep else None,
                         max_width=least if keep else None, overflow="fold", width=fixed)

    def cells(row: list[str], depth: int, style: str = "") -> list[RenderableType]:
        return [label(row[0], depth, style) if grid.align[0] not in _KEEP
                else Text(row[0], style=style, no_wrap=True),
                *(Text(cell, style=style, no_wrap=True) if align in _KEEP
                  else label(cell, 0, style) for cell, align in zip(row[1:], grid.align[1:],
                                                                    strict=True))]

    for index, row in enumerate(grid.rows):
        table.add_row(*cells(row, _depth(grid, index),
                             "bold" if index in grid.headings else ""))
    if grid.totals is not None:
        table.add_section()
        table.add_row(*cells(grid.totals, 0, "bold"))
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=columns, highlight=False,
                      color_system=_color_system())
    console.print(table)
    if legend:
        keys = Table.grid(padding=(0, 2, 0, 0))
        keys.add_column(no_wrap=True)
        keys.add_column(overflow="fold")
        for item in legend:
            keys.add_row(Text(visible(item.key)), label(visible(item.label), item.depth))
        console.print()
        console.print(keys)
    return out.getvalue()


def table(grid: Grid, is_terminal: bool, width: int | None = None,
          note: Note | None = None) -> str:
    """The plain table, or on a terminal of known width a rich one drawn to it. When the
    terminal is too narrow for every number to stay whole, the plain table and a `note`
    saying so (its lines are too long for the terminal, but nothing in them is cut)."""
    if not is_terminal:
        return plain(grid)
    columns = terminal_width(width)
    if columns is None:
        return plain(grid)
    if not fits(grid, columns):
        if note is not None:
            note(_too_narrow(grid, columns))
        return plain(grid)
    return styled(grid, columns)


# '&' that would start an entity: '&amp;' in a label must not read as '&'.
_MD_ENTITY: Final = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md_cell(text: str) -> str:
    """`text` as a markdown table cell shows it: no HTML ('<' as '&lt;'), no entity, no
    code span, and a '|' that does not end the cell."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return _MD_ENTITY.sub("&amp;", text).replace("<", "&lt;")


def markdown(grid: Grid) -> str:
    # Cells are escaped before indenting: leading spaces vanish from a markdown cell, so
    # subthemes are indented with em spaces, the only markup a cell is given.
    shown = replace(
        grid, headers=[md_cell(h) for h in grid.headers],
        rows=[[md_cell(cell) for cell in row] for row in grid.rows],
        totals=None if grid.totals is None else [md_cell(cell) for cell in grid.totals])
    rows = _indented(shown, "&emsp;")
    lines = ["| " + " | ".join(shown.headers) + " |",
             "|" + "|".join({"l": "---", "r": "---:", "c": ":---:"}[a] for a in grid.align) + "|"]
    for index, row in enumerate(rows):
        cells = list(row)
        if index in grid.headings and cells and row[0].strip():
            indent = "&emsp;" * _depth(grid, index)
            cells[0] = f"{indent}**{cells[0][len(indent):]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_LATEX = str.maketrans({
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})


def latex_escape(text: str) -> str:
    return text.translate(_LATEX)


# Past this many rows a latex table is a longtable, which breaks across pages and repeats
# its heading on each; a tabular longer than a page runs off its foot.
LONG_TABLE_ROWS = 40


def latex(grid: Grid, packages: str = "booktabs", *, long: bool = False) -> str:
    """A booktabs tabular, or with `long` a longtable (its heading repeated on each page)."""
    def cell(text: str) -> str:
        return r"\checkmark" if text == CHECK else latex_escape(text)

    def line(cells: Sequence[str]) -> str:
        return " & ".join(cell(c) for c in cells) + r" \\" + "\n"

    def row(index: int, cells: list[str]) -> str:
        indent = r"\quad " * _depth(grid, index)
        if index in grid.headings:
            return (f"\\multicolumn{{{len(grid.align)}}}{{l}}"
                    f"{{{indent}\\textbf{{{cell(cells[0])}}}}} \\\\\n")
        return indent + line(cells)

    spec = grid.align
    body = "".join(row(i, cells) for i, cells in enumerate(grid.rows))
    totals = (r"\midrule" + "\n" + line(grid.totals)) if grid.totals is not None else ""
    if long:
        return (f"% needs \\usepackage{{{packages}, longtable}}\n"
                f"\\begin{{longtable}}{{{spec}}}\n\\toprule\n{line(grid.headers)}\\midrule\n"
                f"\\endhead\n{body}{totals}\\bottomrule\n\\end{{longtable}}\n")
    return (f"% needs \\usepackage{{{packages}}}\n"
            f"\\begin{{tabular}}{{{spec}}}\n\\toprule\n{line(grid.headers)}\\midrule\n"
            f"{body}{totals}\\bottomrule\n\\end{{tabular}}\n")


def _write_csv(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        ["" if value is None else value for value in row] for row in rows)
    return out.getvalue()


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV with controls in cells escaped, line breaks included: a quoted line break is
    valid CSV, but printed to a terminal or a CI log it starts a line of its own."""
    text = _write_csv([headers, *rows])
    # A text with one line feed a row and nothing else unsafe needs no escaping:
    # checked on the whole text at once, not cell by cell.
    if text.count("\n") == len(rows) + 1 and not has_unsafe(text.replace("\n", "")):
        return text
    return _write_csv([[visible(value) if isinstance(value, str) else value for value in row]
                       for row in [headers, *rows]])


def to_json(body: dict[str, Any]) -> str:
    # json.dumps escapes C0 controls itself; json_safe the few others it leaves raw.
    text = json.dumps({"version": JSON_VERSION, **body}, indent=2, ensure_ascii=False)
    return json_safe(text) + "\n"


def grid_as(grid: Grid, fmt: TableFormat, is_terminal: bool, width: int | None,
            note: Note | None, packages: str = "booktabs", *, long: bool = False) -> str:
    """`grid` drawn as a table, markdown or latex (`long`: a longtable)."""
    if fmt is TableFormat.markdown:
        return markdown(grid)
    if fmt is TableFormat.latex:
        return latex(grid, packages, long=long)
    if fmt is TableFormat.docx:
        raise ValueError("a docx table is bytes: draw the grid with peersynth.render_docx")
    return table(grid, is_terminal, width, note)


def show_percent(value: int | None) -> str:
    return NO_PERCENT if value is None else f"{value}%"


def _fraction(cell: Cell) -> str:
    return f"{cell.n}/{cell.N}"


# ---------------------------------------------------------------------------
# tally


def _group_json(group: Group) -> dict[str, Any]:
    return {"value": group.value, "N": len(group.studies), "studies": list(group.studies)}


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"n": cell.n, "N": cell.N, "percent": cell.percent, "studies": list(cell.studies)}


def tally_json(result: Tally) -> str:
    """{"version": 1, "rollup", "where": [{"field", "value"}], "by", "explode", "N",
    "columns": [{"value", "N", "studies"}],
    "themes": [{"id", "label", "depth", "n", "N", "percent", "studies",
                "columns": [{"value", "n", "N", "percent", "studies"}]}]}

    percent is null when N is 0; "columns" are empty without --by; studies are ids."""
    return to_json({
        "rollup": result.rollup,
        "where": [{"field": c.field, "value": c.value} for c in result.where],
        "by": result.by,
        "explode": result.explode,
        "N": result.N,
        "columns": [_group_json(group) for group in result.groups],
        "themes": [
            {"id": row.id, "label": row.label, "depth": row.depth, **_cell_json(row.total),
             "columns": [{"value": group.value, **_cell_json(cell)}
                         for group, cell in zip(result.groups, row.columns, strict=True)]}
            for row in result.rows],
    })


def render_tally(result: Tally, fmt: TableFormat, is_terminal: bool = False,
                 width: int | None = None, *, note: Note | None = None) -> str:
    """`note` hears, on a terminal too narrow to keep every number whole, why the plain
    table is printed instead (so do the other render_ functions')."""
    if fmt is TableFormat.json:
        return tally_json(result)
    if fmt is TableFormat.csv:
        headers = ["id", "theme", "depth", "n", "N", "percent"]
        for group in result.groups:
            headers += [f"{group.value} n", f"{group.value} N", f"{group.value} %"]
        return to_csv(headers, [
            [row.id, row.label, row.depth, row.total.n, row.total.N, row.total.percent,
             *(value for cell in row.columns for value in (cell.n, cell.N, cell.percent))]
            for row in result.rows])
    return grid_as(tally_grid(result), fmt, is_terminal, width, note)


def tally_grid(result: Tally) -> Grid:
    """The table, markdown, latex and docx form of a tally."""
    if result.by is None:
        return Grid(["Theme", "n/N", "%"],
                    [[row.label, _fraction(row.total), show_percent(row.total.percent)]
                     for row in result.rows],
                    "lrr", [row.depth for row in result.rows])

    def both(cell: Cell) -> str:
        return f"{_fraction(cell)} ({show_percent(cell.percent)})"

    return Grid(["Theme", "All", *(group.value for group in result.groups)],
                [[row.label, both(row.total), *(both(cell) for cell in row.columns)]
                 for row in result.rows],
                "lr" + "r" * len(result.groups), [row.depth for row in result.rows])


# ---------------------------------------------------------------------------
# cite


def citations_json(result: Citations) -> str:
    """{"version": 1, "style", "rollup", "N",
    "themes": [{"id", "label", "depth", "n", "N", "citation", "unnumbered", "studies"}]}

    style is "csl:FILE" when a CSL style file rendered the citations.

    citation is what the style cites ("" when nothing); unnumbered lists the studies
    the numeric style cannot cite because they have no ref (empty in other styles)."""
    return to_json({
        "style": f"csl:{result.csl}" if result.csl is not None else result.style.value,
        "rollup": result.rollup,
        "N": result.N,
        "themes": [
            {"id": row.id, "label": row.label, "depth": row.depth, "n": row.n, "N": row.N,
             "citation": row.citation.text, "unnumbered": list(row.citation.unnumbered),
             "studies": list(row.studies)}
            for row in result.rows],
    })


def render_citations(result: Citations, fmt: CiteFormat, *, single: bool = False,
                     is_terminal: bool = False, width: int | None = None,
                     note: Note | None = None) -> str:
    """One theme (`single`) prints as one line, `Role clarity (12/16): [33, 34]`,
    in table and markdown format alike; the map of every theme is a table."""
    if fmt is CiteFormat.json:
        return citations_json(result)
    if fmt is CiteFormat.csv:
        return to_csv(["id", "theme", "depth", "n", "N", "citation", "no_ref", "studies"], [
            [row.id, row.label, row.depth, row.n, row.N, row.citation.text,
             " ".join(row.citation.unnumbered), " ".join(row.studies)]
            for row in result.rows])
    if single:
        return "".join(visible(row.line()) + "\n" for row in result.rows)
    grid = Grid(["Theme", "n/N", "Citation"],
                [[row.label, f"{row.n}/{row.N}", row.citation.display()] for row in result.rows],
                "lrl", [row.depth for row in result.rows])
    if fmt is CiteFormat.markdown:
        return markdown(grid)
    return table(grid, is_terminal, width, note)


# ---------------------------------------------------------------------------
# matrix


def matrix_json(result: Matrix) -> str:
    """{"version": 1, "rollup", "N",
    "themes": [{"id", "label", "depth", "n"}],
    "studies": [{"id", "ref", "label", "themes": [theme ids], "total"}]}

    Studies are in reference order, themes in tree order; n counts a theme's studies,
    total a study's themes."""
    return to_json({
        "rollup": result.rollup,
        "N": len(result.rows),
        "themes": [{"id": t.id, "label": t.label, "depth": t.depth, "n": t.n}
                   for t in result.themes],
        "studies": [
            {"id": row.id, "ref": row.ref, "label": row.label,
             "themes": [t.id for t, hit in zip(result.themes, row.cells, strict=True) if hit],
             "total": row.total}
            for row in result.rows],
    })


def render_matrix(result: Matrix, fmt: TableFormat, is_terminal: bool = False,
                  width: int | None = None, *, note: Note | None = None) -> str:
    """On a terminal the themes are keyed T1, T2, ... in tree order, with a legend below,
    and studies by ref (or id): full theme labels across the top make the table far too
    wide for any terminal. The study's author-year label is kept when it fits."""
    if fmt is TableFormat.json:
        return matrix_json(result)
    if fmt is TableFormat.csv:
        return to_csv(["ref", "id", "study", *(t.label for t in result.themes), "total"], [
            *([row.ref, row.id, row.label, *(int(hit) for hit in row.cells), row.total]
              for row in result.rows),
            ["", "", "Total", *(t.n for t in result.themes), ""]])
    columns = terminal_width(width) if is_terminal and fmt is TableFormat.table else None
    if fmt is TableFormat.table and columns is None:
        return _matrix_plain(result)
    grid = matrix_grid(result)
    if columns is not None:
        return _matrix_on_terminal(result, grid, columns, note)
    return grid_as(grid, fmt, is_terminal, width, note, packages="booktabs, amssymb")


def _matrix_plain(result: Matrix) -> str:
    """`plain(matrix_grid(result))`, written from the matrix's booleans: each row's marks
    are picked from the column's two padded texts in C, with no grid of millions of cells
    (10,000 studies by 200 themes)."""
    with_ref = any(row.ref is not None for row in result.rows)
    lead = Grid(["Ref", "Study"] if with_ref else ["Study"],
                [[str(row.ref) if row.ref is not None else "", row.label] if with_ref
                 else [row.label] for row in result.rows],
                "rl" if with_ref else "l", totals=["", "Total"] if with_ref else ["Total"])
    row_totals = [str(row.total) for row in result.rows]
    labels = _visible_cells([theme.label for theme in result.themes])
    totals = [str(theme.n) for theme in result.themes]
    lead_widths = [max(map(_width, {*column})) for column in
                   zip(lead.headers, *lead.rows, lead.totals or [], strict=True)]
    end_width = max(map(_width, {ROW_TOTAL, *row_totals}))
    mark_widths = [max(_width(label), _width(n), _width(CHECK)) for label, n in
                   zip(labels, totals, strict=True)]
    marks = [(_pad("", width, "c"), _pad(CHECK, width, "c")) for width in mark_widths]

    def line(first: Sequence[str], middle: Sequence[str], last: str) -> str:
        cells = [_pad(cell, width, align) for cell, width, align in
                 zip(first, lead_widths, lead.align, strict=True)]
        return "  ".join([*cells, *middle, _pad(last, end_width, "r")]).rstrip() + "\n"

    pick = tuple.__getitem__
    rule = "  ".join("-" * width for width in [*lead_widths, *mark_widths, end_width]) + "\n"
    body = [line(first, list(map(pick, marks, row.cells)), last)
            for first, row, last in zip(lead.rows, result.rows, row_totals, strict=True)]
    return "".join([
        line(lead.headers, [_pad(label, width, "c") for label, width in
                            zip(labels, mark_widths, strict=True)], ROW_TOTAL),
        rule, *body, rule,
        line(lead.totals or [], [_pad(n, width, "c") for n, width in
                                 zip(totals, mark_widths, strict=True)], "")])


def matrix_grid(result: Matrix) -> Grid:
    """The whole matrix, theme labels across the top: its markdown, latex and docx form."""
    with_ref = any(row.ref is not None for row in result.rows)
    lead = ["Ref", "Study"] if with_ref else ["Study"]
    labels = [t.label for t in result.themes]
    totals = [str(t.n) for t in result.themes]

    def first(row_ref: int | None, label: str) -> list[str]:
        return [str(row_ref) if row_ref is not None else "", label] if with_ref else [label]

    mark = ("", CHECK).__getitem__  # a cell's bool picks its text, in C
    return Grid([*lead, *labels, ROW_TOTAL],
                [[*first(row.ref, row.label), *map(mark, row.cells), str(row.total)]
                 for row in result.rows],
                "r" * (len(lead) - 1) + "l" + "c" * len(labels) + "r",
                totals=[*([""] if with_ref else []), "Total", *totals, ""])


def _matrix_on_terminal(result: Matrix, full: Grid, width: int, note: Note | None) -> str:
    keys = [f"T{number}" for number in range(1, len(result.themes) + 1)]
    all_refs = all(row.ref is not None for row in result.rows)
    lead = "Ref" if all_refs else "Study"
    rows = [[str(row.ref) if row.ref is not None else row.id, row.label,
             *(CHECK if hit else "" for hit in row.cells), str(row.total)]
            for row in result.rows]
    totals = ["Total", "", *(str(t.n) for t in result.themes), ""]
    # The key column is never wrapped, even when it holds ids: "r", not "l".
    marks = "c" * len(keys) + "r"
    labelled = Grid([lead, "Study" if all_refs else "Author-year", *keys, ROW_TOTAL],
                    rows, "rl" + marks, totals=totals)
    legend = [Key(key, t.label, t.depth)
              for key, t in zip(keys, result.themes, strict=True)]
    if _fits_unwrapped(labelled, width):
        return styled(labelled, width, legend)
    bare = Grid([lead, *keys, ROW_TOTAL], [[row[0], *row[2:]] for row in rows], "r" + marks,
                totals=[totals[0], *totals[2:]])
    if fits(bare, width):
        return styled(bare, width, legend)
    if note is not None:
        note(_too_narrow(bare, width))
    return plain(full)


# ---------------------------------------------------------------------------
# studies


_FLOW_TITLE = "PRISMA flow"


def _shown(group: Group) -> str:
    # The catch-all may be renamed when a real value reads the same: go by its detail.
    if group.detail:
        return f"{group.value} ({', '.join(group.detail)})"
    return group.value


def characteristics_json(result: Characteristics) -> str:
    """{"version": 1, "N", "explode", "flow": {"records_screened": ..., ...} or null,
    "characteristics": [{"field", "title",
                         "rows": [{"value", "n", "N", "percent", "studies", "detail"}]}]}

    detail lists the countries a "Multiple countries" row holds (empty otherwise);
    flow holds only the counts the review states."""
    return to_json({
        "N": result.N,
        "explode": result.explode,
        "flow": {f.key: f.count for f in result.flow} or None,
        "characteristics": [
            {"field": section.field, "title": section.title, "rows": [
                {"value": g.value, "n": len(g.studies), "N": result.N,
                 "percent": _percent(g, result.N), "studies": list(g.studies),
                 "detail": list(g.detail)}
                for g in section.rows]}
            for section in result.sections],
    })


def _percent(group: Group, total: int) -> int | None:
    return percent(len(group.studies), total)


def render_characteristics(result: Characteristics, fmt: TableFormat,
                           is_terminal: bool = False, width: int | None = None, *,
                           note: Note | None = None) -> str:
    if fmt is TableFormat.json:
        return characteristics_json(result)
    if fmt is TableFormat.csv:
        return to_csv(["characteristic", "value", "n", "N", "percent", "detail"], [
            *([_FLOW_TITLE, f.label, f.count, "", "", ""] for f in result.flow),
            *([section.title, g.value, len(g.studies), result.N, _percent(g, result.N),
               "; ".join(g.detail)] for section in result.sections for g in section.rows)])
    return grid_as(characteristics_grid(result), fmt, is_terminal, width, note)


def characteristics_grid(result: Characteristics) -> Grid:
    """The table, markdown, latex and docx form of `studies`."""
    rows: list[list[str]] = []
    for number, item in enumerate(result.flow):
        rows.append([_FLOW_TITLE if number == 0 else "", item.label, str(item.count), ""])
    for section in result.sections:
        for number, group in enumerate(section.rows):
            rows.append([section.title if number == 0 else "", _shown(group),
                         str(len(group.studies)), show_percent(_percent(group, result.N))])
    return Grid(["Characteristic", "Value", "n", f"% of {result.N}"], rows, "llrr")
