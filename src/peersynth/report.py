"""The result of reading a review folder: its diagnostics, and the review when sound."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peersynth.diagnostics import Diagnostic, Severity
from peersynth.review import Review


@dataclass(frozen=True)
class Report:
    folder: Path
    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    review: Review | None  # None when any error was found

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    def passed(self, strict: bool = False) -> bool:
        return self.errors == 0 and not (strict and self.warnings)
