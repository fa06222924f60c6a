"""What the reporting commands compute: tallies, crosstabs, citations, the matrix, characteristics.

Pure functions over a validated `Review` that return plain dataclasses; turning
them into tables, CSV or JSON is `render`'s job. Nothing here prints or exits.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import operator
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final, Protocol, TypeVar

from peersynth import flow as flow_boxes
from peersynth.choices import Order as Order
from peersynth.choices import Style as Style
from peersynth.errors import PeersynthError, UsageError
from peersynth.index import CodingIndex, IndexedTheme, Places, in_order
from peersynth.matching import country_key, field_key, value_key, whole_number
from peersynth.matching import surname as surname  # where the commands have found it
from peersynth.review import Flow, Review, Study, Theme
from peersynth.suggest import closest

NOT_REPORTED = "Not reported"
MULTIPLE_COUNTRIES = "Multiple countries"
EN_DASH = "\u2013"

BUILTIN_FIELDS = ("country", "design", "quality", "year")
_FIELD_ALIASES = {"countries": "country"}
# Vocabulary names that govern the built-in fields (countries are checked under "countries").
_VOCABULARY_OF = {"country": "countries", "design": "design", "quality": "quality"}


class ThemeNotFound(PeersynthError):
    """THEME names no theme, or more than one; exit 1 as for any problem with the data asked for."""

    exit_code = 1


def percent(n: int, total: int) -> int | None:
    """100 n / N rounded to a whole number, halves up (12.5 -> 13); None when N is 0."""
    if total <= 0:
        return None
    return (200 * n + total) // (2 * total)


# ---------------------------------------------------------------------------
# Fields and filters
#
# Every comparison of values or field names goes through peersynth.matching: two
# values that --where treats as one are one column of --by and one row of `studies`.


def available_fields(review: Review) -> list[str]:
    """Fields --by and --where accept: the built-in ones, then every attribute field (names
    that differ only by case, spacing, '-' or '_' are one field)."""
    reserved = {field_key(name) for name in (*BUILTIN_FIELDS, *_FIELD_ALIASES)}
    return [*BUILTIN_FIELDS, *(shown for key, (shown, _) in review.attribute_names.items()
                               if key not in reserved)]


def resolve_field(review: Review, name: str) -> str:
    """The field `name` stands for (case, spacing, and '-' for '_', do not matter)."""
    key = field_key(name)
    key = _FIELD_ALIASES.get(key, key)
    fields = available_fields(review)
    for field in fields:
        if field_key(field) == key:
            return field
    near = closest(name, [*fields, *_FIELD_ALIASES], limit=3)
    hint = ("did you mean " + " or ".join(f"'{_FIELD_ALIASES.get(n, n)}'" for n in
                                          dict.fromkeys(near)) + "? ") if near else ""
    raise UsageError(f"unknown field '{name}'", hint + "fields: " + ", ".join(fields))


Reader = Callable[[Study], tuple[str, ...]]


def _reader(review: Review, field: str) -> Reader:
    """A function giving a study's values of `field` as text, without empty ones; a study
    reports at most one value of any field but country."""
    if field == "country":
        return lambda study: tuple(filter(None, study.countries or ()))
    if field in ("design", "quality", "year"):
        get = operator.attrgetter(field)
        return lambda study: () if (value := get(study)) is None or value == "" \
            else (str(value),)
    names = review.attribute_names.get(field_key(field), (field, (field,)))[1]
    if len(names) == 1:
        name = names[0]

        def one(study: Study) -> tuple[str, ...]:
            value = study.attributes.get(name)
            return () if value is None or value == "" else (str(value),)
        return one
    # The field is spelt several ways (the near-duplicate check warns); a study that uses
    # two of them in itself counts with the first it lists.
    wanted = frozenset(names)

    def any_spelling(study: Study) -> tuple[str, ...]:
        found = next((v for k, v in study.attributes.items() if k in wanted), None)
        return () if found is None or found == "" else (str(found),)
    return any_spelling


def _key_of(field: str) -> Callable[[str], str]:
    """The value key of `field`: country aliases count only for countries."""
    return country_key if field == "country" else value_key


def study_values(review: Review, study: Study, field: str) -> tuple[str, ...]:
    """A study's values of a field, as text; empty when it does not report it."""
    return _reader(review, field)(study)


