"""Table 1 and the evidence table as table, markdown, csv, json or latex (strings), and as
the `Grid` that `peersynth.render_docx` writes to Word. Drawn by `peersynth.render`'s
grid renderers, so every cell is escaped the one way the other commands' are.

A value a study does not report is an en dash in the drawn formats, an empty cell in
csv and null in json: nothing is filled in.
"""

from __future__ import annotations

from typing import Any

from peersynth.analysis import EN_DASH
from peersynth.choices import TableFormat
from peersynth.render import LONG_TABLE_ROWS, Grid, Note, grid_as, to_csv, to_json
from peersynth.tables.characteristics import StudyTable, Value
from peersynth.tables.evidence import Evidence

MISSING = EN_DASH


def _text(value: Value, joiner: str = ", ") -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return joiner.join(value)
    return str(value)


def _shown(value: Value) -> str:
    text = _text(value)
    return MISSING if text is None else text


# ---------------------------------------------------------------------------
# characteristics


def study_table_grid(result: StudyTable) -> Grid:
    """One row a study; when grouped, each group's value (and its count) heads its rows,
    which are indented under it."""
    grouped = result.group_by is not None
    align = "".join("r" if column.numeric else "l" for column in result.columns)
    if grouped:
        align = "l" + align[1:]  # the group headings are written in the first column
    rows: list[list[str]] = []
    depths: list[int] = []
    headings: set[int] = set()
    blank = [""] * (len(result.columns) - 1)
    for group in result.groups:
        if grouped:
            headings.add(len(rows))
            rows.append([f"{group.value} (n = {len(group.rows)})", *blank])
            depths.append(0)
        for row in group.rows:
            rows.append([_shown(value) for value in row.values])
            depths.append(1 if grouped else 0)
    return Grid([column.title for column in result.columns], rows, align, depths,
                headings=frozenset(headings))


def study_table_json(result: StudyTable) -> str:
    """{"version": 1, "N", "where": [{"field", "value"}], "group_by",
    "columns": [{"key", "title"}], "groups": [{"value", "studies"}],
    "studies": [{"id", "ref", "group", "values": {column key: value}}]}

    Studies are in reference order (within their group when grouped); a value is null
    where the study does not report it, a list for authors and countries, a number
    for ref and year, text otherwise. groups is empty when the table is not grouped."""
    def values(row_values: tuple[Value, ...]) -> dict[str, Any]:
        return {column.key: list(value) if isinstance(value, tuple) else value
                for column, value in zip(result.columns, row_values, strict=True)}

    return to_json({
        "N": result.N,
        "where": [{"field": c.field, "value": c.value} for c in result.where],
        "group_by": result.group_by,
        "columns": [{"key": column.key, "title": column.title} for column in result.columns],
        "groups": [{"value": group.value, "studies": [row.id for row in group.rows]}
                   for group in result.groups if group.value is not None],
        "studies": [{"id": row.id, "ref": row.ref, "group": group.value,
                     "values": values(row.values)}
                    for group in result.groups for row in group.rows],
    })


def render_study_table(result: StudyTable, fmt: TableFormat, is_terminal: bool = False,
                       width: int | None = None, *, note: Note | None = None) -> str:
    """csv: a row a study, the group first when grouped; several authors or countries
    in one cell are separated by '; '."""
    if fmt is TableFormat.json:
        return study_table_json(result)
    if fmt is TableFormat.csv:
        lead = ["group"] if result.group_by is not None else []
        return to_csv([*lead, *(column.key for column in result.columns)], [
            [*([group.value] if lead else []), *(_text(value, "; ") for value in row.values)]
            for group in result.groups for row in group.rows])
    grid = study_table_grid(result)
    return grid_as(grid, fmt, is_terminal, width, note, long=len(grid.rows) > LONG_TABLE_ROWS)


# ---------------------------------------------------------------------------
# evidence


def evidence_grid(result: Evidence) -> Grid:
    """Each theme's label, then its codings indented below it; subthemes follow their
    parent's own codings, one level deeper."""
    with_ref = any(row.ref is not None for theme in result.themes for row in theme.codings)
    headers = ["Theme / study", *(["Ref"] if with_ref else []), "Evidence", "Note"]
    rows: list[list[str]] = []
    depths: list[int] = []
    headings: set[int] = set()
    for theme in result.themes:
        headings.add(len(rows))
        rows.append([theme.label, *[""] * (len(headers) - 1)])
        depths.append(theme.depth)
        for coding in theme.codings:
            ref = [_shown(coding.ref)] if with_ref else []
            rows.append([coding.label, *ref, _shown(coding.evidence), _shown(coding.note)])
            depths.append(theme.depth + 1)
    return Grid(headers, rows, "lrll" if with_ref else "lll", depths,
                headings=frozenset(headings))


def evidence_json(result: Evidence) -> str:
    """{"version": 1, "N", "themes": [{"id", "label", "depth",
    "codings": [{"study", "ref", "label", "evidence", "note"}]}]}

    Themes in tree order; each theme's own codings in reference order; evidence, note
    and ref are null where the coding or study does not give them."""
    return to_json({
        "N": result.N,
        "themes": [
            {"id": theme.id, "label": theme.label, "depth": theme.depth, "codings": [
                {"study": c.study, "ref": c.ref, "label": c.label, "evidence": c.evidence,
                 "note": c.note} for c in theme.codings]}
            for theme in result.themes],
    })


def render_evidence(result: Evidence, fmt: TableFormat, is_terminal: bool = False,
                    width: int | None = None, *, note: Note | None = None) -> str:
    """csv: a row a coding (a theme without codings has none)."""
    if fmt is TableFormat.json:
        return evidence_json(result)
    if fmt is TableFormat.csv:
        return to_csv(["theme_id", "theme", "depth", "study", "ref", "evidence", "note"], [
            [theme.id, theme.label, theme.depth, c.study, c.ref, c.evidence, c.note]
            for theme in result.themes for c in theme.codings])
    grid = evidence_grid(result)
    return grid_as(grid, fmt, is_terminal, width, note, long=len(grid.rows) > LONG_TABLE_ROWS)
