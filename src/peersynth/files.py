"""The review files as bytes: where they are, and reading them within the limits.

Kept apart from the YAML reader so that what only needs the bytes (the cache's
look-up) does not import a YAML parser.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

from peersynth.diagnostics import Diagnostic, make
from peersynth.errors import PeersynthError, UsageError

STUDIES_FILE: Final = "studies.yaml"
THEMES_FILE: Final = "themes.yaml"
# Optional: the review's findings and the confidence in each (peersynth.confidence).
FINDINGS_FILE: Final = "findings.yaml"
DATA_ENV: Final = "PEERSYNTH_DATA"

# Aliases may repeat at most this many times the file's own characters, or the floor
# when that is more (anchors for a few repeated notes or country lists stay well under).
ALIAS_TEXT_FACTOR: Final = 8
ALIAS_TEXT_FLOOR: Final = 64 * 1024


def alias_budget(chars: int) -> int:
    """The characters a file of `chars` characters may repeat through aliases."""
    return max(ALIAS_TEXT_FLOOR, ALIAS_TEXT_FACTOR * chars)


def text_yield(size: int) -> int:
    """The most text a file of `size` bytes reads as, its aliases expanded: a bound on
    what anything derived from it (a cached index) can hold."""
    return size + alias_budget(size)


LIMIT_VARIABLES: Final = {
    "max_file_bytes": "PEERSYNTH_MAX_FILE_BYTES",
    "max_depth": "PEERSYNTH_MAX_DEPTH",
    "max_alias_nodes": "PEERSYNTH_MAX_ALIAS_NODES",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one file may cost to read; each breach has its own diagnostic."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_alias_nodes: int = 10_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        values: dict[str, int] = {}
        for name, variable in LIMIT_VARIABLES.items():
            raw = environ.get(variable)
            if raw is None or raw == "":
                continue
            # ASCII digits only: str.isdigit() also accepts '²', which int() refuses.
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
                raise UsageError(f"{variable}={raw!r} is not a positive whole number")
            values[name] = int(raw)
        return cls(**values)


def _too_large(file: str, size: int, limits: Limits) -> list[Diagnostic]:
    return [make("file-too-large", file, 1, 1,
                 f"the file is {size} bytes, over the limit of {limits.max_file_bytes}",
                 "raise PEERSYNTH_MAX_FILE_BYTES if the file is meant to be this large")]


_CHUNK: Final = 1 << 20


def _read_bounded(handle: BinaryIO, expected: int, limit: int) -> bytes:
    """At most `limit` + 1 bytes, allocating only what the file holds: asking for the limit
    in one read would reserve the whole limit up front, however small the file."""
    parts = [handle.read(min(expected, limit) + 1)]
    total = len(parts[0])
    # Only a file that grew since stat() is read on, a chunk at a time, up to the limit.
    while parts[-1] and total <= limit and total > expected:
        part = handle.read(min(_CHUNK, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def _missing(path: Path, file: str) -> PeersynthError:
    """A missing review file, with the next step that fits what the folder holds."""
    folder = path.parent
    if path.name == FINDINGS_FILE:  # optional, so only a link to nothing is missing
        return PeersynthError(f"{file} links to a file that does not exist",
                              "remove the link, or point it at the findings file")
    other = THEMES_FILE if path.name == STUDIES_FILE else STUDIES_FILE
    if (folder / other).exists():
        top = "themes" if path.name == THEMES_FILE else "studies"
        return PeersynthError(
            f"{file} does not exist",
            f"create it with a '{top}:' list beside {other}; `peersynth init NEW-DIR` writes a "
            f"commented template to copy from, and `peersynth schema {top}` shows its fields")
    return PeersynthError(f"{file} does not exist",
                          "run `peersynth init DIR` to start a review, or pass --data DIR")


def read_bytes(path: Path, file: str, limits: Limits) -> bytes | list[Diagnostic]:
    """The file's bytes, never more than the limit: a file-too-large diagnostic instead.

    Only a regular file is read (a symbolic link to one is followed): a device such as
    /dev/zero or a named pipe would never end, or block, so it stops the tool instead
    (PeersynthError), as a missing or unreadable file does.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise PeersynthError(f"{file} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise PeersynthError(f"{file} is not a regular file",
                                 "replace it with the YAML file itself")
        if info.st_size > limits.max_file_bytes:
            return _too_large(file, info.st_size, limits)
        # O_NONBLOCK: should the path be swapped for a named pipe since stat(), open()
        # must not wait for a writer; it changes nothing for a regular file.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            now = os.fstat(handle.fileno())
            if not stat.S_ISREG(now.st_mode):
                raise PeersynthError(f"{file} is not a regular file",
                                     "replace it with the YAML file itself")
            data = _read_bounded(handle, now.st_size, limits.max_file_bytes)
    except FileNotFoundError:
        raise _missing(path, file) from None
    except IsADirectoryError:  # pragma: no cover - a folder is caught by stat() above
        raise PeersynthError(f"{file} is a folder, not a file") from None
    except OSError as exc:
        raise PeersynthError(f"cannot read {file}: {exc.strerror}") from None
    if len(data) > limits.max_file_bytes:  # it grew since stat()
        return _too_large(file, max(len(data), info.st_size), limits)
    return data