def parse_where(text: str) -> tuple[str, str]:
    """'FIELD=VALUE' as (field, value), unchecked; a malformed condition is a usage error."""
    name, sign, value = text.partition("=")
    if not sign or not name.strip() or not value.strip():
        raise UsageError(f"--where '{text}' is not FIELD=VALUE",
                         "for example --where design=qualitative or --where country=Finland")
    return name.strip(), value.strip()


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    value: str


def conditions(review: Review, where: Sequence[tuple[str, str]]) -> tuple[Condition, ...]:
    """The (field, value) pairs with their fields resolved; an unknown field is a usage error."""
    return tuple(Condition(resolve_field(review, name), value) for name, value in where)


def filter_studies(review: Review, where: Sequence[tuple[str, str]]) -> list[Study]:
    """The studies every condition keeps, in file order.

    Values match as `peersynth.matching.value_key` has it: ignoring case, spacing and
    '-' or '_' for a space, and a known alias of a country. Conditions on one field are
    alternatives (design=qualitative, design=mixed-methods keeps both); conditions
    on different fields must all hold. A study with several countries matches a
    country condition when any of its countries does.
    """
    wanted: dict[str, set[str]] = {}
    for condition in conditions(review, where):
        wanted.setdefault(condition.field, set()).add(_key_of(condition.field)(condition.value))
    tests = [(_reader(review, field), _key_of(field), values)
             for field, values in wanted.items()]
    return [study for study in review.studies
            if all(any(key(v) in values for v in read(study)) for read, key, values in tests)]


def unmatched(review: Review, where: Sequence[tuple[str, str]],
              ) -> list[tuple[Condition, str | None]]:
    """Conditions whose value no study has, each with the nearest value the field can
    take (none when the value is a declared one that simply no study has)."""
    found = []
    for condition in conditions(review, where):
        key = _key_of(condition.field)
        read = _reader(review, condition.field)
        had = dict.fromkeys(v for study in review.studies for v in read(study))
        wanted = key(condition.value)
        if wanted in {key(v) for v in had}:
            continue
        declared = vocabulary(review, condition.field) or []
        values = list(dict.fromkeys([*declared, *had]))
        near = [] if wanted in {key(v) for v in declared} or not values \
            else closest(condition.value, values, limit=1)
        found.append((condition, near[0] if near else None))
    return found


def vocabulary(review: Review, field: str) -> list[str] | None:
    """The declared (or default) vocabulary of a field, which fixes the order of its values."""
    vocabularies = review.studies_file.all_vocabularies
    name = _VOCABULARY_OF.get(field, field)
    if name in vocabularies:
        return vocabularies[name]
    key = field_key(name)
    return next((values for declared, values in vocabularies.items()
                 if field_key(declared) == key), None)


def reference_order(studies: Iterable[Study]) -> list[Study]:
    """Studies by reference number; those without one after them, in file order."""
    listed = list(studies)
    return sorted(listed, key=lambda s: (s.ref is None, s.ref or 0))


@dataclass(frozen=True, slots=True)
class Group:
    """The studies with one value of a field (a column of a crosstab, a row of characteristics)."""

    value: str
    studies: tuple[str, ...]
    # For "Multiple countries": the countries of the studies it holds.
    detail: tuple[str, ...] = ()


def _catch_all(name: str, taken: set[str], qualifier: str) -> str:
    """`name`, qualified until no real value reads the same (a country may really be
    written "Not reported")."""
    while value_key(name) in taken:
        name = f"{name} ({qualifier})"
    return name


def _order(keys: Sequence[str], counts: Mapping[str, int], shown: Mapping[str, str],
           numeric: bool) -> list[str]:
    if numeric:
        return sorted(keys, key=lambda k: (whole_number(shown[k]) or 0, fold(shown[k])))
    return sorted(keys, key=lambda k: (-counts[k], fold(shown[k])))


