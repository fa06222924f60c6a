"""tally, cite, matrix, studies and init: parse the options, call analysis, render, print."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from peersynth.choices import CiteFormat, Order, Style, TableFormat
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
    emit,
    handles_errors,
    load_index,
    load_review,
    note,
    pick_folder,
    say,
    to_terminal,
    word,
)
from peersynth.cli.references import (
    CslOption,
    ManuscriptOption,
    NumberingOption,
    load_style,
    renumbered,
)
from peersynth.errors import UsageError
from peersynth.references.numbering import Numbering
from peersynth.review import Review, Theme

if TYPE_CHECKING:
    from peersynth.analysis import Citations, NamedT

RollupOption = Annotated[
    bool,
    typer.Option("--rollup/--no-rollup",
                 help="Count a study under a theme when it is coded to the theme or to any "
                      "subtheme below it; --no-rollup counts direct codings only."),
]


def _note_unmatched(review: Review, where: list[tuple[str, str]]) -> None:
    from peersynth import analysis

    for condition, near in analysis.unmatched(review, where):
        hint = f" (did you mean '{near}'?)" if near else ""
        say(f"peersynth: note: no study has {condition.field} = '{condition.value}'{hint}")


@app.command()
@handles_errors
def tally(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: FormatOption = TableFormat.table,
    rollup: RollupOption = True,
    by: Annotated[
        # A list, only to refuse a second --by rather than keep the last one silently.
        Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time
        typer.Option("--by", metavar="FIELD",
                     help="Crosstab against country, design, quality, year or any attribute: "
                          "one column per value, n/N within each column (one field)."),
    ] = None,
    where: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--where", "-w", metavar="FIELD=VALUE",
                     help="Keep only the studies with this value (repeatable; values of one "
                          "field are alternatives, different fields must all hold); N becomes "
                          "the number kept."),
    ] = None,
    explode: Annotated[
        bool,
        typer.Option("--explode",
                     help="With --by country: count a study with several countries under each "
                          "of them instead of under 'Multiple countries'."),
    ] = False,
    sort: Annotated[
        Order,
        typer.Option("--sort", help="tree order, or by count within each level (subthemes "
                                    "stay under their parent)."),
    ] = Order.tree,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Count the studies behind every theme: n/N and percent, subthemes indented.

    n counts the studies coded to a theme or to any of its subthemes; N is the
    number of studies in scope. Percents are rounded halves up; with N = 0 the
    percent shows as "\u2013" (null in json).

    json: {"version": 1, "rollup", "where", "by", "explode", "N", "columns":
    [{"value", "N", "studies"}], "themes": [{"id", "label", "depth", "n", "N",
    "percent", "studies", "columns": [{"value", "n", "N", "percent", "studies"}]}]}

    **Examples**

        peersynth tally

        peersynth tally my-review/

        peersynth tally --by country --explode

        peersynth tally --where design=qualitative --where quality=good --format markdown

        peersynth tally --no-rollup --sort count --format csv > themes.csv

        peersynth tally --format docx --output themes.docx
    """
    from peersynth import analysis
    from peersynth.render import render_tally, tally_grid

    check_output(output, force=force, binary=fmt is TableFormat.docx)

    if by is not None and len(by) > 1:
        times = "twice" if len(by) == 2 else f"{len(by)} times"
        raise UsageError(f"tally crosstabs one field at a time; --by was given {times}: "
                         f"{', '.join(by)}",
                         "keep one --by; `peersynth studies --by FIELD` counts several fields")
    crosstab = by[0] if by else None
    if crosstab is None and not where and not explode:
        # Counting alone: the coding index is all it needs, not the studies' records.
        result = analysis.counted(load_index(pick_folder(folder, data), no_cache=no_cache),
                                  rollup=rollup, order=sort)
    else:
        # The review first: its own errors are told before those of --where.
        review = load_review(pick_folder(folder, data), no_cache=no_cache)
        pairs = [analysis.parse_where(text) for text in where or []]
        if explode and (crosstab is None
                        or analysis.resolve_field(review, crosstab) != "country"):
            raise UsageError("--explode needs --by country",
                             "a study has several values only for country")
        result = analysis.tally(review, rollup=rollup, where=pairs, by=crosstab,
                                explode=explode, order=sort)
        _note_unmatched(review, pairs)
    deliver(word(tally_grid(result)) if fmt is TableFormat.docx
            else render_tally(result, fmt, to_terminal(output), note=note),
            output, force=force)


