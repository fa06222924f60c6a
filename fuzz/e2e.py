"""The end-to-end fuzz mode: the `peersynth` command itself run on each mutated review.

    python fuzz/run.py --mode e2e --inputs 100000 --seed 1 --jobs 2

Each input is written to a folder, and `peersynth validate --format json` runs on it
(what the other runs are judged against), then a seeded sample of the variants below:
a (command, format) pair, with options drawn for the input. A command that uses the
cache runs three times, each with the same fresh cache folder: --no-cache, then
with the cache (a miss that writes the entry), then again (a hit that reads it).
Every run's exit code, stdout and stderr are judged by fuzz/oracle.py (`check_run`),
and the three runs of one variant must agree byte for byte; the entry the miss wrote
must be read, not rewritten, by the hit (`check_hit`).

How a run is started (`--launcher`):

- ``fork`` (the default): the fuzz worker has imported peersynth once; each run is a
  fork of it in which stdin, stdout and stderr are replaced by a file, the
  environment and argv by the run's, and the installed entry point
  (`peersynth.cli:main`, which ends the process with os._exit) is called. The exit code,
  the bytes written to fds 1 and 2, the peak RSS (wait4) and the time are those of a
  real process; only Python's start-up and imports are skipped, which is what makes a
  hundred thousand inputs affordable (a run costs a few ms instead of about 0.2 s).
- ``exec``: the same child calls execve() on the installed `peersynth` script, so the
  interpreter starts as from a shell. tests/test_fuzz.py checks that both give the same
  bytes, and the long run can be repeated with it on a smaller number of inputs.

Each run is bounded: killed after --timeout seconds (10), an address-space ceiling
(RLIMIT_AS, 4 GB: a safety net for the host; the 1 GB bound is judged on the peak
RSS), and its output files capped just above what the oracle allows (RLIMIT_FSIZE,
SIGXFSZ ignored, so an endless writer gets EFBIG, not the disk).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import os
import random
import re
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fuzz.mutate import BESIDE, FINDINGS, MAX_FILE_BYTES, ROOT, Review
from fuzz.oracle import (
    Finding,
    RunResult,
    cache_stamps,
    check_hit,
    check_run,
    check_variant,
    output_cap,
)

Launcher = Literal["fork", "exec"]
# Seconds a run may take, and the memory it may reach (peak RSS), for an input under
# the size limit: the bounds the issue sets.
RUN_SECONDS = 10.0
RUN_RSS_MB = 1024
# The hard ceiling on a run's address space, far above RUN_RSS_MB so that the bound is
# judged on RSS, and low enough that two runaway runs cannot take the machine down.
ADDRESS_SPACE = 4 * 2**30
# How many variants of each input are run besides the validate baseline; chosen so that
# 100,000 inputs on two cores take 40 to 50 minutes (see fuzz/README.md).
DEFAULT_SAMPLE = 1

TABLES = ("table", "markdown", "csv", "json", "latex")
CITE_FORMATS = ("table", "markdown", "csv", "json")


@dataclass(frozen=True)
class Variant:
    """One way of running the command: which command, in which format."""

    command: Literal["validate", "tally", "cite", "cite-theme", "matrix", "studies",
                     "characteristics", "evidence", "references", "audit", "agree",
                     "figure", "flow", "report", "export", "findings"]
    fmt: str

    @property
    def name(self) -> str:
        return f"{self.command}:{self.fmt}"

    @property
    def cached(self) -> bool:
        """Whether the command reads through the cache (validate never does)."""
        return self.command != "validate"


VARIANTS: tuple[Variant, ...] = (
    *(Variant("validate", fmt) for fmt in ("text", "json", "github")),
    *(Variant("tally", fmt) for fmt in TABLES),
    *(Variant("cite", fmt) for fmt in CITE_FORMATS),
    *(Variant("cite-theme", fmt) for fmt in CITE_FORMATS),
    *(Variant("matrix", fmt) for fmt in TABLES),
    *(Variant("studies", fmt) for fmt in TABLES),
    *(Variant("characteristics", fmt) for fmt in TABLES),
    *(Variant("evidence", fmt) for fmt in TABLES),
    *(Variant("references", fmt) for fmt in ("text", "markdown", "csv", "json")),
    *(Variant("audit", fmt) for fmt in ("text", "json", "github", "markdown")),
    *(Variant("agree", fmt) for fmt in ("table", "markdown", "csv", "json")),
    # A figure's "format" is its kind: each is drawn as SVG on stdout.
    *(Variant("figure", kind) for kind in ("flow", "matrix", "tally", "quality", "countries")),
    *(Variant("flow", fmt) for fmt in ("text", "csv")),
    Variant("report", "html"),
    # qdc prints the codebook; qdpx and sheet write a file (--force: each run replaces it).
    *(Variant("export", kind) for kind in ("qdc", "qdpx", "sheet")),
    *(Variant("findings", fmt) for fmt in TABLES),
)
BASELINE = Variant("validate", "json")

# Options drawn for a variant, one set per run of it (the empty set most often).
_OPTIONS: dict[str, list[list[str]]] = {
    # Not --max-problems 0: asked to show every problem, validate prints about 100 bytes
    # for each, so a file of a million 2-byte problems may print more than the bound.
    "validate": [[], [], ["--strict"], ["--max-problems", "1"], ["--max-problems", "2"]],
    "tally": [[], [], ["--no-rollup"], ["--by", "country"], ["--by", "country", "--explode"],
              ["--by", "design"], ["--by", "year"], ["--where", "design=qualitative"],
              ["--sort", "count"]],
    "cite": [[], [], ["--style", "author-year"], ["--style", "id"], ["--no-rollup"],
             ["--style", "pandoc"], ["--style", "latex"]],
    "matrix": [[], [], ["--no-rollup"]],
    "studies": [[], [], ["--explode"], ["--by", "year"]],
    "characteristics": [[], [], ["--group-by", "design"], ["--columns", "study,country,year"],
                        ["--where", "design=qualitative"]],
    "evidence": [[], []],
    "references": [[], [], ["--numbering", "order"]],
    "audit": [[], [], ["--list"], ["--strict"]],
    # A few resamples: the intervals' cost grows with them, and none is what a run checks.
    "agree": [["--bootstrap", "0"], ["--bootstrap", "20"], ["--worksheet"], ["--rollup"],
              ["--where", "design=qualitative"]],
    "figure": [[], [], ["--no-rollup"], ["--labels", "author-year"], ["--width", "85"]],
    "flow": [[]],
    "report": [[]],
    "export": [[]],
    "findings": [[], [], ["--profile"], ["--style", "author-year"], ["--style", "pandoc"]],
}
# The files `audit` and `agree` read besides the review, written into every input's folder
# (see `companions`): the shipped Results section, and a second coder's file.
MANUSCRIPT = "manuscript.txt"
SECOND_CODER = "coder-b.yaml"
_MANUSCRIPT_TEXT = (ROOT / "tests" / "data" / "audit" / "results-section.txt").read_bytes()
_CODING_LINE = re.compile(rb"^[ \t]*- *(\{ *)?study:.*\n", re.M)
_THEME_ID = re.compile(rb"^[ \t-]*id:[ \t]*([A-Za-z0-9][\w.-]{0,60})[ \t]*$", re.M)
_ATTRIBUTE = re.compile(rb"^[ \t]*attributes:[ \t]*\{[ \t]*([A-Za-z][\w-]{0,40}):", re.M)


def companions(review: Review) -> dict[str, bytes]:
    """The files beside the review that `audit` and `agree` read: the manuscript, and the
    input's themes.yaml with every third block-style coding line left out, as the second
    coder's file (the first is the themes.yaml itself), so the two disagree somewhere."""
    lines = _CODING_LINE.finditer(review.themes[:MAX_FILE_BYTES])
    dropped = [m.span() for i, m in enumerate(lines) if i % 3 == 1]
    kept, at = [], 0
    for start, end in dropped:
        kept.append(review.themes[at:start])
        at = end
    kept.append(review.themes[at:])
    return {MANUSCRIPT: _MANUSCRIPT_TEXT, SECOND_CODER: b"".join(kept)}


