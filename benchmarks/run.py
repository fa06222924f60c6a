"""Time peersynth against the floors and its peers, whole processes, and write a markdown table.

    .venv/bin/python benchmarks/run.py                      # sizes 16,1000,10000,50000
    .venv/bin/python benchmarks/run.py --sizes 16,1000 --runs 5
    .venv/bin/python benchmarks/run.py --sizes 10000 --out benchmarks/work/audit.md \
        --only "C-loader parse,peersynth tally (repeat),peersynth audit (repeat)"

For each size: the median wall time of `--runs` runs after one warm-up (in rounds
that run each command once, so that a drift in the machine's speed shifts all of
them alike), and the peak resident memory, of `python -c pass`, a parse of both files with PyYAML's
libyaml C safe loader, `peersynth validate`, a repeated load of the review
through the cache (and `peersynth tally` cold and repeated when the command
exists), `check-jsonschema` with the schemas `peersynth schema` prints (one
process per file, added up) and `yamllint -d relaxed`. The peers are installed
into their own virtual environment under benchmarks/work/. Sizes above 10,000
get one run and no warm-up, and skip the peers (they take minutes there).

`peersynth audit` of a manuscript (benchmarks/manuscript.py writes one of 10,000
words for a generated review) is timed with the cache warm, next to the repeated
tally; so is `peersynth agree` of two coders (benchmarks/coders.py writes them) with
1,000 bootstrap resamples, next to validate; `peersynth characteristics` (Table 1)
and `cite --style pandoc` with the cache warm, next to the repeated tally; each
`peersynth figure` (SVG) with the cache warm, next to validate; `peersynth report` with
the cache warm (up to 1,000 studies), next to validate plus matplotlib's import. `--only`
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
PEERS = WORK / "peers"
SHIPPED = ROOT / "src" / "peersynth" / "example"
DEFAULT_SIZES = (16, 1_000, 10_000, 50_000)
BIG = 10_000  # sizes above this get one run, no warm-up and no peers
X = "\u00d7"  # the multiplication sign of ratios
NONE = "\u2013"  # an en dash: not measured

sys.path.insert(0, str(HERE))
from generate import themes_for  # noqa: E402

# Names of the measured commands, as they appear in the table.
PASS = "python -c pass"
PARSE = "C-loader parse"
VALIDATE = "peersynth validate"
CACHED = "cached load (repeat)"
TALLY_COLD = "peersynth tally (cold)"
TALLY = "peersynth tally (repeat)"
CITE = "peersynth cite (repeat)"
AUDIT = "peersynth audit (repeat)"
AGREE = "peersynth agree (repeat)"
CHARACTERISTICS = "peersynth characteristics (repeat)"
PANDOC = "peersynth cite --style pandoc (repeat)"
MATPLOTLIB = "matplotlib import"
FIGURE_KINDS = ("flow", "matrix", "tally", "quality", "countries")
FIGURES = tuple(f"peersynth figure {kind} (repeat)" for kind in FIGURE_KINDS)
REPORT = "peersynth report (repeat)"
# The report's page holds Table 1 and the heat map: past this size it is measured no more.
REPORT_MAX = 1_000
# Bootstrap resamples of the agree row (two coders, benchmarks/coders.py writes them).
AGREE_RESAMPLES = 1000
# The manuscript audited: the published Results section for the shipped review, a
# generated one of this many words (benchmarks/manuscript.py) for generated reviews.
AUDIT_WORDS = 10_000
RESULTS_SECTION = ROOT / "tests" / "data" / "audit" / "results-section.txt"
JSONSCHEMA = "check-jsonschema"
YAMLLINT = "yamllint -d relaxed"


@dataclass(frozen=True)
class Timing:
    seconds: float  # median wall time
    rss_kb: int  # largest peak resident memory of the command's processes
    runs: int
    ok: bool  # every process exited 0 (or 1 for a validator that found problems)


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


def warm_all(command: Command) -> bool:
    return True


def warm_repeats(command: Command) -> bool:
    """At sizes above BIG only the repeats get a warm-up: it fills the cache they read."""
    return command.name in (CACHED, TALLY, CITE, AUDIT, AGREE)


def selected(found: Sequence[Command], only: Sequence[str] | None) -> list[Command]:
    """The commands named in `only` (all of them when it is None), in their usual order."""
    return [c for c in found if only is None or c.name in only]


def measure(commands: Sequence[Command], runs: int, warmup: Callable[[Command], bool],
            ) -> dict[str, Timing]:
    """Time every command `runs` times, in rounds that run each command once, so that a
    machine that speeds up or slows down during the run shifts every command alike and
    the ratios stay fair."""
    for command in commands:
        if warmup(command):
            run_once(command)
    results: dict[str, list[tuple[float, int, bool]]] = {c.name: [] for c in commands}
    for _ in range(runs):
        for command in commands:
            results[command.name].append(run_once(command))
    return {name: Timing(statistics.median(r[0] for r in found), max(r[1] for r in found),
                         runs, all(r[2] for r in found))
            for name, found in results.items()}


# Ratios and the table: pure functions of the timings, tested on made-up figures.

Results = dict[str, dict[str, Timing]]  # size label -> command name -> timing


def ratio(a: Timing | None, b: Timing | None, *, memory: bool = False) -> float | None:
    if a is None or b is None:
        return None
    top, bottom = (a.rss_kb, b.rss_kb) if memory else (a.seconds, b.seconds)
    return top / bottom if bottom else None


def _fmt_ratio(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}{X}"


@dataclass(frozen=True)
class Target:
    text: str
    value: float | None
    limit: float
    at_least: bool = False  # the value must be at least the limit, not at most

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit


def targets(results: Results) -> list[Target]:
    """The issue's targets, from whatever sizes were measured."""
    found: list[Target] = []
    shipped = results.get("shipped", {})
    if shipped:
        found.append(Target("shipped review: validate / check-jsonschema (both files)",
                            ratio(shipped.get(VALIDATE), shipped.get(JSONSCHEMA)), 0.4))
        repeats = [name for name in (TALLY, CITE) if name in shipped] or \
            [name for name in (CACHED,) if name in shipped]
        for name in repeats:
            found.append(Target(f"shipped review: {name} / yamllint",
                                ratio(shipped.get(name), shipped.get(YAMLLINT)), 1.0))
    big = results.get("10000", {})
    if big:
        found.append(Target("10,000: validate / C-loader parse",
                            ratio(big.get(VALIDATE), big.get(PARSE)), 1.15))
        if JSONSCHEMA in big:
            found.append(Target("10,000: check-jsonschema / validate (speed-up)",
                                ratio(big.get(JSONSCHEMA), big.get(VALIDATE)), 5.0,
                                at_least=True))
        found.append(Target("10,000: validate peak memory / C-loader's",
                            ratio(big.get(VALIDATE), big.get(PARSE), memory=True), 1.3))
        for name in (TALLY, CACHED):
            if name in big:
                found.append(Target(f"10,000: {name} / C-loader parse",
                                    ratio(big.get(name), big.get(PARSE)), 0.1))
                break
    if AUDIT in big and TALLY in big:
        found.append(Target(f"10,000: {AUDIT} of a {AUDIT_WORDS:,}-word manuscript / "
                            f"{TALLY}", ratio(big.get(AUDIT), big.get(TALLY)), 2.0))
    for name in (CHARACTERISTICS, PANDOC):
        if name in big and TALLY in big:
            found.append(Target(f"10,000: {name} / {TALLY}",
                                ratio(big.get(name), big.get(TALLY)), 2.0))
    for name in FIGURES:
        if name in big and VALIDATE in big:
            found.append(Target(f"10,000: {name} / {VALIDATE}",
                                ratio(big.get(name), big.get(VALIDATE)), 3.0))
    thousand = results.get("1000", {})
    report, validate, imports = (thousand.get(name) for name in (REPORT, VALIDATE, MATPLOTLIB))
    if report is not None and validate is not None and imports is not None:
        found.append(Target(f"1,000: {REPORT} / ({VALIDATE} + {MATPLOTLIB})",
                            report.seconds / (validate.seconds + imports.seconds), 2.0))
    if AGREE in big and VALIDATE in big:
        found.append(Target(f"10,000: {AGREE} of two coders, {AGREE_RESAMPLES:,} resamples / "
                            f"{VALIDATE}", ratio(big.get(AGREE), big.get(VALIDATE)), 3.0))
    huge = results.get("50000", {})
    if big and huge:
        found.append(Target("growth: validate at 50,000 / at 10,000",
                            ratio(huge.get(VALIDATE), big.get(VALIDATE)), 5.5))
    return found


