"""Coders' files: each in the themes.yaml format, read and checked as themes.yaml is.

A coder's file holds the same theme ids as themes.yaml, each with the studies that
coder coded to it (a coding needs only `study`). It is validated by the machinery that
validates themes.yaml (positions, shape, unknown and duplicate ids, with did-you-mean),
then against the review: a theme it names that themes.yaml lacks, a theme of themes.yaml
it leaves out, and the studies it codes to no theme (that coder's missing values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from peersynth.checks import Context
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.errors import PeersynthError, UsageError
from peersynth.escape import visible
from peersynth.files import Limits, read_bytes
from peersynth.report import Omitted
from peersynth.review import Review
from peersynth.suggest import closest
from peersynth.validate import MAX_PROBLEMS, validate_themes_file

CODERS_FOLDER: Final = "coders"

# The codes only a coder's file can have, with their one severity (docs/agree.md
# documents each; a coder's file also gets every code themes.yaml can).
CODES: Final[dict[str, Severity]] = {
    "unknown-theme": Severity.ERROR,
    "missing-theme": Severity.ERROR,
    "study-not-coded": Severity.WARNING,
}
# A message names this many studies, then how many more there are.
_NAMED: Final = 5


def _diagnostic(ctx: Context, code: str, path: tuple[str | int, ...], message: str,
                hint: str, *, key: bool = False) -> Diagnostic:
    doc = ctx.themes_doc_
    line, column = doc.position(path, key=key)
    return Diagnostic(code, CODES[code], doc.file, line, column, message, hint)


def _against(review: Review, name: str) -> Callable[[Context], Iterator[Diagnostic]]:
    """The checks of a coder's file against the review, as one validation check."""
    themes = {theme.id: theme for theme, _ in review.themes_file.walk()}
    studies = [study.id for study in review.in_reference_order]

    def check(ctx: Context) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        coded: set[str] = set()
        for theme, path in ctx.theme_nodes:
            if path in ctx.no_id:
                continue
            seen.add(theme.id)
            coded.update(theme.coded_ids())
            if theme.id not in themes and not ctx.hidden(ctx.themes_doc_, "unknown-theme",
                                                          (*path, "id")):
                near = closest(theme.id, list(themes), limit=1)
                hint = f"did you mean '{near[0]}'?" if near else \
                    "use the theme ids of themes.yaml"
                yield _diagnostic(ctx, "unknown-theme", (*path, "id"),
                                  f"'{theme.id}' is not a theme of themes.yaml", hint)
        if ctx.unreadable_under():
            return  # what could not be read may hold the themes and studies missing
        at = ("themes",)
        for theme_id, theme in themes.items():
            if theme_id not in seen:
                yield _diagnostic(
                    ctx, "missing-theme", at,
                    f"theme '{theme_id}' ({theme.label}) of themes.yaml is not in {name}'s "
                    "file", f"add '- id: {theme_id}' with the studies {name} coded to it, "
                    "and 'studies: []' if none", key=True)
        left = [study for study in studies if study not in coded]
        if left:
            more = len(left) - _NAMED
            named = ", ".join(left[:_NAMED]) + (f" and {more} more" if more > 0 else "")
            them = "them" if len(left) > 1 else "it"
            yield _diagnostic(
                ctx, "study-not-coded", at,
                f"{len(left)} stud{'ies are' if len(left) > 1 else 'y is'} coded to no theme in "
                f"{name}'s file ({named}): counted as not coded by {name} (a missing value), "
                "not as absent from every theme",
                f"code {them} to the themes {name} found in {them}, if {name} coded {them}",
                key=True)

    return check


@dataclass(frozen=True, slots=True)
class Coder:
    """One coder's codings: theme id -> the studies coded to it directly."""

    name: str
    file: str
    codings: dict[str, frozenset[str]]

    @property
    def studies(self) -> frozenset[str]:
        """The studies this coder coded at all (to any theme)."""
        return frozenset().union(*self.codings.values())


@dataclass(frozen=True, slots=True)
class Read:
    """Coders' files as read: the coders, when no file has an error, and the problems."""

    coders: tuple[Coder, ...] | None
    diagnostics: tuple[Diagnostic, ...]
    omitted: tuple[Omitted, ...]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics) + sum(
            o.errors for o in self.omitted)


def read_coder(path: Path, review: Review, *, name: str | None = None,
               limits: Limits | None = None, max_problems: int = MAX_PROBLEMS) -> Read:
    """One coder's file, validated as themes.yaml is and then against `review`."""
    limits = limits or Limits.from_env()
    file = path.as_posix()
    coder = name if name is not None else path.stem
    data = read_bytes(path, file, limits)
    known = frozenset(study.id for study in review.studies)
    report = validate_themes_file(data, file, known, limits=limits, max_problems=max_problems,
                                  extra=[_against(review, coder)])
    if report.themes is None or any(d.severity is Severity.ERROR for d in report.diagnostics) \
            or any(o.errors for o in report.omitted):
        return Read(None, report.diagnostics, report.omitted)
    codings = {theme.id: theme.study_ids for theme, _ in report.nodes}
    return Read((Coder(coder, file, codings),), report.diagnostics, report.omitted)


def find_coders(folder: Path, files: Sequence[Path]) -> list[Path]:
    """The coders' files: those given, else every .yaml of the review's coders/ folder."""
    if files:
        found = list(files)
    else:
        where = folder / CODERS_FOLDER
        if not where.is_dir():
            raise PeersynthError(
                f"no coders' files: {visible(where.as_posix())} does not exist",
                f"put each coder's file, in the themes.yaml format, in {where.as_posix()}/ "
                "(coder name = file name), or give them: `peersynth agree A.yaml B.yaml`")
        found = sorted(path for path in where.iterdir() if path.suffix in (".yaml", ".yml")
                       and not path.name.startswith("."))
    if len(found) < 2:
        raise UsageError(f"agreement needs two coders or more; {len(found)} file"
                         f"{'' if len(found) == 1 else 's'} given",
                         "give each coder's file, `peersynth agree A.yaml B.yaml`, or put "
                         f"them in {CODERS_FOLDER}/ of the review folder")
    stems: dict[str, Path] = {}
    for path in found:
        if path.stem in stems:
            raise UsageError(f"two coders' files are both named '{path.stem}': "
                             f"{stems[path.stem].as_posix()} and {path.as_posix()}",
                             "a coder is named by the file name: rename one")
        stems[path.stem] = path
    return found


def read_coders(paths: Iterable[Path], review: Review, *, limits: Limits | None = None,
                max_problems: int = MAX_PROBLEMS) -> Read:
    """Every coder's file; coders only when none has an error."""
    coders: list[Coder] = []
    diagnostics: list[Diagnostic] = []
    omitted: list[Omitted] = []
    failed = False
    for path in paths:
        read = read_coder(path, review, limits=limits, max_problems=max_problems)
        diagnostics.extend(read.diagnostics)
        omitted.extend(read.omitted)
        if read.coders is None:
            failed = True
        else:
            coders.extend(read.coders)
    return Read(None if failed else tuple(coders), tuple(diagnostics), tuple(omitted))
