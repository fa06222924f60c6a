"""What must hold for every input, however broken: the fuzz run's verdict on one review.

`check_review` judges validation in-process: `peersynth validate` is a thin wrapper
over `validate_folder` and the renderers, so an exception is what the command would
show as a traceback, and the exit code is 0 when the report passes, else 1.

`check_run` and `check_variant` judge the real command's runs (the e2e mode, see
fuzz/e2e.py): what any run may print, how it may end, and that a cached run and a
--no-cache run of the same files agree byte for byte.
"""

from __future__ import annotations

import json
import re
import signal
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peersynth.diagnostics import CODES, Severity
from peersynth.loading import Limits
from peersynth.render_diagnostics import ReportFormat, render_report, summary
from peersynth.validate import validate_folder

# The kinds of finding, in the order the summary lists them; the second line's only
# come from the e2e mode.
KINDS = ("crash", "hang", "memory", "position", "exit", "render",
         "traceback", "exit-code", "output", "control", "workflow", "cache", "verdict")
# A line ends at CR LF, LF or CR, as in editors (and as peersynth counts lines).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str
    # What groups findings of one defect, when the detail's first words would not.
    key: str = field(default="", compare=False)

    @property
    def signature(self) -> str:
        """What tells two findings of one defect apart from two defects."""
        if self.key:
            return f"{self.kind}: {self.key}"
        if self.kind == "crash":
            lines = [line for line in self.detail.strip().splitlines() if line.strip()]
            last = lines[-1] if lines else ""
            where = [line for line in lines if line.lstrip().startswith('File "')]
            return f"crash: {last.split(':')[0]} at {where[-1].strip() if where else '?'}"
        return f"{self.kind}: {self.detail.split(':', 1)[0]}"


def line_lengths(data: bytes) -> list[int]:
    """The length in characters of each line of a file, as a reader of it sees them."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    return [len(line) for line in LINE_BREAK.split(text)]


def check_review(folder: Path, files: dict[str, bytes], limits: Limits | None = None,
                 codes: set[str] | None = None) -> list[Finding]:
    """Validate the review written in `folder` (holding `files`) and judge the outcome.

    `codes`, when given, receives the codes of the diagnostics found.
    """
    try:
        report = validate_folder(folder, limits)
        rendered = {fmt: render_report(report, fmt, False) for fmt in ReportFormat}
        summary(report, False)
        summary(report, True)
    except Exception:  # the fuzz run's whole point: any exception is a finding
        return [Finding("crash", traceback.format_exc())]
    if codes is not None:
        codes.update(d.code for d in report.diagnostics)
    findings: list[Finding] = []
    exit_code = 0 if report.passed() else 1
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if exit_code == 1 and not errors:
        findings.append(Finding("exit", "exit 1 without an error diagnostic"))
    if not errors and report.review is None:
        findings.append(Finding("exit", "no errors, yet no review"))
    lengths = {name: line_lengths(data) for name, data in files.items()}
    paths: dict[str, Path] = {}
    for d in report.diagnostics:
        path = paths.get(d.file) or paths.setdefault(d.file, Path(d.file))
        where = f"{path.name}:{d.line}:{d.column} {d.code}"
        if d.code not in CODES or d.severity is not CODES[d.code].severity:
            findings.append(Finding("exit", f"unregistered code or severity: {where}"))
        if path.parent != folder or path.name not in lengths:
            findings.append(Finding("position", f"no such file: {d.file} ({d.code})"))
            continue
        line_length = lengths[path.name]
        if not 1 <= d.line <= len(line_length):
            findings.append(Finding("position", f"{d.code}: line {d.line} of "
                                    f"{len(line_length)} in {where}"))
        elif not 1 <= d.column <= line_length[d.line - 1] + 1:
            findings.append(Finding("position", f"{d.code}: column {d.column} of a line of "
                                    f"{line_length[d.line - 1]} in {where}"))
    # Each file whose diagnostics were not all shown closes with one "and N more" line.
    findings.extend(_check_rendering(report.diagnostics, rendered, len(report.omitted)))
    return findings


def _check_rendering(diagnostics: tuple[object, ...],
                     rendered: dict[ReportFormat, str], closing: int = 0) -> list[Finding]:
    findings = []
    count = len(diagnostics)
    for fmt in (ReportFormat.text, ReportFormat.github):
        lines = rendered[fmt].split("\n")
        if len(lines) != count + closing + 1 or lines[-1] != "":
            findings.append(Finding("render", f"{fmt.value}: {count} diagnostics on "
                                    f"{len(lines) - 1} lines"))
    try:
        body = json.loads(rendered[ReportFormat.json])
        if len(body["diagnostics"]) != count:
            findings.append(Finding("render", "json: diagnostics missing"))
    except ValueError as exc:
        findings.append(Finding("render", f"json: does not parse: {exc}"))
    return findings



# ----------------------------------------------------------------------------- e2e runs

# The exit codes docs/format.md lists for a run that is not interrupted.
EXIT_CODES = frozenset({0, 1, 2, 3})
TRACEBACK = b"Traceback (most recent call last)"
# What no output may hold raw (SECURITY.md): C0 controls but the line feed (a tab or a
# carriage return too, in every format), DEL, C1 controls, Unicode's line and paragraph
# separators and the bidi embeddings, overrides and isolates. Written here rather than
# taken from peersynth.escape, so that the oracle does not share a mistake with it.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
WORKFLOW_COMMAND = re.compile(rb"(?:^|\n)::")


@dataclass(frozen=True)
class RunResult:
    """One run of the command: its command line, how it ended and what it wrote."""

    argv: tuple[str, ...]
    env: dict[str, str]
    code: int  # negative: killed by that signal
    stdout: bytes
    stderr: bytes
    seconds: float
    rss_mb: float
    timed_out: bool = False

    def shown(self) -> str:
        """The command line as a shell would take it, with the settings that matter."""
        settings = " ".join(f"{name}={value}" for name, value in sorted(self.env.items())
                            if name.startswith("PEERSYNTH_MAX"))
        return (settings + " " if settings else "") + "peersynth " + " ".join(
            f"'{arg}'" if not re.fullmatch(r"[\w./=:-]+", arg) else arg for arg in self.argv)


def output_cap(input_bytes: int) -> int:
    """The most a run may print, stdout and stderr together: 100 times the input plus 1 MB."""
    return 100 * input_bytes + 2**20


def _name(command: str, fmt: str) -> str:
    return f"{command}:{fmt}"


def _unsafe(data: bytes) -> str | None:
    """The first character no output may hold raw, described; None when there is none."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"bytes that are not UTF-8 at {error.start}: {data[error.start:error.end]!r}"
    found = UNSAFE.search(text)
    if found is None:
        return None
    start = max(0, found.start() - 30)
    return f"U+{ord(found.group()):04X} in {text[start:found.end() + 30]!r}"


