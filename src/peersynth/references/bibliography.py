"""A bibliography file as the reference manager exported it, read into plain entries.

BibTeX and BibLaTeX go through bibtexparser v2 (LaTeX escapes decoded, names split
into their parts), RIS through rispy, CSL-JSON through the json module: the parsing
is theirs. What is ours is the mapping of each format's fields onto the few a study
has (authors, year, title, journal, DOI), and the position of every entry, so that a
problem with one can be shown at its line.

Authors are kept in the form studies.yaml uses, "Family I" with the initials of the
given names ("Berry C", "van der Berg J"), so a study's own list and its entry's can be
compared and shown alike. The parsers are imported here only, and this module only by
reviews that name a bibliography.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from peersynth.diagnostics import Diagnostic, Severity
from peersynth.matching import clean

Format = Literal["bibtex", "ris", "csl-json"]

SUFFIXES: Final[dict[str, Format]] = {
    ".bib": "bibtex", ".bibtex": "bibtex", ".biblatex": "bibtex",
    ".ris": "ris",
    ".json": "csl-json", ".csljson": "csl-json",
}

# A DOI written as a link or with a "doi:" label is the same DOI.
_DOI_PREFIX: Final = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_YEAR: Final = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_RIS_START: Final = re.compile(r"^TY  -", re.MULTILINE)
_RIS_END: Final = re.compile(r"^ER  -", re.MULTILINE)
# The key of an entry bibtexparser could not read: "@article{berry2011," or "@book{x\n".
_BROKEN_KEY: Final = re.compile(r"@\w+\s*[{(]\s*([^,\s{}()]+)")


@dataclass(frozen=True, slots=True)
class Entry:
    """One reference: its key (citation key, or RIS ID) and the fields a study can take."""

    key: str | None
    line: int
    column: int
    authors: tuple[str, ...] = ()
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    doi: str | None = None


@dataclass(slots=True)
class Bibliography:
    file: str
    entries: list[Entry] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    # BibTeX entries whose fields are not decoded yet, by their index in `entries`:
    # decoding LaTeX costs far more than parsing, and a library exported whole may hold
    # thousands of entries of which a review cites a few dozen.
    undecoded: dict[int, Any] = field(default_factory=dict)
    # False when nothing could be read (not UTF-8, not the format at all); keys of entries
    # that could not be read: a study naming one is not also reported as unknown.
    readable: bool = True
    broken_keys: set[str] = field(default_factory=set)

    def full(self, indices: Iterable[int]) -> None:
        """Decode the fields of the entries at `indices`, where not done yet."""
        wanted = sorted(i for i in set(indices) if i in self.undecoded)
        if not wanted:
            return
        decoded = _decode_bibtex([self.undecoded.pop(i) for i in wanted])
        for index, entry in zip(wanted, decoded, strict=True):
            self.entries[index] = entry


def format_of(name: str) -> Format | None:
    """The format a bibliography file's name says it is in, or None."""
    dot = name.rfind(".")
    return SUFFIXES.get(name[dot:].lower()) if dot >= 0 else None


def normal_doi(text: str) -> str:
    """A DOI as it is compared: no link or label before it, lower case (DOIs ignore case)."""
    return _DOI_PREFIX.sub("", clean(text)).strip().lower()


def year_of(text: object) -> int | None:
    """The first four-digit year in `text` ("2011", "2011///", "2011-05-01")."""
    if isinstance(text, int):
        return text if 1000 <= text <= 9999 else None
    found = _YEAR.search(str(text))
    return int(found.group(1)) if found else None


def short_name(family: str, given: Iterable[str]) -> str:
    """'Berry C' from 'Berry' and ['Christopher']; initials of hyphenated names kept."""
    initials = "".join(
        "-".join(part[0] for part in name.split("-") if part)
        for name in given if name.strip(". ")
    )
    return f"{family} {initials}".strip()


def name_from_text(text: str) -> str:
    """'Berry, Christopher' or 'Berry, C.' (RIS, EndNote) in the short form."""
    family, _, given = text.partition(",")
    # "K.-H." is the initials of a hyphenated name, as "K-H".
    return short_name(family.strip(), given.replace(".", " ").replace(" -", "-").split())


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = clean(" ".join(str(value).split()))
    return text or None


