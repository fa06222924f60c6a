"""Which bibliography entry each study is, what it takes from it, and where they disagree.

A study names its entry by `key` (the citation key; for RIS, the record's ID) or by
`doi`; the key wins when both are given. A study's own authors, year, title, journal
and DOI stand; those it leaves out come from its entry. Where both give a value and
the two differ, the study's stands and a warning names both, since one of them is
out of date. Values are compared the way the reports compare them (case, spacing,
'-' or '_' do not matter); authors by their family names, since a study may write
"Byrne L" and its entry "Byrne, Louise".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from peersynth.matching import surname, value_key
from peersynth.references.bibliography import Bibliography, Entry, normal_doi
from peersynth.review import Study


@dataclass(frozen=True, slots=True)
class Match:
    """A study (by its place in the studies list) and its entry, and how it named it."""

    index: int
    entry: Entry
    by: str  # "key" or "doi"


@dataclass(frozen=True, slots=True)
class Miss:
    """A study whose key or DOI names no entry."""

    index: int
    by: str
    value: str


@dataclass(frozen=True, slots=True)
class Twice:
    """A study that names the entry an earlier study already names."""

    index: int
    by: str
    entry: Entry
    first: str  # the earlier study's id


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A field a study gives that its entry gives otherwise."""

    index: int
    name: str  # the study field: authors, year, title, journal, doi
    ours: str
    theirs: str
    entry: Entry


@dataclass(slots=True)
class Links:
    matches: list[Match] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    twice: list[Twice] = field(default_factory=list)

    def entry_of(self) -> dict[int, Entry]:
        return {match.index: match.entry for match in self.matches}


def _families(names: Iterable[str]) -> list[str]:
    return [value_key(surname(name)) for name in names]


def link(studies: Sequence[Study], bibliography: Bibliography) -> Links:
    """Each study's entry, by key or DOI, in study order: a second study naming an entry
    already taken is reported, not matched. Only the matched entries are decoded."""
    by_key: dict[str, int] = {}
    by_doi: dict[str, int] = {}
    for index, entry in enumerate(bibliography.entries):
        if entry.key is not None:
            by_key.setdefault(entry.key, index)
        if entry.doi is not None:
            by_doi.setdefault(entry.doi, index)
    out = Links()
    taken: dict[int, str] = {}
    chosen: list[tuple[int, int, str]] = []
    for index, study in enumerate(studies):
        if study.key is not None:
            by, value, found = "key", study.key, by_key.get(study.key)
        elif study.doi is not None:
            by, value, found = "doi", study.doi, by_doi.get(normal_doi(study.doi))
        else:
            continue
        if found is None:
            # A key naming an entry that could not be read is reported there, once.
            if not (by == "key" and value in bibliography.broken_keys):
                out.misses.append(Miss(index, by, value))
        elif found in taken:
            out.twice.append(Twice(index, by, bibliography.entries[found], taken[found]))
        else:
            taken[found] = study.id
            chosen.append((index, found, by))
    bibliography.full(found for _, found, _ in chosen)
    out.matches = [Match(index, bibliography.entries[found], by)
                   for index, found, by in chosen]
    return out


def mismatches(studies: Sequence[Study], links: Links) -> Iterator[Mismatch]:
    """Each field that a study and its entry both give, with different values."""
    for match in links.matches:
        study, entry = studies[match.index], match.entry
        if study.authors and entry.authors and _families(study.authors) != _families(
                entry.authors):
            yield Mismatch(match.index, "authors", ", ".join(study.authors),
                           ", ".join(entry.authors), entry)
        if study.year is not None and entry.year is not None and study.year != entry.year:
            yield Mismatch(match.index, "year", str(study.year), str(entry.year), entry)
        for name in ("title", "journal"):
            ours, theirs = getattr(study, name), getattr(entry, name)
            if ours and theirs and _text_key(ours) != _text_key(theirs):
                yield Mismatch(match.index, name, ours, theirs, entry)
        if (match.by == "key" and study.doi and entry.doi
                and normal_doi(study.doi) != entry.doi):
            yield Mismatch(match.index, "doi", study.doi, entry.doi, entry)


def _text_key(text: str) -> str:
    # A title exported with its closing full stop is the same title.
    return value_key(text.rstrip(" ."))


def filled(studies: Sequence[Study], links: Links) -> list[Study]:
    """The studies with what each leaves out taken from its entry."""
    entries = links.entry_of()
    out: list[Study] = []
    for index, study in enumerate(studies):
        entry = entries.get(index)
        if entry is None:
            out.append(study)
            continue
        out.append(dataclasses.replace(
            study,
            authors=study.authors or (list(entry.authors) or None),
            year=study.year if study.year is not None else entry.year,
            title=study.title or entry.title,
            journal=study.journal or entry.journal,
            doi=study.doi or entry.doi,
            key=study.key or entry.key,
        ))
    return out
