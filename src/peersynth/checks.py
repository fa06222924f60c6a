"""Rules across the records of a review: cross-references, uniqueness, vocabularies, counts.

Each rule is a function registered under the diagnostic codes it can yield; it
reads the records (`peersynth.review`) of whatever part of each file passed the
schema, and the documents' positions, and yields diagnostics. It never prints
and never raises on bad data.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from peersynth import flow as flow_boxes
from peersynth.diagnostics import CODES, Diagnostic, Severity, make
from peersynth.loading import Document, YamlPath
from peersynth.matching import field_key
from peersynth.models import SLUG_PATTERN
from peersynth.review import DEFAULT_VOCABULARIES, StudiesFile, Study, Theme, ThemesFile
from peersynth.suggest import Suggester

if TYPE_CHECKING:
    from peersynth.confidence.read import FindingsRead
    from peersynth.references.bibliography import Bibliography
    from peersynth.references.link import Links


class Gate(Protocol):
    """Which diagnostics can still be shown; the others are only counted."""

    def shows(self, file: str, line: int, column: int) -> bool:
        """Whether a diagnostic at this place could still be shown."""

    def count(self, file: str, severity: Severity, number: int = 1) -> None:
        """Count diagnostics that are not shown."""


@dataclass(frozen=True, slots=True)
class Context:
    """What could be read of both files, for the checks to judge.

    Broken parts are left out, finely: a study with a broken field is held without
    that field, a theme whose label or one coding is broken is held without it. What
    could not be read at all is named so that no check draws a conclusion from its
    absence (`unreadable`, `studies_read`, `broken_vocabularies`).
    """

    studies: StudiesFile
    studies_doc: Document
    # Index in the file of each study the record holds (unreadable ones are left out).
    study_index: list[int]
    all_study_ids: frozenset[str]
    themes: ThemesFile | None
    themes_doc: Document | None
    # Every theme held, in tree order, with its path in themes.yaml.
    theme_nodes: list[tuple[Theme, YamlPath]] = field(default_factory=list)
    # False when studies.yaml could not be read: codings cannot be judged against it.
    studies_read: bool = True
    # Declared vocabularies with a broken entry: values under their name are not judged.
    broken_vocabularies: frozenset[str] = frozenset()
    # Of a theme some of whose codings could not be read: the file index of each coding
    # the record holds (by default the record holds them all, in file order).
    coding_index: dict[YamlPath, list[int]] = field(default_factory=dict)
    # Texts in the unreadable parts of each theme's subtree, by the theme's path: a study
    # they name may be coded there, so its counts are not judged.
    unreadable: dict[YamlPath, frozenset[str]] = field(default_factory=dict)
    # Studies in the file without a readable id: a coding naming no known study may
    # be meant for one of them.
    unread_studies: int = 0
    # Themes whose id could not be read: held for their codings, named by their line.
    no_id: frozenset[YamlPath] = frozenset()
    # What the caller will show: a diagnostic past it is counted, never built (None: all).
    gate: Gate | None = None
    # The bibliography the review names, as read, and the studies' links to its entries.
    bibliography: Bibliography | None = None
    links: Links | None = None
    # findings.yaml as read, when the review has one (peersynth.confidence.checks).
    findings: FindingsRead | None = None
    # Hints worked out only for diagnostics that are shown (a did-you-mean search),
    # by (code, file, line, column).
    _later: dict[tuple[str, str, int, int], Callable[[], str | None]] = field(
        default_factory=dict)

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
        return iter(self.theme_nodes)

    def maybe_coded(self, path: YamlPath = ()) -> frozenset[str]:
        """Known study ids that unreadable codings under the theme at `path` (all themes:
        `()`) may name."""
        return self.all_study_ids & self.unreadable_under(path)

    def unreadable_under(self, path: YamlPath = ()) -> frozenset[str]:
        """Texts in the unreadable parts under the theme at `path` (all themes: `()`)."""
        return frozenset[str]().union(*(texts for where, texts in self.unreadable.items()
                                        if where[:len(path)] == path))

    def at(self, doc: Document, code: str, path: YamlPath, message: str,
           hint: str | None = None, *, key: bool = False) -> Diagnostic:
        line, column = doc.position(path, key=key)
        return make(code, doc.file, line, column, message, hint)

    def hidden(self, doc: Document, code: str, path: YamlPath, *, key: bool = False) -> bool:
        """Whether a diagnostic of `code` at `path` falls past those shown. If so it is
        counted here, and the caller builds nothing: a million of them cost a million
        look-ups, not a million messages."""
        if self.gate is None:
            return False
        line, column = doc.position(path, key=key)
        if self.gate.shows(doc.file, line, column):
            return False
        self.gate.count(doc.file, CODES[code].severity)
        return True

    def in_order(self, doc: Document) -> InOrder:
        """`hidden` for diagnostics met in file order (see InOrder)."""
        return InOrder(self, doc)

    def later(self, diagnostic: Diagnostic, hint: Callable[[], str | None]) -> Diagnostic:
        """`diagnostic`, whose hint `hint()` works out once it is known to be shown."""
        self._later[(diagnostic.code, diagnostic.file, diagnostic.line,
                     diagnostic.column)] = hint
        return diagnostic

    def finish(self, diagnostic: Diagnostic) -> Diagnostic:
        """A shown diagnostic with its deferred hint filled in."""
        hint = self._later.get((diagnostic.code, diagnostic.file, diagnostic.line,
                                diagnostic.column))
        return diagnostic if hint is None else dataclasses.replace(diagnostic, hint=hint())


class InOrder:
    """`Context.hidden` for the diagnostics of one loop that meets them in file order (the
    items of one list): once one falls past those shown, so does every later one, which is
    then counted without even its position being looked up."""

    __slots__ = ("ctx", "doc", "past")

    def __init__(self, ctx: Context, doc: Document) -> None:
        self.ctx = ctx
        self.doc = doc
        self.past = False

    def hidden(self, code: str, path: YamlPath, *, key: bool = False) -> bool:
        if not self.past:
            self.past = self.ctx.hidden(self.doc, code, path, key=key)
            return self.past
        self.count(code)
        return True

    def count(self, code: str, number: int = 1) -> None:
        """Count diagnostics of `code` past those shown."""
        assert self.ctx.gate is not None  # only a gate makes `past` true
        self.ctx.gate.count(self.doc.file, CODES[code].severity, number)


Check = Callable[[Context], Iterable[Diagnostic]]
CHECKS: dict[str, Check] = {}
NEEDS_THEMES: set[str] = set()


def check(name: str, *, needs_themes: bool = False) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[name] = function
        if needs_themes:
            NEEDS_THEMES.add(name)
        return function
    return register


def _ids_used_again(ctx: Context, doc: Document, code: str, what: str, hint: str,
                    items: Iterable[tuple[Study | Theme, YamlPath]]) -> Iterator[Diagnostic]:
    """A diagnostic at each id that an earlier item already has, naming that item's line."""
    first: dict[str, YamlPath] = {}
    for item, path in items:
        if item.id in first:
            if ctx.hidden(doc, code, (*path, "id")):
                continue
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
            if ctx.hidden(ctx.studies_doc, "duplicate-ref", (*path, "ref")):
                continue
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


