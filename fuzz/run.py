"""The long fuzz run: many mutated reviews, each bounded in time and memory.

    python fuzz/run.py --inputs 100000 --seed 1 --jobs 2               # validation, in-process
    python fuzz/run.py --mode e2e --inputs 100000 --seed 1 --jobs 2    # the command, end to end

Inputs are made by fuzz/mutate.py from the valid reviews. In the default mode
(`validate`) each is validated in a worker process that is killed after --timeout
seconds (a hang) and restarted when its peak memory passes --max-rss-mb (a memory
finding). In the `e2e` mode each worker runs the installed command on each input:
`validate --format json`, then --sample variants (command, format, options), each
with and without the cache, every run bounded by --run-timeout seconds and judged
by fuzz/oracle.py; see fuzz/e2e.py and fuzz/README.md (how long a run takes).

Every input that crashes, hangs, runs out of memory, yields a diagnostic without a
real position, or (e2e) prints what no run may print, is saved under fuzz/crashes/
(not tracked by git) with a note of how to replay it:

    python fuzz/run.py --seed 1 --only 4711
    python fuzz/run.py --mode e2e --seed 1 --only 4711

The last line printed is the summary; the exit code is 1 when anything was found.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python fuzz/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz import e2e
from fuzz.mutate import BESIDE, FINDINGS, ROOT, Review, limits_for, mutate, seed_reviews
from fuzz.oracle import KINDS, Finding, check_review
from peersynth.loading import Limits

Context = multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext
CRASHES = Path(__file__).resolve().parent / "crashes"
KEEP_PER_SIGNATURE = 3


@dataclass(frozen=True)
class Mode:
    """What is run on each input: validation in-process, or the command end to end."""

    name: str = "validate"  # or "e2e"
    sample: int | None = e2e.DEFAULT_SAMPLE  # e2e: variants per input; None: all of them
    launcher: e2e.Launcher = "fork"
    run_timeout: float = e2e.RUN_SECONDS

    @property
    def runs(self) -> int:
        """The most runs of the command one input makes (e2e)."""
        count = len(e2e.VARIANTS) if self.sample is None else self.sample
        return 1 + 3 * count

    def deadline(self, timeout: float) -> float:
        """Seconds a worker may take over one input before it counts as hung: in e2e
        mode, on top of the time every run of the input may take before it is killed."""
        return timeout + (self.runs * self.run_timeout if self.name == "e2e" else 0)


VALIDATE = Mode()


def write_review(folder: Path, review: Review) -> None:
    for name, data in {**BESIDE, **review.files()}.items():
        (folder / name).write_bytes(data)
    if review.findings is None:  # not the previous input's, in a folder used again
        (folder / FINDINGS).unlink(missing_ok=True)


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


@dataclass
class Outcome:
    index: int
    findings: list[Finding]
    seconds: float
    rss_mb: float
    size: int
    codes: frozenset[str] = frozenset()
    runs: int = 0  # e2e: runs of the command, and the slowest of them
    slowest_run: float = 0.0


def run_one(seeds: list[Review], seed: int, index: int, folder: Path,
            mode: Mode = VALIDATE, prepared: e2e.Prepared | None = None) -> Outcome:
    review = mutate(seeds, seed, index)
    size = review.size
    start = time.perf_counter()
    if mode.name == "e2e":
        assert prepared is not None
        rng = random.Random(f"e2e:{seed}:{index}")
        result = e2e.run_input(prepared, review, folder, limits_for(seed, index), rng,
                               mode.sample, mode.run_timeout)
        return Outcome(index, result.findings, time.perf_counter() - start,
                       result.peak_rss_mb, size, frozenset(result.codes), result.runs,
                       result.slowest)
    write_review(folder, review)
    codes: set[str] = set()
    findings = check_review(folder, review.files(), Limits(**limits_for(seed, index)), codes)
    return Outcome(index, findings, time.perf_counter() - start, _peak_rss_mb(), size,
                   frozenset(codes))


def _worker(conn: Connection, seed: int, max_rss_mb: int, mode: Mode = VALIDATE) -> None:
    """Run the inputs the parent sends, one at a time, until told to stop."""
    # A hard ceiling on the address space, so a runaway input fails here, not the host.
    limit = max_rss_mb * 4 * 2**20
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seeds = seed_reviews()
    scratch = Path(tempfile.mkdtemp(prefix="peersynth-fuzz-", dir=_scratch()))
    folder = scratch / "review" if mode.name == "e2e" else scratch
    folder.mkdir(exist_ok=True)
    prepared = e2e.prepare(scratch, mode.launcher) if mode.name == "e2e" else None
    try:
        while True:
            index = conn.recv()
            if index is None:
                return
            outcome = run_one(seeds, seed, index, folder, mode, prepared)
            # In e2e mode the runs' memory is judged by the oracle; this worker's own
            # stays small.
            grown = mode.name != "e2e" and outcome.rss_mb > max_rss_mb
            if grown:
                outcome.findings.append(Finding(
                    "memory", f"peak RSS {outcome.rss_mb:.0f} MB over {max_rss_mb} MB"))
            conn.send(outcome)
            if grown:
                return  # a fresh worker, so the next input starts from a small peak
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        if prepared is not None:
            prepared.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _scratch() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


@dataclass
class Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    index: int | None = None
    deadline: float = 0.0


@dataclass
class Tally:
    tried: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    signatures: Counter[str] = field(default_factory=Counter)
    slowest: tuple[float, int] = (0.0, -1)
    peak_rss_mb: float = 0.0
    largest: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    mode: Mode = VALIDATE
    runs: int = 0
    slowest_run: tuple[float, int] = (0.0, -1)

    def add(self, outcome: Outcome, seeds: list[Review], seed: int, save: bool) -> None:
        self.tried += 1
        self.runs += outcome.runs
        self.slowest = max(self.slowest, (outcome.seconds, outcome.index))
        self.slowest_run = max(self.slowest_run, (outcome.slowest_run, outcome.index))
        self.peak_rss_mb = max(self.peak_rss_mb, outcome.rss_mb)
        self.largest = max(self.largest, outcome.size)
        self.codes.update(outcome.codes)
        for finding in outcome.findings:
            self.kinds[finding.kind] += 1
            self.signatures[finding.signature] += 1
            if save and self.signatures[finding.signature] <= KEEP_PER_SIGNATURE:
                save_finding(seeds, seed, outcome.index, finding, self.mode)

    def line(self, seconds: float) -> str:
        kinds = KINDS if self.mode.name == "e2e" else KINDS[:KINDS.index("traceback")]
        found = ", ".join(f"{self.kinds[kind]} {kind}" for kind in kinds)
        if self.mode.name == "e2e":
            return (f"fuzz e2e: {self.tried} inputs tried, {self.runs} runs of the command; "
                    f"found: {found}; slowest run {self.slowest_run[0]:.2f} s "
                    f"(#{self.slowest_run[1]}), peak run RSS {self.peak_rss_mb:.0f} MB, "
                    f"largest input {self.largest / 2**20:.1f} MB; {len(self.codes)} "
                    f"diagnostic codes reached; {seconds:.0f} s")
        return (f"fuzz: {self.tried} inputs tried; found: {found} "
                f"(position = error without a real file position); "
                f"slowest input {self.slowest[0]:.2f} s (#{self.slowest[1]}), "
                f"peak worker RSS {self.peak_rss_mb:.0f} MB, largest input "
                f"{self.largest / 2**20:.1f} MB; {len(self.codes)} diagnostic codes reached; "
                f"{seconds:.0f} s")


def replay_command(seed: int, index: int, mode: Mode = VALIDATE) -> str:
    if mode.name != "e2e":
        return f"python fuzz/run.py --seed {seed} --only {index}"
    sample = "all" if mode.sample is None else mode.sample
    return f"python fuzz/run.py --mode e2e --sample {sample} --seed {seed} --only {index}"


def save_finding(seeds: list[Review], seed: int, index: int, finding: Finding,
                 mode: Mode = VALIDATE) -> Path:
    review = mutate(seeds, seed, index)
    folder = CRASHES / f"{finding.kind}-s{seed}-i{index}"
    folder.mkdir(parents=True, exist_ok=True)
    write_review(folder, review)
    (folder / "finding.txt").write_text(
        f"{finding.signature}\n\nreplay: {replay_command(seed, index, mode)}\n"
        f"mutations: {', '.join(review.steps)}\n"
        f"limits: {limits_for(seed, index) or 'default'}\n\n{finding.detail}\n",
        encoding="utf-8")
    return folder


def _start(ctx: Context, seed: int, max_rss_mb: int, mode: Mode = VALIDATE) -> Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_worker, args=(child, seed, max_rss_mb, mode), daemon=True)
    process.start()
    child.close()
    return Worker(process, parent)


def _stop(worker: Worker) -> None:
    worker.process.kill()
    worker.process.join()
    worker.conn.close()


def fuzz(inputs: int, seed: int, jobs: int, timeout: float, max_rss_mb: int,
         start: int = 0, save: bool = True, progress: bool = True,
         mode: Mode = VALIDATE) -> Tally:
    """Run inputs start..start+inputs-1 of `seed` over `jobs` workers."""
    seeds = seed_reviews()
    ctx: Context = multiprocessing.get_context("fork") \
        if "fork" in multiprocessing.get_all_start_methods() \
        else multiprocessing.get_context("spawn")
    workers = [_start(ctx, seed, max_rss_mb, mode) for _ in range(jobs)]
    pending = iter(range(start, start + inputs))
    tally = Tally(mode=mode)
    deadline = mode.deadline(timeout)
    began = time.monotonic()
    last_report = began

    def dispatch(worker: Worker) -> None:
        index = next(pending, None)
        worker.index = index
        if index is not None:
            worker.conn.send(index)
            worker.deadline = time.monotonic() + deadline

    for worker in workers:
        dispatch(worker)
    try:
        while any(w.index is not None for w in workers):
            busy = [w for w in workers if w.index is not None]
            ready = wait([w.conn for w in busy],
                         timeout=max(0.0, min(w.deadline for w in busy) - time.monotonic()))
            now = time.monotonic()
            for number, worker in enumerate(workers):
                index = worker.index
                if index is None:
                    continue
                finding: Finding | None = None
                if worker.conn in ready:
                    try:
                        outcome: Outcome = worker.conn.recv()
                    except (EOFError, OSError):
                        finding = Finding("crash", f"worker died (exit code "
                                          f"{worker.process.exitcode}): killed or out of memory")
                    else:
                        tally.add(outcome, seeds, seed, save)
                        if not worker.process.is_alive() or any(
                                f.kind == "memory" for f in outcome.findings):
                            worker.process.join()
                            workers[number] = worker = _replace(ctx, worker, seed, max_rss_mb,
                                                                mode)
                        dispatch(worker)
                        continue
                elif now >= worker.deadline:
                    finding = Finding("hang", f"no result within {deadline:g} s")
                else:
                    continue
                tally.add(Outcome(index, [finding], deadline, 0.0, 0), seeds, seed, save)
                _stop(worker)
                workers[number] = worker = _start(ctx, seed, max_rss_mb, mode)
                dispatch(worker)
            if progress and now - last_report > 30:
                last_report = now
                print(tally.line(now - began), file=sys.stderr, flush=True)
    finally:
        for worker in workers:
            if worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                worker.process.join(timeout=5)
                if worker.process.is_alive():
                    _stop(worker)
    return tally


def _replace(ctx: Context, worker: Worker, seed: int,
             max_rss_mb: int, mode: Mode = VALIDATE) -> Worker:
    worker.conn.close()
    return _start(ctx, seed, max_rss_mb, mode)


def replay(seed: int, index: int, mode: Mode = VALIDATE) -> int:
    """Run one input from this process and print it and what was found."""
    seeds = seed_reviews()
    review = mutate(seeds, seed, index)
    with tempfile.TemporaryDirectory(prefix="peersynth-fuzz-") as tmp:
        folder = Path(tmp) / "review"
        folder.mkdir()
        prepared = e2e.prepare(Path(tmp), mode.launcher) if mode.name == "e2e" else None
        try:
            outcome = run_one(seeds, seed, index, folder, mode, prepared)
        finally:
            if prepared is not None:
                prepared.close()
    print(f"input {index} of seed {seed}: {', '.join(review.steps)}; "
          f"limits {limits_for(seed, index) or 'default'}; {outcome.size} bytes, "
          f"{outcome.seconds:.2f} s; codes: {', '.join(sorted(outcome.codes)) or 'none'}")
    for finding in outcome.findings:
        print(f"{finding.kind}: {finding.detail}")
    return 1 if outcome.findings else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="how many inputs to try")
    parser.add_argument("--seed", type=int, default=1, help="the run's seed")
    parser.add_argument("--start", type=int, default=0, help="the first input's number")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds an input may take before it counts as a hang")
    parser.add_argument("--max-rss-mb", type=int, default=1024,
                        help="peak worker memory an input may push it to")
    parser.add_argument("--only", type=int, default=None,
                        help="replay this one input in-process and print its findings")
    parser.add_argument("--mode", choices=("validate", "e2e"), default="validate",
                        help="validate in-process (the default), or run the installed "
                             "command on each input (fuzz/e2e.py)")
    parser.add_argument("--sample", default=str(e2e.DEFAULT_SAMPLE),
                        help="e2e: variants run per input besides the validate baseline, "
                             "or 'all'")
    parser.add_argument("--launcher", choices=("fork", "exec"), default="fork",
                        help="e2e: fork this process for each run (fast), or exec the "
                             "installed script (as from a shell)")
    parser.add_argument("--run-timeout", type=float, default=e2e.RUN_SECONDS,
                        help="e2e: seconds a run may take before it is killed (a hang)")
    args = parser.parse_args(argv)
    if args.sample != "all" and not (args.sample.isdigit() and int(args.sample) > 0):
        parser.error("--sample takes a positive number or 'all'")
    mode = Mode(args.mode, None if args.sample == "all" else int(args.sample), args.launcher,
                args.run_timeout)
    if args.only is not None:
        return replay(args.seed, args.only, mode)
    began = time.monotonic()
    tally = fuzz(args.inputs, args.seed, args.jobs, args.timeout, args.max_rss_mb,
                 start=args.start, mode=mode)
    print("inputs reaching each diagnostic code:")
    for code, count in sorted(tally.codes.items()):
        print(f"  {count:6d}  {code}")
    if tally.signatures:
        print("findings:")
    for signature, count in tally.signatures.most_common():
        print(f"  {count:6d}  {signature}")
    if tally.kinds:
        print(f"saved under {CRASHES.relative_to(ROOT)}/")
    print(tally.line(time.monotonic() - began))
    return 1 if tally.kinds else 0


if __name__ == "__main__":
    sys.exit(main())
