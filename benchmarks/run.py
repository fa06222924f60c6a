"""Time peersynth against the floors and its peers, whole processes, and write a markdown table.

    .venv/bin/python benchmarks/run.py                      # sizes 16,1000,10000,50000
    .venv/bin/python benchmarks/run.py --sizes 16,1000 --rounds 5
    .venv/bin/python benchmarks/run.py --sizes 10000 --out benchmarks/work/audit.md \
        --only "fair parse floor,peersynth tally (repeat),peersynth audit (repeat)"

Every size is timed in `--rounds` paired rounds (3 unless told), the shipped review in
`--shipped-rounds` (11 unless told: its rows take a fraction of a second each, so more
rounds steady their medians at little cost): a round runs each command once, in the same
order, so that a drift in the machine's speed shifts all of them alike. A row shows the
median wall time and its range over the rounds, and the peak resident memory; a ratio is
worked out per round (the command's time over the floor's time in that same round) and
shown as the median with the range, e.g. "0.78x (0.74-0.83)". Up to 1,000 studies every
command gets one warm-up run first; above that only the commands that read the cache do
(their first run fills it).

The floors, which do what peersynth does apart from peersynth's own work: the fair
parse floor (both files through PyYAML's libyaml C safe loader, the cyclic collector
off, ended with os._exit, as peersynth runs): every ratio's denominator; the
event-stream floor (libyaml's events alone, iterated to the end, same conditions);
`python -c pass`; and, to show the change of floor, the old one: the same C-loader
parse with the collector on and the interpreter's normal teardown. Start-up has its
own rows: `python -c "import typer"` (shipped review) and `peersynth --version`.

The peers: benchmarks/plain_tally.py (the roll-up tally as a 30-line script with the
C loader, the collector off), check-jsonschema with the schemas `peersynth schema`
prints (one process per file, added up) and `yamllint -d relaxed`; the last two are
installed into their own virtual environment under benchmarks/work/ and skipped above
10,000 studies (they take minutes there).

peersynth's rows: validate, a repeated load of the review through the cache, tally
cold and repeated, cite of every theme and matrix (plain text to a pipe-like null
device) with the cache warm; `peersynth audit` of a manuscript (benchmarks/manuscript.py
writes one of 10,000 words for a generated review), `peersynth agree` of two coders
(benchmarks/coders.py writes them) with 1,000 bootstrap resamples, `characteristics`
(Table 1), `cite --style pandoc`, each `peersynth figure` (SVG) and `peersynth report`
(up to 1,000 studies), all with the cache warm; matrix, audit, agree and the figures up
to 10,000 studies. The growth row times validate at the two largest sizes in rounds of
its own, both sizes in every round. A "targets" table at the end lists each target of
the benchmark issue with its measured median and range and whether it is met. `--only`
measures just the rows named, leaving the others out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
PEERS = WORK / "peers"
SHIPPED = ROOT / "src" / "peersynth" / "example"
DEFAULT_SIZES = (16, 1_000, 10_000, 50_000)
BIG = 10_000  # sizes above this skip the peers, the old floor, matrix and the slow reports
WARM_ALL = 1_000  # up to this size every command gets a warm-up run (it is cheap there)
SHIPPED_ROUNDS = 11  # the shipped review's rounds, unless told
X = "\u00d7"  # the multiplication sign of ratios
NONE = "\u2013"  # an en dash: not measured
DASH = "\u2013"  # between the ends of a range

sys.path.insert(0, str(HERE))
from generate import themes_for  # noqa: E402

# Names of the measured commands, as they appear in the table. A name ending in
# "(repeat)" reads the review from the cache, which its warm-up fills.
PASS = "python -c pass"
IMPORT_TYPER = 'python -c "import typer"'
# What typer 0.29 imports to coerce any option of a command (pydantic's TypeAdapter), which
# `--version` never needs and every command does.
IMPORT_ADAPTERS = 'python -c "import typer._adapters"'
VERSION = "peersynth --version"
FLOOR = "fair parse floor"
EVENTS = "event-stream floor"
PARSE = "C-loader parse (old floor: collector on and normal exit)"
PLAIN = "plain-script tally"
VALIDATE = "peersynth validate"
CACHED = "cached load (repeat)"
TALLY_COLD = "peersynth tally (cold)"
TALLY = "peersynth tally (repeat)"
CITE = "peersynth cite of every theme (repeat)"
MATRIX = "peersynth matrix (repeat)"
AUDIT = "peersynth audit (repeat)"
AGREE = "peersynth agree (repeat)"
CHARACTERISTICS = "peersynth characteristics (repeat)"
PANDOC = "peersynth cite --style pandoc (repeat)"
MATPLOTLIB = "matplotlib import"
FIGURE_KINDS = ("flow", "matrix", "tally", "quality", "countries")
FIGURES = tuple(f"peersynth figure {kind} (repeat)" for kind in FIGURE_KINDS)
REPORT = "peersynth report (repeat)"
JSONSCHEMA = "check-jsonschema"
YAMLLINT = "yamllint -d relaxed"
# The growth rows: validate at the two largest sizes, in rounds of their own.
GROWTH = "growth"
# Every row name, in the order of the table: what --only accepts.
ALL_NAMES = (PASS, IMPORT_TYPER, IMPORT_ADAPTERS, VERSION, FLOOR, EVENTS, PARSE, PLAIN,
             VALIDATE, CACHED, TALLY_COLD, TALLY, CITE, MATRIX, CHARACTERISTICS, PANDOC,
             MATPLOTLIB, *FIGURES, REPORT, AUDIT, AGREE, JSONSCHEMA, YAMLLINT, GROWTH)
# The report's page holds Table 1 and the heat map: past this size it is measured no more.
REPORT_MAX = 1_000
# Bootstrap resamples of the agree row (two coders, benchmarks/coders.py writes them).
AGREE_RESAMPLES = 1000
# The manuscript audited: the published Results section for the shipped review, a
# generated one of this many words (benchmarks/manuscript.py) for generated reviews.
AUDIT_WORDS = 10_000
RESULTS_SECTION = ROOT / "tests" / "data" / "audit" / "results-section.txt"

# The floors' programs. Each ends as peersynth does: the collector off from the start
# (peersynth's main turns it off before any work) and os._exit, which skips freeing the
# parsed objects one by one (seconds at 50,000 studies).
FLOOR_CODE = ("import gc, os, sys, yaml\ngc.disable()\nfor name in sys.argv[1:]:\n"
              "    with open(name, 'rb') as f: yaml.load(f, Loader=yaml.CSafeLoader)\n"
              "os._exit(0)")
EVENTS_CODE = ("import gc, os, sys, yaml\ngc.disable()\nfor name in sys.argv[1:]:\n"
               "    with open(name, 'rb') as f:\n"
               "        for _ in yaml.parse(f, Loader=yaml.CSafeLoader): pass\n"
               "os._exit(0)")
PARSE_CODE = ("import sys, yaml\nfor name in sys.argv[1:]:\n"
              "    with open(name, 'rb') as f: yaml.load(f, Loader=yaml.CSafeLoader)")
PLAIN_SCRIPT = HERE / "plain_tally.py"


@dataclass(frozen=True)
class Timing:
    times: tuple[float, ...]  # wall time in each round, in the order of the rounds
    rss_kb: int  # largest peak resident memory of the command's processes
    ok: bool  # every process exited 0 (or 1 for a validator that found problems)

    @property
    def seconds(self) -> float:
        return statistics.median(self.times)

    @property
    def rounds(self) -> int:
        return len(self.times)


@dataclass
class Command:
    name: str
    argvs: list[list[str]]  # run one after the other; times add up
    before: Callable[[], None] | None = None  # run before every timed run (not timed)
    env: dict[str, str] = field(default_factory=dict)


# Children are started by a small helper process, started before the runner grows: on
# Linux a child's peak RSS includes the memory of the process it was forked from.
_SPAWNER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    start = time.perf_counter()
    process = subprocess.Popen(job["argv"], env=job["env"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Spawner:
    """Runs one command line at a time and reports (seconds, peak RSS in kB, exit code)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-I", "-S", "-c", _SPAWNER],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps({"argv": argv, "env": env}) + "\n")
        self.process.stdin.flush()
        seconds, rss, code = json.loads(self.process.stdout.readline())
        return float(seconds), int(rss), int(code)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


