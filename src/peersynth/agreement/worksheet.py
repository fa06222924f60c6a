"""The agreement report and the reconciliation worksheet as table, markdown, csv or json,
through the renderers every report uses. Returns strings; never prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from peersynth.agreement.compute import (
    Agreement,
    Interval,
    Reconciliation,
    Resolution,
    shown,
)
from peersynth.agreement.stats import Statistics
from peersynth.analysis import EN_DASH
from peersynth.render import Grid, markdown, table, to_csv, to_json

Note = Callable[[str], None]

TITLES: Final = {
    "percent_agreement": "Agreement", "cohen_kappa": "Cohen's \u03ba",
    "fleiss_kappa": "Fleiss' \u03ba", "scott_pi": "Scott's \u03c0", "gwet_ac1": "AC1",
    "krippendorff_alpha": "\u03b1", "prevalence_index": "PI", "bias_index": "BI",
}


def number(value: float | None, places: int = 3) -> str:
    """A statistic as shown: three decimals, an en dash when undefined."""
    if value is None:
        return EN_DASH
    text = f"{value:.{places}f}"
    return text if text.lstrip("-").strip("0.") else text.lstrip("-")  # no "-0.000"


def _interval(found: Interval | None) -> str:
    return EN_DASH if found is None else f"{number(found[0])} to {number(found[1])}"


def describe(result: Agreement) -> str:
    """The line above the tables: who, what, and which codings count."""
    what = "direct codings (--no-rollup)" if not result.rollup \
        else "codings rolled up to parent themes (--rollup)"
    coders = ", ".join(result.coders)
    return (f"{len(result.coders)} coders ({coders}); {result.studies} studies \u00d7 "
            f"{len(result.themes)} theme{'s' * (len(result.themes) != 1)}; {what}")


def statistics_grid(result: Agreement) -> Grid:
    names = shown(len(result.coders))
    rows = [["Overall", f"{result.overall.units:g}",
             *(number(getattr(result.overall, name)) for name in names)]]
    rows += [[row.label, f"{row.statistics.units:g}",
              *(number(getattr(row.statistics, name)) for name in names)]
             for row in result.themes]
    return Grid(["Theme", "Units", *(TITLES[name] for name in names)], rows,
                "lr" + "r" * len(names), [0, *(row.depth for row in result.themes)])


def intervals_grid(result: Agreement) -> Grid | None:
    if result.ci is None:
        return None
    names = shown(len(result.coders))
    return Grid(["Overall", "Estimate", f"95% interval ({result.resamples} resamples, "
                 f"seed {result.seed})"],
                [[TITLES[name], number(getattr(result.overall, name)),
                  _interval(result.ci.get(name))] for name in names], "lrr")


def worksheet_rows(result: Agreement) -> list[list[str]]:
    return [[row.id, row.label, item.study, ", ".join(item.coded_by),
             ", ".join(item.not_coded_by), ""]
            for row in result.themes for item in row.disagreements]


WORKSHEET: Final = ["Theme id", "Theme", "Study", "Coded by", "Not coded by", "Decision"]


def worksheet_grid(result: Agreement) -> Grid:
    return Grid(WORKSHEET, worksheet_rows(result), "lllllr")


def notes(result: Agreement) -> list[str]:
    """What a reader must know to read the numbers: undefined statistics."""
    undefined = result.undefined
    if not undefined:
        return []
    named = ", ".join(undefined[:5]) + (f" and {len(undefined) - 5} more"
                                        if len(undefined) > 5 else "")
    return [f"{EN_DASH}: undefined ({named}): every coder gave every study the same "
            "value, so chance agreement is 1 and a chance-corrected statistic has no "
            "value; percent agreement still shows how often they agreed"]


def _stats_json(found: Statistics, names: tuple[str, ...]) -> dict[str, Any]:
    return {"units": int(found.units), **{name: getattr(found, name) for name in names}}


def _ci_json(ci: dict[str, Interval | None] | None) -> dict[str, Any] | None:
    if ci is None:
        return None
    return {name: list(found) if found is not None else None for name, found in ci.items()}


def agreement_json(result: Agreement, reconciliation: Reconciliation | None = None) -> str:
    """{"version": 1, "coders": [...], "files": [...], "rollup", "studies",
    "bootstrap": {"resamples", "seed", "level"},
    "overall": {"units", "percent_agreement", "cohen_kappa" (two coders) or
                "fleiss_kappa", "scott_pi", "gwet_ac1", "krippendorff_alpha",
                "prevalence_index", "bias_index" (two coders), "ci": {name: [low, high]}},
    "themes": [{"id", "label", "depth", "units", same statistics, "ci",
                "disagreements": [{"study", "coded_by": [...], "not_coded_by": [...]}]}],
    "reconciled": null or {"file", "resolved": [...], "overridden": [...]}}

    An undefined statistic, or interval, is null; "ci" is null with --bootstrap 0."""
    names = shown(len(result.coders))
    body: dict[str, Any] = {
        "coders": list(result.coders),
        "files": list(result.files),
        "rollup": result.rollup,
        "studies": result.studies,
        "bootstrap": {"resamples": result.resamples, "seed": result.seed, "level": 0.95},
        "overall": {**_stats_json(result.overall, names), "ci": _ci_json(result.ci)},
        "themes": [
            {"id": row.id, "label": row.label, "depth": row.depth,
             **_stats_json(row.statistics, names), "ci": _ci_json(row.ci),
             "disagreements": [{"study": item.study, "coded_by": list(item.coded_by),
                                "not_coded_by": list(item.not_coded_by)}
                               for item in row.disagreements]}
            for row in result.themes],
    }
    if reconciliation is not None:
        body["reconciled"] = {
            "file": reconciliation.file,
            "resolved": [_resolution_json(item) for item in reconciliation.resolved],
            "overridden": [_resolution_json(item) for item in reconciliation.overridden]}
    return to_json(body)


def _resolution_json(item: Resolution) -> dict[str, Any]:
    return {"theme": item.theme, "study": item.study, "coded_by": list(item.coded_by),
            "not_coded_by": list(item.not_coded_by),
            "decision": "coded" if item.coded else "not coded",
            "sided_with": list(item.sided_with)}


def render_agreement(result: Agreement, fmt: str, *, worksheet_only: bool = False,
                     is_terminal: bool = False, note: Note | None = None) -> str:
    """table and markdown: a line saying what was compared, the statistics, the overall
    intervals and the worksheet; csv: the statistics (or, `worksheet_only`, the
    worksheet); json: everything."""
    if fmt == "json":
        return agreement_json(result)
    if fmt == "csv":
        if worksheet_only:
            return to_csv(WORKSHEET, worksheet_rows(result))
        names = shown(len(result.coders))
        rows = [["", "Overall", "", result.overall.units,
                 *(getattr(result.overall, name) for name in names),
                 *(value for name in names
                   for value in _bounds(result.ci, name))]]
        rows += [[row.id, row.label, row.depth, row.statistics.units,
                  *(getattr(row.statistics, name) for name in names),
                  *(value for name in names for value in _bounds(row.ci, name))]
                 for row in result.themes]
        return to_csv(["id", "theme", "depth", "units", *names,
                       *(f"{name}_{end}" for name in names for end in ("low", "high"))],
                      [[_csv_number(cell) for cell in row] for row in rows])
    draw: Callable[[Grid], str] = markdown if fmt == "markdown" else (
        lambda grid: table(grid, is_terminal, note=note))
    if worksheet_only:
        return draw(worksheet_grid(result))
    parts = [describe(result) + "\n\n", draw(statistics_grid(result))]
    intervals = intervals_grid(result)
    if intervals is not None:
        parts += ["\n", draw(intervals)]
    parts += [f"\n{line}\n" for line in notes(result)]
    count = len(worksheet_rows(result))
    parts.append(f"\nDisagreements to reconcile: {count}\n")
    if count:
        parts += ["\n", draw(worksheet_grid(result))]
    return "".join(parts)


def _bounds(ci: dict[str, Interval | None] | None, name: str) -> tuple[float | None, ...]:
    found = ci.get(name) if ci is not None else None
    return (None, None) if found is None else found


def _csv_number(value: object) -> object:
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) > 1 else round(value, 6)
    return value


def render_reconciliation(result: Agreement, reconciliation: Reconciliation, fmt: str, *,
                          is_terminal: bool = False, note: Note | None = None) -> str:
    if fmt == "json":
        return agreement_json(result, reconciliation)
    headers = ["Theme", "Study", "Coded by", "Not coded by", "Reconciled", "Sided with"]
    rows = [[item.theme, item.study, ", ".join(item.coded_by), ", ".join(item.not_coded_by),
             "coded" if item.coded else "not coded", ", ".join(item.sided_with)]
            for item in reconciliation.resolved]
    changed = [[item.theme, item.study, ", ".join(item.coded_by),
                ", ".join(item.not_coded_by), "coded" if item.coded else "not coded", ""]
               for item in reconciliation.overridden]
    if fmt == "csv":
        return to_csv(["kind", *headers], [["resolved", *row] for row in rows]
                      + [["overridden", *row] for row in changed])
    draw: Callable[[Grid], str] = markdown if fmt == "markdown" else (
        lambda grid: table(grid, is_terminal, note=note))
    coded = sum(item.coded for item in reconciliation.resolved)
    parts = [f"{reconciliation.file} resolves {len(rows)} disagreement"
             f"{'s' * (len(rows) != 1)}: {coded} coded, {len(rows) - coded} not coded\n"]
    if rows:
        parts += ["\n", draw(Grid(headers, rows, "llllll"))]
    if changed:
        parts += [f"\n{len(changed)} agreed coding{'s' * (len(changed) != 1)} changed by "
                  f"{reconciliation.file}:\n\n", draw(Grid(headers, changed, "llllll"))]
    return "".join(parts)
