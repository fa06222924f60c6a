"""The near-duplicate check: one value, or one attribute name, written two ways.

The reports merge values and field names that `peersynth.matching` takes for one
(case, spacing, '-' or '_', a known country alias), so such spellings no longer
split a count; but a reviewer should still see them, since a value can only be
cited or searched one way. Surrounding spaces and Unicode normalisation are fixed
when the review is loaded and are invisible in any output, so they are not reported.

Compared: countries (unless a countries vocabulary governs them), each attribute's
values (unless a vocabulary whose name matches the field's, as field names match,
governs them: outside one, a value is a `not-in-vocabulary` error already), the entries
of each declared vocabulary, and attribute names across all studies and vocabularies.
Each spelling other than the preferred one is reported at every place it occurs, naming
the preferred spelling and the line where that first occurs. Preferred: the
vocabulary's, else the most frequent, ties to the first in reference order, as the
reports show it. One pass over the values, dictionaries keyed by `value_key`: no
comparison of all pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from peersynth.checks import Context, check
from peersynth.diagnostics import Diagnostic
from peersynth.loading import YamlPath
from peersynth.matching import clean, country_key, field_key, preferred_spellings, value_key
from peersynth.review import Study

CODE = "near-duplicate"


@dataclass(frozen=True, slots=True)
class _Place:
    """One occurrence of a spelling: its group (a field and a key), where it is, and
    where it falls in reference order (ties between spellings go to the earliest)."""

    group: tuple[str, str]
    spelling: str
    path: YamlPath
    rank: tuple[int, int]
    key: bool = False  # the path names a mapping key, not a value


def _raw_key(mapping: Any, name: str) -> str:
    """The key of `mapping` as written in the file that loads as `name` (loading cleans
    keys), so that a diagnostic points at it rather than at the mapping."""
    if isinstance(mapping, dict) and name not in mapping:
        return next((key for key in mapping if isinstance(key, str) and clean(key) == name),
                    name)
    return name


def _rank(study: Study, index: int) -> tuple[int, int]:
    """Reference order: by ref, then those without one in file order."""
    return (study.ref, index) if study.ref is not None else (1 << 62, index)


_BUILTIN_VOCABULARIES = ("countries", "design", "quality")

# The spelling a vocabulary fixes for a group of spellings, as a place in the vocabulary.
Groups = dict[tuple[str, str], _Place]


def _fixed(ctx: Context) -> tuple[Groups, Groups]:
    """The spellings the declared vocabularies fix: of values, and of attribute names."""
    raw = ctx.studies_doc.data
    raw_vocabularies = raw.get("vocabularies") if isinstance(raw, dict) else None
    fixed_values: Groups = {}
    fixed_names: Groups = {}
    for number, (name, entries) in reversed(list(enumerate(ctx.studies.vocabularies.items()))):
        # A vocabulary governs the attribute fields its name matches, as in the reports.
        group = "countries" if name == "countries" else field_key(name)
        at: YamlPath = ("vocabularies", _raw_key(raw_vocabularies, name))
        for index, entry in reversed(list(enumerate(entries))):
            key = (group, value_key(entry, country=group == "countries"))
            fixed_values[key] = _Place(key, entry, (*at, index), (-1, index))
        if name not in _BUILTIN_VOCABULARIES:
            key = ("", field_key(name))
            fixed_names[key] = _Place(key, name, at, (-1, number), key=True)
    return fixed_values, fixed_names


def _split(spellings: dict[tuple[str, str], set[str]], fixed: Groups) -> set[tuple[str, str]]:
    return {group for group, found in spellings.items()
            if len(found) > 1 or (group in fixed and fixed[group].spelling not in found)}


def _split_groups(ctx: Context, fixed_values: Groups, fixed_names: Groups,
                  ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The groups of values and of names written more than one way, found from the
    distinct spellings alone: a review has few, and most have no such group at all."""
    studies = ctx.studies.studies
    vocabularies = ctx.studies.all_vocabularies
    governed = {field_key(name) for name in vocabularies}
    values: dict[tuple[str, str], set[str]] = {}
    names: dict[tuple[str, str], set[str]] = {}
    if "countries" not in vocabularies:
        for country in set(chain.from_iterable(s.countries or () for s in studies)):
            values.setdefault(("countries", country_key(country)), set()).add(country)
    for name, value in set(chain.from_iterable(s.attributes.items() for s in studies)):
        names.setdefault(("", field_key(name)), set()).add(name)
        text = str(value)
        if field_key(name) not in governed and text:
            values.setdefault((field_key(name), value_key(text)), set()).add(text)
    for name in ctx.studies.vocabularies:
        if name not in _BUILTIN_VOCABULARIES:
            names.setdefault(("", field_key(name)), set()).add(name)
    return _split(values, fixed_values), _split(names, fixed_names)