def group_studies(review: Review, studies: Sequence[Study], field: str, *,
                  explode: bool = False) -> list[Group]:
    """The studies grouped by their value of `field`, values that match as one (see
    `filter_studies`) making one group.

    Order: the vocabulary's (every value, even with no study) where one is
    declared; whole numbers (years, counts) ascending; otherwise most studies first,
    then by name. A study with several countries goes under "Multiple countries"
    unless `explode`, which counts it under each; studies without a value come last
    as "Not reported". Either is qualified, e.g. "Not reported (no value)", when a
    real value reads the same.
    """
    read, key = _reader(review, field), _key_of(field)
    # Ids are unique in a valid review: as many studies as the review's are all of them.
    chosen = None if len(studies) == len(review.studies) else {s.id for s in studies}
    buckets: dict[str, list[str]] = {}
    multiple: list[tuple[Study, tuple[str, ...]]] = []
    missing: list[str] = []
    ordered = review.in_reference_order
    values_of = list(map(read, ordered))
    # One value per key: "UK" and "United Kingdom" in one study are one country. Worked
    # out once for each distinct tuple of values: a review has few, over many studies.
    keys_of = {values: tuple(dict.fromkeys(map(key, values))) for values in set(values_of)}
    for study, values in zip(ordered, values_of, strict=True):
        if chosen is not None and study.id not in chosen:
            continue
        keys = keys_of[values]
        if not keys:
            missing.append(study.id)
        elif len(keys) > 1 and not explode:
            multiple.append((study, keys))
        else:
            for value in keys:
                buckets.setdefault(value, []).append(study.id)
    # How often each spelling occurs in the whole review, first met first (in reference
    # order): a value is shown as most studies write it, whatever --where keeps.
    spellings: dict[str, dict[str, int]] = {}
    for value, count in Counter(itertools.chain.from_iterable(values_of)).items():
        spellings.setdefault(key(value), {})[value] = count
    # max keeps the first of equally frequent spellings: the first in reference order.
    shown = {k: max(seen, key=seen.__getitem__) for k, seen in spellings.items()}
    for value in reversed(vocabulary(review, field) or ()):
        shown[key(value)] = value
    declared = [key(value) for value in vocabulary(review, field) or ()]
    counts = {k: len(ids) for k, ids in buckets.items()}
    listed = set(declared)
    rest = [k for k in buckets if k not in listed]
    numeric = field == "year" or (bool(rest) and all(
        whole_number(shown[k]) is not None for k in rest))
    order = [*dict.fromkeys(declared), *_order(rest, counts, shown, numeric)]
    groups = [Group(shown[k], tuple(buckets.get(k, ()))) for k in order]
    taken = set(order)
    if multiple:
        among = dict.fromkeys(shown[k] for _, keys in multiple for k in keys)
        groups.append(Group(_catch_all(MULTIPLE_COUNTRIES, taken, "more than one"),
                            tuple(s.id for s, _ in multiple), tuple(among)))
    if missing:
        groups.append(Group(_catch_all(NOT_REPORTED, taken, "no value"), tuple(missing)))
    return groups


def fold(text: str) -> str:
    """Text for sorting and matching: no accents, no case."""
    if text.isascii():  # nothing to decompose (most names and ids): the same, sooner
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# ---------------------------------------------------------------------------
# Tally


@dataclass(frozen=True)
class Cell:
    n: int
    N: int
    # The studies counted, as places in reference order, and the index they are places
    # of: the studies are listed only for the formats that list them.
    codings: Places = dataclasses.field(repr=False)
    index: CodingIndex = dataclasses.field(repr=False, compare=False)

    @cached_property
    def studies(self) -> tuple[str, ...]:
        """The studies counted, in reference order."""
        return self.index.studies(self.codings.places)

    @property
    def percent(self) -> int | None:
        return percent(self.n, self.N)


@dataclass(frozen=True, slots=True)
class ThemeRow:
    id: str
    label: str
    depth: int
    total: Cell
    columns: tuple[Cell, ...] = ()


