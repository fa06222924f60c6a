"""Reuse the validated review while its files are unchanged: an on-disk cache outside the review.

A reviewer runs `tally` or `cite` many times on the same files, and reading the
YAML is by far the largest cost. After a review validates with no errors, its
records (and any warnings) are written as JSON to the user's cache directory;
the next run whose two files hash the same reads that entry instead.

- Key: the sha256 of both files' bytes, peersynth's version, Python's version,
  the reading limits and the folder (diagnostics name files by the folder given).
  A review that names a bibliography also records the sha256 of the bibliography's
  bytes in the entry; an entry is used only while that file still hashes the same.
  findings.yaml, optional and always at the same name, is part of the key: its bytes,
  or that the folder has none, so adding, changing or removing it is a miss.
  One entry per folder, replaced when the files change, so the cache stays small.
- An entry is JSON, never pickle, in three parts: a header line, a head line, then
  the body. The header holds the key and the sha256 of the other two, and an entry
  that does not match is ignored. The head holds the diagnostics and the coding index
  (`peersynth.index`); the body holds the review's records (`peersynth.review`), studies
  as rows of their fields. A command that needs only the index (`cached_index`: a plain
  tally, numeric citations, the matrix) reads the first two lines and neither reads nor
  hashes the body, so a repeated run costs what the index holds, not the whole review.
- An entry is untrusted input: anyone who can write the cache folder can write a
  well-signed entry. It is read only from a regular file, without waiting on a pipe,
  and never beyond a bound derived from the files' size; every value is checked for
  the type its record declares, studies and themes for unique ids and codings for
  known studies. Any surprise is a miss, and a miss rewrites the entry. The checks
  go column by column with the per-value work in C: about 2.5 ms a thousand studies
  (of ten themes each), where parsing the entry's JSON takes about 3 ms.
- Written atomically (a temporary file, then `os.replace`); never into the review
  folder; a cache directory that cannot be read or written only makes runs slower.
- A review with errors is never cached, and the result is always what
  `validate_folder` would return.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import stat
import sys
import tempfile
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple
from itertools import chain, compress, filterfalse, repeat
from operator import attrgetter, is_, itemgetter
from pathlib import Path
from typing import Any, Final

from peersynth import __version__
from peersynth import review as records
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.files import (
    STUDIES_FILE,
    THEMES_FILE,
    Limits,
    ReviewFiles,
    _read_bounded,
    display_name,
    read_review,
)
from peersynth.index import Bounds, CodingIndex
from peersynth.index import from_json as index_from_json
from peersynth.report import Omitted, Report
from peersynth.review import STUDY_FIELDS, Review, review_from, review_to_json

CACHE_ENV: Final = "PEERSYNTH_CACHE_DIR"
# 4: records cleaned at load, near-duplicate warnings, and the count of problems not shown.
# 5: studies' key, doi and journal, and the review's bibliography.
# 6: the whole PRISMA 2020 flow, sources and reasons as [name, n] pairs.
# 7: findings.yaml (the review's findings_file) and studies' appraisal.
# 8: a head line (diagnostics and the coding index) read without the body (the records).
FORMAT: Final = 8
_MAGIC: Final = "peersynth-cache"


def cache_dir(environ: typing.Mapping[str, str] = os.environ) -> Path:
    """$PEERSYNTH_CACHE_DIR, else $XDG_CACHE_HOME/peersynth, else ~/.cache/peersynth."""
    explicit = environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "peersynth"


def content_digest(files: tuple[bytes, bytes], limits: Limits,
                   findings: bytes | None = None) -> str:
    """What a cached result depends on besides the folder: the bytes (findings.yaml's, or
    that there is none), the versions, the limits, the order of a study's fields."""
    digest = hashlib.sha256()
    # STUDY_FIELDS: an entry's study rows are read by position.
    for part in (_MAGIC, str(FORMAT), __version__, sys.version, repr(astuple(limits)),
                 repr(STUDY_FIELDS)):
        digest.update(part.encode() + b"\0")
    for data in files:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    if findings is not None:  # no findings.yaml adds nothing: no length can be confused
        digest.update(b"findings\0" + len(findings).to_bytes(8, "big"))
        digest.update(findings)
    return digest.hexdigest()


