"""The result of reading a review folder: its diagnostics, and the review when sound."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peersynth.diagnostics import Diagnostic, Severity
from peersynth.files import FINDINGS_FILE, display_name
from peersynth.review import Review


@dataclass(frozen=True, slots=True)
class Omitted:
    """Problems found in one file beyond those shown: counted, never built or printed."""

    file: str
    errors: int
    warnings: int

    @property
    def total(self) -> int:
        return self.errors + self.warnings


@dataclass(frozen=True)
class Report:
    folder: Path
    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]  # those shown, sorted by file and position
    review: Review | None  # None when any error was found
    omitted: tuple[Omitted, ...] = ()  # per file, what the cap on shown problems left out
    # Other files the review was read with (its bibliography): the name the review gives
    # and the sha256 of the bytes read, so the cache can tell when one has changed.
    extras: tuple[tuple[str, str], ...] = ()

    @property
    def read_with(self) -> tuple[str, ...]:
        """The other files a sound review was read with, as diagnostics name them:
        findings.yaml, then the bibliography (the summary names every file checked)."""
        findings = self.review is not None and self.review.findings_file is not None
        return (((display_name(self.folder, FINDINGS_FILE),) if findings else ())
                + tuple(display_name(self.folder, name) for name, _ in self.extras))

    @property
    def errors(self) -> int:
        """Every error found, shown or not."""
        return sum(d.severity is Severity.ERROR for d in self.diagnostics) + sum(
            o.errors for o in self.omitted)

    @property
    def warnings(self) -> int:
        """Every warning found, shown or not."""
        return sum(d.severity is Severity.WARNING for d in self.diagnostics) + sum(
            o.warnings for o in self.omitted)

    def passed(self, strict: bool = False) -> bool:
        return self.errors == 0 and not (strict and self.warnings)
