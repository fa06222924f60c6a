"""characteristics and evidence: the per-study tables a manuscript prints (Table 1 and the
supplementary evidence table); parse the options, build the table, render, print."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from peersynth.choices import TableFormat
from peersynth.cli import app
from peersynth.cli.common import (
    DEFAULT_DATA,
    DataOption,
    FolderArgument,
    ForceOption,
    FormatOption,
    NoCacheOption,
    OutputOption,
    check_output,
    deliver,
    handles_errors,
    load_review,
    note,
    pick_folder,
    to_terminal,
    word,
)
from peersynth.cli.reporting import _note_unmatched, find_theme


@app.command()
@handles_errors
def characteristics(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: FormatOption = TableFormat.table,
    columns: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time
        typer.Option("--columns", "-c", metavar="COLUMN,...",
                     help="The columns, in order: study (author-year, else id), id, ref, "
                          "authors, year, title, journal, doi, country, design, quality, "
                          "note, attribute:NAME. Default: study, then each of ref, year, "
                          "country, design and quality that some study reports, then "
                          "every attribute."),
    ] = None,
    group_by: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--group-by", "-g", metavar="FIELD",
                     help="Group the rows under each value of country, design, quality, "
                          "year or an attribute, in the vocabulary's order (else numeric, "
                          "else most studies first); Not reported last."),
    ] = None,
    where: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--where", "-w", metavar="FIELD=VALUE",
                     help="Keep only the studies with this value (repeatable, as for "
                          "tally)."),
    ] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print Table 1: the characteristics of each included study, one row each.

    Rows are in reference order (studies without `ref` after them, in file order).
    A value a study does not report shows as "\u2013" (empty in csv, null in json);
    nothing is filled in. latex is a booktabs tabular, or a longtable past 40 rows.

    json: {"version": 1, "N", "where", "group_by", "columns": [{"key", "title"}],
    "groups": [{"value", "studies"}], "studies": [{"id", "ref", "group",
    "values": {COLUMN: value}}]}

    **Examples**

        peersynth characteristics

        peersynth characteristics my-review/ --columns study,year,country,design

        peersynth characteristics --group-by design --format markdown

        peersynth characteristics --format latex > table1.tex

        peersynth characteristics --format docx --output table1.docx
    """
    from peersynth import analysis
    from peersynth.tables.characteristics import parse_columns, study_table
    from peersynth.tables.render import render_study_table, study_table_grid

    check_output(output, force=force, binary=fmt is TableFormat.docx)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    pairs = [analysis.parse_where(text) for text in where or []]
    chosen = parse_columns(review, columns) if columns is not None else None
    result = study_table(review, chosen, where=pairs, group_by=group_by)
    _note_unmatched(review, pairs)
    deliver(word(study_table_grid(result)) if fmt is TableFormat.docx
            else render_study_table(result, fmt, to_terminal(output), note=note),
            output, force=force)


@app.command()
@handles_errors
def evidence(
    theme: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(metavar="THEME", show_default=False,
                       help="Theme id or label, matched as `cite` matches it; that theme and "
                            "its subthemes. Every theme when left out."),
    ] = None,
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: FormatOption = TableFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print the evidence table: each theme's coded studies with their evidence and note.

    Themes in tree order, subthemes indented under their theme; under each theme,
    the studies coded to it directly, in reference order (a study coded to a
    subtheme is listed there). A coding without evidence or note shows "\u2013"
    (empty in csv, null in json). An unknown or ambiguous THEME exits 1 naming the
    closest themes.

    json: {"version": 1, "N", "themes": [{"id", "label", "depth", "codings":
    [{"study", "ref", "label", "evidence", "note"}]}]}

    **Examples**

        peersynth evidence

        peersynth evidence role-clarity

        peersynth evidence organisational-readiness my-review/ --format markdown

        peersynth evidence --format docx --output evidence.docx
    """
    from peersynth.tables.evidence import evidence as evidence_table
    from peersynth.tables.render import evidence_grid, render_evidence

    check_output(output, force=force, binary=fmt is TableFormat.docx)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    found = find_theme(review, theme, folder, "evidence")
    result = evidence_table(review, found)
    deliver(word(evidence_grid(result)) if fmt is TableFormat.docx
            else render_evidence(result, fmt, to_terminal(output), note=note),
            output, force=force)
