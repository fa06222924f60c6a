"""What every command shares: the --data option, the stderr console, error handling."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, Optional, ParamSpec, TypeVar

import typer

from peersynth.cache import cached_index, cached_review
from peersynth.choices import TableFormat
from peersynth.errors import PeersynthError, UsageError
from peersynth.escape import say as say  # the commands import it from here
from peersynth.files import DATA_ENV
from peersynth.review import Review

if TYPE_CHECKING:
    from peersynth.index import CodingIndex
    from peersynth.render import Grid
    from peersynth.report import Report

P = ParamSpec("P")
R = TypeVar("R")

DataOption = Annotated[
    Path,
    typer.Option(
        "--data", "-d",
        envvar=DATA_ENV,
        help="Review folder holding studies.yaml and themes.yaml.",
        show_default=True,
        file_okay=False,
    ),
]
DEFAULT_DATA = Path("data")

FolderArgument = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Argument(metavar="[FOLDER]", help="Review folder; the same as --data, and used "
                   "instead of it when given.", file_okay=False, show_default=False),
]


def pick_folder(folder: Path | None, data: Path) -> Path:
    """The review folder: the argument when given, else --data (or its default)."""
    return folder if folder is not None else data

NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Read and validate the files even when they are unchanged since the last run "
             "(the cache lives in $PEERSYNTH_CACHE_DIR, else the user's cache folder).",
    ),
]


class OutputError(PeersynthError):
    """The result could not be written to stdout (exit 3: the tool could not do its job)."""


OutputOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--output", "-o", metavar="FILE", dir_okay=False, show_default=False,
                 help="Write the result to FILE instead of stdout (needed for --format "
                      "docx); never over an existing file unless --force."),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="With --output: replace FILE if it exists."),
]


def check_output(output: Path | None, *, force: bool, binary: bool) -> None:
    """Refuse before any work is done: a binary result (docx) without --output, and an
    --output file that exists without --force."""
    if binary and output is None:
        raise UsageError("--format docx writes a Word file: give it with --output FILE.docx",
                         "a .docx is binary, so it is never printed to stdout")
    if output is not None and not force and os.path.lexists(output):
        raise _exists(output)


def deliver(result: str | bytes, output: Path | None, *, force: bool) -> None:
    """A result to stdout, or to --output (text as UTF-8); a binary one (docx) only to
    --output, which `check_output` has made sure of."""
    if output is not None:
        write_output(output, result.encode("utf-8") if isinstance(result, str) else result,
                     force=force)
    elif isinstance(result, str):
        emit(result)
    else:
        raise TypeError("a binary result needs --output")


def _exists(path: Path) -> UsageError:
    return UsageError(f"{path.as_posix()} already exists; nothing was written",
                      "add --force to replace it, or choose another --output file")


def write_output(path: Path, data: bytes, *, force: bool) -> None:
    """Write `path` whole or not at all: the bytes go to a temporary file beside it, which
    then takes its name; without `force`, only if no file has that name at that moment
    (a hard link, which unlike os.replace never replaces). Nothing is left behind when
    a write fails."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 less the umask, like any file the user creates (mkstemp would make it private).
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise OutputError(f"cannot write {path.as_posix()}: {error.strerror or error}",
                          "check that its folder exists and can be written") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise _exists(path) from None
            except OSError:  # no hard links here (some network or FAT file systems)
                with open(path, "xb") as stream:
                    stream.write(data)
    except FileExistsError:
        raise _exists(path) from None
    except OSError as error:
        raise OutputError(f"cannot write {path.as_posix()}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


# The --format of the commands that print a table (tally, matrix, studies, characteristics,
# evidence, findings).
FormatOption = Annotated[
    TableFormat,
    typer.Option("--format", "-f",
                 help="table (rich on a terminal, plain text when piped), markdown, csv, "
                      "json, latex (booktabs) or docx (a Word table; needs --output)."),
]


def note(text: str) -> None:
    """A note from a renderer (a table too wide for the terminal, printed plain), on stderr."""
    say(f"peersynth: note: {text}")


def is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def to_terminal(output: Path | None = None) -> bool:
    """Whether the result goes to a terminal: not to --output, nor down a pipe."""
    return output is None and is_terminal()


def word(grid: Grid) -> bytes:
    """A grid as a Word document (python-docx is loaded only here)."""
    from peersynth.render_docx import document

    return document([grid])


def emit(text: str) -> None:
    """Write a result to stdout, even where its encoding lacks a character (an en dash);
    OutputError when it cannot be written."""
    stream = sys.stdout
    if stream is None:  # started with stdout closed (`>&-`)
        raise OutputError("cannot write the result: standard output is closed")
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:
            encoding = stream.encoding or "ascii"
            stream.write(text.encode(encoding, "replace").decode(encoding))
        stream.flush()
    except OSError as error:
        raise _output_error(error) from None


def _output_error(error: OSError) -> OutputError:
    # What is still buffered would fail again at exit: let it go to the null device.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if isinstance(error, BrokenPipeError):
        return OutputError("cannot write the result: the reader stopped before the end "
                           "(as `| head` does)")
    return OutputError(f"cannot write the result: {error.strerror or error}")


# Errors that are no fault of the data or the command line, wherever they happen.
FAILURES: Final = (PeersynthError, KeyboardInterrupt, MemoryError, RecursionError, OSError)
INTERRUPTED: Final = 130  # 128 + SIGINT, as shells report Ctrl-C
_WRITE_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG,
                                  errno.EBADF, getattr(errno, "EDQUOT", errno.ENOSPC)})


