"""The command line: parse, call the library, render, exit. The only place typer is used."""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import io
import json
import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from peersynth import __version__
from peersynth.cli import common
from peersynth.cli.common import (
    DEFAULT_DATA,
    DataOption,
    FolderArgument,
    emit,
    ending,
    handles_errors,
    pick_folder,
    say,
)
from peersynth.render_diagnostics import ReportFormat, render_report, summary

app = typer.Typer(
    name="peersynth",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        emit(f"peersynth {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer reads the annotation at run time
        typer.Option("--version", callback=_version, is_eager=True,
                      help="Print the version and exit."),
    ] = None,
) -> None:
    """Thematic synthesis for systematic reviews: counts and citations from coded YAML.

    The review is a folder (default ./data) with studies.yaml and themes.yaml.

    **Examples**

        peersynth init my-review && peersynth validate my-review

        peersynth tally my-review --by country
    """


@app.command()
@handles_errors
def validate(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    strict: Annotated[bool, typer.Option("--strict", help="Make warnings fail (exit 1).")] = False,
    fmt: Annotated[
        Optional[ReportFormat],  # noqa: UP045
        typer.Option("--format", "-f",
                     help="text (file:line:col lines), json, or github annotations; "
                          "github is the default inside GitHub Actions."),
    ] = None,
    # A literal, not validate.MAX_PROBLEMS: importing that module here would load the
    # schema (pydantic) on every run; a test holds the two equal.
    max_problems: Annotated[
        int,
        typer.Option("--max-problems", min=0, metavar="N",
                     help="Show at most N problems per file (0: all); the summary counts "
                          "them all."),
    ] = 100,
) -> None:
    """Check both files and every cross-reference; exit 1 if anything is wrong.

    Every problem of both files is reported in one run, sorted by file and position.

    **Examples**

        peersynth validate

        peersynth validate review/ --strict --format json

        peersynth validate review/ --max-problems 0
    """
    if fmt is None:
        fmt = ReportFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" \
            else ReportFormat.text
    from peersynth.validate import validate_folder

    report = validate_folder(pick_folder(folder, data), max_problems=max_problems)
    emit(render_report(report, fmt, strict))
    say(summary(report, strict))
    raise typer.Exit(0 if report.passed(strict) else 1)


class SchemaFile(str, Enum):
    studies = "studies"
    themes = "themes"
    findings = "findings"


@app.command()
@handles_errors
def schema(
    which: Annotated[
        Optional[SchemaFile],  # noqa: UP045
        typer.Argument(help="studies, themes or findings; all three (as one JSON object) "
                            "when left out."),
    ] = None,
) -> None:
    """Print the JSON Schema of studies.yaml, themes.yaml or findings.yaml, for editors and
    other validators.

    **Examples**

        peersynth schema studies > studies.schema.json

        peersynth schema findings > findings.schema.json

        peersynth schema
    """
    from peersynth.confidence.models import FindingsFile
    from peersynth.models import StudiesFile, ThemesFile

    schemas = {
        SchemaFile.studies: StudiesFile.model_json_schema(),
        SchemaFile.themes: ThemesFile.model_json_schema(),
        SchemaFile.findings: FindingsFile.model_json_schema(),
    }
    for name, body in schemas.items():
        body["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        body["title"] = f"peersynth {name.value}.yaml"
    out = schemas[which] if which is not None else {
        f"{name.value}.yaml": body for name, body in schemas.items()}
    emit(json.dumps(out, indent=2) + "\n")


# The module under peersynth.cli that registers each command on `app` when imported, so
# that a run imports, and typer builds, only the command it runs. A new command is added
# here, and nowhere else: `main` and anything that runs the commands in-process (the fuzz
# harness's launcher) import them through `register`; a test holds this equal to what
# the modules register.
COMMAND_MODULE: dict[str, str] = {
    "agree": "agree", "audit": "audit", "findings": "confidence", "export": "exchange",
    "import": "exchange", "figure": "figures", "flow": "figures", "references": "references",
    "report": "report", "tally": "reporting", "cite": "reporting", "matrix": "reporting",
    "studies": "reporting", "init": "reporting", "characteristics": "tables",
    "evidence": "tables"}
COMMAND_MODULES: tuple[str, ...] = tuple(sorted(set(COMMAND_MODULE.values())))
_HERE = ("validate", "schema")


def register(argv: list[str] | None = None) -> None:
    """Register the commands on `app` (idempotent: a module is imported once): only the
    one `argv` runs when its first word names a command, none for --version alone, else
    every command, so that the command list, a mistyped command's suggestions and the
    fuzz harness (no argv) see them all."""
    if argv is not None:
        word = next((arg for arg in argv if not arg.startswith("-")), None)
        if word in COMMAND_MODULE:
            importlib.import_module(f"peersynth.cli.{COMMAND_MODULE[word]}")
            return
        if word in _HERE or (word is None and "--version" in argv and "--help" not in argv):
            return
    for name in COMMAND_MODULES:
        importlib.import_module(f"peersynth.cli.{name}")


def main() -> None:
    """Entry point of the `peersynth` command: every way a run ends is one message at most
    and an exit code from docs/format.md, never a traceback (see `common.ending`)."""
    _forgiving_streams()
    # A run builds a review of up to millions of small objects, none in reference cycles,
    # and ends soon after: the cyclic collector would only rescan them again and again
    # (a third of a repeated tally of 10,000 studies went to it).
    gc.disable()
    found: common.Ending | None = None
    try:
        # Inside: a Ctrl-C while a command's module is imported ends as one in the command.
        register(sys.argv[1:])
        app()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
        if not isinstance(stop.code, (int, type(None))):
            say(str(stop.code))
    except common.FAILURES as error:  # outside a command: parsing, help, --version
        found = ending(error)
    if found is not None:
        code = common.conclude(found)
    elif code == common.INTERRUPTED and not common.said_interrupted:
        code = common.conclude(ending(KeyboardInterrupt()))  # typer's silent Exit(130)
    elif code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
        # typer's silent exit 1 for a closed pipe outside a command (help | head).
        code = common.conclude(ending(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    code = _flush(code)
    # End without freeing a large review's objects one by one: that can take seconds,
    # and the process is ending anyway. Output is flushed first; nothing else is pending.
    os._exit(code)


class _ClosedStdout(io.TextIOBase):
    """Stands for a stdout the process started without (`>&-`), so that whatever writes
    to it (a result, typer's help) fails in the one way every write failure is handled."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _forgiving_streams() -> None:
    """Never fail for a character the streams' encoding lacks (PYTHONIOENCODING=ascii):
    results get '?', messages a backslash escape."""
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    for stream, errors in ((sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=errors)


def _flush(code: int) -> int:
    """Flush what is still buffered; output that cannot be written makes a run that
    succeeded exit 3, with its message."""
    failure: OSError | None = None
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as error:
        failure = error
    except ValueError:  # closed meanwhile
        failure = OSError(errno.EIO, "standard output is closed")
    if failure is not None and code == 0:
        code = common.conclude(ending(failure))
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
    return code
