"""An audit as text, JSON, GitHub annotations or Markdown.

Every piece of text that came from a manuscript or the review goes through
peersynth.escape: a control character in a manuscript cannot drive the terminal,
start a line of its own, or become a workflow command in a CI log.
"""

from __future__ import annotations

import json
import re
from enum import Enum

from peersynth.audit.judge import Audit, Finding
from peersynth.escape import json_safe, visible
from peersynth.render import md_cell


class AuditFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    markdown = "markdown"


_BREAKS = re.compile(r"[ \t\r\n]*[\r\n][ \t\r\n]*")


def _quoted(text: str) -> str:
    """A claim's text on one line: a claim across lines of a paragraph has its line break
    read as a space. Every other character stays, for `visible` to escape."""
    return _BREAKS.sub(" ", text)


def finding_line(finding: Finding) -> str:
    """manuscript.md:9:102: error[count-mismatch] "12 of the 16" (Role clarity): ..."""
    subject = f" ({finding.subject})" if finding.subject else ""
    return visible(f"{finding.file}:{finding.line}:{finding.column}: {finding.severity}"
                   f"[{finding.code}] \"{_quoted(finding.text)}\"{subject}: {finding.message}")


def as_text(result: Audit) -> str:
    return "".join(finding_line(f) + "\n" for f in result.findings)


def as_json(result: Audit) -> str:
    summary = result.summary
    body = {
        "version": 1,
        "files": list(result.files),
        "summary": {"claims": summary.claims, "consistent": summary.consistent,
                    "inconsistent": summary.inconsistent,
                    "unattributed": summary.unattributed},
        "findings": [
            {"file": f.file, "line": f.line, "column": f.column, "severity": f.severity,
             "code": f.code, "kind": f.kind, "text": f.text, "subject": f.subject,
             "stated": f.stated, "actual": f.actual, "message": f.message}
            for f in result.findings],
    }
    return json_safe(json.dumps(body, indent=2, ensure_ascii=False)) + "\n"


def _data(text: str) -> str:
    # GitHub decodes %0A into a line break inside an annotation; other controls are escaped.
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def as_github(result: Audit) -> str:
    lines = []
    for f in result.findings:
        subject = f" ({f.subject})" if f.subject else ""
        lines.append(f"::{_LEVEL[f.severity]} file={_property(f.file)},line={f.line},"
                     f"col={f.column},title={_property(f.code)}::"
                     f"{_data(_quoted(f.text) + subject + ': ' + f.message)}\n")
    return "".join(lines)


def _cell(text: str | None) -> str:
    """Text for a Markdown table cell: one line, pipes and backticks escaped."""
    if text is None:
        return ""
    return md_cell(visible(_quoted(text)))


def as_markdown(result: Audit) -> str:
    rows = ["| Where | Severity | Code | Claim | Subject | Stated | Review | Message |",
            "|---|---|---|---|---|---|---|---|"]
    rows.extend(
        f"| {_cell(f'{f.file}:{f.line}:{f.column}')} | {f.severity} | {f.code} | "
        f"{_cell(f.text)} | {_cell(f.subject)} | {_cell(f.stated)} | {_cell(f.actual)} | "
        f"{_cell(f.message)} |" for f in result.findings)
    table = "\n".join(rows) + "\n\n" if result.findings else "No findings.\n\n"
    return table + result.summary.line() + "\n"


def render(result: Audit, fmt: AuditFormat) -> str:
    if fmt is AuditFormat.json:
        return as_json(result)
    if fmt is AuditFormat.github:
        return as_github(result)
    if fmt is AuditFormat.markdown:
        return as_markdown(result)
    return as_text(result)
