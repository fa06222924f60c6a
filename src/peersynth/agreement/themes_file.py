"""One file in the themes.yaml format validated on its own, against known study ids.

This belongs in peersynth.validate as a public function (it drives that module's
reader); it lives here until that module is free to take it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from peersynth.checks import CHECKS, Context
from peersynth.diagnostics import Diagnostic
from peersynth.loading import Document, Limits, YamlPath
from peersynth.report import Omitted
from peersynth.review import StudiesFile
from peersynth.review import Theme as ThemeRecord
from peersynth.validate import (
    MAX_PROBLEMS,
    _parse,
    _read_themes,
    _Shown,
    _themes_record,
)

# The checks of themes.yaml that judge one file by itself and the study ids: ids used
# twice, unknown studies (with did-you-mean) and studies coded twice to one theme.
_THEMES_CHECKS = ("duplicate-theme-id", "unknown-study")


@dataclass(frozen=True)
class ThemesReport:
    diagnostics: tuple[Diagnostic, ...]  # those shown, sorted by position
    omitted: tuple[Omitted, ...]
    themes: Any  # review.ThemesFile, or None when the file could not be read at all
    nodes: tuple[tuple[ThemeRecord, YamlPath], ...]  # every theme held, in tree order


def validate_themes_file(data: bytes | list[Diagnostic], file: str,
                         study_ids: frozenset[str], *, limits: Limits | None = None,
                         max_problems: int = MAX_PROBLEMS,
                         extra: Sequence[Callable[[Context], Iterable[Diagnostic]]] = (),
                         ) -> ThemesReport:
    """A file in the themes.yaml format (its bytes, or why it could not be read), read
    as themes.yaml is, with the checks that need no studies.yaml but `study_ids`, and
    `extra` checks run on the same context (positions, and the cap on problems shown)."""
    limits = limits or Limits.from_env()
    shown = _Shown(max(0, max_problems))
    doc = _parse(data, file, limits, shown)
    themes = None if doc is None else _read_themes(doc, shown)
    record = None if themes is None else _themes_record(themes)
    if themes is not None and doc is not None:
        ctx = Context(
            StudiesFile(None, {}, []), Document(file, {}), [], study_ids, record, doc,
            themes.nodes, coding_index=themes.coding_index, unreadable=themes.unreadable,
            no_id=frozenset(themes.no_id), gate=shown)
        for check in [*(CHECKS[name] for name in _THEMES_CHECKS), *extra]:
            for diagnostic in check(ctx):
                shown.add(diagnostic)
        diagnostics, omitted = shown.result([file])
        diagnostics = [ctx.finish(d) for d in diagnostics]
    else:
        diagnostics, omitted = shown.result([file])
    return ThemesReport(tuple(diagnostics), tuple(omitted), record,
                        tuple(themes.nodes) if themes is not None else ())