def find_theme(review: Review, theme: str | None, folder: Path | None,
               command: str) -> Theme | None:
    """The theme THEME names (None when not given); ThemeNotFound names the closest, and
    says so when THEME is a review folder given where the theme goes."""
    return find_named([item for item, _ in review.themes_file.walk()], theme, folder, command)


def find_named(themes: Sequence[NamedT], theme: str | None, folder: Path | None,
               command: str) -> NamedT | None:
    """`find_theme` among `themes`: a review's, or its coding index's."""
    from peersynth import analysis

    try:
        return analysis.find_named(themes, theme) if theme is not None else None
    except analysis.ThemeNotFound as error:
        if folder is None and theme is not None and (Path(theme) / "studies.yaml").is_file():
            # `peersynth cite my-review/`: the one argument is taken as the theme.
            error.hint = (f"'{theme}' is a review folder; THEME comes first: "
                          f"`peersynth {command} THEME {theme}`, or "
                          f"`peersynth {command} --data {theme}` for every theme")
        raise


@app.command()
@handles_errors
def cite(
    theme: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(metavar="THEME", show_default=False,
                       help="Theme id or label; case, spaces, hyphens and small typos do not "
                            "matter. Every theme when left out."),
    ] = None,
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    style: Annotated[
        Style,
        typer.Option("--style", "-s",
                     help="numeric ([33\u201336, 38] from ref), author-year (Berry et al. "
                          "2011), pandoc ([@berry2011; @byrne2021], by key), latex "
                          "(\\cite{berry2011,byrne2021}) or id. A study without `key` is "
                          "cited by its id."),
    ] = Style.numeric,
    fmt: Annotated[
        CiteFormat,
        typer.Option("--format", "-f", help="table, markdown, csv or json."),
    ] = CiteFormat.table,
    rollup: RollupOption = True,
    csl: CslOption = None,
    numbering: NumberingOption = Numbering.ref,
    manuscripts: ManuscriptOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Cite the studies behind a theme, or print the citation map of every theme.

    Numeric citations are sorted, with runs of three or more as ranges:
    `Role clarity (12/16): [33\u201342, 44, 45]`. A study without `ref` is never
    dropped: it is listed after the numbers as `(no ref: study-id, ...)`, and a
    note on stderr says so. An unknown or ambiguous THEME exits 1 naming the
    closest themes.

    json: {"version": 1, "style", "rollup", "N", "themes": [{"id", "label",
    "depth", "n", "N", "citation", "unnumbered", "studies"}]}

    **Examples**

        peersynth cite role-clarity

        peersynth cite role-clarity my-review/

        peersynth cite "role clarty" --style author-year

        peersynth cite leadership --style pandoc

        peersynth cite leadership --csl apa.csl

        peersynth cite --format markdown
    """
    from peersynth import analysis

    where = pick_folder(folder, data)
    if style is Style.numeric and csl is None and numbering is Numbering.ref:
        # Reference numbers as the review gives them: the coding index is all it needs.
        index = load_index(where, no_cache=no_cache)
        chosen = find_named(index.themes, theme, folder, "cite")
        _print_citations(analysis.cited(index, rollup=rollup, theme=chosen), fmt,
                         single=chosen is not None)
        return
    review = load_review(where, no_cache=no_cache)
    found = find_theme(review, theme, folder, "cite")
    if numbering is not Numbering.ref or csl is not None:
        review, numbers = renumbered(review, numbering, manuscripts)
    result = analysis.citations(review, style, rollup=rollup, theme=found)
    if csl is not None:
        by_id = review.study_by_id
        groups = [[by_id[i] for i in row.studies] for row in result.rows]
        texts = load_style(csl, review.studies).cite(groups, review.studies, numbers.by_id)
        result = dataclasses.replace(result, csl=csl.as_posix(), rows=tuple(
            dataclasses.replace(row, citation=analysis.Citation(text))
            for row, text in zip(result.rows, texts, strict=True)))
    _print_citations(result, fmt, single=found is not None)


def _print_citations(result: Citations, fmt: CiteFormat, *, single: bool) -> None:
    from peersynth.render import render_citations

    emit(render_citations(result, fmt, single=single, is_terminal=to_terminal(), note=note))
    unnumbered = list(dict.fromkeys(i for row in result.rows for i in row.citation.unnumbered))
    if unnumbered:
        say(f"peersynth: note: no ref number for {', '.join(unnumbered)}, listed as "
            "'(no ref: ...)'; add `ref:` in studies.yaml, or use --style author-year")


@app.command()
@handles_errors
def matrix(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: FormatOption = TableFormat.table,
    rollup: RollupOption = True,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print the study-by-theme matrix (the usual "Table 2").

    Rows are the studies in reference order, columns the themes in tree order,
    with a Total row counting each theme's studies; a parent theme's column marks
    the studies of its subthemes too unless --no-rollup. A study's Themes column is
    the number of top-level themes it supports, directly or through a subtheme, so
    a parent and its subtheme count once, with or without --no-rollup.

    json: {"version": 1, "rollup", "N", "themes": [{"id", "label", "depth", "n"}],
    "studies": [{"id", "ref", "label", "themes", "total"}]}

    **Examples**

        peersynth matrix

        peersynth matrix my-review/ --format latex > table2.tex

        peersynth matrix --no-rollup --format csv > matrix.csv

        peersynth matrix --format docx --output table2.docx
    """
    from peersynth import analysis
    from peersynth.render import matrix_grid, render_matrix

    check_output(output, force=force, binary=fmt is TableFormat.docx)
    result = analysis.matrix_of(load_index(pick_folder(folder, data), no_cache=no_cache),
                                rollup=rollup)
    deliver(word(matrix_grid(result)) if fmt is TableFormat.docx
            else render_matrix(result, fmt, to_terminal(output), note=note),
            output, force=force)


