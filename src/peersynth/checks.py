"""Rules across the records of a review: cross-references, uniqueness, vocabularies, counts.

Each rule is a function registered under the diagnostic codes it can yield; it
reads the records (`peersynth.review`) of whatever part of each file passed the
schema, and the documents' positions, and yields diagnostics. It never prints
and never raises on bad data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from peersynth.diagnostics import Diagnostic, make
from peersynth.loading import Document, YamlPath
from peersynth.review import StudiesFile, Study, Theme, ThemesFile
from peersynth.suggest import closest


@dataclass(frozen=True, slots=True)
class Context:
    studies: StudiesFile
    studies_doc: Document
    # Index in the file of each study the model holds (broken ones are left out).
    study_index: list[int]
    all_study_ids: frozenset[str]
    themes: ThemesFile | None
    themes_doc: Document | None
    theme_index: list[int]
    # False when either file had problems: then what looks uncoded or empty may only be
    # broken, and coverage warnings would mislead.
    complete: bool = True

    def studies_with_paths(self) -> Iterator[tuple[Study, YamlPath]]:
        for study, index in zip(self.studies.studies, self.study_index, strict=True):
            yield study, ("studies", index)

    @property
    def themes_doc_(self) -> Document:
        """themes.yaml's document, for checks registered with needs_themes."""
        if self.themes_doc is None:
            raise RuntimeError("a themes check ran without themes.yaml")
        return self.themes_doc

    def themes_with_paths(self) -> Iterator[tuple[Theme, YamlPath]]:
        if self.themes is None:
            raise RuntimeError("a themes check ran without themes.yaml")
        return theme_paths(self.themes, self.theme_index)

    def at(self, doc: Document, code: str, path: YamlPath, message: str,
           hint: str | None = None, *, key: bool = False) -> Diagnostic:
        line, column = doc.position(path, key=key)
        return make(code, doc.file, line, column, message, hint)


Check = Callable[[Context], Iterable[Diagnostic]]
CHECKS: dict[str, Check] = {}
NEEDS_THEMES: set[str] = set()


NEEDS_COMPLETE: set[str] = set()


def check(name: str, *, needs_themes: bool = False,
          needs_complete: bool = False) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[name] = function
        if needs_themes:
            NEEDS_THEMES.add(name)
        if needs_complete:
            NEEDS_COMPLETE.add(name)
        return function
    return register


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    near = closest(word, choices, limit=1)
    return f"did you mean '{near[0]}'?" if near else None


def theme_paths(themes: ThemesFile, index: list[int] | None = None,
                ) -> Iterator[tuple[Theme, YamlPath]]:
    """Every theme in tree order with its path in themes.yaml (`index`: the file's
    index of each top-level theme, when some were left out)."""
    where = index if index is not None else range(len(themes.themes))
    top: list[tuple[Theme, YamlPath]] = [
        (theme, ("themes", at)) for at, theme in zip(where, themes.themes, strict=True)]
    stack = top[::-1]
    while stack:
        theme, path = stack.pop()
        yield theme, path
        stack.extend((sub, (*path, "subthemes", index))
                     for index, sub in reversed(list(enumerate(theme.subthemes))))


def _ids_used_again(ctx: Context, doc: Document, code: str, what: str, hint: str,
                    items: Iterable[tuple[Study | Theme, YamlPath]]) -> Iterator[Diagnostic]:
    """A diagnostic at each id that an earlier item already has, naming that item's line."""
    first: dict[str, YamlPath] = {}
    for item, path in items:
        if item.id in first:
            line = doc.position((*first[item.id], "id"))[0]
            yield ctx.at(doc, code, (*path, "id"),
                         f"{what} id '{item.id}' is already used at line {line}", hint)
        else:
            first[item.id] = path


@check("duplicate-study-id")
def _duplicate_study_ids(ctx: Context) -> Iterator[Diagnostic]:
    return _ids_used_again(ctx, ctx.studies_doc, "duplicate-study-id", "study",
                           "give each study its own id", ctx.studies_with_paths())


@check("duplicate-ref")
def _duplicate_refs(ctx: Context) -> Iterator[Diagnostic]:
    first: dict[int, str] = {}
    for study, path in ctx.studies_with_paths():
        if study.ref is None:
            continue
        if study.ref in first:
            yield ctx.at(ctx.studies_doc, "duplicate-ref", (*path, "ref"),
                         f"reference number {study.ref} is already study '{first[study.ref]}'s",
                         "each study has its own entry in the reference list")
        else:
            first[study.ref] = study.id


def _vocabulary_values(ctx: Context) -> Iterator[tuple[str, str, YamlPath]]:
    """(vocabulary name, value, path) for every study value a vocabulary may govern."""
    for study, base in ctx.studies_with_paths():
        if study.design is not None:
            yield "design", study.design, (*base, "design")
        if study.quality is not None:
            yield "quality", study.quality, (*base, "quality")
        for number, country in enumerate(study.countries or ()):
            yield "countries", country, (*base, "countries", number)
        for name, value in study.attributes.items():
            yield name, str(value), (*base, "attributes", name)