def entry_path(folder: Path, directory: Path) -> Path:
    """The one entry of this folder, as given and as resolved (diagnostics name the former)."""
    # fsencode: a path may hold bytes that are not UTF-8 (they arrive as surrogates).
    where = os.fsencode(f"{folder.as_posix()}\0{folder.resolve().as_posix()}")
    return directory / f"{hashlib.sha256(where).hexdigest()[:32]}.json"


def entry_bound(files: tuple[bytes, ...]) -> int:
    """The most an entry for these files may hold. An entry is usually smaller than the
    YAML; sparse studies (every absent field is a null) and warnings make it larger, so
    the bound is generous. It only has to stop an entry that no review could produce."""
    return 16 * sum(map(len, files)) + (1 << 20)


def _read_entry(path: Path, bound: int, *, whole: bool = True) -> bytes | None:
    """The entry's bytes (without `whole`, only its first two lines: the header and the
    head), or None: missing, not a regular file, or over the bound."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        # O_NONBLOCK: should the entry be swapped for a named pipe since stat(), open()
        # must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            now = os.fstat(handle.fileno())
            if not stat.S_ISREG(now.st_mode) or now.st_size > bound:
                return None
            if whole:
                data = _read_bounded(handle, now.st_size, bound)
            else:
                top = handle.readline(bound + 1)
                data = top + handle.readline(bound + 1 - len(top))
    except OSError:
        return None
    return data if len(data) <= bound else None


# Checking an entry's values. Each check takes every value of one place in the records
# (every study's `ref`, every theme of one level) and says whether all have the declared
# type as JSON gives it back; lists and objects are checked by flattening them, so the
# work per value is set(map(type, ...)) in C and the recursion follows the theme tree's
# depth, not its size.

_Check = Callable[[Sequence[Any]], bool]
_LEAVES: Final[frozenset[type]] = frozenset({str, int, bool, float, type(None)})
# Records review_to_json writes as rows of their fields, in this order (a flow's
# [source, n] parts), where the others are objects.
_AS_ROWS: Final[dict[type, tuple[str, ...]]] = {
    records.FlowPart: tuple(field.name for field in dataclasses.fields(records.FlowPart))}


def _kinds(values: Iterable[Any]) -> set[type]:
    return set(map(type, values))


def _values_check(hint: Any, memo: dict[type, _Check]) -> _Check:
    """The check of `hint`, a record field's type (str, int | None, list[str], a record...)."""
    if hint in _LEAVES:
        kinds = frozenset({hint})
        return lambda values: _kinds(values) <= kinds
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _union_check(typing.get_args(hint), memo)
    if origin is list:
        item_hint = typing.get_args(hint)[0]
        if item_hint in _LEAVES:  # authors, countries: no list of the items is needed
            return lambda values: (_kinds(values) <= {list}
                                   and _kinds(chain.from_iterable(values)) <= {item_hint})
        if item_hint in _AS_ROWS:  # written as rows of their fields, not as objects
            return _rows_check(item_hint, _AS_ROWS[item_hint], memo)
        item = _values_check(item_hint, memo)
        return lambda values: (_kinds(values) <= {list}
                               and item(list(chain.from_iterable(values))))
    if origin is dict:
        key_hint, value_hint = typing.get_args(hint)
        if key_hint is not str:
            raise TypeError(f"no check for {hint!r}")
        # The keys of a JSON object are text: only the values need a look.
        items = _values_check(value_hint, memo)
        return lambda values: (_kinds(values) <= {dict}
                               and items(list(chain.from_iterable(map(dict.values, values)))))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record_check(hint, memo)
    raise TypeError(f"no check for {hint!r}")  # a new kind of field: teach it here


def _union_parts(members: tuple[Any, ...],
                 memo: dict[type, _Check]) -> tuple[frozenset[type], dict[type, _Check]]:
    """A union's leaf types, and the check of each other member by its JSON container
    (a list, or an object): that is how they are told apart."""
    leaves = frozenset(m for m in members if m in _LEAVES)
    by_kind: dict[type, _Check] = {}
    for member in members:
        if member not in _LEAVES:
            kind = dict if dataclasses.is_dataclass(member) else typing.get_origin(member)
            if kind in by_kind or kind not in (list, dict):
                raise TypeError(f"no check for {members!r}")
            by_kind[kind] = _values_check(member, memo)
    return leaves, by_kind