def argv_for(variant: Variant, folder: Path, rng: random.Random, review: Review) -> list[str]:
    """The command line of one run of `variant` on the review in `folder`."""
    command: str = "cite" if variant.command == "cite-theme" else variant.command
    options = rng.choice(_OPTIONS["cite" if command == "cite" else command])
    if command == "audit":
        return ["audit", str(folder / MANUSCRIPT), "--data", str(folder),
                "--format", variant.fmt, *options]
    if command == "agree":
        return ["agree", str(folder / "themes.yaml"), str(folder / SECOND_CODER),
                "--data", str(folder), "--format", variant.fmt, *options]
    if command == "figure":
        return ["figure", variant.fmt, str(folder), *options]
    if command == "report":
        return ["report", str(folder)]
    if command == "export":
        if variant.fmt == "qdc":
            return ["export", "qdc", str(folder)]
        out = str(folder.parent / f"export.{variant.fmt}")
        if variant.fmt == "sheet":
            return ["export", "sheet", out.replace(".sheet", ".xlsx"), str(folder), "--force"]
        return ["export", "qdpx", str(folder), "--output", out, "--force"]
    args = [command]
    # cite and evidence take [THEME] [FOLDER]: without a theme, the folder goes in --data.
    folder_args = (["--data", str(folder)] if variant.command in ("cite", "evidence")
                   else [str(folder)])
    if variant.command == "cite-theme":
        ids = [m.group(1).decode() for m in _THEME_ID.finditer(review.themes[:200_000])]
        # Mostly a theme of this review; sometimes one with a typo, or none of its themes.
        theme = rng.choice(ids) if ids else "access"
        pick = rng.random()
        if pick < 0.15:
            theme = theme[:-1] + "x" if len(theme) > 1 else theme + "x"
        elif pick < 0.2:
            theme = "no such theme"
        args.append(theme)
    args += folder_args
    if command == "studies" and rng.random() < 0.2:
        found = _ATTRIBUTE.search(review.studies[:200_000])
        if found:
            options = ["--by", found.group(1).decode()]
    args += ["--format", variant.fmt, *options]
    return args


