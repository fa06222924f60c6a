"""Who is coded where, in the form tally, cite and matrix count with.

The studies are taken in reference order (by `ref`, those without one after them, in
file order); a study's place is its position in that order. Each theme's codings are
kept as the sorted places of its studies, once for its direct codings and once rolled up
over its subthemes, so that counting is a length, a theme's studies in reference order
are a look-up per place, and a scope (--where) is a filter by place: every per-study
step runs in C, and the size follows the codings, never themes times studies. The index
is derived from a validated review (`build`); the cache stores it beside the review, so
that a command needing no more than the index never reads the review's records
(`peersynth.cache.cached_index`).

Stored, a theme's places are their gaps: the first place, then each place minus the one
before, as little-endian numbers of the narrowest width that holds them (one byte, two or
four: the text starts with its array type code, B, H or I), in base64. Gaps of at least
1 after the first, adding up to less than N, are sorted places of known studies, so the
check of an untrusted entry is a search for a 0 and a sum, done in C.
"""

from __future__ import annotations

import base64
import itertools
import operator
import sys
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from peersynth.files import text_yield

if TYPE_CHECKING:
    from peersynth.review import Review

_TYPECODE: Final = "I"  # unsigned, 32 bits wherever peersynth runs (checked on import)
if array(_TYPECODE).itemsize != 4:  # pragma: no cover - no such platform in use
    raise ImportError("peersynth.index needs 32-bit unsigned arrays")


# Gaps are stored in the narrowest of these that holds the largest: a theme coded to
# many studies has small gaps, one byte each.
_WIDTHS: Final = ("B", "H", "I")
# A byte per gap: 1 where it is 1 (the next place follows at once), else 0.
_ONE: Final = bytes(1 if value == 1 else 0 for value in range(256))


class Places:
    """One theme's codings: the places of its studies, sorted, or their gaps (the first
    place, then each place minus the one before), as the cache stores them. Read from
    the cache, the places are worked out only when a command asks for them (a tally
    needs only their number)."""

    __slots__ = ("_gaps", "_places")

    def __init__(self, places: array[int] | None = None, gaps: array[int] | None = None
                 ) -> None:
        self._places = places
        self._gaps = gaps

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Places):
            return NotImplemented
        return self.places == other.places

    def __hash__(self) -> int:
        return hash(self.places.tobytes())

    def __len__(self) -> int:
        held = self._places if self._places is not None else self._gaps
        return len(held) if held is not None else 0

    @property
    def places(self) -> array[int]:
        if self._places is None:
            self._places = array(_TYPECODE, itertools.accumulate(self.gaps))
        return self._places

    @property
    def gaps(self) -> array[int]:
        if self._gaps is None:
            places = self.places
            # map stops with `places`: the chain is one longer.
            gaps = list(map(int.__sub__, places, itertools.chain((0,), places)))
            top = max(gaps, default=0)
            width = next(code for code in _WIDTHS if top < 1 << (8 * array(code).itemsize))
            self._gaps = array(width, gaps)
        return self._gaps

    def steps(self, count: int) -> bytes:
        """A byte for each of the first `count` places but the last: 1 where the next
        place follows at once."""
        gaps = self.gaps[1:count]
        if gaps.typecode == "B":
            return gaps.tobytes().translate(_ONE)
        return bytes(map((1).__eq__, gaps))

    def encoded(self) -> str:
        gaps = self.gaps
        if sys.byteorder == "big":  # pragma: no cover
            gaps = array(gaps.typecode, gaps)
            gaps.byteswap()
        return gaps.typecode + base64.b64encode(gaps.tobytes()).decode("ascii")

    @classmethod
    def decoded(cls, text: str, limit: int) -> Places | None:
        """The places `text` holds, or None unless they are a first place then gaps of at
        least 1, within `limit` (the number of studies)."""
        width = text[:1]
        if width not in _WIDTHS:
            return None
        try:
            raw = base64.b64decode(text[1:], validate=True)
        except ValueError:
            return None
        gaps = array(width)
        if len(raw) % gaps.itemsize:
            return None
        gaps.frombytes(raw)
        if sys.byteorder == "big":  # pragma: no cover
            gaps.byteswap()
        if not gaps:
            return cls(gaps=gaps)
        # No gap of 0 after the first: for one-byte gaps, a search in C.
        if (raw.find(0, 1) >= 0 if width == "B" else min(gaps[1:], default=1) < 1) \
                or sum(gaps) >= limit:
            return None
        return cls(gaps=gaps)