@check("not-in-vocabulary")
def _vocabularies(ctx: Context) -> Iterator[Diagnostic]:
    vocabularies = ctx.studies.all_vocabularies
    allowed = {name: frozenset(values) for name, values in vocabularies.items()}
    for name, value, path in _vocabulary_values(ctx):
        if name in allowed and value not in allowed[name]:
            suggestion = did_you_mean(value, vocabularies[name])
            listed = ", ".join(vocabularies[name])
            yield ctx.at(ctx.studies_doc, "not-in-vocabulary", path,
                         f"'{value}' is not in the {name} vocabulary ({listed})",
                         suggestion or f"declare it under vocabularies: {name}")


@check("flow-mismatch")
def _flow(ctx: Context) -> Iterator[Diagnostic]:
    review = ctx.studies.review
    if review is None or review.flow is None or review.flow.included is None:
        return
    count = len(ctx.studies_doc.data["studies"])
    if review.flow.included != count:
        yield ctx.at(ctx.studies_doc, "flow-mismatch", ("review", "flow", "included"),
                     f"flow.included is {review.flow.included} but {count} studies are listed",
                     "list every included study, or correct the flow count")


@check("duplicate-theme-id", needs_themes=True)
def _duplicate_theme_ids(ctx: Context) -> Iterator[Diagnostic]:
    return _ids_used_again(ctx, ctx.themes_doc_, "duplicate-theme-id", "theme",
                           "theme ids are unique across the whole tree", ctx.themes_with_paths())


@check("unknown-study", needs_themes=True)
def _codings(ctx: Context) -> Iterator[Diagnostic]:
    """Unknown study ids and studies listed twice under one theme."""
    known = ctx.all_study_ids
    choices: list[str] = []  # built once, on the first unknown id
    for theme, path in ctx.themes_with_paths():
        seen: dict[str, int] = {}
        for index, study in enumerate(theme.coded_ids()):
            where = (*path, "studies", index, "study")
            if study not in known:
                choices = choices or sorted(known)
                near = closest(study, choices, limit=3)
                hint = ("did you mean " + " or ".join(f"'{n}'" for n in near) + "?") if near \
                    else "add the study to studies.yaml"
                yield ctx.at(ctx.themes_doc_, "unknown-study", where,
                             f"'{study}' is not a study id", hint)
            if study in seen:
                line = ctx.themes_doc_.position((*path, "studies", seen[study]))[0]
                yield ctx.at(ctx.themes_doc_, "duplicate-coding", where,
                             f"'{study}' is already coded to '{theme.id}' at line {line}",
                             "keep one entry")
            else:
                seen[study] = index


CHECKS["duplicate-coding"] = CHECKS["unknown-study"]  # one pass yields both codes
NEEDS_THEMES.add("duplicate-coding")


@check("reported-count-mismatch", needs_themes=True, needs_complete=True)
def _reported(ctx: Context) -> Iterator[Diagnostic]:
    known = {study.id for study in ctx.studies.studies}
    for theme, path in ctx.themes_with_paths():
        if theme.reported is None:
            continue
        coded = len(theme.rolled_up_ids & known)
        if coded != theme.reported:
            yield ctx.at(ctx.themes_doc_, "reported-count-mismatch", (*path, "reported"),
                         f"'{theme.id}' reports {theme.reported} studies but {coded} are coded",
                         "code the missing studies, or correct the reported count")


@check("uncoded-study", needs_themes=True, needs_complete=True)
def _uncoded(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.themes is None:
        return
    coded = frozenset[str]().union(*(theme.rolled_up_ids for theme in ctx.themes.themes))
    for study, path in ctx.studies_with_paths():
        if study.id not in coded:
            yield ctx.at(ctx.studies_doc, "uncoded-study", (*path, "id"),
                         f"study '{study.id}' is coded to no theme",
                         "code it to the themes it supports")


@check("empty-theme", needs_themes=True, needs_complete=True)
def _empty(ctx: Context) -> Iterator[Diagnostic]:
    for theme, path in ctx.themes_with_paths():
        if not theme.rolled_up_ids:
            yield ctx.at(ctx.themes_doc_, "empty-theme", (*path, "id"),
                         f"theme '{theme.id}' has no studies", "code the studies that support it")


def run_checks(ctx: Context) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for function in dict.fromkeys(
            fn for name, fn in CHECKS.items()
            if (ctx.themes is not None or name not in NEEDS_THEMES)
            and (ctx.complete or name not in NEEDS_COMPLETE)):
        found.extend(function(ctx))
    return found
from peersynth import checks_values  # noqa: E402, F401 - registers the near-duplicate check
