"""The command line: parse, call the library, render, exit. The only place typer is used."""

from __future__ import annotations

import gc
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from peersynth import __version__
from peersynth.cli.common import DEFAULT_DATA, DataOption, handles_errors, say
from peersynth.render_diagnostics import ReportFormat, render_report, summary

app = typer.Typer(
    name="peersynth",
    help="Thematic synthesis for systematic reviews: counts and citations from coded YAML.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"peersynth {__version__}")
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
    """


@app.command()
@handles_errors
def validate(
    folder: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(help="Review folder; the same as --data.", file_okay=False,
                       show_default=False),
    ] = None,
    data: DataOption = DEFAULT_DATA,
    strict: Annotated[bool, typer.Option("--strict", help="Make warnings fail (exit 1).")] = False,
    fmt: Annotated[
        Optional[ReportFormat],  # noqa: UP045
        typer.Option("--format", "-f",
                     help="text (file:line:col lines), json, or github annotations; "
                          "github is the default inside GitHub Actions."),
    ] = None,
) -> None:
    """Check both files and every cross-reference; exit 1 if anything is wrong.

    Every problem of both files is reported in one run, sorted by file and position.

    **Examples**

        peersynth validate

        peersynth validate review/ --strict --format json
    """
    if fmt is None:
        fmt = ReportFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" \
            else ReportFormat.text
    from peersynth.validate import validate_folder

    report = validate_folder(folder if folder is not None else data)
    sys.stdout.write(render_report(report, fmt, strict))
    say(summary(report, strict))
    raise typer.Exit(0 if report.passed(strict) else 1)


class SchemaFile(str, Enum):
    studies = "studies"
    themes = "themes"


@app.command()
def schema(
    which: Annotated[
        Optional[SchemaFile],  # noqa: UP045
        typer.Argument(help="studies or themes; both (as one JSON object) when left out."),
    ] = None,
) -> None:
    """Print the JSON Schema of studies.yaml or themes.yaml, for editors and other validators.

    **Examples**

        peersynth schema studies > studies.schema.json

        peersynth schema
    """
    from peersynth.models import StudiesFile, ThemesFile

    schemas = {
        SchemaFile.studies: StudiesFile.model_json_schema(),
        SchemaFile.themes: ThemesFile.model_json_schema(),
    }
    for name, body in schemas.items():
        body["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        body["title"] = f"peersynth {name.value}.yaml"
    out = schemas[which] if which is not None else {
        f"{name.value}.yaml": body for name, body in schemas.items()}
    typer.echo(json.dumps(out, indent=2))


def main() -> None:
    """Entry point of the `peersynth` command."""
    from peersynth.cli import reporting  # noqa: F401 - registers the reporting commands

    # A run builds a review of up to millions of small objects, none in reference cycles,
    # and ends soon after: the cyclic collector would only rescan them again and again
    # (a third of a repeated tally of 10,000 studies went to it).
    gc.disable()
    try:
        app()
        code = 0
    except SystemExit as stop:
        if isinstance(stop.code, int) or stop.code is None:
            code = stop.code or 0
        else:
            say(str(stop.code))
            code = 1
    # End without freeing a large review's objects one by one: that can take seconds,
    # and the process is ending anyway. Output is flushed first; nothing else is pending.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)