def _marked(size: int, places: Iterable[int]) -> bytearray:
    """`size` bytes, 1 at `places`, else 0."""
    marks = bytearray(size)
    # Set in C (a large review has over a million codings); the deque keeps nothing.
    deque(map(marks.__setitem__, places, itertools.repeat(1)), 0)
    return marks


@dataclass(frozen=True, slots=True)
class IndexedTheme:
    id: str
    label: str
    depth: int
    # The position of its parent in CodingIndex.themes; -1 for a top-level theme.
    parent: int
    direct: Places
    rolled: Places

    def coded(self, rollup: bool) -> Places:
        return self.rolled if rollup else self.direct


@dataclass(frozen=True)
class CodingIndex:
    """The studies in reference order and every theme's codings, in tree order."""

    ids: tuple[str, ...]
    # The reference numbers of the numbered studies, which come first in reference order.
    refs: tuple[int, ...]
    themes: tuple[IndexedTheme, ...]
    # Each study's author-year label (the matrix's row label), as the cache stores it; or
    # the review the index is built from, to work them out from when first asked (only
    # the matrix and the cache need them).
    stored_labels: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    review: Review | None = field(default=None, compare=False, repr=False)

    @cached_property
    def labels(self) -> tuple[str, ...]:
        if self.stored_labels is not None:
            return self.stored_labels
        from peersynth.analysis import author_year_labels

        assert self.review is not None  # an index is either stored or built from a review
        found = author_year_labels(self.review)
        return tuple(found[study].label for study in self.ids)

    @property
    def N(self) -> int:  # the review's N, as the tables print it
        return len(self.ids)

    @cached_property
    def children(self) -> tuple[tuple[int, ...], ...]:
        """Each theme's subthemes (positions in `themes`) in file order; last, at
        position len(themes), the top-level themes."""
        below: list[list[int]] = [[] for _ in range(len(self.themes) + 1)]
        for position, theme in enumerate(self.themes):
            below[theme.parent if theme.parent >= 0 else len(self.themes)].append(position)
        return tuple(map(tuple, below))

    def flags(self, places: Iterable[int]) -> bytearray:
        """One byte per place, 1 at `places`."""
        return _marked(self.N, places)

    def position(self, id_: str) -> int:
        """Where the theme `id_` is in `themes` (KeyError when it is not)."""
        return self._positions[id_]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {theme.id: position for position, theme in enumerate(self.themes)}

    def studies(self, places: Sequence[int]) -> tuple[str, ...]:
        """The ids of the studies at `places`, in their order."""
        return tuple(map(self.ids.__getitem__, places))

    def to_json(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "refs": list(self.refs), "labels": list(self.labels),
                "themes": [[t.id, t.label, t.depth, t.parent, t.direct.encoded(),
                            t.rolled.encoded()] for t in self.themes]}


_ROW_TYPES: Final = [str, str, int, int, str, str]
# The most an author-year label adds to the text it is made of (" et al. ", the year, a
# suffix): a label is a study's id, or its first one or two surnames and these.
_LABEL_EXTRA: Final = 40


@dataclass(frozen=True)
class Bounds:
    """What the files an index is read with can hold: an index beyond it is not theirs.
    A study's id is written in studies.yaml, a theme's id and label and each direct
    coding's study id in themes.yaml, and no theme is deeper than the YAML nests. A
    label's names are in studies.yaml or, for a study that leaves its authors to its
    entry, in the bibliography (`extra_bytes`: the other files the review was read with).
    Ids are bounded by the files' bytes (unique, each is written out), and so are
    labels, which a report may print once a coding. A theme's codings may repeat text
    through a YAML alias (one coding list serving several themes), up to what
    validation lets aliases repeat: theirs is bounded by the text themes.yaml reads as
    (`peersynth.files.text_yield`)."""

    studies_bytes: int
    themes_bytes: int
    max_depth: int
    extra_bytes: int = 0


