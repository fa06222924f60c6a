"""flow, figure and report: parse the options, call peersynth.flow, .figures or .report,
write the result. matplotlib and Jinja2 are imported inside the commands only."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from peersynth.cli import app
from peersynth.cli.common import (
    DEFAULT_DATA,
    DataOption,
    FolderArgument,
    ForceOption,
    NoCacheOption,
    OutputOption,
    check_output,
    deliver,
    handles_errors,
    load_review,
    pick_folder,
)
from peersynth.errors import UsageError
from peersynth.figures import Kind, Labels


class FlowFormat(str, Enum):
    text = "text"
    csv = "csv"


@app.command()
@handles_errors
def flow(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: Annotated[
        FlowFormat,
        typer.Option("--format", "-f",
                     help="text (each box the flow states, with its number), or csv: the "
                          "PRISMA2020 R package's and Shiny app's CSV (columns data, node, "
                          "box, description, boxtext, tooltips, url, n; NA where the review "
                          "states no number)."),
    ] = FlowFormat.text,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """The review's PRISMA 2020 flow (`review.flow` in studies.yaml), checked by validate.

    **Examples**

        peersynth flow

        peersynth flow --format csv --output PRISMA.csv
    """
    from peersynth import flow as boxes

    check_output(output, force=force, binary=False)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    info = review.studies_file.review
    counts = info.flow if info is not None else None
    if fmt is FlowFormat.csv:
        deliver(boxes.prisma_csv(counts), output, force=force)
        return
    lines = [f"{boxes.LABELS[name]}: {boxes.count(value)}"
             + "".join(f"\n  {part}: {n}" for part, n in boxes.parts(value))
             for name, value in (vars(counts).items() if counts is not None else ())
             if value is not None]
    deliver("\n".join(lines) + "\n" if lines else "", output, force=force)


WidthOption = Annotated[
    Optional[float],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--width", metavar="MM", min=40, max=400, show_default=False,
                 help="Figure width in millimetres (default 174, a journal page; 85 fits "
                      "one column)."),
]


@app.command()
@handles_errors
def figure(
    kind: Annotated[Kind, typer.Argument(help="Which figure.", show_default=False)],
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    output: OutputOption = None,
    force: ForceOption = False,
    width: WidthOption = None,
    rollup: Annotated[
        bool, typer.Option("--rollup/--no-rollup",
                           help="matrix and tally: count a study under a theme when it is "
                                "coded to the theme or to any subtheme below it."),
    ] = True,
    labels: Annotated[
        Labels, typer.Option("--labels", help="matrix: studies by reference number or "
                                              "author-year label."),
    ] = Labels.ref,
    no_cache: NoCacheOption = False,
) -> None:
    """Draw a figure of the review: the PRISMA 2020 flow diagram, the study-by-theme heat
    map, theme frequencies, quality, or countries.

    The format follows the --output file's suffix: .svg, .pdf or .png (300 dpi);
    without --output, SVG goes to stdout. The same review gives the same bytes.

    **Examples**

        peersynth figure flow --output flow.svg

        peersynth figure matrix --labels author-year --output matrix.pdf

        peersynth figure tally --width 85 --output themes.png
    """
    from peersynth.figures import render, style

    fmt = style.format_of(output)
    if not fmt:
        raise UsageError(f"cannot tell the figure format from {output!s}",
                         "name the --output file .svg, .pdf or .png")
    check_output(output, force=force, binary=False)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    result = render(kind, review, fmt, width_mm=width, rollup=rollup, labels=labels)
    deliver(result.decode("utf-8") if fmt == "svg" and output is None else result,
            output, force=force)