_spawner: Spawner | None = None


def run_once(command: Command) -> tuple[float, int, bool]:
    global _spawner
    if _spawner is None:
        _spawner = Spawner()
    if command.before is not None:
        command.before()
    env = {**os.environ, **command.env}
    total = 0.0
    peak = 0
    ok = True
    for argv in command.argvs:
        seconds, rss, code = _spawner.run(argv, env)
        total += seconds
        peak = max(peak, rss)
        ok = ok and code in (0, 1)
    return total, peak, ok


def reads_cache(name: str) -> bool:
    return name.endswith("(repeat)")


def warm_all(command: Command) -> bool:
    return True


def warm_repeats(command: Command) -> bool:
    """Above WARM_ALL studies only the commands that read the cache get a warm-up: their
    first run fills it. Elsewhere a warm-up would cost seconds to minutes per command and
    change little: a run that long hardly depends on what the first run leaves warm."""
    return reads_cache(command.name)


def warmup_for(size: int) -> Callable[[Command], bool]:
    return warm_all if size <= WARM_ALL else warm_repeats


def rounds_for(label: str, rounds: int, shipped_rounds: int) -> int:
    """The paired rounds a size is timed in: the shipped review's own count, never fewer
    than every size gets."""
    return max(rounds, shipped_rounds) if label == "shipped" else rounds