@dataclass(frozen=True, slots=True)
class Tally:
    rows: tuple[ThemeRow, ...]
    N: int
    rollup: bool
    where: tuple[Condition, ...]
    by: str | None
    explode: bool
    groups: tuple[Group, ...]


def tally(review: Review, *, rollup: bool = True, where: Sequence[tuple[str, str]] = (),
          by: str | None = None, explode: bool = False, order: Order = Order.tree) -> Tally:
    """n/N for every theme, in tree order (or by count within each level, subthemes
    staying under their parent); with `by`, also n/N within each value of that field."""
    kept = reference_order(filter_studies(review, where))
    field = resolve_field(review, by) if by is not None else None
    groups = group_studies(review, kept, field, explode=explode) if field else []
    return counted(review.index, rollup=rollup, order=order,
                   kept=None if len(kept) == len(review.studies) else [s.id for s in kept],
                   groups=groups, where=conditions(review, where), by=field, explode=explode)


def counted(index: CodingIndex, *, rollup: bool = True, order: Order = Order.tree,
            kept: Sequence[str] | None = None, groups: Sequence[Group] = (),
            where: tuple[Condition, ...] = (), by: str | None = None,
            explode: bool = False) -> Tally:
    """The tally of the studies `kept` (None: every study), from the index alone: what
    `tally` counts with, and all a tally without --where or --by needs."""
    place = {study: number for number, study in enumerate(index.ids)} \
        if kept is not None or groups else {}

    def scope(studies: Iterable[str]) -> bytearray:
        return index.flags(map(place.__getitem__, studies))

    def cell(codings: Places, within: bytearray | None, total: int) -> Cell:
        if within is not None:
            # The places in scope, picked in C.
            codings = Places(array(codings.places.typecode, itertools.compress(
                codings.places, map(within.__getitem__, codings.places))))
        return Cell(len(codings), total, codings, index)

    N = index.N if kept is None else len(kept)
    kept_flags = None if kept is None else scope(kept)
    columns = [(scope(group.studies), len(group.studies)) for group in groups]
    every = [theme.coded(rollup) for theme in index.themes]
    totals = [cell(codings, kept_flags, N) for codings in every]
    rows = tuple(
        ThemeRow(theme.id, theme.label, theme.depth, totals[position],
                 tuple(cell(every[position], flags, size) for flags, size in columns))
        for position in in_order(index, [total.n for total in totals],
                                 by_count=order is Order.by_count)
        for theme in (index.themes[position],))
    return Tally(rows, N, rollup, where, by, explode, tuple(groups))


# ---------------------------------------------------------------------------
# Citations


# Two or more steps of one in a row: a run of three or more numbers, written as a range.
_RUN: Final = re.compile(rb"\x01\x01+")


def compress(numbers: Iterable[int]) -> str:
    """'33-36, 38, 40, 41' (an en dash in fact): sorted, runs of three or more as ranges,
    pairs kept apart."""
    values = list(numbers)
    following = values[1:]
    if not all(map(operator.lt, values, following)):  # already sorted, as a theme's refs are
        values = sorted(set(values))
        following = values[1:]
    # A byte per neighbouring pair, 1 where the second follows the first by one.
    return _ranges(list(map(str, values)),
                   bytes(map((1).__eq__, map(operator.sub, following, values))))


def _ranges(texts: Sequence[str], steps: bytes) -> str:
    """`compress` of ascending, distinct numbers written out as `texts`, where steps[i] is 1
    when the number after texts[i] is one more: the runs are found by a regular expression,
    and every per-number step runs in C."""
    parts: list[str] = []
    done = 0
    for run in _RUN.finditer(steps):
        first, last = run.span()  # values[first] to values[last], the run's end included
        parts += texts[done:first]
        parts.append(f"{texts[first]}{EN_DASH}{texts[last]}")
        done = last + 1
    parts += texts[done:]
    return ", ".join(parts)


