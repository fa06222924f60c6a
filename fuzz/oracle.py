"""What must hold for every input, however broken: the fuzz run's verdict on one review.

`peersynth validate` is a thin wrapper over `validate_folder` and the renderers, so
they are called here in-process: an exception is what the command would show as a
traceback, and the exit code is 0 when the report passes, else 1.
"""

from __future__ import annotations

import json
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

from peersynth.diagnostics import CODES, Severity
from peersynth.loading import Limits
from peersynth.render_diagnostics import ReportFormat, render_report, summary
from peersynth.validate import validate_folder

# The kinds of finding, in the order the summary lists them.
KINDS = ("crash", "hang", "memory", "position", "exit", "render")
# A line ends at CR LF, LF or CR, as in editors (and as peersynth counts lines).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str

    @property
    def signature(self) -> str:
        """What tells two findings of one defect apart from two defects."""
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