# A message names this many values of a vocabulary, then how many more there are.
VOCABULARY_SHOWN = 8
_PLAIN_ITEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")


def _yaml_item(value: str) -> str:
    """`value` as an entry of a YAML flow list: plain when that reads back as the text."""
    plain = _PLAIN_ITEM.fullmatch(value) and not value.endswith(" ") \
        and value.lower() not in ("yes", "no", "true", "false", "on", "off", "null") \
        and not value[0].isdigit()
    return value if plain else json.dumps(value, ensure_ascii=False)


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:VOCABULARY_SHOWN])
    more = len(values) - VOCABULARY_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _allow(ctx: Context, name: str, value: str) -> str:
    """How to let `value` in, without rejecting what the vocabulary lets in now."""
    if name in ctx.studies.vocabularies:
        line = ctx.studies_doc.position(("vocabularies", name), key=True)[0]
        return f"add it to the {name} vocabulary at line {line}"
    # Declaring a vocabulary replaces its default list, so the defaults are written too.
    entries = ", ".join(_yaml_item(v) for v in [*DEFAULT_VOCABULARIES[name], value])
    raw = ctx.studies_doc.data
    if isinstance(raw, dict) and "vocabularies" in raw:  # a second key would be a duplicate
        line = ctx.studies_doc.position(("vocabularies",), key=True)[0]
        return (f"declare the whole list, since a declared vocabulary replaces the default "
                f"one: add '{name}: [{entries}]' under 'vocabularies:' at line {line}")
    return (f"declare the whole list, since a declared vocabulary replaces the default one: "
            f"'vocabularies: {{{name}: [{entries}]}}'")


