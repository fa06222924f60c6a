"""Reuse the validated review while its files are unchanged: an on-disk cache outside the review.

A reviewer runs `tally` or `cite` many times on the same files, and reading the
YAML is by far the largest cost. After a review validates with no errors, its
records (and any warnings) are written as JSON to the user's cache directory;
the next run whose two files hash the same reads that entry instead.

- Key: the sha256 of both files' bytes, peersynth's version, Python's version,
  the reading limits and the folder (diagnostics name files by the folder given).
  One entry per folder, replaced when the files change, so the cache stays small.
- An entry is JSON, never pickle: a header line, then the body; the header holds
  the key and the sha256 of the body, and an entry that does not match is ignored.
  The body holds the review's records (`peersynth.review`) as JSON, studies as rows
  of their fields, read back without validating them again: they were validated
  when the entry was written, and its checksum shows it is unchanged since.
- Written atomically (a temporary file, then `os.replace`); never into the review
  folder; a cache directory that cannot be read or written only makes runs slower.
- A review with errors is never cached, and the result is always what
  `validate_folder` would return.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import typing
from dataclasses import astuple
from pathlib import Path
from typing import Final

from peersynth import __version__
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.files import (
    STUDIES_FILE,
    THEMES_FILE,
    Limits,
    ReviewFiles,
    display_name,
    read_review,
)
from peersynth.report import Report
from peersynth.review import STUDY_FIELDS, review_from, review_to_json

CACHE_ENV: Final = "PEERSYNTH_CACHE_DIR"
FORMAT: Final = 3
_MAGIC: Final = "peersynth-cache"


def cache_dir(environ: typing.Mapping[str, str] = os.environ) -> Path:
    """$PEERSYNTH_CACHE_DIR, else $XDG_CACHE_HOME/peersynth, else ~/.cache/peersynth."""
    explicit = environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "peersynth"


def content_digest(files: tuple[bytes, bytes], limits: Limits) -> str:
    """What a cached result depends on besides the folder: the bytes, the versions, the limits,
    the order of a study's fields."""
    digest = hashlib.sha256()
    # STUDY_FIELDS: an entry's study rows are read by position.
    for part in (_MAGIC, str(FORMAT), __version__, sys.version, repr(astuple(limits)),
                 repr(STUDY_FIELDS)):
        digest.update(part.encode() + b"\0")
    for data in files:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def entry_path(folder: Path, directory: Path) -> Path:
    """The one entry of this folder, as given and as resolved (diagnostics name the former)."""
    where = f"{folder.as_posix()}\0{folder.resolve().as_posix()}"
    return directory / f"{hashlib.sha256(where.encode()).hexdigest()[:32]}.json"


# Entries.

def _encode(report: Report, digest: str) -> bytes:
    assert report.review is not None
    body = json.dumps({
        "files": list(report.files),
        "diagnostics": [[d.code, d.severity.value, d.file, d.line, d.column, d.message, d.hint]
                        for d in report.diagnostics],
        "review": review_to_json(report.review),
    }, ensure_ascii=False, separators=(",", ":")).encode()
    header = json.dumps({"magic": _MAGIC, "format": FORMAT, "key": digest,
                         "sha256": hashlib.sha256(body).hexdigest()})
    return header.encode() + b"\n" + body


def _decode(raw: bytes, folder: Path, digest: str) -> Report | None:
    """The report an entry holds, or None when it is for other files or is damaged."""
    head, newline, body = raw.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(head)
        if not (isinstance(header, dict) and header.get("magic") == _MAGIC
                and header.get("format") == FORMAT and header.get("key") == digest
                and header.get("sha256") == hashlib.sha256(body).hexdigest()):
            return None
        content = json.loads(body)
        diagnostics = tuple(
            Diagnostic(code, Severity(severity), file, line, column, message, hint)
            for code, severity, file, line, column, message, hint in content["diagnostics"])
        review = review_from(content["review"])
        files = tuple(content["files"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None
    return Report(folder, files, diagnostics, review)


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
    limits = limits or Limits.from_env()
    files = read_review(folder, limits)
    both = files.both() if use_cache else None
    if both is None:
        return _validate(folder, limits, files)
    digest = content_digest(both, limits)
    path = entry_path(folder, directory or cache_dir())
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None
    if raw is not None:
        found = _decode(raw, folder, digest)
        if found is not None and found.files == tuple(
                display_name(folder, name) for name in (STUDIES_FILE, THEMES_FILE)):
            return found
    report = _validate(folder, limits, files)
    if report.review is not None:
        _write(path, _encode(report, digest))
    return report
