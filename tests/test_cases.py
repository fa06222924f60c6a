"""Every example folder: valid ones have no diagnostics, invalid ones exactly those expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from peersynth.diagnostics import CODES
from peersynth.validate import validate_folder
from validation_cases import INVALID, VALID, assemble, case_env, case_names, expected


@pytest.mark.parametrize("name", case_names(VALID))
def test_valid_case_has_no_diagnostics(name: str) -> None:
    report = validate_folder(VALID / name)
    assert [d.text() for d in report.diagnostics] == []
    assert report.review is not None


@pytest.mark.parametrize("name", case_names(INVALID))
def test_invalid_case_gives_expected_diagnostics(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = INVALID / name
    for key, value in case_env(case).items():
        monkeypatch.setenv(key, value)
    folder = assemble(case, tmp_path / name)
    report = validate_folder(folder)
    found = sorted(f"{Path(d.file).name}:{d.line}:{d.column}: {d.code}"
                   for d in report.diagnostics)
    assert found == expected(case)
    for diagnostic in report.diagnostics:
        assert diagnostic.message
        assert diagnostic.severity is CODES[diagnostic.code].severity


def test_there_are_at_least_thirty_invalid_cases() -> None:
    assert len(case_names(INVALID)) >= 30


def test_every_code_has_a_case_named_after_it() -> None:
    missing = [code for code in CODES if not (INVALID / code / "expected.txt").exists()]
    assert missing == []


def test_every_code_case_produces_its_code() -> None:
    for code in CODES:
        assert any(line.endswith(f": {code}") for line in expected(INVALID / code)), code
