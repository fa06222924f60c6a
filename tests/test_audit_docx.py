"""The Results section as a Word document, built here with python-docx: the same findings
as the plain text, with the line read as the paragraph's number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx

from audit_kit import RESULTS, RESULTS_TEXT, audit_cli
from peersynth.audit.documents import THEME_HEADING


def as_docx(text: str, path: Path) -> Path:
    """One paragraph per line of `text` (blank lines as empty paragraphs, so paragraph
    numbers are line numbers); "Theme N:" lines in Heading 1, "Subtheme N:" in Heading 2."""
    document = docx.Document()
    for line in text.split("\n"):
        found = THEME_HEADING.search(line) if len(line) < 100 else None
        if found is None:
            document.add_paragraph(line)
        else:
            document.add_heading(line, level=2 if found.group("kind").lower().startswith("sub")
                                 else 1)
    document.save(str(path))
    return path


def findings(path: Path) -> list[dict[str, Any]]:
    result = audit_cli(path, "--format", "json", "--list")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["findings"]
    for finding in found:
        del finding["file"]
    return list(found)


def test_docx_gives_the_same_findings_as_text(tmp_path: Path) -> None:
    path = as_docx(RESULTS_TEXT, tmp_path / "results.docx")
    text_findings = findings(RESULTS)
    assert len(text_findings) > 80
    assert findings(path) == text_findings


def test_headings_come_from_word_styles(tmp_path: Path) -> None:
    # Without the "Subtheme 1:" wording, only the style makes it a heading.
    document = docx.Document()
    document.add_heading("Role clarity", level=2)
    document.add_paragraph("Twelve studies highlighted it.")
    document.add_paragraph("Thirteen studies highlighted it.")
    path = tmp_path / "styled.docx"
    document.save(str(path))
    result = audit_cli(path, "--format", "json")
    body = json.loads(result.stdout)
    assert [(f["line"], f["column"], f["code"], f["subject"]) for f in body["findings"]] == [
        (3, 1, "count-mismatch", "Role clarity")]
    assert result.exit_code == 1