def _places(ctx: Context, split_values: set[tuple[str, str]],
            split_names: set[tuple[str, str]]) -> tuple[list[_Place], list[_Place]]:
    """Every occurrence of a value or attribute name of the given groups."""
    vocabularies = ctx.studies.all_vocabularies
    governed = {field_key(name) for name in vocabularies}
    raw = ctx.studies_doc.data
    raw_studies = raw.get("studies") if isinstance(raw, dict) else None
    raw_vocabularies = raw.get("vocabularies") if isinstance(raw, dict) else None
    values: list[_Place] = []
    names: list[_Place] = []
    for number, (study, path) in enumerate(ctx.studies_with_paths()):
        rank = _rank(study, number)
        if "countries" not in vocabularies:
            for index, country in enumerate(study.countries or ()):
                group = ("countries", country_key(country))
                if group in split_values:
                    values.append(_Place(group, country, (*path, "countries", index), rank))
        raw_attributes = None
        if isinstance(raw_studies, list) and isinstance(path[1], int) \
                and path[1] < len(raw_studies) and isinstance(raw_studies[path[1]], dict):
            raw_attributes = raw_studies[path[1]].get("attributes")
        for name, value in study.attributes.items():
            where = (*path, "attributes", _raw_key(raw_attributes, name))
            group = ("", field_key(name))
            if group in split_names:
                names.append(_Place(group, name, where, rank, key=True))
            # Values a vocabulary governs (by the one rule for names) are checked against it.
            group = (field_key(name), value_key(str(value)))
            if field_key(name) not in governed and group in split_values:
                values.append(_Place(group, str(value), where, rank))
    for number, name in enumerate(ctx.studies.vocabularies):
        group = ("", field_key(name))
        if name not in _BUILTIN_VOCABULARIES and group in split_names:
            names.append(_Place(group, name, ("vocabularies", _raw_key(raw_vocabularies, name)),
                                (-1, number), key=True))
    return values, names


def _vocabulary_entries(ctx: Context) -> Iterator[Diagnostic]:
    """An entry of a declared vocabulary that an earlier entry already is."""
    doc = ctx.studies_doc
    raw = doc.data.get("vocabularies") if isinstance(doc.data, dict) else None
    for name, entries in ctx.studies.vocabularies.items():
        first: dict[str, int] = {}
        path = ("vocabularies", _raw_key(raw, name))
        for index, entry in enumerate(entries):
            key = value_key(entry, country=name == "countries")
            if key not in first:
                first[key] = index
                continue
            if ctx.hidden(doc, CODE, (*path, index)):
                continue
            earlier = entries[first[key]]
            line = doc.position((*path, first[key]))[0]
            yield ctx.at(doc, CODE, (*path, index),
                         f"'{entry}' and '{earlier}' (line {line}) are one value of the "
                         f"{name} vocabulary, spelt differently",
                         f"keep '{earlier}' and remove '{entry}'")


def _message(place: _Place, want: str, seen: str, names: bool) -> str:
    if names:
        return f"attribute '{place.spelling}' and '{want}'{seen} are one field, spelt differently"
    field = place.group[0]
    what = "one country" if field == "countries" else f"one value of '{field}'"
    return f"'{place.spelling}' and '{want}'{seen} are {what}, spelt differently"


def _differing(ctx: Context, places: list[_Place], fixed: Groups, *,
               names: bool) -> Iterator[Diagnostic]:
    doc = ctx.studies_doc
    spellings: dict[tuple[str, str], dict[str, None]] = {}
    for place in places:
        spellings.setdefault(place.group, {})[place.spelling] = None
    split = _split({group: set(found) for group, found in spellings.items()}, fixed)
    if not split:
        return
    # A key kept as written because cleaning would merge it with another (' setting')
    # loses ties to a clean spelling.
    ordered = sorted((p for p in places if p.group in split),
                     key=lambda p: (p.spelling != clean(p.spelling), p.rank))
    preferred = preferred_spellings((p.group, p.spelling) for p in ordered)
    preferred.update((group, fixed[group].spelling) for group in split if group in fixed)
    # Where each preferred spelling first occurs: the vocabulary, else in file order.
    first = {group: fixed[group] for group in split if group in fixed}
    for place in places:
        if place.group in split and place.spelling == preferred[place.group]:
            first.setdefault(place.group, place)
    for place in places:
        want = preferred.get(place.group)
        if want is None or place.spelling == want or ctx.hidden(doc, CODE, place.path,
                                                                   key=place.key):
            continue
        at = first[place.group]
        seen = f" (line {doc.position(at.path, key=at.key)[0]})"
        yield ctx.at(doc, CODE, place.path, _message(place, want, seen, names),
                     f"write '{want}' everywhere", key=place.key)


@check(CODE)
def _near_duplicates(ctx: Context) -> Iterator[Diagnostic]:
    yield from _vocabulary_entries(ctx)
    fixed_values, fixed_names = _fixed(ctx)
    split_values, split_names = _split_groups(ctx, fixed_values, fixed_names)
    if not split_values and not split_names:
        return
    values, names = _places(ctx, split_values, split_names)
    yield from _differing(ctx, values, fixed_values, names=False)
    yield from _differing(ctx, names, fixed_names, names=True)