def display_name(folder: Path, name: str) -> str:
    """How diagnostics name a review file: by the folder as it was given."""
    return (folder / name).as_posix()


@dataclass(frozen=True, slots=True)
class ReviewFiles:
    """Both files of a review folder as read once: their bytes, or why they could not be
    read (a file-too-large diagnostic). Validation and the cache's key both work from these
    very bytes, so an answer can never be stored under another version's key."""

    folder: Path
    studies: bytes | list[Diagnostic]
    themes: bytes | list[Diagnostic]
    # Other files the review names (its bibliography), by the name it gives, as read:
    # bytes, a file-too-large diagnostic, or why it could not be read.
    extras: dict[str, bytes | list[Diagnostic] | str] = field(default_factory=dict)
    # findings.yaml as read, or None when the folder has none (it is optional).
    findings: bytes | list[Diagnostic] | None = None

    def both(self) -> tuple[bytes, bytes] | None:
        """Both files' bytes, or None when either could not be read within the limits."""
        if isinstance(self.studies, bytes) and isinstance(self.themes, bytes):
            return self.studies, self.themes
        return None

    def extra(self, name: str, shown: str, limits: Limits) -> bytes | list[Diagnostic] | str:
        """The file `name` (relative to the folder) names, read once however often asked:
        its bytes, a file-too-large diagnostic, or why it cannot be read."""
        if name not in self.extras:
            try:
                self.extras[name] = read_bytes(self.folder / name, shown, limits)
            except PeersynthError as error:
                missing = not os.path.lexists(self.folder / name)
                self.extras[name] = f"there is no {shown}" if missing else error.message
        return self.extras[name]


def read_review(folder: Path, limits: Limits) -> ReviewFiles:
    """Read both files of `folder` once. A missing or unreadable folder or file stops the
    tool (PeersynthError, exit 3) with what to do next."""
    if not folder.exists():
        if not folder.is_absolute() and (Path.cwd() / STUDIES_FILE).is_file():
            # Run inside a review folder, where the default ./data is not.
            raise PeersynthError(
                f"review folder {folder.as_posix()} does not exist",
                f"the current folder holds {STUDIES_FILE}: give it as the review folder, "
                "'.' (e.g. `peersynth validate .`), or pass --data DIR")
        raise PeersynthError(f"review folder {folder.as_posix()} does not exist",
                             "pass --data DIR, or create one with `peersynth init DIR`")
    if not folder.is_dir():
        raise PeersynthError(f"{folder.as_posix()} is not a folder",
                             "pass the folder that holds studies.yaml and themes.yaml")
    studies = read_bytes(folder / STUDIES_FILE, display_name(folder, STUDIES_FILE), limits)
    themes = read_bytes(folder / THEMES_FILE, display_name(folder, THEMES_FILE), limits)
    findings = None
    if os.path.lexists(folder / FINDINGS_FILE):  # a broken link is read, and reported
        findings = read_bytes(folder / FINDINGS_FILE, display_name(folder, FINDINGS_FILE),
                              limits)
    return ReviewFiles(folder, studies, themes, findings=findings)
