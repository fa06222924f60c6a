from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Results must not depend on the caller's terminal, CI provider or cache."""
    for name in list(os.environ):
        if name.startswith("PEERSYNTH_") or name == "GITHUB_ACTIONS":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PEERSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