def sample(rng: random.Random, count: int | None) -> list[Variant]:
    """`count` distinct variants (all of them when None), in a seeded order."""
    others = [v for v in VARIANTS if v != BASELINE] + [BASELINE]
    if count is None or count >= len(others):
        return others
    return rng.sample(others, count)


# ----------------------------------------------------------------------------- launching


@dataclass
class Prepared:
    """What every run of a worker shares: the output files and what the child needs."""

    scratch: Path
    launcher: Launcher
    executable: str | None
    stdout: int = -1
    stderr: int = -1
    devnull: int = -1

    def __post_init__(self) -> None:
        self.stdout = os.open(self.scratch / "stdout", os.O_RDWR | os.O_CREAT, 0o600)
        self.stderr = os.open(self.scratch / "stderr", os.O_RDWR | os.O_CREAT, 0o600)
        self.devnull = os.open(os.devnull, os.O_RDONLY)

    def close(self) -> None:
        for fd in (self.stdout, self.stderr, self.devnull):
            with contextlib.suppress(OSError):
                os.close(fd)


def installed_command() -> str:
    """The `peersynth` script installed next to this interpreter (the venv's)."""
    script = Path(sys.executable).parent / "peersynth"
    if not script.exists():
        raise SystemExit(f"no installed command at {script}: pip install -e . first")
    return str(script)


