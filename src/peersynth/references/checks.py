"""Checks of the studies against the bibliography the review names.

- `unknown-reference`: a study's key or DOI matches no entry (with the closest key).
- `reference-used-twice`: a study names the entry an earlier study names.
- `reference-mismatch` (warning): a field the study gives differs from its entry's;
  the study's value is used, and the message names both.
The problems of the bibliography file itself come from reading it (`load`).
"""

from __future__ import annotations

from collections.abc import Iterator

from peersynth.checks import Context, check
from peersynth.diagnostics import Diagnostic
from peersynth.references.bibliography import Entry
from peersynth.references.link import mismatches
from peersynth.suggest import Suggester


def _entry_name(entry: Entry) -> str:
    return f"'{entry.key}'" if entry.key is not None else f"with DOI {entry.doi}"


@check("unknown-reference")
def _unknown(ctx: Context) -> Iterator[Diagnostic]:
    bibliography, links = ctx.bibliography, ctx.links
    if bibliography is None or links is None or not links.misses:
        return
    keys = Suggester(e.key for e in bibliography.entries if e.key is not None)
    dois = Suggester(e.doi for e in bibliography.entries if e.doi is not None)
    for miss in links.misses:
        what = "key" if miss.by == "key" else "DOI"
        diagnostic = ctx.at(
            ctx.studies_doc, "unknown-reference",
            ("studies", ctx.study_index[miss.index], miss.by),
            f"{what} '{miss.value}' matches no entry in {bibliography.file}")
        suggest = keys if miss.by == "key" else dois

        def hint(value: str = miss.value, suggest: Suggester = suggest) -> str:
            close = suggest(value)
            return f"did you mean '{close[0]}'?" if close else \
                "add the reference to the reference manager and export it again"
        yield ctx.later(diagnostic, hint)


@check("reference-used-twice")
def _twice(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.links is None:
        return
    for twice in ctx.links.twice:
        yield ctx.at(
            ctx.studies_doc, "reference-used-twice",
            ("studies", ctx.study_index[twice.index], twice.by),
            f"entry {_entry_name(twice.entry)} (line {twice.entry.line}) is already study "
            f"'{twice.first}'s",
            "each study has its own entry; correct the key or DOI of one of them")


@check("reference-mismatch")
def _mismatch(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.links is None or ctx.bibliography is None:
        return
    for found in mismatches(ctx.studies.studies, ctx.links):
        yield ctx.at(
            ctx.studies_doc, "reference-mismatch",
            ("studies", ctx.study_index[found.index], found.name),
            f"{found.name} {found.ours!r} here, {found.theirs!r} in "
            f"{ctx.bibliography.file} entry {_entry_name(found.entry)} "
            f"(line {found.entry.line})",
            "the value here is used; correct whichever is out of date")