def _traceback_key(stderr: bytes) -> str:
    """The exception and the innermost frame of the last traceback on stderr."""
    text = stderr[stderr.rfind(TRACEBACK):].decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip()]
    frames = [line.strip() for line in lines if line.lstrip().startswith('File "')]
    last = lines[-1].split(":")[0] if lines else "?"
    return f"{last} at {frames[-1] if frames else '?'}"


def check_run(command: str, fmt: str, run: RunResult, input_bytes: int, under_limit: bool,
              max_seconds: float, max_rss_mb: float) -> list[Finding]:
    """What must hold for one run of `command` in format `fmt` on an input of
    `input_bytes` (both files); the time and memory bounds only for an input
    `under_limit` (within the reading limits: a larger one is refused at once anyway)."""
    name = _name(command, fmt)
    where = run.shown()
    findings: list[Finding] = []
    if run.timed_out:
        findings.append(Finding("hang", f"{name}: killed after {max_seconds:g} s: {where}",
                                key=name))
    elif run.code < 0:
        signame = signal.Signals(-run.code).name if -run.code in signal.valid_signals() \
            else str(-run.code)
        findings.append(Finding("crash", f"{name}: killed by {signame}: {where}",
                                key=f"{signame} in {name}"))
    elif run.code not in EXIT_CODES:
        findings.append(Finding("exit-code", f"{name}: exit {run.code}: {where}\n"
                                f"{run.stderr[-2000:].decode('utf-8', 'replace')}",
                                key=f"exit {run.code} from {command}"))
    if under_limit and run.rss_mb > max_rss_mb:
        findings.append(Finding("memory", f"{name}: peak RSS {run.rss_mb:.0f} MB over "
                                f"{max_rss_mb:g} MB: {where}", key=command))
    if under_limit and not run.timed_out and run.seconds > max_seconds:
        findings.append(Finding("hang", f"{name}: {run.seconds:.1f} s: {where}", key=name))
    if TRACEBACK in run.stderr:
        findings.append(Finding("traceback", f"{name}: {where}\n"
                                f"{run.stderr[-4000:].decode('utf-8', 'replace')}",
                                key=_traceback_key(run.stderr)))
    printed = len(run.stdout) + len(run.stderr)
    if printed > output_cap(input_bytes):
        findings.append(Finding("output", f"{name}: {printed} bytes printed for "
                                f"{input_bytes} bytes of input: {where}", key=name))
    for stream, data in (("stdout", run.stdout), ("stderr", run.stderr)):
        unsafe = _unsafe(data)
        if unsafe is not None:
            findings.append(Finding("control", f"{name} {stream}: {unsafe}: {where}",
                                    key=f"{name} {stream}"))
        # Only validate and audit --format github may print workflow commands, and only
        # on stdout.
        if WORKFLOW_COMMAND.search(data) and not (
                stream == "stdout" and command in ("validate", "audit") and fmt == "github"):
            findings.append(Finding("workflow", f"{name} {stream}: a line starts with '::': "
                                    f"{where}", key=f"{name} {stream}"))
    # validate and audit print their report in json whether they find problems or not.
    if fmt == "json" and run.code in ((0, 1) if command in ("validate", "audit") else (0,)):
        try:
            json.loads(run.stdout)
        except ValueError as error:
            findings.append(Finding("render", f"{name}: json does not parse ({error}): {where}",
                                    key=f"{name} json"))
    return findings