@app.command()
@handles_errors
def studies(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: FormatOption = TableFormat.table,
    by: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--by", metavar="FIELD",
                     help="Also count by this attribute (repeatable); --by year counts each "
                          "year instead of giving the range."),
    ] = None,
    explode: Annotated[
        bool,
        typer.Option("--explode",
                     help="Count a study with several countries under each of them instead of "
                          "under 'Multiple countries'."),
    ] = False,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Describe the included studies: counts by country, design and quality, the year
    range, and the PRISMA flow numbers the review states.

    A study with more than one country counts once, as "Multiple countries",
    unless --explode.

    json: {"version": 1, "N", "explode", "flow": {"records_screened", ...} or null,
    "characteristics": [{"field", "title", "rows": [{"value", "n", "N", "percent",
    "studies", "detail"}]}]}

    **Examples**

        peersynth studies

        peersynth studies my-review/ --format markdown

        peersynth studies --explode --by lived_experience_coauthor

        peersynth studies --format markdown
    """
    from peersynth import analysis
    from peersynth.render import characteristics_grid, render_characteristics

    check_output(output, force=force, binary=fmt is TableFormat.docx)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    result = analysis.characteristics(review, by=by or [], explode=explode)
    deliver(word(characteristics_grid(result)) if fmt is TableFormat.docx
            else render_characteristics(result, fmt, to_terminal(output), note=note),
            output, force=force)


@app.command()
@handles_errors
def init(
    folder: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="The new review folder (created if missing).",
                       file_okay=False, show_default=False),
    ],
    example: Annotated[
        bool,
        typer.Option("--example",
                     help="Copy the shipped example review (Reeves et al. 2024) instead of "
                          "the commented templates."),
    ] = False,
) -> None:
    """Start a review folder: studies.yaml and themes.yaml, commented, that validate.

    Never overwrites: if DIR already holds either file, nothing is written and
    the command exits 1.

    **Examples**

        peersynth init my-review

        peersynth init demo --example && peersynth tally --data demo
    """
    from peersynth import scaffold

    written = scaffold.init(folder, example=example)
    for path in written:
        say(f"created {path.as_posix()}")
    say(f"next: edit them, then run `peersynth validate --data {folder.as_posix()}`")
