"""The review files as bytes: where they are, and reading them within the limits.

Kept apart from the YAML reader so that what only needs the bytes (the cache's
look-up) does not import a YAML parser.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from peersynth.diagnostics import Diagnostic, make
from peersynth.errors import PeersynthError, UsageError

STUDIES_FILE: Final = "studies.yaml"
THEMES_FILE: Final = "themes.yaml"
DATA_ENV: Final = "PEERSYNTH_DATA"


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


def read_bytes(path: Path, file: str, limits: Limits) -> bytes | list[Diagnostic]:
    """The file's bytes, never more than the limit: a file-too-large diagnostic instead.

    Only a regular file is read (a symbolic link to one is followed): a device such as
    /dev/zero or a named pipe would never end, or block, so it stops the tool instead
    (PeersynthError), as a missing or unreadable file does. Anything else that reads a
    review file before validation (a cache, say) should read it through here.
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
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise PeersynthError(f"{file} is not a regular file",
                                     "replace it with the YAML file itself")
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise PeersynthError(f"{file} does not exist",
                             "run `peersynth init DIR` to start a review, or pass --data DIR"
                             ) from None
    except IsADirectoryError:  # pragma: no cover - a folder is caught by stat() above
        raise PeersynthError(f"{file} is a folder, not a file") from None
    except OSError as exc:
        raise PeersynthError(f"cannot read {file}: {exc.strerror}") from None
    if len(data) > limits.max_file_bytes:  # it grew since stat()
        return _too_large(file, max(len(data), info.st_size), limits)
    return data