def _union_check(members: tuple[Any, ...], memo: dict[type, _Check]) -> _Check:
    leaves, by_kind = _union_parts(members, memo)

    def check(values: Sequence[Any]) -> bool:
        kinds = _kinds(values)
        others = kinds - leaves
        for kind in others:
            inner = by_kind.get(kind)
            if inner is None:
                return False
            # All of one kind (every study has authors): as they are; else picked out in C.
            if not inner(values if kinds == others else
                         list(compress(values, map(is_, map(type, values), repeat(kind))))):
                return False
        return True
    return check


def _record_check(record: type, memo: dict[type, _Check],
                  overrides: dict[str, _Check] | None = None) -> _Check:
    """A record as a JSON object holding exactly its fields, each of its declared type."""
    if record in memo:
        return memo[record]

    def check(values: Sequence[Any]) -> bool:
        return fields_check(values)
    memo[record] = check  # before its fields: a theme's subthemes are themes
    hints = typing.get_type_hints(record)
    names = tuple(field.name for field in dataclasses.fields(record))
    allowed = frozenset(names)
    columns = [(itemgetter(name), (overrides or {}).get(name) or _values_check(hints[name], memo))
               for name in names]

    def fields_check(values: Sequence[Any]) -> bool:
        # No values: the end of the theme tree. Only field names, and as many as the
        # fields: exactly the fields.
        return not values or (_kinds(values) <= {dict} and set(map(len, values)) <= {len(names)}
                and set(chain.from_iterable(values)) <= allowed
                and all(inner(list(map(get, values))) for get, inner in columns))
    return check


def _rows_check(record: type, names: tuple[str, ...], memo: dict[type, _Check]) -> _Check:
    """Records as rows of their fields in the order `names`, checked column by column."""
    hints = typing.get_type_hints(record)
    columns = [_values_check(hints[name], memo) for name in names]

    def check(tables: Sequence[Any]) -> bool:
        if not _kinds(tables) <= {list}:
            return False
        rows = list(chain.from_iterable(tables))
        if not (_kinds(rows) <= {list} and set(map(len, rows)) <= {len(names)}):
            return False
        # No rows, no columns: zip(*rows) is empty then.
        return all(inner(column)
                   for inner, column in zip(columns, zip(*rows, strict=False), strict=False))
    return check


_DIAGNOSTIC_FIELDS: Final[tuple[Any, ...]] = (str, str, str, int, int, str, str | None)
_OMITTED_FIELDS: Final = tuple(field.name for field in dataclasses.fields(Omitted))
_SOUND_SEVERITIES: Final = frozenset(s.value for s in Severity if s is not Severity.ERROR)


def _codings_check(coding: _Check) -> _Check:
    """The check of every theme's `studies` at one level of the tree: short forms are study
    ids (text), long forms Coding objects."""

    def check(lists: Sequence[Any]) -> bool:
        if not _kinds(lists) <= {list}:
            return False
        # Everything but text, in one pass in C: the long forms, and anything that is
        # neither (JSON text is always exactly str).
        others = list(filterfalse(str.__instancecheck__, chain.from_iterable(lists)))
        return _kinds(others) <= {dict} and coding(others)
    return check


def _sound_body() -> Callable[[Any, Any], bool]:
    """The check of an entry's head (its index aside, which `peersynth.index.from_json`
    checks) and, when read, its body: every value of the declared type."""
    memo: dict[type, _Check] = {}
    if typing.get_type_hints(records.Theme)["studies"] != list[str | records.Coding]:
        raise TypeError("a theme's studies changed type: teach _codings_check")
    _record_check(records.Theme, memo, {"studies": _codings_check(
        _record_check(records.Coding, memo))})
    studies = _rows_check(records.Study, STUDY_FIELDS, memo)
    _record_check(records.StudiesFile, memo, {"studies": studies})
    review = _record_check(Review, memo)
    files = _values_check(list[str], memo)
    diagnostic = [_values_check(hint, memo) for hint in _DIAGNOSTIC_FIELDS]
    omitted = _rows_check(Omitted, _OMITTED_FIELDS, memo)

    def sound(head: Any, body: Any) -> bool:
        if not (type(head) is dict
                and head.keys() == {"files", "diagnostics", "omitted", "index"}
                and files([head["files"]]) and omitted([head["omitted"]])):
            return False
        if body is not None and not (type(body) is dict and body.keys() == {"review"}
                                     and review([body["review"]])):
            return False
        rows = head["diagnostics"]
        if not (type(rows) is list and _kinds(rows) <= {list}
                and set(map(len, rows)) <= {len(diagnostic)}):
            return False
        columns = list(zip(*rows, strict=True))
        return (all(inner(column) for inner, column in zip(diagnostic, columns, strict=False))
                and (not columns or set(columns[1]) <= _SOUND_SEVERITIES))
    return sound