def from_json(content: Any, bounds: Bounds) -> CodingIndex | None:
    """The index a cache entry holds, or None when it is anything `build` could not have
    made from files within `bounds`: wrong types, ids repeated, refs out of order, themes
    out of tree order, places that are not sorted places of known studies, or more text
    (ids, labels, the ids a theme's direct codings name) than the files hold. Bounded so,
    nothing a command prints from the index outgrows the files it was made from."""
    if not (type(content) is dict and content.keys() == {"ids", "refs", "labels", "themes"}):
        return None
    ids, refs, labels, rows = (content[key] for key in ("ids", "refs", "labels", "themes"))
    if not (type(ids) is list and type(refs) is list and type(labels) is list
            and type(rows) is list and set(map(type, ids)) <= {str}
            and set(map(type, labels)) <= {str} and set(map(type, refs)) <= {int}
            and len(labels) == len(ids) and len(refs) <= len(ids)
            and len(set(ids)) == len(ids)
            and all(map(operator.lt, refs, itertools.islice(refs, 1, None)))):
        return None
    lengths = list(map(len, ids))
    themes_text = text_yield(bounds.themes_bytes)
    if sum(lengths) > bounds.studies_bytes or \
            sum(map(len, labels)) > (bounds.studies_bytes + bounds.extra_bytes
                                     + _LABEL_EXTRA * len(ids)):
        return None
    themes: list[IndexedTheme] = []
    text = 0
    ancestors: list[int] = []  # the themes above the next row, as `build` walks the tree
    for position, row in enumerate(rows):
        if not (type(row) is list and list(map(type, row)) == _ROW_TYPES):
            return None
        id_, label, depth, parent, direct_text, rolled_text = row
        if not (0 <= depth <= min(len(ancestors), bounds.max_depth)):
            return None
        del ancestors[depth:]
        if parent != (ancestors[-1] if ancestors else -1):
            return None
        ancestors.append(position)
        direct = Places.decoded(direct_text, len(ids))
        rolled = Places.decoded(rolled_text, len(ids))
        if direct is None or rolled is None:
            return None
        text += len(id_) + len(label)
        if text > bounds.themes_bytes:
            return None
        themes.append(IndexedTheme(id_, label, depth, parent, direct, rolled))
    if len({theme.id for theme in themes}) != len(themes):
        return None
    # The ids the direct codings name, as themes.yaml writes each: counted as if each
    # were the longest first (enough for most reviews, whose ids are alike), and one by
    # one only when that bound is not.
    codings = sum(len(theme.direct) for theme in themes)
    if codings * max(lengths, default=0) > themes_text and sum(
            sum(map(lengths.__getitem__, theme.direct.places)) for theme in themes
    ) > themes_text:
        return None
    return CodingIndex(tuple(ids), tuple(refs), tuple(themes), stored_labels=tuple(labels))


def build(review: Review) -> CodingIndex:
    """The index of a validated review."""
    ordered = review.in_reference_order
    ids = tuple(study.id for study in ordered)
    place = {study: index for index, study in enumerate(ids)}
    themes: list[IndexedTheme] = []

    everyone = range(len(ids))

    def places(studies: frozenset[str]) -> Places:
        if len(studies) * 8 < len(ids):
            return Places(array(_TYPECODE, sorted(map(place.__getitem__, studies))))
        # Many: marked, then read off in order, with no sort.
        marks = _marked(len(ids), map(place.__getitem__, studies))
        return Places(array(_TYPECODE, itertools.compress(everyone, marks)))

    parents: list[int] = []
    for theme, depth in review.themes_file.walk():
        del parents[depth:]
        direct = places(theme.study_ids)
        # A theme without subthemes (most) rolls up to its own codings: worked out once.
        themes.append(IndexedTheme(theme.id, theme.label, depth,
                                   parents[-1] if parents else -1, direct,
                                   places(theme.rolled_up_ids) if theme.subthemes else direct))
        parents.append(len(themes) - 1)
    return CodingIndex(ids, tuple(s.ref for s in ordered if s.ref is not None), tuple(themes),
                       review=review)


def in_order(index: CodingIndex, counts: Sequence[int], by_count: bool) -> Iterator[int]:
    """The themes' positions in tree order, or by count (largest first, ties in tree
    order) within each level, subthemes staying under their parent."""
    def walk(positions: tuple[int, ...]) -> Iterator[int]:
        ordered = sorted(positions, key=lambda p: -counts[p]) if by_count else positions
        for position in ordered:
            yield position
            yield from walk(index.children[position])

    return walk(index.children[-1])