def _differ(a: RunResult, b: RunResult) -> str:
    for what, x, y in (("exit code", a.code, b.code), ("stdout", a.stdout, b.stdout),
                       ("stderr", a.stderr, b.stderr)):
        if x != y:
            if isinstance(x, bytes) and isinstance(y, bytes):
                at = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q),
                          min(len(x), len(y)))
                return (f"{what} differs at byte {at}: {x[max(0, at - 60):at + 60]!r} "
                        f"vs {y[max(0, at - 60):at + 60]!r}")
            return f"{what} {x!r} vs {y!r}"
    return ""


Stamps = dict[str, tuple[int, int, int]]  # a cache folder's entries: inode, mtime, size


def cache_stamps(folder: Path) -> Stamps:
    """Each entry in a cache folder, as it stands: a rewritten entry (a miss writes one
    atomically, under a new inode) has another stamp."""
    found: Stamps = {}
    for entry in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        stat = entry.stat()
        found[entry.name] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def check_hit(command: str, written: Stamps, after: Stamps, hit: RunResult) -> list[Finding]:
    """The run after the one that wrote a cache entry must read it, not refuse it: an
    entry that validation's own review fails to pass (a bound too tight, a check too
    strict) is validated again and rewritten on every run, silently slow."""
    if hit.timed_out:
        return []
    rewritten = sorted(name for name, stamp in written.items() if after.get(name) != stamp)
    return [Finding("cache", f"the entry a cache miss wrote was refused and rewritten by "
                    f"the next run: {hit.shown()}", key=f"an entry refused in {command}")
            ] if rewritten else []


def check_variant(command: str, runs: Sequence[RunResult],
                  baseline: RunResult | None) -> list[Finding]:
    """What must hold between the runs of one command line: a cached command's runs
    (--no-cache, a cache miss, a cache hit) print the same bytes and end the same way;
    and none succeeds on files `validate` (the baseline's run) rejects."""
    findings: list[Finding] = []
    first = runs[0]
    if any(run.timed_out for run in runs):
        return findings  # a killed run is a finding of its own; its output is partial
    for label, run in zip(("a cache miss", "a cache hit"), runs[1:], strict=False):
        difference = _differ(first, run)
        if difference:
            findings.append(Finding("cache", f"{label} is not what --no-cache prints: "
                                    f"{difference}: {run.shown()}",
                                    key=f"{label} in {command}"))
    if baseline is None or baseline.timed_out or baseline.code not in (0, 1):
        return findings
    for run in runs:
        if baseline.code == 1 and run.code == 0:
            findings.append(Finding("verdict", f"exit 0 on files validate rejects: {run.shown()}",
                                    key=f"{command} accepts what validate rejects"))
        # On files validate accepts, every command ends in 0, or in 2 or 3 for reasons of
        # its own, but those whose 1 is about something else: cite THEME (an unknown
        # theme), validate --strict (warnings), audit (a manuscript that disagrees) and
        # agree (a coder's file with errors).
        elif (baseline.code == 0 and run.code == 1
              and command not in ("cite-theme", "audit", "agree")
              and "--strict" not in run.argv):
            findings.append(Finding("verdict", f"exit 1 on files validate accepts: "
                                    f"{run.shown()}\n{run.stderr[-1000:]!r}",
                                    key=f"{command} rejects what validate accepts"))
    return findings
