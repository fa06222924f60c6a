"""Every module that declares commands is registered by `peersynth.cli.register`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import peersynth.cli

CLI = Path(peersynth.cli.__file__).parent


def test_every_command_module_is_registered() -> None:
    declaring = sorted(path.stem for path in CLI.glob("*.py")
                       if path.stem != "__init__"
                       and ("@app.command" in path.read_text(encoding="utf-8")
                            or ".add_typer(" in path.read_text(encoding="utf-8")))
    assert declaring == sorted(peersynth.cli.COMMAND_MODULES)


def test_register_adds_the_commands_of_every_module() -> None:
    peersynth.cli.register()
    names = {info.name or (info.callback.__name__ if info.callback else "")
             for info in peersynth.cli.app.registered_commands}
    assert {"tally", "audit", "references", "characteristics", "agree"} <= names


def test_each_command_is_mapped_to_the_module_that_registers_it() -> None:
    peersynth.cli.register()
    app = peersynth.cli.app
    found = {(info.name or info.callback.__name__): info.callback.__module__  # type: ignore[union-attr]
             for info in app.registered_commands}
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None
        first = sub.registered_commands[0].callback
        found[group.name or sub.info.name or ""] = first.__module__
    here = {name for name, module in found.items() if module == "peersynth.cli"}
    assert here == set(peersynth.cli._HERE)
    assert {name: f"peersynth.cli.{module}" for name, module in
            peersynth.cli.COMMAND_MODULE.items()} == {
        name: module for name, module in found.items() if name not in here}


def _imported(*argv: str) -> set[str]:
    """The command modules a run of `peersynth ARGV` imports before typer parses."""
    code = ("import sys; from peersynth import cli; cli.register(sys.argv[1:]); "
            "print(' '.join(m for m in sys.modules if m.startswith('peersynth.cli.')))")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                         text=True, check=True).stdout
    return {name.removeprefix("peersynth.cli.") for name in out.split()} - {"common"}


def test_a_run_imports_only_the_module_of_its_command() -> None:
    assert _imported("export", "qdc", "data") == {"exchange"}
    assert _imported("audit", "paper.md", "--format", "json") == {"audit"}
    assert _imported("validate", "data") == set()
    assert _imported("--version") == set()
    # The command list, and a mistyped command's suggestion, need every command.
    assert _imported("--help") == set(peersynth.cli.COMMAND_MODULES)
    assert _imported("talyy") == set(peersynth.cli.COMMAND_MODULES)
    assert _imported() == set(peersynth.cli.COMMAND_MODULES)


def test_a_mistyped_command_is_still_matched_among_all_commands() -> None:
    result = subprocess.run([sys.executable, "-m", "peersynth", "evidense"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Did you mean 'evidence'?" in result.stderr