def _suffix(index: int) -> str:
    """a, b, ..., z, aa, ab, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class AuthorYear:
    label: str
    sort_key: tuple[str, int, str, int, str, str]


def author_year_labels(review: Review) -> dict[str, AuthorYear]:
    """Every study's author-year label, with a/b suffixes where two would read the same.

    Suffixes are given over the whole review, in reference order, so a study
    reads the same under every theme. A study without authors reads as its id.
    """
    base: dict[str, tuple[str, tuple[str, int, str, int]]] = {}
    for study in reference_order(review.studies):
        if not study.authors:
            continue
        # Only the names the label shows: the first, and the second of two.
        first = surname(study.authors[0])
        if len(study.authors) == 1:
            who, kind, second = first, 0, ""
        elif len(study.authors) == 2:
            second = surname(study.authors[1])
            who, kind = f"{first} & {second}", 1
        else:
            who, kind, second = f"{first} et al.", 2, ""
        year = str(study.year) if study.year is not None else "n.d."
        base[study.id] = (f"{who} {year}",
                          (fold(first), kind, fold(second), study.year or 9999))
    same: dict[str, list[str]] = {}
    # Each study's place among those reading the same: found once, not by a search per
    # study (which is quadratic when thousands of studies share a label).
    place: dict[str, int] = {}
    for study_id, (label, _key) in base.items():
        group = same.setdefault(label, [])
        place[study_id] = len(group)
        group.append(study_id)
    labels: dict[str, AuthorYear] = {}
    for study in review.studies:
        if study.id not in base:
            labels[study.id] = AuthorYear(study.id, (fold(study.id), 0, "", 0, "", study.id))
            continue
        label, key = base[study.id]
        suffix = ""
        if len(same[label]) > 1:
            suffix = _suffix(place[study.id])
            # APA writes "n.d.-a"; a year takes the letter directly.
            label += f"-{suffix}" if study.year is None else suffix
        labels[study.id] = AuthorYear(label, (*key, suffix, study.id))
    return labels


def study_labels(review: Review) -> dict[str, str]:
    """Each study's author-year label by id: `author_year_labels`' labels, from the
    review's index when it already has one (read from the cache, not worked out again)."""
    # vars(): where the index's cached_property keeps it; asking for it would build it.
    index = vars(review).get("index")
    if index is not None:
        return dict(zip(index.ids, index.labels, strict=True))
    return {study: found.label for study, found in author_year_labels(review).items()}


@dataclass(frozen=True, slots=True)
class Citation:
    """One theme's citation: `text` cites what the style can; `unnumbered` are the
    studies numeric style cannot cite because they have no `ref`."""

    text: str
    unnumbered: tuple[str, ...] = ()

    def display(self) -> str:
        missing = f"(no ref: {', '.join(self.unnumbered)})" if self.unnumbered else ""
        if self.text and missing:
            return f"{self.text} {missing}"
        return self.text or missing or "(no studies)"


def _citation(review: Review, studies: Sequence[Study], style: Style,
              labels: dict[str, AuthorYear] | None,
              keys: Mapping[str, str] | None = None) -> Citation:
    """The citation of `studies`: distinct, in reference order. `keys`: each study's
    key as the pandoc or latex style writes it, worked out once for every theme."""
    if not studies:
        return Citation("")
    if style is Style.numeric:
        numbers = [s.ref for s in studies if s.ref is not None]
        text = f"[{compress(numbers)}]" if numbers else ""
        unnumbered = () if len(numbers) == len(studies) else \
            tuple(s.id for s in studies if s.ref is None)
        return Citation(text, unnumbered)
    if style is Style.author_year:
        labels = labels if labels is not None else author_year_labels(review)
        ordered = sorted((labels[s.id] for s in studies), key=lambda a: a.sort_key)
        return Citation("(" + "; ".join(a.label for a in ordered) + ")")
    if style is Style.pandoc or style is Style.latex:
        keys = keys if keys is not None else style_keys(studies, style)
        return _by_keys(style, [keys[s.id] for s in studies])
    return Citation(", ".join(s.id for s in studies))


