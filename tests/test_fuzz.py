"""A short, seeded fuzz run of validation, and the real command on a few mutated reviews.

The long run is `python fuzz/run.py --inputs 100000 --seed 1 --jobs 2`; this is the
same harness over a few hundred inputs, so any change that makes some broken input
crash, lose its position or split a diagnostic shows up in the test suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz import run  # noqa: E402
from fuzz.mutate import MUTATORS, Review, limits_for, mutate, seed_reviews  # noqa: E402
from fuzz.oracle import Finding, check_review  # noqa: E402
from fuzz.run import fuzz, write_review  # noqa: E402

from peersynth.loading import Limits  # noqa: E402
from validation_cases import INVALID, assemble  # noqa: E402

SEED = 20240917
SHORT_RUN = 400
# Kinds of finding known to be open; empty: every finding fails the run.
OPEN: set[str] = set()
DIAGNOSTIC_LINE = re.compile(r"^.+\.yaml:\d+:\d+: (error|warning)\[[a-z0-9-]+\] ", re.M)


@pytest.fixture(scope="module")
def seeds() -> list[Review]:
    return seed_reviews()


def test_every_seed_is_valid(seeds: list[Review], tmp_path: Path) -> None:
    assert len(seeds) >= 5
    for review in seeds:
        write_review(tmp_path, review)
        assert check_review(tmp_path, review.files()) == []


def test_inputs_are_the_same_for_the_same_seed_and_index(seeds: list[Review]) -> None:
    assert mutate(seeds, 7, 42) == mutate(seeds, 7, 42)
    assert mutate(seeds, 7, 42) != mutate(seeds, 7, 43)


def test_every_mutator_runs_on_every_seed(seeds: list[Review]) -> None:
    import random

    rng = random.Random(1)
    for mutator in MUTATORS.values():
        for review in seeds:
            assert isinstance(mutator(rng, review.studies), bytes)
            assert isinstance(mutator(rng, b""), bytes)


def test_short_fuzz_run(seeds: list[Review], tmp_path: Path) -> None:
    """No crash, no position-less error, no wrong exit, over a few hundred inputs."""
    found: dict[int, list[Finding]] = {}
    codes: set[str] = set()
    for index in range(SHORT_RUN):
        review = mutate(seeds, SEED, index)
        write_review(tmp_path, review)
        findings = check_review(tmp_path, review.files(), Limits(**limits_for(SEED, index)),
                                codes)
        findings = [f for f in findings if f.kind not in OPEN]
        if findings:
            found[index] = findings
    assert found == {}, f"replay with: python fuzz/run.py --seed {SEED} --only N; {found}"
    # The inputs reach far past the YAML reader: most checks' codes are produced.
    assert {"yaml-syntax", "not-utf8", "duplicate-key", "yaml-tag", "too-deep",
            "unknown-field", "wrong-type", "missing-field", "unknown-study"} <= codes


@pytest.mark.skipif(sys.platform == "win32", reason="workers are forked")
def test_the_worker_pool_times_out_and_restarts_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(*args: object, **kwargs: object) -> list[Finding]:
        time.sleep(600)
        return []

    monkeypatch.setattr(run, "check_review", hang)  # the forked workers inherit it
    tally = run.fuzz(3, SEED, jobs=2, timeout=0.5, max_rss_mb=4096, save=False,
                     progress=False)
    assert tally.tried == 3
    assert tally.kinds["hang"] == 3


def test_the_worker_pool_runs_inputs(tmp_path: Path) -> None:
    tally = fuzz(20, SEED, jobs=2, timeout=60, max_rss_mb=4096, save=False, progress=False)
    assert tally.tried == 20
    assert {kind for kind in tally.kinds if kind not in OPEN} == set()


def _peersynth() -> list[str]:
    script = Path(sys.executable).parent / "peersynth"
    return [str(script)] if script.exists() else [sys.executable, "-m", "peersynth"]


def _validate(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_peersynth(), "validate", str(folder)], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=120,
                          check=False)


@pytest.mark.parametrize("index", [3, 11, 19, 27, 42, 77, 123, 256])
def test_the_command_on_mutated_reviews(seeds: list[Review], tmp_path: Path,
                                        index: int) -> None:
    write_review(tmp_path, mutate(seeds, SEED, index))
    result = _validate(tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    if result.returncode == 1:
        assert DIAGNOSTIC_LINE.search(result.stdout), result.stdout


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID.glob("fuzz-*")))
def test_the_command_on_each_defect_the_fuzzer_found(tmp_path: Path, case: str) -> None:
    result = _validate(assemble(INVALID / case, tmp_path / case))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert DIAGNOSTIC_LINE.match(result.stdout)


def test_a_line_break_in_a_value_stays_on_one_diagnostic_line(tmp_path: Path) -> None:
    folder = assemble(INVALID / "fuzz-line-break-in-message", tmp_path / "case")
    files = {name: (folder / name).read_bytes() for name in ("studies.yaml", "themes.yaml")}
    assert check_review(folder, files) == []
