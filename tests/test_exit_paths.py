"""Every way a run can end, in a real process: one line on stderr and the documented exit
code (0 ok, 1 problems in the data, 2 usage, 3 could not run, 130 interrupted), never a
traceback, whatever happens to stdout and stderr."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from reviewkit import SMALL_STUDIES, SMALL_THEMES, write_review

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "peersynth" / "example"
COMMAND = [sys.executable, "-m", "peersynth"]


def peersynth(*args: str | Path | bytes, env: dict[str, str] | None = None,
              **options: Any) -> subprocess.CompletedProcess[bytes]:
    """The command in its own process; the cache folder is the test's (conftest)."""
    return subprocess.run([*COMMAND, *map(_arg, args)], capture_output="stdout" not in options
                          and "stderr" not in options, check=False, timeout=60,
                          env={**os.environ, **(env or {})}, **options)


def _arg(value: str | Path | bytes) -> str | bytes:
    return value if isinstance(value, bytes) else str(value)


def in_shell(redirect: str, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
    """The command with a shell redirection, such as `>&-` (stdout closed)."""
    return subprocess.run(["bash", "-c", f'exec "$@" {redirect}', "bash", *COMMAND,
                           *map(str, args)],
                          capture_output=True, check=False, timeout=60)


def lines(stream: bytes) -> list[str]:
    return stream.decode("utf-8", "replace").splitlines()


@pytest.fixture
def review(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    shutil.copytree(EXAMPLE, folder)
    return folder


# stdout that cannot be written: closed, full, or a reader that stopped.


@pytest.mark.parametrize("args", [["tally", "--data", "REVIEW"], ["validate", "REVIEW"],
                                  ["cite", "leadership", "REVIEW"], ["tally", "--help"],
                                  ["--version"]])
def test_stdout_closed_exits_3_with_one_line(review: Path, args: list[str]) -> None:
    # Before: a traceback ('NoneType' object has no attribute 'write'/'flush'), or for
    # help, exit 0 with nothing written.
    result = in_shell(">&-", *(review if arg == "REVIEW" else arg for arg in args))
    assert result.returncode == 3
    assert lines(result.stderr) == [
        "peersynth: cannot write the result: standard output is closed"]


def test_stdout_on_a_full_device_exits_3_with_one_line(review: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "wb") as full:
        result = peersynth("tally", "--data", review, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 3
    assert lines(result.stderr) == [
        "peersynth: cannot write the result: No space left on device"]


def test_help_on_a_full_device_exits_3_with_one_line() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "wb") as full:
        result = peersynth("tally", "--help", stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 3
    assert lines(result.stderr) == [
        "peersynth: cannot write the result: No space left on device"]


def test_a_reader_that_stops_early_ends_with_one_line(review: Path) -> None:
    """`peersynth matrix | head -1`, made certain: the reading end is closed before the
    command writes anything."""
    with subprocess.Popen([*COMMAND, "matrix", "--data", str(review)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=os.environ) as process:
        assert process.stdout is not None
        process.stdout.close()
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 3
    assert lines(stderr) == [
        "peersynth: cannot write the result: the reader stopped before the end "
        "(as `| head` does)"]


# stderr closed: the result is what counts.


def test_stderr_closed_on_a_valid_review_exits_0(review: Path) -> None:
    # Before: exit 1 (writing the summary to a missing stderr failed).
    result = in_shell("2>&-", "validate", review)
    assert result.returncode == 0
    assert result.stdout == b""  # the text report of a valid review is empty
    result = in_shell("2>&-", "tally", "--data", review, "--format", "csv")
    assert result.returncode == 0
    assert b"\neducation-and-training,Education and training,0,12,16,75" in result.stdout


def test_stderr_closed_a_figure_with_a_warning_exits_0(review: Path) -> None:
    # The figure's font lacks the CJK glyphs: its warning has nowhere to go, and is dropped.
    themes = review / "themes.yaml"
    themes.write_text(themes.read_text(encoding="utf-8").replace(
        "label: Role clarity", 'label: "Role \u65e5\u672c clarity"', 1), encoding="utf-8")
    result = in_shell("2>&-", "figure", "tally", review, "--no-cache")
    assert result.returncode == 0
    assert result.stdout.startswith(b"<?xml")


def test_stderr_closed_on_an_invalid_review_still_exits_1(review: Path) -> None:
    (review / "themes.yaml").write_text("themes:\n  - id: x\n    label: X\n"
                                        "    studies: [nobody]\n", encoding="utf-8")
    result = in_shell("2>&-", "validate", review)
    assert result.returncode == 1
    assert b"unknown-study" in result.stdout


# Encodings without the characters: replaced or escaped, never a crash.


@pytest.mark.parametrize(("encoding", "args"), [
    ("ascii", ["tally", "--help"]),
    ("ascii", ["cite", "--help"]),
    ("cp1252", ["cite", "--help"]),
    ("ascii", ["--help"]),
])
def test_help_in_a_narrow_encoding(encoding: str, args: list[str]) -> None:
    # Before: UnicodeEncodeError on the en dash of the help texts.
    result = peersynth(*args, env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert b"Examples" in result.stdout


# ễ is in neither ASCII nor cp1252.
NON_LATIN_THEMES = SMALL_THEMES.replace("label: Stigma", "label: Stigma (Nguyễn)")


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_table_with_characters_the_encoding_lacks(tmp_path: Path, encoding: str) -> None:
    folder = write_review(tmp_path / "review", SMALL_STUDIES, NON_LATIN_THEMES)
    result = peersynth("tally", "--data", folder, env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    assert b"Stigma (Nguy?n)" in result.stdout
    assert result.stdout.decode(encoding)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_diagnostic_with_characters_the_encoding_lacks(tmp_path: Path, encoding: str) -> None:
    themes = SMALL_THEMES.replace("studies: [delta]", "studies: [delta, nguyễn]")
    folder = write_review(tmp_path / "review", SMALL_STUDIES, themes)
    for command in ("validate", "tally"):
        result = peersynth(command, folder if command == "validate" else "--data", *(
            [] if command == "validate" else [folder]), env={"PYTHONIOENCODING": encoding})
        assert result.returncode == 1, result.stderr
        output = result.stdout + result.stderr
        assert b"Traceback" not in output
        assert b"error[" in output
        output.decode(encoding)  # nothing the encoding lacks came out raw


# A folder whose name is not UTF-8.


def test_a_folder_name_that_is_not_utf8(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path) + b"/review-\xff"
    shutil.copytree(EXAMPLE, os.fsdecode(folder))
    # The first run writes the cache entry, the others read it.
    first = peersynth("tally", "--data", folder, "--format", "csv")
    assert first.returncode == 0, first.stderr
    assert b"\neducation-and-training,Education and training,0,12,16,75" in first.stdout
    assert peersynth("tally", "--data", folder, "--format", "csv").stdout == first.stdout
    for command in ("cite", "matrix", "studies"):
        result = peersynth(command, "--data", folder)
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr


# Failures that can happen anywhere: memory, stack, Ctrl-C.

PATCHED_RUN = textwrap.dedent("""\
    import importlib, sys
    module, name, error = sys.argv.pop(1), sys.argv.pop(1), sys.argv.pop(1)
    def fail(*args, **kwargs):
        raise {"memory": MemoryError, "recursion": RecursionError,
               "interrupt": KeyboardInterrupt}[error]()
    setattr(importlib.import_module(module), name, fail)
    from peersynth.cli import main
    main()
""")

MEMORY = "peersynth: ran out of memory; the review is too large to process here"
STACK = "peersynth: ran out of memory: the input nests too deeply to process"
INTERRUPTED = "peersynth: interrupted"


# Inside a command (analysis, the cache; a plain tally reads the coding index) and before
# any command runs (typer's parsing).
@pytest.mark.parametrize(("module", "name", "error", "code", "message"), [
    ("peersynth.analysis", "counted", "memory", 3, MEMORY),
    ("peersynth.cli.common", "cached_index", "memory", 3, MEMORY),
    ("typer.main", "get_command", "memory", 3, MEMORY),
    ("peersynth.analysis", "counted", "recursion", 3, STACK),
    ("typer.main", "get_command", "recursion", 3, STACK),
    ("peersynth.cli.common", "cached_index", "interrupt", 130, INTERRUPTED),
    ("typer.main", "get_command", "interrupt", 130, INTERRUPTED),
    # While the command's module is imported (Ctrl-C during a slow first import).
    ("importlib", "import_module", "interrupt", 130, INTERRUPTED),
    ("importlib", "import_module", "memory", 3, MEMORY),
])
def test_failures_anywhere_end_with_one_line(review: Path, module: str, name: str, error: str,
                                             code: int, message: str) -> None:
    result = subprocess.run([sys.executable, "-c", PATCHED_RUN, module, name, error, "tally",
                             "--data", str(review)], capture_output=True, check=False,
                            timeout=60)
    assert result.returncode == code, result.stderr
    assert lines(result.stderr) == [message]