_sound: Callable[[Any, Any], bool] | None = None


def _consistent(review: Review) -> bool:
    """What validation guarantees and the reports rely on: unique study and theme ids,
    and codings of known studies only. Checked on the records, not the JSON, without
    working out a theme's set of studies or its roll-up that the command may not need
    (the counts come from the index)."""
    themes = [theme for theme, _ in review.themes_file.walk()]
    known = set(map(attrgetter("id"), review.studies))
    # Short forms and long forms' studies, each picked out in C, no set built per theme.
    short, study_of = str.__instancecheck__, attrgetter("study")
    return (len(known) == len(review.studies)
            and len({theme.id for theme in themes}) == len(themes)
            and all(known.issuperset(filter(short, theme.studies))
                    and known.issuperset(map(study_of, filterfalse(short, theme.studies)))
                    for theme in themes))


def _indexes(index: CodingIndex, review: Review) -> bool:
    """Whether `index` is of `review`'s studies and themes, in their order, each theme
    with as many codings as its places: a study coded twice to one theme (which
    validation refuses) would have a report print its row once a coding."""
    themes = [theme for theme, _ in review.themes_file.walk()]
    return (index.ids == tuple(study.id for study in review.in_reference_order)
            and [theme.id for theme in index.themes] == [theme.id for theme in themes]
            and [len(theme.direct) for theme in index.themes]
            == [len(theme.studies) for theme in themes])


