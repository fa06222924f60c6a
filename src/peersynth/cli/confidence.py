"""findings: the Summary of Qualitative Findings table and the evidence profile, from
findings.yaml and the coding (peersynth.confidence)."""

from __future__ import annotations

from typing import Annotated

import typer

from peersynth.choices import Style, TableFormat
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
from peersynth.errors import PeersynthError
from peersynth.files import FINDINGS_FILE, display_name


@app.command()
@handles_errors
def findings(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    fmt: FormatOption = TableFormat.table,
    profile: Annotated[
        bool,
        typer.Option("--profile",
                     help="The evidence profile instead: each finding's four CERQual "
                          "components (or ConQual's steps) with their explanations, and "
                          "what the coding says beside each."),
    ] = False,
    style: Annotated[
        Style,
        typer.Option("--style", "-s",
                     help="How the contributing studies are cited, as `cite` cites them: "
                          "numeric, author-year, pandoc, latex or id."),
    ] = Style.numeric,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print the Summary of Qualitative Findings table from findings.yaml.

    One row a finding, in file order: the summarised finding, its confidence
    (GRADE-CERQual as the assessor judged it; JBI ConQual as peersynth works it
    out), the explanation, and the contributing studies, cited from the coding:
    the studies of the finding's themes and their subthemes, or those it lists.
    A finding not assessed yet shows "Not assessed". See docs/confidence.md.

    json (the same with or without --profile): {"version": 1, "findings": [{"id",
    "finding", "themes", "studies", "citation", "method", "confidence",
    "explanation", "components", "evidence": {"n", "quality", "design",
    "countries"}}]}

    **Examples**

        peersynth findings

        peersynth findings my-review/ --style author-year

        peersynth findings --profile --format markdown

        peersynth findings --format docx --output soqf.docx
    """
    from peersynth.confidence.table import profile_grid, render, rows, soqf_grid

    check_output(output, force=force, binary=fmt is TableFormat.docx)
    where = pick_folder(folder, data)
    review = load_review(where, no_cache=no_cache)
    if review.findings_file is None:
        raise PeersynthError(
            f"{display_name(where, FINDINGS_FILE)} does not exist",
            "write the review's findings there: `peersynth init NEW-DIR` writes a commented "
            "template, and docs/confidence.md describes the format")
    found = rows(review, style)
    if fmt is TableFormat.docx:
        deliver(word(profile_grid(found) if profile else soqf_grid(found)), output,
                force=force)
        return
    deliver(render(found, fmt, profile=profile, is_terminal=to_terminal(output), note=note),
            output, force=force)