def _by_keys(style: Style, keys: Iterable[str]) -> Citation:
    """A pandoc or latex citation of the studies these keys cite."""
    if style is Style.pandoc:
        return Citation("[" + "; ".join(keys) + "]")
    return Citation("\\cite{" + ",".join(keys) + "}")


def cite_studies(review: Review, studies: Sequence[Study], style: Style) -> Citation:
    """The citation of `studies` (distinct, in reference order) in `style`, as `cite`
    writes a theme's: for a list of studies other than a theme's (a finding's)."""
    return _citation(review, studies, style, None)


def style_keys(studies: Iterable[Study], style: Style) -> dict[str, str]:
    """Each study's key as `style` (pandoc or latex) writes it, by study id."""
    write = pandoc_key if style is Style.pandoc else citation_key
    return {study.id: write(study) for study in studies}


def citation_key(study: Study) -> str:
    """The key a manuscript cites `study` by: its own or its bibliography entry's
    `key`, else its id (so a review whose ids are the citation keys needs no key)."""
    return study.key if study.key is not None else study.id


# Pandoc reads a bare key up to a character outside these; other keys go in braces.
# (The punctuation a key may hold inside, but not end with.)
PANDOC_INNER: Final = ":.#$%&-+?<>~/"
_PANDOC_BARE: Final = re.compile(rf"\w[\w{re.escape(PANDOC_INNER)}]*")


def pandoc_key(study: Study) -> str:
    """'@berry2011', or '@{key with spaces}' where a bare key would end early."""
    key = citation_key(study)
    bare = _PANDOC_BARE.fullmatch(key) and key[-1] not in PANDOC_INNER
    return f"@{key}" if bare else "@{" + key + "}"


@dataclass(frozen=True, slots=True)
class CiteRow:
    id: str
    label: str
    depth: int
    n: int
    N: int
    citation: Citation
    # The theme's studies as places in reference order, and the index they are places
    # of: the ids are listed only for the formats (and styles) that need them.
    places: Sequence[int] = dataclasses.field(repr=False, compare=False)
    index: CodingIndex = dataclasses.field(repr=False, compare=False)

    @property
    def studies(self) -> tuple[str, ...]:
        """The theme's studies, in reference order."""
        return self.index.studies(self.places)

    def line(self) -> str:
        return f"{self.label} ({self.n}/{self.N}): {self.citation.display()}"


@dataclass(frozen=True, slots=True)
class Citations:
    style: Style
    rollup: bool
    N: int
    rows: tuple[CiteRow, ...]
    # The CSL style file the citations were rendered in instead of `style`, if any.
    csl: str | None = None


def citations(review: Review, style: Style = Style.numeric, *, rollup: bool = True,
              theme: Theme | None = None) -> Citations:
    """The citation of one theme, or of every theme in tree order."""
    index = review.index
    chosen = index.themes[index.position(theme.id)] if theme is not None else None
    if style is Style.numeric:
        return cited(index, rollup=rollup, theme=chosen)
    labels = author_year_labels(review) if style is Style.author_year else None
    keys = style_keys(review.studies, style) if style in (Style.pandoc, Style.latex) \
        else None
    ordered = review.in_reference_order  # the index's places are places in this order

    # pandoc and latex: each study's key by place, so a theme's keys are looked up in C.
    by_place = [keys[study.id] for study in ordered] if keys is not None else []

    def cite(places: Sequence[int]) -> Citation:
        if by_place and places:
            return _by_keys(style, map(by_place.__getitem__, places))
        return _citation(review, list(map(ordered.__getitem__, places)), style, labels, keys)
    return cited(index, style, rollup=rollup, theme=chosen, cite=cite)