def unknown_names(only: Sequence[str]) -> list[str]:
    """The names in `only` that name no row (a typo, or a row's name before a rename)."""
    return [name for name in only if name not in ALL_NAMES]


def selected(found: Sequence[Command], only: Sequence[str] | None) -> list[Command]:
    """The commands named in `only` (all of them when it is None), in their usual order."""
    return [c for c in found if only is None or c.name in only]


def measure(commands: Sequence[Command], rounds: int, warmup: Callable[[Command], bool],
            progress: Callable[[int], None] | None = None) -> dict[str, Timing]:
    """Time every command in `rounds` rounds that run each command once, in the same
    order, so that a machine that speeds up or slows down during the run shifts every
    command alike, and a ratio worked out within a round compares like with like."""
    for command in commands:
        if warmup(command):
            run_once(command)
    results: dict[str, list[tuple[float, int, bool]]] = {c.name: [] for c in commands}
    for number in range(rounds):
        for command in commands:
            results[command.name].append(run_once(command))
        if progress is not None:
            progress(number + 1)
    return {name: Timing(tuple(r[0] for r in found), max(r[1] for r in found),
                         all(r[2] for r in found))
            for name, found in results.items()}


# Ratios and the table: pure functions of the timings, tested on made-up figures.

Results = dict[str, dict[str, Timing]]  # size label (or GROWTH) -> command name -> timing


@dataclass(frozen=True)
class Spread:
    """A figure worked out in each round: its median, smallest and largest."""

    median: float
    low: float
    high: float
    rounds: int


def spread(values: Sequence[float]) -> Spread | None:
    if not values:
        return None
    return Spread(statistics.median(values), min(values), max(values), len(values))


def per_round(combine: Callable[..., float | None], *timings: Timing | None) -> Spread | None:
    """`combine` applied to the times of the same round of each timing (round i of one with
    round i of the others: they ran minutes apart at most), over every round they share;
    None when a timing is missing or no round gives a figure."""
    present = [t for t in timings if t is not None]
    if len(present) < len(timings):
        return None
    rounds = min(t.rounds for t in present)
    values = [value for i in range(rounds)
              if (value := combine(*(t.times[i] for t in present))) is not None]
    return spread(values)


def _divide(top: float, bottom: float) -> float | None:
    return top / bottom if bottom > 0 else None


def ratio(a: Timing | None, b: Timing | None) -> Spread | None:
    """a's time over b's, round by round."""
    return per_round(_divide, a, b)


def excess(a: Timing | None, start: Timing | None, floor: Timing | None) -> Spread | None:
    """(a - start) / floor, round by round: what a spends beyond its start-up, in floors."""
    return per_round(lambda x, s, f: _divide(x - s, f), a, start, floor)


def over_sum(a: Timing | None, b: Timing | None, c: Timing | None) -> Spread | None:
    """a / (b + c), round by round."""
    return per_round(lambda x, y, z: _divide(x, y + z), a, b, c)


def memory_ratio(a: Timing | None, b: Timing | None) -> Spread | None:
    """Peak memory over peak memory: one figure for all the rounds."""
    if a is None or b is None or b.rss_kb <= 0:
        return None
    value = a.rss_kb / b.rss_kb
    return Spread(value, value, value, 1)


def _number(value: float, like: float) -> str:
    # Two decimals, three when `like` (the median) is below 0.1, where targets such as
    # 0.05x live; a median and its range alike.
    return f"{value:.3f}" if abs(like) < 0.1 else f"{value:.2f}"


def fmt_ratio(value: Spread | None, *, with_range: bool = True) -> str:
    """"0.78x (0.74-0.83)": the median and the range; the median alone over one round."""
    if value is None:
        return NONE
    shown = f"{_number(value.median, value.median)}{X}"
    if with_range and value.rounds > 1:
        shown += f" ({fmt_range(value, sign='')})"
    return shown


def fmt_range(value: Spread | None, sign: str = X) -> str:
    if value is None:
        return NONE
    return (f"{_number(value.low, value.median)}{DASH}{_number(value.high, value.median)}"
            f"{sign}")


@dataclass(frozen=True)
class Target:
    text: str
    value: Spread | None
    limit: float | None  # None: reported, with no target to meet
    at_least: bool = False  # the value must be at least the limit, not at most

    @property
    def met(self) -> bool | None:
        if self.value is None or self.limit is None:
            return None
        median = self.value.median
        return median >= self.limit if self.at_least else median <= self.limit