def _encode(report: Report, digest: str) -> bytes:
    assert report.review is not None
    # surrogatepass: a folder name with bytes that are not UTF-8 arrives as surrogates;
    # json.loads reads such bytes back as they were.
    head = json.dumps({
        "files": list(report.files),
        "diagnostics": [[d.code, d.severity.value, d.file, d.line, d.column, d.message, d.hint]
                        for d in report.diagnostics],
        "omitted": [list(astuple(o)) for o in report.omitted],
        "index": report.review.index.to_json(),
    }, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    body = json.dumps({"review": review_to_json(report.review)}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8", "surrogatepass")
    header = json.dumps({"magic": _MAGIC, "format": FORMAT, "key": digest,
                         "head": hashlib.sha256(head).hexdigest(),
                         "sha256": hashlib.sha256(body).hexdigest(),
                         "extras": [list(pair) for pair in report.extras]})
    # JSON written compactly holds no newline: each part is one line, the body the rest.
    return header.encode() + b"\n" + head + b"\n" + body


def _decode(raw: bytes, folder: Path, digest: str, bounds: Bounds,
            extra_bytes: Callable[[Sequence[str]], int | None], *, whole: bool = True
            ) -> tuple[Report, CodingIndex | None] | None:
    """The report an entry holds and, when not `whole`, its index instead of its review
    (whose own index is then the stored one, not built again); None when it is for other
    files, damaged, or holds anything validation could not have produced. Without `whole`
    the body (the review's records) is neither hashed nor read. `extra_bytes`: the size of
    the other files (the bibliography) the entry names, None when one cannot be read."""
    global _sound
    # The lines found, the body neither copied nor decoded until it is needed: a large
    # review's body is megabytes.
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1) if first >= 0 else -1
    if second < 0:
        return None
    top, head_line, body = raw[:first], raw[first + 1:second], memoryview(raw)[second + 1:]
    try:
        header = json.loads(top)
        if not (isinstance(header, dict) and header.get("magic") == _MAGIC
                and header.get("format") == FORMAT and header.get("key") == digest
                and header.get("head") == hashlib.sha256(head_line).hexdigest()
                and (not whole or header.get("sha256") == hashlib.sha256(body).hexdigest())):
            return None
        extras = header.get("extras")
        if not (type(extras) is list and all(
                type(pair) is list and len(pair) == 2 and all(type(x) is str for x in pair)
                for pair in extras)):
            return None
        more = extra_bytes([name for name, _ in extras])
        if more is None:
            return None
        bounds = dataclasses.replace(bounds, extra_bytes=more)
        head = json.loads(head_line)
        # As json.loads decodes bytes, without copying them first.
        content = json.loads(str(body, "utf-8", "surrogatepass")) if whole else None
        if _sound is None:
            _sound = _sound_body()
        if not _sound(head, content):
            return None
        diagnostics = tuple(
            Diagnostic(code, Severity(severity), file, line, column, message, hint)
            for code, severity, file, line, column, message, hint in head["diagnostics"])
        omitted = tuple(Omitted(*row) for row in head["omitted"])
        review: Review | None = None
        index = index_from_json(head["index"], bounds)
        if index is None:
            return None
        if content is not None:
            review = review_from(content["review"])
            if not (_consistent(review) and _indexes(index, review)):
                return None
            # The review's index, as its cached_property would hold it: not built again.
            vars(review)["index"] = index
            index = None
        files = tuple(head["files"])
    # RecursionError: JSON nested deeper than the parser goes.
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    if any(o.errors for o in omitted):  # a review with errors is never cached
        return None
    return Report(folder, files, diagnostics, review, omitted,
                  tuple((name, sha) for name, sha in extras)), index


def _extras_unchanged(report: Report, files: ReviewFiles, limits: Limits) -> bool:
    """Whether every other file the entry was made with (the bibliography) still has the
    bytes it had. They are read into `files`, so a miss validates these very bytes."""
    for name, sha in report.extras:
        data = files.extra(name, display_name(files.folder, name), limits)
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != sha:
            return False
    return True


def _write(path: Path, data: bytes) -> None:
    """Replace the entry atomically; a cache that cannot be written is left alone."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _validate(folder: Path, limits: Limits, files: ReviewFiles) -> Report:
    # Imported here: a run answered from the cache never needs the YAML reader.
    from peersynth.validate import validate_folder as validate

    return validate(folder, limits, files)


def cached_review(folder: Path, *, use_cache: bool = True, limits: Limits | None = None,
                  directory: Path | None = None) -> Report:
    """The same report as `validate_folder(folder)`, from the cache when the files are unchanged.

    The files are read once: the key is the hash of the very bytes that are validated, so
    an entry can only ever hold the report of the bytes its key names, however the files
    change during a run. `use_cache=False` neither reads nor writes the cache. `directory`
    defaults to `cache_dir()`. Raises what `validate_folder` raises (PeersynthError) for a
    folder or file that is missing or unreadable.
    """
    return _lookup(folder, use_cache, limits, directory, whole=True)[0]


def cached_index(folder: Path, *, use_cache: bool = True, limits: Limits | None = None,
                 directory: Path | None = None) -> tuple[Report, CodingIndex | None]:
    """The report and the coding index of `folder`, for a command that needs no more than
    the index (a plain tally, numeric citations, the matrix): from the cache, only the
    entry's head is read, and the report holds no review. From validation (a miss), the
    report holds the review and the index is derived from it. The index is None exactly
    when the review has errors."""
    report, index = _lookup(folder, use_cache, limits, directory, whole=False)
    if index is None and report.review is not None:
        index = report.review.index
    return report, index


def _lookup(folder: Path, use_cache: bool, limits: Limits | None, directory: Path | None,
            *, whole: bool) -> tuple[Report, CodingIndex | None]:
    limits = limits or Limits.from_env()
    files = read_review(folder, limits)
    both = files.both() if use_cache else None
    # findings.yaml over the size limit: an error, never cached.
    if both is None or isinstance(files.findings, list):
        return _validate(folder, limits, files), None
    digest = content_digest(both, limits, files.findings)
    path = entry_path(folder, directory or cache_dir())
    bound = entry_bound((*both, files.findings or b""))
    raw = _read_entry(path, bound, whole=whole)
    if raw is not None:
        bounds = Bounds(len(both[0]), len(both[1]), limits.max_depth)

        def extra_bytes(names: Sequence[str]) -> int | None:
            # Read into `files` as _extras_unchanged reads them: once, each file counted
            # once however often the header names it.
            read = [files.extra(name, display_name(folder, name), limits)
                    for name in dict.fromkeys(names)]
            return sum(map(len, read)) if all(type(data) is bytes for data in read) else None
        found = _decode(raw, folder, digest, bounds, extra_bytes, whole=whole)
        if found is not None and found[0].files == tuple(
                display_name(folder, name) for name in (STUDIES_FILE, THEMES_FILE)) \
                and _extras_unchanged(found[0], files, limits):
            return found
    report = _validate(folder, limits, files)
    if report.review is not None:
        entry = _encode(report, digest)
        # An entry over the bound would never be read: do not write it.
        if len(entry) <= bound:
            _write(path, entry)
    return report, None
