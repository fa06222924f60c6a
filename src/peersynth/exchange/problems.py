"""The diagnostics of reading a file to import, by code. They are not problems of a review
(the validator's registry in `peersynth.diagnostics`), so they are declared here; each is
documented in docs/exchange.md (a test holds the two equal)."""

from __future__ import annotations

from typing import Final

from peersynth.diagnostics import Diagnostic, Severity

E = Severity.ERROR
W = Severity.WARNING

# An error means nothing is written; a warning, that the part named was left out or read
# in a way the message says, and the rest imported.
CODES: Final[dict[str, Severity]] = {
    "file-too-large": E,
    "not-a-zip": E,
    "unsafe-zip-path": E,
    "zip-member-too-large": E,
    "no-project-file": E,
    "xml-syntax": E,
    "xml-doctype": E,
    "not-refi": E,
    "no-codes": E,
    "missing-attribute": W,
    "invalid-guid": W,
    "duplicate-guid": W,
    "unknown-reference": W,
    "bad-value": W,
    "missing-source": W,
    "bad-position": W,
    "unlinked-source": W,
    # Spreadsheets (`import sheet`).
    "not-a-sheet": E,
    "no-sheet": E,
    "no-header": E,
    "unknown-mark": E,
    "no-heading": W,
    "duplicate-column": W,
    "missing-id": W,
    "duplicate-study": W,
    "unknown-study": W,
    "date-as-year": W,
}


def problem(code: str, file: str, line: int, column: int, message: str,
            hint: str | None = None) -> Diagnostic:
    """A diagnostic of one of CODES, at its severity."""
    return Diagnostic(code, CODES[code], file, max(line, 1), max(column, 1), message, hint)
