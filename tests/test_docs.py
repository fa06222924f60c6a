"""The generated docs match the code, and the README's promises match .ci/run."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from peersynth.diagnostics import CODES

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "gen_diagnostics.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_diagnostics_page_is_generated_from_the_registry() -> None:
    generator = _generator()
    committed = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert committed == generator.render(), "run: python docs/gen_diagnostics.py"  # type: ignore[attr-defined]


def test_diagnostics_page_documents_every_code_once() -> None:
    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)$", page, flags=re.M)
    assert headings == list(CODES)


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:sh|bash)\n(.*?)```", readme, flags=re.S)
    assert block is not None, "the README opens with a shell block of set-up commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "peersynth validate" in commands[0]
    assert "peersynth tally" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in ci