def _problem(file: str, line: int, column: int, message: str, hint: str | None = None,
             code: str = "bibliography-unreadable",
             severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(code, severity, file, line, column, message, hint)


# -- BibTeX and BibLaTeX -----------------------------------------------------------------


def _quiet_bibtexparser() -> None:
    # Its warnings (on logging and on `warnings`) repeat what the failed blocks say, which
    # are reported with their positions.
    logger = logging.getLogger("bibtexparser")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


def _bibtex(text: str, file: str) -> Bibliography:
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock

    _quiet_bibtexparser()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
    out = Bibliography(file)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            out.problems.append(_problem(
                file, line, 1, f"entry key '{block.key}' is used twice in the bibliography",
                "give each entry its own key", code="duplicate-reference-key"))
        else:
            raw = (block.raw or "").strip()
            first = raw.splitlines()[0] if raw else ""
            key = _BROKEN_KEY.match(raw)
            if key:
                out.broken_keys.add(key.group(1))
            out.problems.append(_problem(
                file, line, 1, f"this entry cannot be read as BibTeX: {first[:60]}",
                "check its braces, quotes and commas; the reference manager's export "
                "is read as it is"))
    for index, entry in enumerate(library.entries):
        doi = entry.fields_dict.get("doi") or entry.fields_dict.get("DOI")
        # Keys and DOIs are matched before any decoding: a DOI needs only its escaped
        # underscores and braces undone.
        out.entries.append(Entry(
            key=entry.key, line=(entry.start_line or 0) + 1, column=1,
            doi=normal_doi(_unbraced(str(doi.value).replace("\\_", "_")) or "")
            if doi is not None else None))
        out.undecoded[index] = entry
    return out


def _decode_bibtex(blocks: list[Any]) -> list[Entry]:
    """Entries with their fields decoded: LaTeX escapes, names split into their parts."""
    from bibtexparser import middlewares
    from bibtexparser.library import Library

    _quiet_bibtexparser()
    library = Library(blocks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # LaTeX is decoded with its braces kept, then names split: the braces keep
        # "{World Health Organization}" one name and "{Barnes and Noble, Inc.}" one author
        # (the parser has taken off the field's own), and decoding first keeps "\~{n}"
        # and "\c c" whole. Braces are dropped from each value read (`_unbraced`).
        for middleware in (middlewares.LatexDecodingMiddleware(keep_braced_groups=True),
                           middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()):
            library = middleware.transform(library)
    out: list[Entry] = []
    for entry in library.entries:
        fields = {name.lower(): value.value for name, value in entry.fields_dict.items()}
        doi = _text(fields.get("doi"))
        out.append(Entry(
            key=entry.key,
            line=(entry.start_line or 0) + 1,
            column=1,
            authors=tuple(_bibtex_name(name) for name in fields.get("author", []) or []
                          if not isinstance(name, str)),
            year=year_of(fields.get("year") or fields.get("date") or ""),
            title=_unbraced(fields.get("title")),
            journal=_unbraced(fields.get("journaltitle") or fields.get("journal")),
            doi=normal_doi(doi) if doi else None,
        ))
    return out


def _bibtex_name(parts: Any) -> str:
    family = " ".join([*parts.von, *parts.last])
    # A braced given name ("{J. R.}"), or one joined by ties ("J.~R.", decoded to no-break
    # spaces), holds several names: each gives its initial, as in `name_from_text`.
    given = [name for part in parts.first
             for name in (_unbraced(part) or "").replace(".", " ").replace(" -", "-").split()]
    return short_name(_unbraced(family) or "", given)


def _unbraced(value: object) -> str | None:
    text = _text(value)
    return None if text is None else _text(text.replace("{", "").replace("}", ""))


# -- RIS ----------------------------------------------------------------------------------


def _ris(text: str, file: str) -> Bibliography:
    import rispy

    out = Bibliography(file)
    starts = [text.count("\n", 0, m.start()) + 1 for m in _RIS_START.finditer(text)]
    ends = len(_RIS_END.findall(text))
    if not starts:
        out.problems.append(_problem(
            file, 1, 1, "no RIS record found (a record starts with a 'TY  - ' line)",
            "export the references as RIS again, or name the file by its format"))
        out.readable = False
        return out
    if ends < len(starts):
        # rispy drops a record that never ends; say where instead of losing it silently.
        out.problems.append(_problem(
            file, starts[-1], 1, "the last RIS record has no 'ER  - ' line, so it is cut off",
            "end every record with 'ER  - '"))
    try:
        records = rispy.loads(text)
    except Exception as error:  # rispy raises plain exceptions on lines it cannot read
        out.problems.append(_problem(file, 1, 1, f"cannot be read as RIS: {error}"))
        out.readable = False
        return out
    for line, record in zip(starts, records, strict=False):
        names = [*record.get("authors", []), *record.get("first_authors", [])]
        key = _text(record.get("id")) or _text(record.get("label"))
        doi = _text(record.get("doi"))
        out.entries.append(Entry(
            key=key,
            line=line,
            column=1,
            authors=tuple(name_from_text(n) for n in names if _text(n)),
            year=year_of(record.get("year") or record.get("publication_year")
                         or record.get("date") or ""),
            title=_text(record.get("title") or record.get("primary_title")),
            # The journal's full name before its abbreviation (JO, J2).
            journal=_text(record.get("secondary_title") or record.get("alternate_title3")
                          or record.get("journal_name") or record.get("alternate_title2")),
            doi=normal_doi(doi) if doi else None,
        ))
    return out


# -- CSL-JSON -----------------------------------------------------------------------------


def _csl_json(text: str, file: str) -> Bibliography:
    out = Bibliography(file)
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        out.problems.append(_problem(file, error.lineno, error.colno,
                                     f"cannot be read as CSL-JSON: {error.msg}"))
        out.readable = False
        return out
    if isinstance(items, dict) and isinstance(items.get("items"), list):
        items = items["items"]  # some exports wrap the list
    if not isinstance(items, list):
        out.problems.append(_problem(
            file, 1, 1, "CSL-JSON is a list of items; this file holds something else",
            "export as CSL JSON from the reference manager"))
        out.readable = False
        return out
    places = _item_places(text, len(items))
    for index, item in enumerate(items):
        line, column = places[index] if index < len(places) else (1, 1)
        if not isinstance(item, dict):
            out.problems.append(_problem(file, line, column,
                                         "this CSL-JSON item is not an object"))
            continue
        doi = _text(item.get("DOI"))
        out.entries.append(Entry(
            key=_text(item.get("id")),
            line=line,
            column=column,
            authors=tuple(_csl_name(name) for name in item.get("author") or []
                          if isinstance(name, dict) and _csl_name(name)),
            year=_csl_year(item.get("issued")),
            title=_text(item.get("title")),
            journal=_text(item.get("container-title")),
            doi=normal_doi(doi) if doi else None,
        ))
    return out


def _item_places(text: str, count: int) -> list[tuple[int, int]]:
    """The line and column each top-level item of a JSON list starts at, found by
    decoding the items one by one."""
    decoder = json.JSONDecoder()
    places: list[tuple[int, int]] = []
    at = text.find("[")
    # Lines are counted from the previous item on, so a long file (or a long line, as in
    # minified JSON) costs linear time.
    line, counted, line_start = 1, 0, 0
    while at >= 0 and len(places) < count:
        at = _skip_space(text, at + 1)
        if at >= len(text) or text[at] == "]":
            break
        line += text.count("\n", counted, at)
        line_start = max(line_start, text.rfind("\n", counted, at) + 1)
        counted = at
        places.append((line, at - line_start + 1))
        try:
            _, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            break
        at = _skip_space(text, end)
        if at >= len(text) or text[at] != ",":
            break
    return places


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _csl_name(name: dict[str, Any]) -> str:
    family = _text(name.get("family"))
    if family is None:
        return _text(name.get("literal")) or ""
    particle = _text(name.get("non-dropping-particle"))
    given = (_text(name.get("given")) or "").replace(".", " ").split()
    return short_name(f"{particle} {family}" if particle else family, given)


def _csl_year(issued: object) -> int | None:
    if not isinstance(issued, dict):
        return None
    parts = issued.get("date-parts")
    if isinstance(parts, Sequence) and parts and isinstance(parts[0], Sequence) and parts[0]:
        return year_of(parts[0][0])
    return year_of(issued.get("raw") or issued.get("literal") or "")


# -- reading ------------------------------------------------------------------------------

_READERS: Final = {"bibtex": _bibtex, "ris": _ris, "csl-json": _csl_json}


def parse(data: bytes, file: str, kind: Format) -> Bibliography:
    """The entries of a bibliography file and the problems met reading it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return Bibliography(file, problems=[_problem(
            file, line, column, "the bibliography is not UTF-8 text",
            "export it as UTF-8 (Zotero, JabRef and EndNote can)", code="not-utf8")],
            readable=False)
    found = _READERS[kind](text.replace("\r\n", "\n"), file)
    if kind != "bibtex":  # bibtexparser reports its own duplicates
        seen: set[str] = set()
        for entry in found.entries:
            if entry.key is not None and entry.key in seen:
                found.problems.append(_problem(
                    file, entry.line, entry.column,
                    f"entry key '{entry.key}' is used twice in the bibliography",
                    "give each entry its own key", code="duplicate-reference-key"))
            elif entry.key is not None:
                seen.add(entry.key)
    return found