Ending = tuple[tuple[str, ...], int]


def ending(error: BaseException) -> Ending:
    """How a run stopped by one of FAILURES ends: the lines for stderr (a message, and for
    the tool's own errors perhaps a hint) and the exit code (docs/format.md). The one place
    that decides this, inside a command and outside it."""
    if isinstance(error, PeersynthError):
        hint = (f"  hint: {error.hint}",) if error.hint else ()
        return (f"peersynth: {error.message}", *hint), error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ("peersynth: interrupted",), INTERRUPTED
    if isinstance(error, RecursionError):
        return ("peersynth: ran out of memory: the input nests too deeply to process",), 3
    if isinstance(error, MemoryError):
        return ("peersynth: ran out of memory; the review is too large to process here",), 3
    if isinstance(error, OSError) and error.filename is None and error.errno in _WRITE_ERRNOS:
        # No file named: a write to stdout that failed outside `emit` (help, by typer).
        return ending(_output_error(error))
    if isinstance(error, OSError):
        where = f": {os.fsdecode(error.filename)}" if error.filename is not None else ""
        return (f"peersynth: {error.strerror or error}{where}",), 3
    raise TypeError(f"not one of FAILURES: {error!r}")


said_interrupted = False


def conclude(found: Ending) -> int:
    """Say how the run ends and return its exit code. Called after the exception is
    gone: a MemoryError's frames hold what filled memory, and saying needs a little."""
    global said_interrupted
    lines, code = found
    for line in lines:
        say(line)
    said_interrupted = said_interrupted or code == INTERRUPTED
    return code


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """End a command that fails with a message and its exit code (see `ending`). Done
    inside the command as well as in main(), because typer turns Ctrl-C and a closed
    pipe into silent exits."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except FAILURES as error:
            found = ending(error)
        raise typer.Exit(conclude(found))

    return wrapper


def load_review(data: Path, *, no_cache: bool = False) -> Review:
    """The validated review, or exit 1 after printing its errors to stderr.

    Unchanged files are read from the cache of validated reviews (`--no-cache` skips it);
    the result, warnings included, is the same either way.
    """
    report = cached_review(data, use_cache=not no_cache)
    _tell(report, data, sound=report.review is not None)
    assert report.review is not None  # _tell exits when it is None
    return report.review


def load_index(data: Path, *, no_cache: bool = False) -> CodingIndex:
    """The coding index of the validated review (`peersynth.index`), for a command that
    needs no more: from the cache, the review's records are not read at all. Exits 1
    after printing the review's errors, as `load_review` does; its warnings are printed
    either way."""
    report, index = cached_index(data, use_cache=not no_cache)
    _tell(report, data, sound=index is not None)
    assert index is not None  # _tell exits when it is None
    return index


def _tell(report: Report, data: Path, *, sound: bool) -> None:
    """Print a report's problems to stderr, and exit 1 unless the review is `sound`."""
    from peersynth.render_diagnostics import more_line

    for diagnostic in report.diagnostics:
        say(diagnostic.text())
    for omitted in report.omitted:  # what the cap on problems shown per file left out
        say(more_line(omitted))
    if not sound:
        where = data.as_posix()
        say(f"{where}: {report.errors} error(s); run `peersynth validate {where}` for the report")
        raise typer.Exit(1)