def _target(found: list[Target], text: str, value: Spread | None, limit: float | None,
            at_least: bool = False) -> None:
    if limit is not None:
        text += f" {'≥' if at_least else '≤'} {limit:g}{X}"
    found.append(Target(text, value, limit, at_least))


def growth_sizes(results: Results) -> list[tuple[int, Timing]]:
    """The growth rows' sizes and timings, smaller size first."""
    prefix = f"{VALIDATE} at "
    rows = [(int(name.removeprefix(prefix)), timing)
            for name, timing in results.get(GROWTH, {}).items() if name.startswith(prefix)]
    return sorted(rows, key=lambda row: row[0])


def growth_name(size: int) -> str:
    return f"{VALIDATE} at {size}"


def targets(results: Results) -> list[Target]:
    """The targets of the benchmark issues, from whatever was measured. Those of the fair
    floors' issue are always listed, a target whose rows were not measured as such (never
    as met or missed); the targets of single commands (audit, figures, ...) appear with
    their rows."""
    found: list[Target] = []
    s = results.get("shipped", {}).get
    _target(found, "shipped review: validate / check-jsonschema (both files)",
            ratio(s(VALIDATE), s(JSONSCHEMA)), 0.4)
    _target(found, "shipped review: repeated tally / peersynth --version",
            ratio(s(TALLY), s(VERSION)), 1.3)
    _target(found, "shipped review: repeated tally / yamllint", ratio(s(TALLY), s(YAMLLINT)),
            1.0)
    _target(found, "shipped review: repeated cite of every theme / yamllint",
            ratio(s(CITE), s(YAMLLINT)), 1.0)
    _target(found, "shipped review: repeated tally / plain-script tally",
            ratio(s(TALLY), s(PLAIN)), None)
    _target(found, "shipped review: peersynth --version / python -c \"import typer\"",
            ratio(s(VERSION), s(IMPORT_TYPER)), None)
    _target(found, f"shipped review: {IMPORT_ADAPTERS} / peersynth --version",
            ratio(s(IMPORT_ADAPTERS), s(VERSION)), None)
    _target(found, f"shipped review: repeated tally / {IMPORT_ADAPTERS}",
            ratio(s(TALLY), s(IMPORT_ADAPTERS)), None)
    big = results.get("10000", {})
    b = big.get
    _target(found, "10,000: validate / fair parse floor", ratio(b(VALIDATE), b(FLOOR)), 0.8)
    _target(found, "10,000: validate / event-stream floor", ratio(b(VALIDATE), b(EVENTS)), 1.6)
    _target(found, "10,000: (repeated tally - peersynth --version) / fair parse floor",
            excess(b(TALLY), b(VERSION), b(FLOOR)), 0.05)
    _target(found, "10,000: repeated tally / fair parse floor", ratio(b(TALLY), b(FLOOR)), None)
    _target(found, f"10,000: (repeated tally - {IMPORT_ADAPTERS}) / fair parse floor",
            excess(b(TALLY), b(IMPORT_ADAPTERS), b(FLOOR)), None)
    _target(found, "10,000: matrix, plain / fair parse floor", ratio(b(MATRIX), b(FLOOR)), 0.5)
    _target(found, "10,000: validate / plain-script tally", ratio(b(VALIDATE), b(PLAIN)), None)
    _target(found, "10,000: validate peak memory / fair parse floor's",
            memory_ratio(b(VALIDATE), b(FLOOR)), 1.3)
    if JSONSCHEMA in big:
        _target(found, "10,000: check-jsonschema / validate (speed-up)",
                ratio(b(JSONSCHEMA), b(VALIDATE)), 5.0, at_least=True)
    if AUDIT in big:
        _target(found, f"10,000: audit of a {AUDIT_WORDS:,}-word manuscript / repeated tally",
                ratio(b(AUDIT), b(TALLY)), 2.0)
    for name in (CHARACTERISTICS, PANDOC):
        if name in big:
            _target(found, f"10,000: {name} / {TALLY}", ratio(b(name), b(TALLY)), 2.0)
    for name in FIGURES:
        if name in big:
            _target(found, f"10,000: {name} / {VALIDATE}", ratio(b(name), b(VALIDATE)), 3.0)
    if AGREE in big:
        _target(found, f"10,000: agree of two coders, {AGREE_RESAMPLES:,} resamples / "
                "validate", ratio(b(AGREE), b(VALIDATE)), 3.0)
    thousand = results.get("1000", {})
    if REPORT in thousand:
        t = thousand.get
        _target(found, f"1,000: {REPORT} / ({VALIDATE} + {MATPLOTLIB})",
                over_sum(t(REPORT), t(VALIDATE), t(MATPLOTLIB)), 2.0)
    huge = results.get("50000", {})
    _target(found, "50,000: repeated cite of every theme / fair parse floor",
            ratio(huge.get(CITE), huge.get(FLOOR)), 0.1)
    # The target is set for 50,000 over 10,000 studies (the files grow 4.98x); the growth
    # between other sizes is reported beside it.
    grown = dict(growth_sizes(results))
    _target(found, "growth: validate at 50,000 / at 10,000",
            ratio(grown.get(50_000), grown.get(10_000)), 5.2)
    if len(grown) == 2 and set(grown) != {10_000, 50_000}:
        small, large = sorted(grown)
        _target(found, f"growth: validate at {large:,} / at {small:,}",
                ratio(grown[large], grown[small]), None)
    return found