def cited(index: CodingIndex, style: Style = Style.numeric, *, rollup: bool = True,
          theme: IndexedTheme | None = None,
          cite: Callable[[Sequence[int]], Citation] | None = None) -> Citations:
    """The citations from the index alone: numeric, unless `cite` writes a theme's
    citation from its places (the other styles need the studies' records)."""
    refs = index.refs
    numbered = len(refs)
    # Each number written once, not once per theme citing it.
    texts = list(map(str, refs)) if cite is None else []
    # Numbered 1, 2, 3... (from any first number) with no gap, as most reviews are: a run
    # of places is then a run of numbers.
    consecutive = bool(refs) and refs == tuple(range(refs[0], refs[0] + numbered))
    rows = []
    for item in [theme] if theme is not None else index.themes:
        codings = item.coded(rollup)
        places = codings.places
        if cite is None:
            # The numbered studies come first: those of the theme are the places before `cut`.
            cut = bisect.bisect_left(places, numbered)
            if consecutive:
                # Places step as their numbers do: the runs are found from the places' gaps.
                written = _ranges(list(map(texts.__getitem__, places[:cut])),
                                  codings.steps(cut))
            else:
                written = compress(map(refs.__getitem__, places[:cut]))
            citation = Citation(f"[{written}]" if cut else "", index.studies(places[cut:]))
        else:
            citation = cite(places)
        rows.append(CiteRow(item.id, item.label, item.depth, len(places), index.N,
                            citation, places, index))
    return Citations(style, rollup, index.N, tuple(rows))


