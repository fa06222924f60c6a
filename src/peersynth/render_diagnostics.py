"""Validation reports as text, JSON or GitHub Actions annotations. Returns strings; never prints."""

from __future__ import annotations

import json
from enum import Enum

from peersynth.diagnostics import Severity
from peersynth.escape import json_safe, visible
from peersynth.report import Omitted, Report

JSON_VERSION = 1


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def summary(report: Report, strict: bool) -> str:
    """One line for people: what was checked and what was found."""
    folder = visible(report.folder.as_posix())
    if not report.diagnostics:
        *others, last = (visible(name) for name in (*report.files, *report.read_with))
        return f"{folder}: valid ({', '.join(others)} and {last})"
    errors = f"{report.errors} error{'s' * (report.errors != 1)}"
    warnings = f"{report.warnings} warning{'s' * (report.warnings != 1)}"
    verdict = "valid" if report.passed(strict) else "invalid"
    note = " (warnings fail under --strict)" if strict and report.warnings and not report.errors \
        else ""
    return f"{folder}: {verdict}: {errors}, {warnings}{note}"


def more_line(omitted: Omitted) -> str:
    """The closing line of a file whose diagnostics were not all shown."""
    errors = f"{omitted.errors} error{'s' * (omitted.errors != 1)}"
    warnings = f"{omitted.warnings} warning{'s' * (omitted.warnings != 1)}"
    return (f"... and {omitted.total} more problem{'s' * (omitted.total != 1)} in "
            f"{visible(omitted.file)} ({errors}, {warnings}) not shown")


def as_text(report: Report) -> str:
    lines = [d.text() + "\n" for d in report.diagnostics]
    # Each file's closing line goes after its last shown diagnostic (files are sorted).
    last = {d.file: n + 1 for n, d in enumerate(report.diagnostics)}
    places = sorted(((last.get(o.file, len(lines)), o) for o in report.omitted),
                    key=lambda place: place[0], reverse=True)
    for at, omitted in places:  # from the end, so that each place is still right
        lines.insert(at, more_line(omitted) + "\n")
    return "".join(lines)


def as_json(report: Report, strict: bool) -> str:
    body = {
        "version": JSON_VERSION,
        "folder": report.folder.as_posix(),
        "files": list(report.files),
        "strict": strict,
        "valid": report.passed(strict),
        "errors": report.errors,
        "warnings": report.warnings,
        "diagnostics": [
            {"code": d.code, "severity": d.severity.value, "file": d.file, "line": d.line,
             "column": d.column, "message": d.message, "hint": d.hint}
            for d in report.diagnostics
        ],
        # Per file, the problems found beyond those listed; errors and warnings above
        # count them too.
        "omitted": [{"file": o.file, "errors": o.errors, "warnings": o.warnings}
                    for o in report.omitted],
    }
    return json_safe(json.dumps(body, indent=2, ensure_ascii=False)) + "\n"


def _escape_data(text: str) -> str:
    # GitHub decodes %0A into a line break within the annotation; any other control
    # would reach the log raw, so it is shown as an escape.
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: Report) -> str:
    lines = []
    for d in report.diagnostics:
        level = "error" if d.severity is Severity.ERROR else "warning"
        message = d.message if d.hint is None else f"{d.message} ({d.hint})"
        lines.append(
            f"::{level} file={_escape_property(d.file)},line={d.line},col={d.column},"
            f"title={_escape_property(d.code)}::{_escape_data(message)}\n")
    lines.extend(f"::notice file={_escape_property(o.file)}::{_escape_data(more_line(o))}\n"
                 for o in report.omitted)
    return "".join(lines)


def render_report(report: Report, fmt: ReportFormat, strict: bool) -> str:
    if fmt is ReportFormat.json:
        return as_json(report, strict)
    if fmt is ReportFormat.github:
        return as_github(report)
    return as_text(report)