def markdown(results: Results, notes: Sequence[str] = ()) -> str:
    lines = [f"| size | command | median | range | {X} fair floor | {X} event stream "
             f"| {X} check-jsonschema | peak RSS | {X} floor RSS | rounds |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, timings in results.items():
        floor = timings.get(FLOOR)
        events = timings.get(EVENTS)
        peer = timings.get(JSONSCHEMA)
        for name, timing in timings.items():
            flag = "" if timing.ok else " (failed)"
            low, high = min(timing.times), max(timing.times)
            lines.append(
                f"| {size} | {name}{flag} | {timing.seconds:.3f} s | {low:.3f}{DASH}{high:.3f} s"
                f" | {fmt_ratio(ratio(timing, floor))} | {fmt_ratio(ratio(timing, events))}"
                f" | {fmt_ratio(ratio(timing, peer))} | {timing.rss_kb / 1024:.0f} MB"
                f" | {fmt_ratio(memory_ratio(timing, floor))} | {timing.rounds} |")
    # Four columns: the median alone in the second, which the README's figures are
    # checked against (tests/test_docs.py).
    lines += ["", "## Targets", "",
              "| target | median | range over rounds | met |", "|---|---:|---:|---|"]
    for target in targets(results):
        if target.value is None:
            verdict = "not measured"
        else:
            verdict = {True: "✓", False: "✗", None: "reported"}[target.met]
        lines.append(f"| {target.text} | {fmt_ratio(target.value, with_range=False)} "
                     f"| {fmt_range(target.value)} | {verdict} |")
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


# Setting up the peers and the data.

def peers_bin(name: str) -> Path:
    return PEERS / "bin" / name


def ensure_peers() -> bool:
    """check-jsonschema and yamllint in their own venv; False when they cannot be installed."""
    if peers_bin("check-jsonschema").exists() and peers_bin("yamllint").exists():
        return True
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(peers_bin("python")), "-m", "pip", "install", "--quiet",
                        "check-jsonschema", "yamllint"], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"peers not installed ({exc}); measuring peersynth only", file=sys.stderr)
        return False
    return True


def peersynth_bin() -> str:
    found = Path(sys.executable).parent / "peersynth"
    return str(found) if found.exists() else shutil.which("peersynth") or "peersynth"


def write_schemas(env: dict[str, str]) -> dict[str, Path]:
    folder = WORK / "schema"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for which in ("studies", "themes"):
        out = subprocess.run([peersynth_bin(), "schema", which], check=True,
                             capture_output=True, env={**os.environ, **env}).stdout
        path = folder / f"{which}.schema.json"
        path.write_bytes(out)
        paths[which] = path
    return paths


def compile_measured(env: dict[str, str]) -> None:
    """Write the bytecode of the peersynth being measured, as installing a wheel does and as
    the peers' installs did: with PYTHONDONTWRITEBYTECODE set, or after an edit, every run
    would otherwise compile its modules again."""
    where = subprocess.run([sys.executable, "-c", "import peersynth; print(peersynth.__file__)"],
                           check=True, capture_output=True, text=True,
                           env={**os.environ, **env}).stdout.strip()
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(where).parent)],
                          check=False, stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        print(f"could not write bytecode under {Path(where).parent}; its modules may be "
              "compiled on every run", file=sys.stderr)


def has_command(name: str, env: dict[str, str]) -> bool:
    done = subprocess.run([peersynth_bin(), name, "--help"], capture_output=True,
                          env={**os.environ, **env})
    return done.returncode == 0


@dataclass(frozen=True)
class Rows:
    """Which of the optional rows a size gets (the measured tree may lack a command)."""

    peers: bool = False
    old_floor: bool = False
    startup: bool = False  # python -c "import typer"
    tally: bool = False
    cite: bool = False
    matrix: bool = False
    manuscript: Path | None = None
    agree: bool = False
    tables: bool = False
    figures: bool = False
    report: bool = False