def prepare(scratch: Path, launcher: Launcher) -> Prepared:
    """Ready this process to launch runs. For `fork`, import everything a run imports and
    validate a small review once, so that each forked run starts with pydantic's schemas
    built (a third of a small run's time otherwise); neither changes what a run computes."""
    if launcher == "fork":
        for module in ("rich.console", "rich.table", "peersynth.analysis", "peersynth.cache",
                       "peersynth.cli.reporting", "peersynth.render",
                       "peersynth.render_diagnostics",
                       # What the commands that draw, audit, compare and export import
                       # when run (matplotlib alone is about 0.3 s a run otherwise).
                       "peersynth.figures.style", "peersynth.figures.flow",
                       "peersynth.figures.matrix", "peersynth.figures.tally",
                       "peersynth.figures.quality", "peersynth.figures.countries",
                       "matplotlib.backends.backend_svg", "peersynth.report_html",
                       "peersynth.audit.judge", "peersynth.audit.documents",
                       "peersynth.audit.render", "peersynth.agreement.compute",
                       "peersynth.agreement.worksheet", "peersynth.exchange.refi",
                       "peersynth.exchange.sheet", "openpyxl"):
            importlib.import_module(module)
        import typer.main

        import peersynth.cli
        from peersynth.validate import validate_folder

        # Every command module, as `main` imports them: a forked run then imports none.
        peersynth.cli.register()

        validate_folder(Path(peersynth.__file__).parent / "example")
        # typer builds the click command from the functions' signatures on every call
        # (10 ms, most of a small run); built once here, each forked run parses with it.
        build = typer.main.get_command
        built: dict[int, Any] = {}

        def get_command(app: typer.Typer) -> Any:
            if id(app) not in built:
                built[id(app)] = build(app)
            return built[id(app)]

        typer.main.get_command = get_command  # type: ignore[assignment]
        get_command(peersynth.cli.app)
        # What exists now is never collected in a run: a collection in the child would
        # touch (and so copy) every page of it.
        gc.freeze()
    return Prepared(scratch, launcher, installed_command() if launcher == "exec" else None)


def _fresh_streams() -> None:
    """sys.stdin/stdout/stderr as a new interpreter makes them over fds 0, 1 and 2 under
    a UTF-8 locale: stdout block-buffered with surrogateescape, stderr line-buffered
    with backslashreplace."""
    stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)),
                             encoding="utf-8", errors="surrogateescape")

    def writer(fd: int, errors: str, line: bool) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w", closefd=False)
        return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors=errors,
                                line_buffering=line or raw.isatty())

    stdout = writer(1, "surrogateescape", False)
    stderr = writer(2, "backslashreplace", True)
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    # What the interpreter started with, for whatever falls back on them.
    setattr(sys, "__stdin__", stdin)  # noqa: B010 - final in typeshed, not at run time
    setattr(sys, "__stdout__", stdout)  # noqa: B010
    setattr(sys, "__stderr__", stderr)  # noqa: B010


def _child(prepared: Prepared, argv: list[str], env: Mapping[str, str], cap: int) -> None:
    """In the forked child: set up the process and become the command. Never returns."""
    code = 127
    try:
        os.dup2(prepared.devnull, 0)
        os.dup2(prepared.stdout, 1)
        os.dup2(prepared.stderr, 2)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails instead
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap + 1, cap + 1))
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if prepared.launcher == "exec":
            assert prepared.executable is not None
            os.execve(prepared.executable, [prepared.executable, *argv], dict(env))
        os.environ.clear()
        os.environ.update(env)
        sys.argv = ["peersynth", *argv]
        _fresh_streams()
        from peersynth.cli import main

        main()  # ends the process itself, with os._exit
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        # What the interpreter does with an uncaught exception: a traceback, exit 1.
        with contextlib.suppress(BaseException):
            traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _read(fd: int, limit: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, min(size, limit + 1), 0)


def launch(prepared: Prepared, argv: list[str], env: Mapping[str, str], timeout: float,
           cap: int) -> RunResult:
    """Run the command once, bounded; its exit code, output, time and peak memory."""
    for fd in (prepared.stdout, prepared.stderr):
        # The child shares these files' offsets: both back to the start, or the next
        # run's output would follow a hole as long as the last one's.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        _child(prepared, argv, env, cap)
    timed_out = False
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        if not ready:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
    finally:
        os.close(pidfd)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return RunResult(tuple(argv), dict(env), code, _read(prepared.stdout, cap),
                     _read(prepared.stderr, cap), seconds, usage.ru_maxrss / 1024, timed_out)