def markdown(results: Results, notes: Sequence[str] = ()) -> str:
    lines = [f"| size | command | median | {X} parse | {X} check-jsonschema | peak RSS "
             f"| {X} parse RSS | runs |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for size, timings in results.items():
        parse = timings.get(PARSE)
        peer = timings.get(JSONSCHEMA)
        for name, timing in timings.items():
            flag = "" if timing.ok else " (failed)"
            lines.append(
                f"| {size} | {name}{flag} | {timing.seconds:.3f} s"
                f" | {_fmt_ratio(ratio(timing, parse))}"
                f" | {_fmt_ratio(ratio(timing, peer))} | {timing.rss_kb / 1024:.0f} MB"
                f" | {_fmt_ratio(ratio(timing, parse, memory=True))} | {timing.runs} |")
    lines += ["", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for target in targets(results):
        sign = "≥" if target.at_least else "≤"
        verdict = {True: "yes", False: "**no**", None: "not measured"}[target.met]
        lines.append(f"| {target.text} | {_fmt_ratio(target.value)} | {sign} {target.limit:g}{X} "
                     f"| {verdict} |")
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


def commands(folder: Path, env: dict[str, str], schemas: dict[str, Path] | None,
             peers: bool, tally: bool, cite: bool, manuscript: Path | None = None,
             agree: bool = False, tables: bool = False, figures: bool = False,
             report: bool = False) -> list[Command]:
    python = sys.executable
    studies, themes = str(folder / "studies.yaml"), str(folder / "themes.yaml")
    cache = WORK / "cache" / folder.name
    cached_env = {**env, "PEERSYNTH_CACHE_DIR": str(cache)}

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    parse = ("import sys, yaml\nfor name in sys.argv[1:]:\n"
             "    with open(name, 'rb') as f: yaml.load(f, Loader=yaml.CSafeLoader)")
    load = ("import sys; from pathlib import Path; from peersynth.cache import cached_review\n"
            "sys.exit(cached_review(Path(sys.argv[1])).review is None)")
    found = [
        Command(PASS, [[python, "-c", "pass"]]),
        Command(PARSE, [[python, "-c", parse, studies, themes]]),
        Command(VALIDATE, [[peersynth_bin(), "validate", str(folder)]], env=env),
        Command(CACHED, [[python, "-c", load, str(folder)]], env=cached_env),
    ]
    if tally:
        found.append(Command(TALLY_COLD, [[peersynth_bin(), "tally", "--data", str(folder)]],
                             before=clear_cache, env=cached_env))
        found.append(Command(TALLY, [[peersynth_bin(), "tally", "--data", str(folder)]],
                             env=cached_env))
    if cite:
        found.append(Command(CITE, [[peersynth_bin(), "cite", "--data", str(folder)]],
                             env=cached_env))
    if tables:
        found.append(Command(CHARACTERISTICS, [[peersynth_bin(), "characteristics", "--data",
                                                str(folder)]], env=cached_env))
        found.append(Command(PANDOC, [[peersynth_bin(), "cite", "--data", str(folder),
                                       "--style", "pandoc"]], env=cached_env))
    if figures:
        found.append(Command(MATPLOTLIB, [[python, "-c", "import matplotlib.figure, "
                                           "matplotlib.backends.backend_svg"]]))
        for kind, name in zip(FIGURE_KINDS, FIGURES, strict=True):
            # SVG to stdout, which the spawner sends to the null device.
            found.append(Command(name, [[peersynth_bin(), "figure", kind, str(folder)]],
                                 env=cached_env))
    if report:
        found.append(Command(REPORT, [[peersynth_bin(), "report", str(folder)]],
                             env=cached_env))
    if manuscript is not None:
        # Errors in the manuscript exit 1, which run_once counts as success.
        found.append(Command(AUDIT, [[peersynth_bin(), "audit", str(manuscript), "--data",
                                      str(folder)]], env=cached_env))
    if agree:
        found.append(Command(AGREE, [[peersynth_bin(), "agree", "--data", str(folder),
                                      "--bootstrap", str(AGREE_RESAMPLES)]], env=cached_env))
    if peers and schemas is not None:
        found.append(Command(JSONSCHEMA, [
            [str(peers_bin("check-jsonschema")), "--schemafile", str(schemas["studies"]), studies],
            [str(peers_bin("check-jsonschema")), "--schemafile", str(schemas["themes"]), themes]]))
        found.append(Command(YAMLLINT, [[str(peers_bin("yamllint")), "-d", "relaxed",
                                         studies, themes]]))
    return found


def machine_notes() -> list[str]:
    import yaml

    return [
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PyYAML {yaml.__version__} with libyaml: {yaml.__with_libyaml__}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated study counts; 'shipped' (the example review) is "
                             "always measured first")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (median)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--src", type=Path, default=None,
                        help="measure the peersynth package in this folder instead "
                             "(put first on PYTHONPATH), e.g. a tree with patches applied")
    parser.add_argument("--no-peers", action="store_true", help="skip check-jsonschema, yamllint")
    parser.add_argument("--only", default=None,
                        help="comma-separated command names as the table shows them, e.g. "
                             f"'{TALLY},{AUDIT}': measure only these rows")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    global _spawner
    _spawner = Spawner()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    env = {"PYTHONPATH": str(args.src.resolve())} if args.src else {}
    wants_peers = only is None or bool({JSONSCHEMA, YAMLLINT} & set(only))
    peers = not args.no_peers and wants_peers and ensure_peers()
    schemas = write_schemas(env) if peers else None
    tally, cite = has_command("tally", env), has_command("cite", env)
    audit = (only is None or AUDIT in only) and has_command("audit", env)
    agree = (only is None or AGREE in only) and has_command("agree", env)
    tables = has_command("characteristics", env)
    figures = has_command("figure", env)
    report = has_command("report", env)
    results: Results = {}
    notes = [*machine_notes(),
             f"`{' '.join(['benchmarks/run.py', *(argv if argv is not None else sys.argv[1:])])}`"
             f"; median of {args.runs} runs after a warm-up, in rounds that run every command "
             f"once; sizes above {BIG:,}: one run, no warm-up, peers skipped.",
             "check-jsonschema: one process per file (its schemas differ), times added up.",
             f"{CACHED}: `peersynth.cache.cached_review` in a fresh process, cache filled by the "
             "warm-up."]
    if not (tally and cite):
        notes.append("`peersynth tally`/`cite` not available in the measured tree; the "
                     f"'{CACHED}' row stands in for a repeated tally.")
    if audit:
        notes.append(f"{AUDIT}: `peersynth audit MANUSCRIPT`, cache filled by the warm-up; the "
                     "shipped review's manuscript is the published Results section, a generated "
                     f"review's a {AUDIT_WORDS:,}-word one written by `benchmarks/manuscript.py`.")
    if agree:
        notes.append(f"{AGREE}: `peersynth agree --bootstrap {AGREE_RESAMPLES}` of two coders, "
                     "review from the cache filled by the warm-up; the shipped review's are "
                     "data/coders/, a generated review's written by `benchmarks/coders.py` "
                     "(one as themes.yaml, one with about 4% of codings moved).")
    if figures:
        notes.append(f"peersynth figure KIND (repeat): the SVG to stdout, review from the "
                     f"cache filled by the warm-up; {MATPLOTLIB}: `python -c \"import "
                     "matplotlib.figure, matplotlib.backends.backend_svg\"`.")
    if report:
        notes.append(f"{REPORT}: the HTML page to stdout, review from the cache filled by "
                     f"the warm-up; measured up to {REPORT_MAX:,} studies.")
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
    for label, folder, size in plan:
        big = size > BIG
        manuscript = None
        if audit and not big:
            manuscript = RESULTS_SECTION if label == "shipped" else folder / "manuscript.md"
        found = selected(commands(folder, env, schemas, peers and not big, tally, cite,
                                  manuscript, agree and not big, tables,
                                  figures and not big, report and size <= REPORT_MAX), only)
        results[label] = measure(found, 1 if big else args.runs, warm_all if not big
                                 else warm_repeats)
        for name, timing in results[label].items():
            print(f"{label:>8} {name:<28} {timing.seconds:8.3f} s "
                  f"{timing.rss_kb / 1024:7.0f} MB", file=sys.stderr, flush=True)
        sizes_note = "" if label == "shipped" else \
            f" ({size:,} studies, {themes_for(size)} themes)"
        size_bytes = sum(f.stat().st_size for f in (folder / "studies.yaml",
                                                    folder / "themes.yaml"))
        notes.append(f"{label}{sizes_note}: {size_bytes / 1e3:,.0f} kB of YAML")
        args.out.write_text(markdown(results, notes))  # partial results survive an interrupt
    _spawner.close()
    print(args.out.read_text())


if __name__ == "__main__":
    main()