def commands(folder: Path, env: dict[str, str], schemas: dict[str, Path] | None,
             rows: Rows) -> list[Command]:
    python = sys.executable
    studies, themes = str(folder / "studies.yaml"), str(folder / "themes.yaml")
    cache = WORK / "cache" / folder.name
    cached_env = {**env, "PEERSYNTH_CACHE_DIR": str(cache)}
    peersynth = peersynth_bin()

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    load = ("import sys; from pathlib import Path; from peersynth.cache import cached_review\n"
            "sys.exit(cached_review(Path(sys.argv[1])).review is None)")
    found = [Command(PASS, [[python, "-c", "pass"]])]
    if rows.startup:
        found.append(Command(IMPORT_TYPER, [[python, "-c", "import typer"]], env=env))
    found += [
        Command(IMPORT_ADAPTERS, [[python, "-c", "import typer._adapters"]], env=env),
        Command(VERSION, [[peersynth, "--version"]], env=env),
        Command(FLOOR, [[python, "-c", FLOOR_CODE, studies, themes]]),
        Command(EVENTS, [[python, "-c", EVENTS_CODE, studies, themes]]),
    ]
    if rows.old_floor:
        found.append(Command(PARSE, [[python, "-c", PARSE_CODE, studies, themes]]))
    found += [
        Command(PLAIN, [[python, str(PLAIN_SCRIPT), str(folder)]]),
        Command(VALIDATE, [[peersynth, "validate", str(folder)]], env=env),
        Command(CACHED, [[python, "-c", load, str(folder)]], env=cached_env),
    ]
    if rows.tally:
        found.append(Command(TALLY_COLD, [[peersynth, "tally", "--data", str(folder)]],
                             before=clear_cache, env=cached_env))
        found.append(Command(TALLY, [[peersynth, "tally", "--data", str(folder)]],
                             env=cached_env))
    if rows.cite:
        # No theme named: the citation map of every theme, as a plain table (not a terminal).
        found.append(Command(CITE, [[peersynth, "cite", "--data", str(folder)]],
                             env=cached_env))
    if rows.matrix:
        # Plain text, as when piped: stdout is the null device, not a terminal.
        found.append(Command(MATRIX, [[peersynth, "matrix", "--data", str(folder)]],
                             env=cached_env))
    if rows.tables:
        found.append(Command(CHARACTERISTICS, [[peersynth, "characteristics", "--data",
                                                str(folder)]], env=cached_env))
        found.append(Command(PANDOC, [[peersynth, "cite", "--data", str(folder),
                                       "--style", "pandoc"]], env=cached_env))
    if rows.figures:
        found.append(Command(MATPLOTLIB, [[python, "-c", "import matplotlib.figure, "
                                           "matplotlib.backends.backend_svg"]]))
        for kind, name in zip(FIGURE_KINDS, FIGURES, strict=True):
            # SVG to stdout, which the spawner sends to the null device.
            found.append(Command(name, [[peersynth, "figure", kind, str(folder)]],
                                 env=cached_env))
    if rows.report:
        found.append(Command(REPORT, [[peersynth, "report", str(folder)]], env=cached_env))
    if rows.manuscript is not None:
        # Errors in the manuscript exit 1, which run_once counts as success.
        found.append(Command(AUDIT, [[peersynth, "audit", str(rows.manuscript), "--data",
                                      str(folder)]], env=cached_env))
    if rows.agree:
        found.append(Command(AGREE, [[peersynth, "agree", "--data", str(folder),
                                      "--bootstrap", str(AGREE_RESAMPLES)]], env=cached_env))
    if rows.peers and schemas is not None:
        found.append(Command(JSONSCHEMA, [
            [str(peers_bin("check-jsonschema")), "--schemafile", str(schemas["studies"]), studies],
            [str(peers_bin("check-jsonschema")), "--schemafile", str(schemas["themes"]), themes]]))
        found.append(Command(YAMLLINT, [[str(peers_bin("yamllint")), "-d", "relaxed",
                                         studies, themes]]))
    return found


def growth_commands(plan: Sequence[tuple[str, Path, int]], env: dict[str, str]
                    ) -> list[Command]:
    """validate at the two largest sizes, to be timed in rounds that run both."""
    largest = sorted((size, folder) for _label, folder, size in plan if size > 0)[-2:]
    if len(largest) < 2:
        return []
    return [Command(growth_name(size), [[peersynth_bin(), "validate", str(folder)]], env=env)
            for size, folder in largest]


