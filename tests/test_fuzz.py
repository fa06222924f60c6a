"""Short, seeded fuzz runs of validation and of the installed command, and the oracle.

The long runs are `python fuzz/run.py --inputs 100000 --seed 1 --jobs 2` (validation
in-process) and `python fuzz/run.py --mode e2e --inputs 100000 --seed 1 --jobs 2` (the
command end to end; fuzz/README.md). These are the same harness over a few inputs,
so any change that makes some broken input crash, lose its position, split a
diagnostic, print a control character or disagree with its cached run shows up in
the test suite.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz import e2e, run  # noqa: E402
from fuzz.mutate import (  # noqa: E402
    AMPLIFIERS,
    MAX_FILE_BYTES,
    MUTATORS,
    Review,
    limits_for,
    mutate,
    seed_reviews,
)
from fuzz.oracle import (  # noqa: E402
    Finding,
    RunResult,
    cache_stamps,
    check_hit,
    check_review,
    check_run,
    check_variant,
)
from fuzz.run import Mode, fuzz, write_review  # noqa: E402

from peersynth.loading import Limits  # noqa: E402
from validation_cases import INVALID, assemble  # noqa: E402

SEED = 20240917
SHORT_RUN = 400
# Kinds of finding known to be open; empty: every finding fails the run.
OPEN: set[str] = set()
if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")
DIAGNOSTIC_LINE = re.compile(r"^.+\.yaml:\d+:\d+: (error|warning)\[[a-z0-9-]+\] ", re.M)


@pytest.fixture(scope="module")
def seeds() -> list[Review]:
    return seed_reviews()


def test_every_seed_is_valid(seeds: list[Review], tmp_path: Path) -> None:
    assert len(seeds) >= 5
    for review in seeds:
        write_review(tmp_path, review)
        assert check_review(tmp_path, review.files()) == []


def test_findings_yaml_is_fuzzed_where_the_review_has_one(seeds: list[Review],
                                                           tmp_path: Path) -> None:
    with_findings = [review for review in seeds if review.findings is not None]
    assert with_findings
    assert with_findings[0] == seeds[0]  # the shipped review has one
    inputs = [mutate(seeds, SEED, index) for index in range(300)]
    mutated = [r for r in inputs if any(step.endswith(":findings.yaml") for step in r.steps)]
    # About 0.3 of the inputs made from a review with a findings.yaml.
    made_from = [r for r in inputs if r.findings is not None]
    assert 0.15 * len(made_from) < len(mutated) < 0.45 * len(made_from)
    assert any(r.findings != seeds[0].findings for r in mutated)
    # The folder is used again by the next input: a findings.yaml left over is removed.
    write_review(tmp_path, mutated[0])
    assert (tmp_path / "findings.yaml").read_bytes() == mutated[0].findings
    bare = next(r for r in inputs if r.findings is None)
    write_review(tmp_path, bare)
    assert not (tmp_path / "findings.yaml").exists()
    assert bare.size == len(bare.studies) + len(bare.themes)
    assert mutated[0].size == len(mutated[0].studies) + len(mutated[0].themes) + len(
        mutated[0].findings or b"")


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


def amplified(review: Review) -> bool:
    return bool(set(review.steps) & set(AMPLIFIERS))


def test_short_fuzz_run(seeds: list[Review], tmp_path: Path) -> None:
    """No crash, no position-less error, no wrong exit, over a few hundred inputs."""
    found: dict[int, list[Finding]] = {}
    codes: set[str] = set()
    for index in range(SHORT_RUN):
        review = mutate(seeds, SEED, index)
        if amplified(review):
            continue  # run only under the workers' bounds: see the tests of the pools
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
    # Amplified inputs are run by the long runs and, at their smallest, by
    # test_the_worker_pool_bounds_amplified_inputs: none is among these.
    assert not any(amplified(mutate(seed_reviews(), SEED, i)) for i in range(20))
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


# ----------------------------------------------------------------------------- amplifiers


class Smallest(random.Random):
    """Draws the first (the smallest) of every choice an amplifier makes."""

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[0]


def test_every_amplifier_changes_both_files_within_the_size_bound(
        seeds: list[Review]) -> None:
    for name, amplifier in AMPLIFIERS.items():
        for review in seeds:
            studies, themes = amplifier(random.Random(name), review.studies, review.themes)
            assert (studies, themes) != (review.studies, review.themes), name
            assert max(len(studies), len(themes)) <= MAX_FILE_BYTES, name


def test_the_amplifiers_make_what_they_say(seeds: list[Review]) -> None:
    minimal = next(r for r in seeds if b"jones2021" in r.studies and len(r.studies) < 1000)
    studies, themes = AMPLIFIERS["many-unknown-ids"](Smallest(1), minimal.studies,
                                                     minimal.themes)
    assert themes.count(b"zz") == 1_000
    assert studies == minimal.studies
    studies, _ = AMPLIFIERS["huge-vocabulary"](Smallest(1), minimal.studies, minimal.themes)
    assert studies.count(b"-w") == 1_000  # values v0-w ... v999-w
    # Half a million (the smaller choice) items, every one of them in the list.
    studies, themes = AMPLIFIERS["million-items"](Smallest(1), minimal.studies, minimal.themes)
    assert max(studies.count(b"A, "), themes.count(b",a"), themes.count(b"- a\n"),
               studies.count(b",1")) >= 299_999
    # One anchor, the rest aliases of it.
    studies, themes = AMPLIFIERS["alias-long-scalar"](Smallest(0), minimal.studies,
                                                      minimal.themes)
    both = studies + themes
    assert both.count(b"&long") == 1
    assert both.count(b"*long") == 999


def test_the_worker_pool_bounds_amplified_inputs(seeds: list[Review]) -> None:
    """The amplified inputs, each in the end-to-end mode (validate only): bounded in time,
    memory and output, whatever they expand to."""
    found = {}
    with tempfile.TemporaryDirectory(prefix="peersynth-e2e-") as tmp:
        scratch = Path(tmp)
        (scratch / "review").mkdir()
        prepared = e2e.prepare(scratch, "fork")
        try:
            for name, amplifier in AMPLIFIERS.items():
                review = Review(*amplifier(Smallest(0), seeds[0].studies, seeds[0].themes))
                outcome = e2e.run_input(prepared, review, scratch / "review", {},
                                        random.Random(0), count=0)
                assert outcome.runs == 1
                if outcome.findings:
                    found[name] = [f.detail[:300] for f in outcome.findings]
        finally:
            prepared.close()
    assert found == {}


# ----------------------------------------------------------------------------- e2e


def test_the_short_e2e_run_has_no_finding() -> None:
    """Every variant (command, format, cache off/miss/hit) on 10 inputs, over two workers:
    about 1,100 runs of the command, so the suite stays short as commands are added."""
    # None amplified, so that each costs a fraction of a second.
    assert not any(amplified(mutate(seed_reviews(), SEED, i)) for i in range(10))
    tally = fuzz(10, SEED, jobs=2, timeout=60, max_rss_mb=4096, save=False, progress=False,
                 mode=Mode("e2e", sample=None))
    assert tally.tried == 10
    assert tally.runs >= 10 * len(e2e.VARIANTS)
    assert dict(tally.signatures) == {}, \
        f"replay with: python fuzz/run.py --mode e2e --sample all --seed {SEED} --only N"


def _run(command: str = "tally", fmt: str = "table", code: int = 0, stdout: bytes = b"",
         stderr: bytes = b"", **more: object) -> RunResult:
    return RunResult((command, "review", "--format", fmt), {}, code, stdout, stderr,
                     **{"seconds": 0.1, "rss_mb": 50.0, **more})  # type: ignore[arg-type]


def _kinds(run: RunResult, command: str = "tally", fmt: str = "table",
           size: int = 1000) -> list[str]:
    return [f.kind for f in check_run(command, fmt, run, size, True, 10, 1024)]


def test_the_oracle_passes_a_clean_run() -> None:
    assert _kinds(_run(stdout=b"Theme  n/N\nA \xe2\x80\x93 b  1/2\n",
                       stderr=b"peersynth: note: x\n")) == []
    assert _kinds(_run("validate", "github", 1,
                       b"::error file=a,line=1,col=1,title=x::y%0A::z\n"), "validate",
                  "github") == []


@pytest.mark.parametrize("raw", [b"\x1b[31m", b"\x07", b"\t", b"\r", b"\x00", b"\x7f",
                                 "\u0085".encode(), "\u009b".encode(), "\u2028".encode(),
                                 "\u202e".encode(), b"\xff", b"\xed\xa0\x80"])
def test_the_oracle_finds_a_raw_control_character(raw: bytes) -> None:
    assert _kinds(_run(stdout=b"Theme " + raw + b"x\n")) == ["control"]
    assert _kinds(_run(code=1, stderr=b"peersynth: " + raw + b"\n")) == ["control"]


def test_the_oracle_finds_a_workflow_command_outside_validate_github() -> None:
    line = b"A\n::error file=x::boom\n"
    assert _kinds(_run(stdout=line)) == ["workflow"]
    assert _kinds(_run(stdout=b"::warning::x\n")) == ["workflow"]
    assert _kinds(_run("validate", "text", 1, line), "validate", "text") == ["workflow"]
    assert _kinds(_run("validate", "github", 1, stderr=line), "validate", "github") \
        == ["workflow"]
    assert _kinds(_run(stdout=b"a ::error:: in a line\n")) == []


def test_the_oracle_finds_tracebacks_exit_codes_and_bounds() -> None:
    trace = (b'Traceback (most recent call last):\n  File "x.py", line 1, in f\n'
             b"MemoryError\n")
    found = check_run("tally", "json", _run(code=1, stderr=trace), 1000, True, 10, 1024)
    assert [(f.kind, f.signature) for f in found] == [
        ("traceback", 'traceback: MemoryError at File "x.py", line 1, in f')]
    assert _kinds(_run(code=4)) == ["exit-code"]
    assert _kinds(_run(code=130)) == ["exit-code"]
    assert _kinds(_run(code=-11)) == ["crash"]
    assert _kinds(_run(code=-9, timed_out=True)) == ["hang"]
    assert _kinds(_run(seconds=10.5)) == ["hang"]
    assert _kinds(_run(rss_mb=1025.0)) == ["memory"]
    # Time and memory are bounds for inputs within the reading limits only.
    assert check_run("tally", "table", _run(rss_mb=2000.0, seconds=11.0), 1000, False,
                     10, 1024) == []
    # 100 times 1,000 bytes of input plus 1 MiB: 1,148,576 bytes may be printed.
    assert _kinds(_run(stdout=b"x" * 1_148_576)) == []
    assert _kinds(_run(stdout=b"x" * 1_148_000, stderr=b"y" * 577)) == ["output"]
    assert _kinds(_run("matrix", "json", stdout=b"{"), "matrix", "json") == ["render"]


def test_the_oracle_compares_the_cached_runs_and_the_verdicts() -> None:
    off = _run(stdout=b"A 1/2\n")
    assert check_variant("tally", [off, off, off], _run("validate", "json")) == []
    stale = _run(stdout=b"A 2/2\n")
    found = check_variant("tally", [off, off, stale], _run("validate", "json"))
    assert [f.signature for f in found] == ["cache: a cache hit in tally"]
    assert "stdout differs at byte 2" in found[0].detail
    failed = _run(code=1, stderr=b"error\n")
    found = check_variant("tally", [failed, off, off], None)
    assert [f.signature for f in found] == ["cache: a cache miss in tally",
                                            "cache: a cache hit in tally"]
    assert found[0].detail.startswith(
        "a cache miss is not what --no-cache prints: exit code 1 vs 0")
    # Exit 0 on files validate rejects; exit 1 on files it accepts (but cite THEME).
    rejected = _run("validate", "json", 1)
    assert [f.kind for f in check_variant("cite-theme", [off], rejected)] == ["verdict"]
    assert [f.kind for f in check_variant("matrix", [failed], _run("validate", "json"))] \
        == ["verdict"]
    assert check_variant("cite-theme", [failed], _run("validate", "json")) == []
    # audit's 1 is a manuscript that disagrees, agree's a coder's file with errors; on
    # files validate rejects, neither may end in 0.
    for command in ("audit", "agree"):
        assert check_variant(command, [failed], _run("validate", "json")) == []
        assert [f.kind for f in check_variant(command, [off], rejected)] == ["verdict"]


def test_the_oracle_finds_an_entry_the_next_run_refused_and_rewrote(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert cache_stamps(cache) == {}  # no run wrote one
    cache.mkdir()
    entry = cache / "e.json"
    entry.write_bytes(b"written by the miss")
    written = cache_stamps(cache)
    assert list(written) == ["e.json"]
    hit = _run()
    assert check_hit("tally", written, cache_stamps(cache), hit) == []
    # A refused entry is written again, atomically: a new file in its place.
    fresh = cache / "fresh.tmp"
    fresh.write_bytes(b"written by the refusing run")
    os.replace(fresh, entry)
    found = check_hit("tally", written, cache_stamps(cache), hit)
    assert [f.signature for f in found] == ["cache: an entry refused in tally"]
    entry.unlink()
    assert [f.kind for f in check_hit("matrix", written, cache_stamps(cache), hit)] == ["cache"]
    # A run killed at its timeout is a finding of its own, not this one.
    assert check_hit("tally", written, {}, _run(timed_out=True)) == []


def test_the_oracle_lets_audit_print_annotations_and_json_with_findings() -> None:
    line = b"::error file=m.txt,line=3,col=1::12 of 16, not 11\n"
    assert _kinds(_run("audit", "github", 1, line), "audit", "github") == []
    assert _kinds(_run("audit", "text", 1, line), "audit", "text") == ["workflow"]
    assert _kinds(_run("audit", "json", 1, b"{"), "audit", "json") == ["render"]
    assert _kinds(_run("audit", "json", 1, b'{"findings": []}'), "audit", "json") == []


def test_the_second_coder_leaves_out_every_third_block_coding_line_from_the_second() -> None:
    themes = (b"themes:\n  - id: a\n    label: A\n    codings:\n"
              b"      - study: s1\n      - {study: s2}\n      - study: s3\n"
              b"      - study: s4\n    studies: [s5]\n")
    files = e2e.companions(Review(b"studies: []\n", themes))
    # The lines are numbered 0, 1, 2, 3: the one numbered 1 (s2) is left out.
    assert files[e2e.SECOND_CODER] == themes.replace(b"      - {study: s2}\n", b"")
    assert files[e2e.MANUSCRIPT] == (ROOT / "tests/data/audit/results-section.txt").read_bytes()


# ----------------------------------------------------------------------------- launching


@pytest.fixture
def prepared(tmp_path: Path) -> Iterator[e2e.Prepared]:
    ready = e2e.prepare(tmp_path, "fork")
    yield ready
    ready.close()


def _env(tmp_path: Path) -> dict[str, str]:
    return e2e.base_env(tmp_path, {}) | {"PEERSYNTH_CACHE_DIR": str(tmp_path / "cache")}


def test_a_forked_run_prints_what_the_installed_command_prints(seeds: list[Review],
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "review"
    folder.mkdir()
    (tmp_path / "exec").mkdir()
    shell = e2e.prepare(tmp_path / "exec", "exec")
    fork = e2e.prepare(tmp_path, "fork")
    try:
        for index, argv in ((3, ["validate", str(folder)]),
                            (0, ["tally", str(folder), "--format", "markdown", "--no-cache"]),
                            (11, ["cite", "role-clarity", str(folder), "--no-cache"]),
                            (42, ["studies", str(folder), "--format", "json"])):
            review = mutate(seeds, SEED, index) if index else seeds[0]
            write_review(folder, review)
            runs = [e2e.launch(launcher, argv, _env(tmp_path), 60, 2**24)
                    for launcher in (fork, shell)]
            assert (runs[0].code, runs[0].stdout, runs[0].stderr) == \
                (runs[1].code, runs[1].stdout, runs[1].stderr), argv
    finally:
        fork.close()
        shell.close()


def test_a_run_is_killed_at_its_timeout(prepared: e2e.Prepared, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import peersynth.cli

    monkeypatch.setattr(peersynth.cli, "main", lambda: time.sleep(60))  # the child's main
    run = e2e.launch(prepared, ["tally"], _env(tmp_path), 0.5, 2**20)
    assert run.timed_out
    assert run.code == -9
    assert _kinds(run) == ["hang"]


def test_a_run_that_writes_without_end_is_stopped_at_the_cap(
        prepared: e2e.Prepared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import peersynth.cli

    def flood() -> None:
        while True:
            sys.stdout.write("x" * 65536)

    monkeypatch.setattr(peersynth.cli, "main", flood)
    run = e2e.launch(prepared, ["tally"], _env(tmp_path), 30, 2**20)
    # The write past the cap failed (EFBIG) rather than fill the disk: an uncaught
    # OSError, so a traceback and exit 1, and exactly one byte more than the cap.
    assert len(run.stdout) == 2**20 + 1
    assert run.code == 1
    assert b"File too large" in run.stderr
    assert set(_kinds(run, size=0)) == {"output", "traceback"}


def test_a_run_reports_its_peak_memory(prepared: e2e.Prepared, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import peersynth.cli

    def grow() -> None:
        block = bytearray(300 * 2**20)  # zero-filled: every page touched
        os._exit(5 if block else 0)

    monkeypatch.setattr(peersynth.cli, "main", grow)
    run = e2e.launch(prepared, ["tally"], _env(tmp_path), 30, 2**20)
    assert run.rss_mb >= 300
    assert [f.kind for f in check_run("tally", "table", run, 1000, True, 10, 256)] == \
        ["exit-code", "memory"]
