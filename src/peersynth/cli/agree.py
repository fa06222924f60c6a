"""agree: parse the options, read the coders' files, compute, render, print."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from peersynth.cli import app
from peersynth.cli.common import (
    DEFAULT_DATA,
    DataOption,
    NoCacheOption,
    emit,
    handles_errors,
    load_review,
    note,
    say,
    to_terminal,
)
from peersynth.cli.reporting import _note_unmatched, find_theme
from peersynth.diagnostics import Diagnostic
from peersynth.errors import UsageError
from peersynth.report import Omitted


class AgreeFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def _report(diagnostics: Sequence[Diagnostic], omitted: Sequence[Omitted]) -> None:
    """The problems of coders' files, on stderr, as `validate` prints them."""
    from peersynth.render_diagnostics import more_line

    for diagnostic in diagnostics:
        say(diagnostic.text())
    for item in omitted:
        say(more_line(item))


@app.command()
@handles_errors
def agree(
    files: Annotated[
        Optional[list[Path]],  # noqa: UP045 - typer reads the annotation at run time
        typer.Argument(metavar="[CODER.yaml]...", show_default=False, dir_okay=False,
                       help="Each coder's codings, in the themes.yaml format (a coding needs "
                            "only `study`); the coder is named by the file name. Default: "
                            "every .yaml file in the review folder's coders/."),
    ] = None,
    data: DataOption = DEFAULT_DATA,
    fmt: Annotated[
        AgreeFormat,
        typer.Option("--format", "-f", help="table, markdown, csv or json."),
    ] = AgreeFormat.table,
    rollup: Annotated[
        bool,
        typer.Option("--rollup/--no-rollup",
                     help="Compare direct codings (the default: what coders decide), or "
                          "count a study under a theme when coded to it or to any subtheme."),
    ] = False,
    theme: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--theme", "-t", metavar="THEME",
                     help="Only this theme (id or label, as `cite` takes it)."),
    ] = None,
    where: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--where", "-w", metavar="FIELD=VALUE",
                     help="Keep only the studies with this value, as in tally (repeatable)."),
    ] = None,
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", min=0, metavar="N",
                     help="Resamples of the studies for the 95% intervals (0: none)."),
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the bootstrap: the same seed, the same "
                                         "intervals."),
    ] = 1,
    worksheet: Annotated[
        bool,
        typer.Option("--worksheet",
                     help="Print only the reconciliation worksheet: each disagreement, who "
                          "coded what, and an empty Decision column."),
    ] = False,
    reconciled: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--reconciled", metavar="FILE", dir_okay=False,
                     help="Check the reconciled codings (themes.yaml format) against the "
                          "coders': which way each disagreement went, and agreed codings "
                          "it changed."),
    ] = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Intercoder agreement of two or more coders' codings, and what they must reconcile.

    Units are every study by every theme, present or absent; a study a coder coded
    to no theme is that coder's missing value. Per theme and over all units: percent
    agreement, Cohen's kappa (two coders) or Fleiss' kappa (three or more), Scott's pi,
    Gwet's AC1, Krippendorff's alpha, and for two coders the prevalence and bias
    indices; 95% intervals by a seeded bootstrap over the studies. An undefined
    statistic (every coder gave every study one value) shows as "\u2013" (null in json).

    json: {"version": 1, "coders", "files", "rollup", "studies", "bootstrap":
    {"resamples", "seed", "level"}, "overall": {"units", "percent_agreement",
    "cohen_kappa" or "fleiss_kappa", "scott_pi", "gwet_ac1", "krippendorff_alpha",
    "prevalence_index", "bias_index", "ci": {statistic: [low, high]}}, "themes":
    [{"id", "label", "depth", "units", same statistics, "ci", "disagreements":
    [{"study", "coded_by", "not_coded_by"}]}]}; with --reconciled also "reconciled":
    {"file", "resolved", "overridden"}.

    **Examples**

        peersynth agree

        peersynth agree coders/ana.yaml coders/ben.yaml --data my-review

        peersynth agree --worksheet --format csv > to-reconcile.csv

        peersynth agree --theme role-clarity --where design=qualitative

        peersynth agree --reconciled data/themes.yaml
    """
    from peersynth import analysis
    from peersynth.agreement.coders import find_coders, read_coder, read_coders
    from peersynth.agreement.compute import agreement, reconcile
    from peersynth.agreement.worksheet import render_agreement, render_reconciliation

    if worksheet and reconciled is not None:
        raise UsageError("--worksheet and --reconciled print different things",
                         "give one of them")
    review = load_review(data, no_cache=no_cache)
    paths = find_coders(data, files or [])
    read = read_coders(paths, review)
    _report(read.diagnostics, read.omitted)
    if read.coders is None:
        say(f"peersynth: {read.errors} error(s) in the coders' files; nothing compared")
        raise typer.Exit(1)
    found = find_theme(review, theme, None, "agree")
    themes = [(t, d) for t, d in review.themes_file.walk() if found is None or t is found]
    pairs = [analysis.parse_where(text) for text in where or []]
    studies = analysis.filter_studies(review, pairs) if pairs else None
    _note_unmatched(review, pairs)
    result = agreement(review, read.coders, studies=studies, themes=themes, rollup=rollup,
                       resamples=bootstrap, seed=seed)
    if reconciled is not None:
        final = read_coder(reconciled, review, name="reconciled")
        _report(final.diagnostics, final.omitted)
        if final.coders is None:
            say(f"peersynth: {final.errors} error(s) in {reconciled.as_posix()}; nothing "
                "checked")
            raise typer.Exit(1)
        outcome = reconcile(result, final.coders[0], read.coders, review, themes, studies)
        emit(render_reconciliation(result, outcome, fmt.value, is_terminal=to_terminal(),
                                   note=note))
        return
    emit(render_agreement(result, fmt.value, worksheet_only=worksheet,
                          is_terminal=to_terminal(), note=note))