def versions(env: dict[str, str]) -> str:
    """The versions of the libraries that set start-up time, in the measured environment."""
    code = ("import importlib.metadata as m\n"
            "print(', '.join(f'{n} {m.version(n)}' for n in ('peersynth', 'typer', 'click', "
            "'pydantic', 'rich', 'PyYAML')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env})
    return done.stdout.strip() if done.returncode == 0 else "library versions unknown"


def machine_notes(env: dict[str, str]) -> list[str]:
    import yaml

    return [
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PyYAML {yaml.__version__} with libyaml: {yaml.__with_libyaml__}; {versions(env)}",
    ]


def floor_notes() -> list[str]:
    return [
        f"{FLOOR}: both files through `yaml.load(f, Loader=yaml.CSafeLoader)` with "
        "`gc.disable()` first and `os._exit(0)` last, as peersynth runs: the denominator of "
        f"every {X} fair floor ratio.",
        f"{EVENTS}: libyaml's event stream alone, `for _ in yaml.parse(f, "
        "Loader=yaml.CSafeLoader): pass`, same conditions: the least any reader of YAML "
        "through libyaml from Python can spend.",
        f"{PARSE}: the floor of the earlier tables, the same C-loader parse with the collector "
        f"on and the normal teardown; measured up to {BIG:,} studies, to show the change.",
        f"{PLAIN}: `benchmarks/plain_tally.py`, the roll-up tally in a 30-line script (C loader, "
        "collector off, `os._exit`), no checking.",
        f"{VERSION}: peersynth's start-up (typer and the command-line definition); "
        f"{IMPORT_TYPER} on the shipped review only; {IMPORT_ADAPTERS}: the option coercion "
        "typer 0.29 imports for any command (it brings in pydantic), never for --version.",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated study counts; 'shipped' (the example review) is "
                             "always measured first")
    parser.add_argument("--rounds", "--runs", dest="rounds", type=int, default=3,
                        help="paired rounds per size; each runs every command once (default 3)")
    parser.add_argument("--shipped-rounds", type=int, default=SHIPPED_ROUNDS, metavar="N",
                        help="paired rounds for the shipped review, whose rows take a fraction "
                             f"of a second: more steady its medians (default {SHIPPED_ROUNDS}; "
                             "never fewer than --rounds)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--src", type=Path, default=None,
                        help="measure the peersynth package in this folder instead "
                             "(put first on PYTHONPATH), e.g. a tree with patches applied")
    parser.add_argument("--no-peers", action="store_true", help="skip check-jsonschema, yamllint")
    parser.add_argument("--peers-up-to", type=int, default=BIG, metavar="N",
                        help=f"time the peers only up to N studies (default {BIG:,}; 0: on "
                             "the shipped review only, where they take seconds, not minutes)")
    parser.add_argument("--only", default=None,
                        help="comma-separated command names as the table shows them, e.g. "
                             f"'{FLOOR},{TALLY},{AUDIT}': measure only these rows ('{GROWTH}' "
                             "names the growth rows)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.shipped_rounds < 1:
        parser.error("--shipped-rounds must be at least 1")
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    if only is not None and unknown_names(only):
        parser.error(f"--only: no row is named {', '.join(map(repr, unknown_names(only)))}; "
                     f"the rows: {', '.join(ALL_NAMES)}")
    global _spawner
    _spawner = Spawner()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    env = {"PYTHONPATH": str(args.src.resolve())} if args.src else {}
    wants_peers = only is None or bool({JSONSCHEMA, YAMLLINT} & set(only))
    peers = not args.no_peers and wants_peers and ensure_peers()
    schemas = write_schemas(env) if peers else None
    audit = (only is None or AUDIT in only) and has_command("audit", env)
    agree = (only is None or AGREE in only) and has_command("agree", env)
    found_commands = {name: has_command(name, env) for name in
                      ("tally", "cite", "matrix", "characteristics", "figure", "report")}
    results: Results = {}
    started = time.monotonic()
    load_before = os.getloadavg()
    shown_argv = argv if argv is not None else sys.argv[1:]
    notes = [*machine_notes(env),
             f"`{' '.join(['benchmarks/run.py', *shown_argv])}`: {args.rounds} paired "
             f"round{'' if args.rounds == 1 else 's'} per size "
             f"({rounds_for('shipped', args.rounds, args.shipped_rounds)} for the shipped "
             "review), each running every command once "
             "in the order shown; a ratio is "
             "worked out in each round and shown as the median (smallest to largest) over the "
             f"rounds. A warm-up run first for every command up to {WARM_ALL:,} studies, above "
             f"that for the ones reading the cache only. Above {BIG:,} studies: no peers, no "
             "old floor, no matrix, audit, agree, figures or report.",
             *floor_notes(),
             "check-jsonschema: one process per file (its schemas differ), times added up.",
             f"{CACHED}: `peersynth.cache.cached_review` in a fresh process, cache filled by the "
             "warm-up; every '(repeat)' row reads the review from that cache.",
             f"{CITE}: `peersynth cite` with no theme: the citation map of every theme, plain "
             f"table; {MATRIX}: `peersynth matrix`, plain table. Output goes to the null device, "
             "not a terminal, so both print what they print into a pipe."]
    if not (found_commands["tally"] and found_commands["cite"]):
        notes.append("`peersynth tally`/`cite` not available in the measured tree; the "
                     f"'{CACHED}' row stands in for a repeated tally.")
    if audit:
        notes.append(f"{AUDIT}: `peersynth audit MANUSCRIPT`; the shipped review's manuscript is "
                     "the published Results section, a generated review's a "
                     f"{AUDIT_WORDS:,}-word one written by `benchmarks/manuscript.py`.")
    if agree:
        notes.append(f"{AGREE}: `peersynth agree --bootstrap {AGREE_RESAMPLES}` of two coders; "
                     "the shipped review's are data/coders/, a generated review's written by "
                     "`benchmarks/coders.py` (one as themes.yaml, one with about 4% of codings "
                     "moved).")
    if found_commands["figure"]:
        notes.append(f"peersynth figure KIND (repeat): the SVG to stdout; {MATPLOTLIB}: "
                     "`python -c \"import matplotlib.figure, matplotlib.backends.backend_svg\"`.")
    if found_commands["report"]:
        notes.append(f"{REPORT}: the HTML page to stdout; measured up to {REPORT_MAX:,} studies.")
    if args.src:
        notes.append(f"peersynth measured from {args.src} (PYTHONPATH).")
    plan: list[tuple[str, Path, int]] = [("shipped", SHIPPED, 0)]
    for size in sizes:
        folder = WORK / "reviews" / str(size)
        # In a child process, so that the runner stays small (see Spawner).
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(size), str(folder)],
                       check=True)
        plan.append((str(size), folder, size))
        if agree and size <= BIG:
            subprocess.run([sys.executable, str(HERE / "coders.py"), str(folder)], check=True)
        if audit and size <= BIG:
            subprocess.run([sys.executable, str(HERE / "manuscript.py"), str(folder),
                            "--words", str(AUDIT_WORDS)], check=True, stdout=subprocess.DEVNULL)
    compile_measured(env)
    size_bytes: dict[int, int] = {}
    for label, folder, size in plan:
        big = size > BIG
        manuscript = None
        if audit and not big:
            manuscript = RESULTS_SECTION if label == "shipped" else folder / "manuscript.md"
        with_peers = peers and size <= min(args.peers_up_to, BIG)
        rows = Rows(peers=with_peers, old_floor=not big, startup=label == "shipped",
                    tally=found_commands["tally"], cite=found_commands["cite"],
                    matrix=found_commands["matrix"] and not big, manuscript=manuscript,
                    agree=agree and not big, tables=found_commands["characteristics"],
                    figures=found_commands["figure"] and not big,
                    report=found_commands["report"] and size <= REPORT_MAX)
        found = selected(commands(folder, env, schemas, rows), only)
        size_started = time.monotonic()
        rounds = rounds_for(label, args.rounds, args.shipped_rounds)

        def progress(number: int, label: str = label, since: float = size_started,
                     rounds: int = rounds) -> None:
            print(f"{label:>8}: round {number}/{rounds} done "
                  f"({time.monotonic() - since:.0f} s)", file=sys.stderr, flush=True)

        results[label] = measure(found, rounds, warmup_for(size), progress)
        for name, timing in results[label].items():
            print(f"{label:>8} {name:<40} {timing.seconds:8.3f} s "
                  f"{timing.rss_kb / 1024:7.0f} MB", file=sys.stderr, flush=True)
        sizes_note = "" if label == "shipped" else \
            f" ({size:,} studies, {themes_for(size)} themes)"
        size_bytes[size] = sum(f.stat().st_size for f in (folder / "studies.yaml",
                                                          folder / "themes.yaml"))
        notes.append(f"{label}{sizes_note}: {size_bytes[size] / 1e3:,.0f} kB of YAML")
        args.out.write_text(markdown(results, notes))  # partial results survive an interrupt
    growth = growth_commands(plan, env) if only is None or GROWTH in only else []
    if growth:
        results[GROWTH] = measure(growth, args.rounds, lambda command: False)
        small, large = (size for size, _ in growth_sizes(results))
        notes.append(f"{GROWTH}: `peersynth validate` at {small:,} and at {large:,} studies, both "
                     f"in each of {args.rounds} rounds of their own, no warm-up; the files grow "
                     f"{size_bytes[large] / size_bytes[small]:.2f}{X}.")
    load_after = os.getloadavg()
    notes.append(f"load average (1, 5, 15 min) {', '.join(f'{v:.1f}' for v in load_before)} at "
                 f"the start, {', '.join(f'{v:.1f}' for v in load_after)} at the end; "
                 f"{(time.monotonic() - started) / 60:.1f} minutes in all.")
    args.out.write_text(markdown(results, notes))
    _spawner.close()
    print(args.out.read_text())


if __name__ == "__main__":
    main()