@check("not-in-vocabulary")
def _vocabularies(ctx: Context) -> Iterator[Diagnostic]:
    if "" in ctx.broken_vocabularies:
        return  # 'vocabularies:' could not be read: which are declared is unknown
    vocabularies = ctx.studies.all_vocabularies
    allowed = {name: frozenset(values) for name, values in vocabularies.items()
               if name not in ctx.broken_vocabularies}
    # An attribute governs by the one rule for field names: 'Setting' is the setting field.
    governing = {field_key(name): name for name in allowed}
    suggesters: dict[str, Suggester] = {}
    for written, value, path in _vocabulary_values(ctx):
        name = written if written in allowed else governing.get(field_key(written), written)
        if name in allowed and value not in allowed[name]:
            if ctx.hidden(ctx.studies_doc, "not-in-vocabulary", path):
                continue
            diagnostic = ctx.at(ctx.studies_doc, "not-in-vocabulary", path,
                                f"'{value}' is not in the {name} vocabulary "
                                f"({_listed(vocabularies[name])})")

            def hint(name: str = name, value: str = value) -> str:
                if name not in suggesters:
                    suggesters[name] = Suggester(vocabularies[name])
                near = suggesters[name](value)
                allow = _allow(ctx, name, value)
                return f"did you mean '{near[0]}'? or, to allow '{value}', {allow}" if near \
                    else f"correct the value, or to allow it, {allow}"
            yield ctx.later(diagnostic, hint)


@check("flow-mismatch")
def _flow(ctx: Context) -> Iterator[Diagnostic]:
    review = ctx.studies.review
    name = None if review is None or review.flow is None else \
        flow_boxes.written(review.flow, "total_studies")
    if review is None or review.flow is None or name is None:
        return
    raw = ctx.studies_doc.data
    if not (isinstance(raw, dict) and isinstance(raw.get("studies"), list)):
        return
    count = len(raw["studies"])
    stated = getattr(review.flow, name)
    if stated != count:
        yield ctx.at(ctx.studies_doc, "flow-mismatch", ("review", "flow", name),
                     f"flow.{name} is {stated} but {count} studies are listed",
                     "list every included study, or correct the flow count")


@check("flow-arithmetic")
def _flow_arithmetic(ctx: Context) -> Iterator[Diagnostic]:
    # The rules live with the rest of the flow's meaning, in peersynth.flow.
    review = ctx.studies.review
    if review is None or review.flow is None:
        return
    doc = ctx.studies_doc

    def line(name: str) -> int:
        # The key's line: a list of reasons starts on the line after it.
        return doc.position(("review", "flow", name), key=True)[0]

    for problem in flow_boxes.problems(review.flow, line):
        yield ctx.at(doc, "flow-arithmetic", ("review", "flow", problem.name),
                     problem.message, problem.hint)


@check("duplicate-theme-id", needs_themes=True)
def _duplicate_theme_ids(ctx: Context) -> Iterator[Diagnostic]:
    return _ids_used_again(ctx, ctx.themes_doc_, "duplicate-theme-id", "theme",
                           "theme ids are unique across the whole tree",
                           ((theme, path) for theme, path in ctx.themes_with_paths()
                            if path not in ctx.no_id))


def _theme_name(ctx: Context, theme: Theme, path: YamlPath) -> str:
    if path in ctx.no_id:
        return f"the theme at line {ctx.themes_doc_.position(path)[0]}"
    return f"'{theme.id}'"


_SLUG = re.compile(SLUG_PATTERN)