def _theme_key(text: str) -> str:
    """Case, spaces, hyphens and punctuation do not matter when naming a theme."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


class Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...


NamedT = TypeVar("NamedT", bound=Named)


def find_theme(review: Review, query: str) -> Theme:
    """The theme `query` names by id or label: exactly, by a unique beginning, or
    with a small typo. No match, or several, raises ThemeNotFound naming the closest."""
    return find_named([theme for theme, _ in review.themes_file.walk()], query)


def find_named(themes: Sequence[NamedT], query: str) -> NamedT:
    """`find_theme` among `themes` (a review's, or an index's)."""
    from rapidfuzz.distance import Levenshtein

    # An id written exactly always names its theme, however others normalize.
    for theme in themes:
        if theme.id == query:
            return theme
    keys = {theme.id: {_theme_key(theme.id), _theme_key(theme.label)} for theme in themes}
    wanted = _theme_key(query)

    def named(found: Sequence[NamedT]) -> str:
        return ", ".join(f"'{t.id}' ({t.label})" for t in found)

    if wanted:
        exact = [t for t in themes if wanted in keys[t.id]]
        # A beginning of three or more characters, e.g. "role" for role-clarity.
        begins = [t for t in themes if len(wanted) >= 3
                  and any(key.startswith(wanted) for key in keys[t.id])]
        for found in (exact, begins):
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise ThemeNotFound(f"'{query}' matches {len(found)} themes: {named(found)}",
                                    "give more of the theme's id or label")
        # A small typo: one edit in a short name, two in a longer one; only if unambiguous.
        allowed = 1 if len(wanted) <= 6 else 2
        distance = {t.id: min(Levenshtein.distance(wanted, key) for key in keys[t.id])
                    for t in themes}
        best = sorted((t for t in themes if distance[t.id] <= allowed),
                      key=lambda t: distance[t.id])
        if len(best) == 1 or (len(best) > 1 and distance[best[0].id] < distance[best[1].id]):
            return best[0]
    by_name = {t.label: t for t in themes} | {t.id: t for t in themes}
    near = list(dict.fromkeys(by_name[name].id for name in closest(query, by_name, limit=4)))
    hint = (f"did you mean {named([t for t in themes if t.id in near])}?" if near
            else "`peersynth tally` lists every theme")
    raise ThemeNotFound(f"no theme matches '{query}'", hint)


# ---------------------------------------------------------------------------
# Matrix


@dataclass(frozen=True, slots=True)
class ThemeHead:
    id: str
    label: str
    depth: int
    n: int


@dataclass(frozen=True, slots=True)
class MatrixRow:
    id: str
    ref: int | None
    label: str
    cells: tuple[bool, ...]
    # The top-level themes the study supports, directly or through a subtheme: each
    # branch of the tree once, so a study coded to a parent and its subtheme counts one,
    # and the total is the same with or without roll-up. (Summing the cells would count
    # one finding once per level it is coded at.)
    total: int


@dataclass(frozen=True, slots=True)
class Matrix:
    themes: tuple[ThemeHead, ...]
    rows: tuple[MatrixRow, ...]
    rollup: bool


def matrix(review: Review, *, rollup: bool = True) -> Matrix:
    """Studies (reference order) by themes (tree order); a cell is true when the study is
    coded to the theme (or, with roll-up, to a theme below it). A study's total is the
    number of top-level themes it supports, directly or through a subtheme (see MatrixRow)."""
    return matrix_of(review.index, rollup=rollup)


def matrix_of(index: CodingIndex, *, rollup: bool = True) -> Matrix:
    """`matrix` from the index alone."""
    # Column by column, each a byte per study, then turned into rows in C: a large
    # review has millions of cells.
    marks = [index.flags(theme.coded(rollup).places) for theme in index.themes]
    columns = [tuple(map(operator.truth, column)) for column in marks]
    # Each top-level theme's rolled-up studies: its own column, when the columns roll up.
    branches = [column if rollup else index.flags(theme.rolled.places)
                for theme, column in zip(index.themes, marks, strict=True) if theme.parent < 0]
    cells: Iterable[tuple[bool, ...]] = (zip(*columns, strict=True) if columns
                                         else itertools.repeat(()))
    totals: Iterable[int] = (map(sum, zip(*branches, strict=True)) if branches
                             else itertools.repeat(0))
    refs = itertools.chain(index.refs, itertools.repeat(None))
    rows = tuple(map(MatrixRow, index.ids, refs, index.labels, cells, totals))
    heads = tuple(ThemeHead(theme.id, theme.label, theme.depth, len(theme.coded(rollup)))
                  for theme in index.themes)
    return Matrix(heads, rows, rollup)


# ---------------------------------------------------------------------------
# Characteristics of the included studies


# The box wording of the PRISMA 2020 flow diagram (Page et al. 2021), not PRISMA 2009's
# "full-text articles": the 2020 diagram counts reports, which a study may have several of.
FLOW_LABELS: dict[str, str] = dict(flow_boxes.LABELS)


@dataclass(frozen=True, slots=True)
class FlowCount:
    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Section:
    field: str
    title: str
    rows: tuple[Group, ...]


@dataclass(frozen=True, slots=True)
class Characteristics:
    N: int
    explode: bool
    flow: tuple[FlowCount, ...]
    sections: tuple[Section, ...]


def _title(field: str) -> str:
    text = field.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def _year_range(review: Review) -> list[Group]:
    studies = reference_order(review.studies)
    dated = [s for s in studies if s.year is not None]
    groups = []
    if dated:
        first = min(s.year for s in dated if s.year is not None)
        last = max(s.year for s in dated if s.year is not None)
        span = str(first) if first == last else f"{first}{EN_DASH}{last}"
        groups.append(Group(span, tuple(s.id for s in dated)))
    missing = tuple(s.id for s in studies if s.year is None)
    if missing:
        groups.append(Group(NOT_REPORTED, missing))
    return groups


def characteristics(review: Review, *, by: Sequence[str] = (),
                    explode: bool = False) -> Characteristics:
    """Counts by country, design and quality, the year range (per year with by=year),
    any other field named in `by`, and the PRISMA flow counts the review states."""
    asked = [resolve_field(review, name) for name in by]
    sections = []
    for field in dict.fromkeys([*BUILTIN_FIELDS, *asked]):
        if field == "year" and "year" not in asked:
            rows = _year_range(review)
            title = "Year range" if any(g.value != NOT_REPORTED for g in rows) else "Year"
        else:
            rows = group_studies(review, review.studies, field, explode=explode)
            title = _title(field)
        sections.append(Section(field, title, tuple(rows)))
    info = review.studies_file.review
    flow = info.flow if info is not None and info.flow is not None else Flow()
    counts = tuple(FlowCount(key, FLOW_LABELS[key], flow_boxes.count(value) or 0)
                   for key, value in vars(flow).items() if value is not None)
    return Characteristics(len(review.studies), explode, counts, tuple(sections))