# ----------------------------------------------------------------------------- one input


@dataclass
class InputOutcome:
    findings: list[Finding] = field(default_factory=list)
    runs: int = 0
    slowest: float = 0.0
    peak_rss_mb: float = 0.0
    largest_output: int = 0
    codes: set[str] = field(default_factory=set)


def base_env(scratch: Path, limits: Mapping[str, int]) -> dict[str, str]:
    """The environment of every run: a plain UTF-8 locale, none of the caller's settings
    (not GITHUB_ACTIONS, not PEERSYNTH_*), and the input's reading limits."""
    from peersynth.files import LIMIT_VARIABLES

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": str(scratch), "NO_COLOR": "1", "TERM": "dumb"}
    env.update({LIMIT_VARIABLES[name]: str(value) for name, value in limits.items()})
    return env


def run_input(prepared: Prepared, review: Review, folder: Path, limits: Mapping[str, int],
              rng: random.Random, count: int | None, timeout: float = RUN_SECONDS) -> InputOutcome:
    """Write `review` into `folder` and run the baseline and `count` sampled variants on it."""
    for name, data in {**BESIDE, **companions(review), **review.files()}.items():
        (folder / name).write_bytes(data)
    if review.findings is None:  # not the previous input's, in a folder used again
        (folder / FINDINGS).unlink(missing_ok=True)
    size = review.size
    max_bytes = limits.get("max_file_bytes", 64 * 2**20)
    under_limit = max(map(len, review.files().values())) <= max_bytes
    cap = output_cap(size)
    env = base_env(prepared.scratch, limits)
    outcome = InputOutcome()

    def judge(variant: Variant, runs: Sequence[RunResult], baseline: RunResult | None) -> None:
        for run in runs:
            outcome.runs += 1
            outcome.slowest = max(outcome.slowest, run.seconds)
            outcome.peak_rss_mb = max(outcome.peak_rss_mb, run.rss_mb)
            outcome.largest_output = max(outcome.largest_output,
                                         len(run.stdout) + len(run.stderr))
            outcome.findings += check_run(variant.command, variant.fmt, run, size,
                                          under_limit, timeout, RUN_RSS_MB)
        outcome.findings += check_variant(variant.command, runs, baseline)

    caches = Path(tempfile.mkdtemp(prefix="cache-", dir=prepared.scratch))
    try:
        baseline = launch(prepared, ["validate", str(folder), "--format", "json"],
                          env | {"PEERSYNTH_CACHE_DIR": str(caches / "none")}, timeout, cap)
        judge(BASELINE, [baseline], None)
        outcome.codes |= _codes(baseline.stdout)
        for number, variant in enumerate(sample(rng, count)):
            argv = argv_for(variant, folder, rng, review)
            if not variant.cached:
                judge(variant, [launch(prepared, argv, env, timeout, cap)], baseline)
                continue
            # A fresh cache folder for each variant: the first cached run is a miss.
            run_env = env | {"PEERSYNTH_CACHE_DIR": str(caches / str(number))}
            runs = [launch(prepared, [*argv, "--no-cache"], run_env, timeout, cap),
                    launch(prepared, argv, run_env, timeout, cap)]
            written = cache_stamps(caches / str(number))
            runs.append(launch(prepared, argv, run_env, timeout, cap))
            judge(variant, runs, baseline)
            outcome.findings += check_hit(variant.command, written,
                                          cache_stamps(caches / str(number)), runs[-1])
    finally:
        shutil.rmtree(caches, ignore_errors=True)
    return outcome


_CODE = re.compile(rb'"code": "([a-z0-9-]+)"')


def _codes(report: bytes) -> set[str]:
    return {m.group(1).decode() for m in _CODE.finditer(report[:50_000_000])}
