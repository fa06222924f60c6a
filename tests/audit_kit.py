"""Shared by the audit tests: the shipped review, the Results section, running the audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import Result

import peersynth.cli.audit  # noqa: F401 - registers the audit command
from reviewkit import DATA, REPO, load, run

RESULTS = REPO / "tests" / "data" / "audit" / "results-section.txt"
RESULTS_TEXT = RESULTS.read_text(encoding="utf-8")
REVIEW = load(DATA)


def audit_cli(*args: str | Path) -> Result:
    return run("audit", *args)


def audit_json(path: Path, *args: str | Path, data: Path = DATA) -> tuple[int, dict[str, Any]]:
    result = audit_cli(path, "--data", data, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)
