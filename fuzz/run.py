"""The long fuzz run of `peersynth validate`: many mutated reviews, each bounded in time and memory.

    python fuzz/run.py --inputs 100000 --seed 1 --jobs 2

Inputs are made by fuzz/mutate.py from the valid reviews; each is validated in a
worker process that is killed after --timeout seconds (a hang) and restarted when
its peak memory passes --max-rss-mb (a memory finding). Every input that crashes,
hangs, runs out of memory, or yields a diagnostic without a real position is saved
under fuzz/crashes/ (not tracked by git) with a note of how to replay it:

    python fuzz/run.py --seed 1 --only 4711

The last line printed is the summary; the exit code is 1 when anything was found.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
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

from fuzz.mutate import ROOT, Review, limits_for, mutate, seed_reviews
from fuzz.oracle import KINDS, Finding, check_review
from peersynth.loading import Limits

Context = multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext
CRASHES = Path(__file__).resolve().parent / "crashes"
KEEP_PER_SIGNATURE = 3


def write_review(folder: Path, review: Review) -> None:
    for name, data in review.files().items():
        (folder / name).write_bytes(data)


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


def run_one(seeds: list[Review], seed: int, index: int, folder: Path) -> Outcome:
    review = mutate(seeds, seed, index)
    write_review(folder, review)
    start = time.perf_counter()
    codes: set[str] = set()
    findings = check_review(folder, review.files(), Limits(**limits_for(seed, index)), codes)
    return Outcome(index, findings, time.perf_counter() - start, _peak_rss_mb(),
                   len(review.studies) + len(review.themes), frozenset(codes))


def _worker(conn: Connection, seed: int, max_rss_mb: int) -> None:
    """Validate the inputs the parent sends, one at a time, until told to stop."""
    # A hard ceiling on the address space, so a runaway input fails here, not the host.
    limit = max_rss_mb * 4 * 2**20
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seeds = seed_reviews()
    folder = Path(tempfile.mkdtemp(prefix="peersynth-fuzz-", dir=_scratch()))
    try:
        while True:
            index = conn.recv()
            if index is None:
                return
            outcome = run_one(seeds, seed, index, folder)
            if outcome.rss_mb > max_rss_mb:
                outcome.findings.append(Finding(
                    "memory", f"peak RSS {outcome.rss_mb:.0f} MB over {max_rss_mb} MB"))
            conn.send(outcome)
            if outcome.rss_mb > max_rss_mb:
                return  # a fresh worker, so the next input starts from a small peak
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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

    def add(self, outcome: Outcome, seeds: list[Review], seed: int, save: bool) -> None:
        self.tried += 1
        self.slowest = max(self.slowest, (outcome.seconds, outcome.index))
        self.peak_rss_mb = max(self.peak_rss_mb, outcome.rss_mb)
        self.largest = max(self.largest, outcome.size)
        self.codes.update(outcome.codes)
        for finding in outcome.findings:
            self.kinds[finding.kind] += 1
            self.signatures[finding.signature] += 1
            if save and self.signatures[finding.signature] <= KEEP_PER_SIGNATURE:
                save_finding(seeds, seed, outcome.index, finding)

    def line(self, seconds: float) -> str:
        found = ", ".join(f"{self.kinds[kind]} {kind}" for kind in KINDS)
        return (f"fuzz: {self.tried} inputs tried; found: {found} "
                f"(position = error without a real file position); "
                f"slowest input {self.slowest[0]:.2f} s (#{self.slowest[1]}), "
                f"peak worker RSS {self.peak_rss_mb:.0f} MB, largest input "
                f"{self.largest / 2**20:.1f} MB; {len(self.codes)} diagnostic codes reached; "
                f"{seconds:.0f} s")


def save_finding(seeds: list[Review], seed: int, index: int, finding: Finding) -> Path:
    review = mutate(seeds, seed, index)
    folder = CRASHES / f"{finding.kind}-s{seed}-i{index}"
    folder.mkdir(parents=True, exist_ok=True)
    write_review(folder, review)
    (folder / "finding.txt").write_text(
        f"{finding.signature}\n\nreplay: python fuzz/run.py --seed {seed} --only {index}\n"
        f"mutations: {', '.join(review.steps)}\n\n{finding.detail}\n", encoding="utf-8")
    return folder


def _start(ctx: Context, seed: int, max_rss_mb: int) -> Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_worker, args=(child, seed, max_rss_mb), daemon=True)
    process.start()
    child.close()
    return Worker(process, parent)


def _stop(worker: Worker) -> None:
    worker.process.kill()
    worker.process.join()
    worker.conn.close()


def fuzz(inputs: int, seed: int, jobs: int, timeout: float, max_rss_mb: int,
         start: int = 0, save: bool = True, progress: bool = True) -> Tally:
    """Run inputs start..start+inputs-1 of `seed` over `jobs` workers."""
    seeds = seed_reviews()
    ctx: Context = multiprocessing.get_context("fork") \
        if "fork" in multiprocessing.get_all_start_methods() \
        else multiprocessing.get_context("spawn")
    workers = [_start(ctx, seed, max_rss_mb) for _ in range(jobs)]
    pending = iter(range(start, start + inputs))
    tally = Tally()
    began = time.monotonic()
    last_report = began

    def dispatch(worker: Worker) -> None:
        index = next(pending, None)
        worker.index = index
        if index is not None:
            worker.conn.send(index)
            worker.deadline = time.monotonic() + timeout

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
                            workers[number] = worker = _replace(ctx, worker, seed, max_rss_mb)
                        dispatch(worker)
                        continue
                elif now >= worker.deadline:
                    finding = Finding("hang", f"no result within {timeout:g} s")
                else:
                    continue
                tally.add(Outcome(index, [finding], timeout, 0.0, 0), seeds, seed, save)
                _stop(worker)
                workers[number] = worker = _start(ctx, seed, max_rss_mb)
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
             max_rss_mb: int) -> Worker:
    worker.conn.close()
    return _start(ctx, seed, max_rss_mb)


def replay(seed: int, index: int) -> int:
    """Validate one input in this process and print it and what was found."""
    seeds = seed_reviews()
    review = mutate(seeds, seed, index)
    with tempfile.TemporaryDirectory(prefix="peersynth-fuzz-") as tmp:
        folder = Path(tmp)
        write_review(folder, review)
        outcome = run_one(seeds, seed, index, folder)
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
    args = parser.parse_args(argv)
    if args.only is not None:
        return replay(args.seed, args.only)
    began = time.monotonic()
    tally = fuzz(args.inputs, args.seed, args.jobs, args.timeout, args.max_rss_mb,
                 start=args.start)
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
