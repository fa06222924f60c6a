"""Every module that declares commands is registered by `peersynth.cli.register`."""

from __future__ import annotations

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
