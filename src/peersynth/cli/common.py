"""What every command shares: the --data option, the stderr console, error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from peersynth.cache import cached_review
from peersynth.errors import PeersynthError
from peersynth.escape import visible
from peersynth.files import DATA_ENV
from peersynth.review import Review

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

NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Read and validate the files even when they are unchanged since the last run "
             "(the cache lives in $PEERSYNTH_CACHE_DIR, else the user's cache folder).",
    ),
]


def say(message: str) -> None:
    """A message for people, on stderr, with any control character it quotes escaped."""
    sys.stderr.write(visible(message) + "\n")


def fail(error: PeersynthError) -> typer.Exit:
    say(f"peersynth: {error.message}")
    if error.hint:
        say(f"  hint: {error.hint}")
    return typer.Exit(error.exit_code)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the tool's own failures into a message and their exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PeersynthError as error:
            raise fail(error) from None

    return wrapper


def load_review(data: Path, *, no_cache: bool = False) -> Review:
    """The validated review, or exit 1 after printing its errors to stderr.

    Unchanged files are read from the cache of validated reviews (`--no-cache` skips it);
    the result, warnings included, is the same either way.
    """
    report = cached_review(data, use_cache=not no_cache)
    for diagnostic in report.diagnostics:
        say(diagnostic.text())
    if report.review is None:
        say(f"{data.as_posix()}: {report.errors} error(s); run `peersynth validate` for the report")
        raise typer.Exit(1)
    return report.review