@check("unknown-study", needs_themes=True)
def _codings(ctx: Context) -> Iterator[Diagnostic]:
    """Unknown study ids and studies listed twice under one theme."""
    known = ctx.all_study_ids
    judge = ctx.studies_read
    # Built on the first unknown id shown: ids a coding may name (a suggestion must fix
    # the problem), and ids that are broken themselves.
    suggest: tuple[Suggester, Suggester] | None = None

    def hint(study: str) -> str:
        nonlocal suggest
        if suggest is None:
            suggest = (Suggester(sorted(id_ for id_ in known if _SLUG.match(id_))),
                       Suggester(sorted(id_ for id_ in known if not _SLUG.match(id_))))
        near = suggest[0](study, limit=3)
        if near:
            return "did you mean " + " or ".join(f"'{n}'" for n in near) + "?"
        # A study whose own id is broken cannot be named, but may be the one meant.
        broken = suggest[1](study)
        if broken:
            return (f"the study with id '{broken[0]}' may be the one meant: its id is not a "
                    "lowercase slug; correct it in studies.yaml")
        return "add the study to studies.yaml"

    doc = ctx.themes_doc_
    for theme, path in ctx.themes_with_paths():
        seen: dict[str, int] = {}
        places = ctx.coding_index.get(path)
        # A theme's codings are in file order.
        order = ctx.in_order(doc)
        lines: dict[int, int] = {}  # the line of each first coding named again
        codings = theme.coded_ids()
        for number, study in enumerate(codings):
            unknown = judge and study not in known
            first = seen.get(study)
            if first is None:
                seen[study] = places[number] if places is not None else number
                if not unknown:
                    continue
            index = places[number] if places is not None else number
            where = (*path, "studies", index, "study")
            if unknown and not order.hidden("unknown-study", where):
                yield ctx.later(ctx.at(doc, "unknown-study", where,
                                       f"'{study}' is not a study id"),
                                functools.partial(hint, study))
            if first is not None and not order.hidden("duplicate-coding", where):
                line = lines.get(first) or lines.setdefault(
                    first, doc.position((*path, "studies", first))[0])
                yield ctx.at(doc, "duplicate-coding", where,
                             f"'{study}' is already coded to {_theme_name(ctx, theme, path)} "
                             f"at line {line}", "keep one entry")
            if order.past:  # so is every later coding: they are only counted, together
                past = 0
                for later in codings:
                    past += judge and later not in known
                    if later in seen:
                        past += 1
                    else:
                        seen[later] = 0
                order.count("duplicate-coding", past)  # an error, as unknown-study is
                break


CHECKS["duplicate-coding"] = CHECKS["unknown-study"]  # one pass yields both codes
NEEDS_THEMES.add("duplicate-coding")


@check("reported-count-mismatch", needs_themes=True)
def _reported(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.studies_read:
        return
    known = ctx.all_study_ids
    for theme, path in ctx.themes_with_paths():
        if theme.reported is None or ctx.maybe_coded(path):
            continue
        coded = len(theme.rolled_up_ids & known)
        # Codings naming no known study may be meant for a study whose id is broken.
        unsure = min(ctx.unread_studies, len(theme.rolled_up_ids - known))
        if coded <= theme.reported <= coded + unsure or ctx.hidden(
                ctx.themes_doc_, "reported-count-mismatch", (*path, "reported")):
            continue
        hint = "code the missing studies, or correct the reported count" \
            if coded < theme.reported else \
            "remove the codings the manuscript does not count here, or correct the reported count"
        yield ctx.at(ctx.themes_doc_, "reported-count-mismatch", (*path, "reported"),
                     f"{_theme_name(ctx, theme, path)} reports {theme.reported} studies but "
                     f"{coded} are coded", hint)


@check("uncoded-study", needs_themes=True)
def _uncoded(ctx: Context) -> Iterator[Diagnostic]:
    if ctx.themes is None:
        return
    coded = frozenset[str]().union(*(theme.rolled_up_ids for theme in ctx.themes.themes))
    # A study an unreadable coding names may well be coded: not judged.
    maybe = ctx.maybe_coded()
    order = ctx.in_order(ctx.studies_doc)  # studies are in file order
    for study, path in ctx.studies_with_paths():
        if study.id not in coded and study.id not in maybe \
                and not order.hidden("uncoded-study", (*path, "id")):
            yield ctx.at(ctx.studies_doc, "uncoded-study", (*path, "id"),
                         f"study '{study.id}' is coded to no theme",
                         "code it to the themes it supports")


@check("empty-theme", needs_themes=True)
def _empty(ctx: Context) -> Iterator[Diagnostic]:
    for theme, path in ctx.themes_with_paths():
        if not theme.rolled_up_ids and not ctx.unreadable_under(path) \
                and not ctx.hidden(ctx.themes_doc_, "empty-theme", (*path, "id")):
            yield ctx.at(ctx.themes_doc_, "empty-theme", (*path, "id"),
                         f"{_theme_name(ctx, theme, path).replace('the theme', 'theme')} has "
                         "no studies" if path in ctx.no_id
                         else f"theme '{theme.id}' has no studies",
                         "code the studies that support it")


def run_checks(ctx: Context) -> Iterator[Diagnostic]:
    """Every check's diagnostics, one at a time: the caller keeps only what it shows."""
    for function in dict.fromkeys(
            fn for name, fn in CHECKS.items()
            if ctx.themes is not None or name not in NEEDS_THEMES):
        yield from function(ctx)


from peersynth import checks_values  # noqa: E402, F401 - registers the near-duplicate check
from peersynth.confidence import checks as _confidence  # noqa: E402, F401 - and findings.yaml's
from peersynth.references import checks as _references  # noqa: E402, F401 - and the bibliography's
