"""Failures that stop peersynth from running at all, as opposed to problems in the data."""

from __future__ import annotations


class PeersynthError(Exception):
    """The tool could not run (exit 3): a folder or file missing or unreadable."""

    exit_code = 3

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(PeersynthError):
    """The command line (or an environment setting) is wrong (exit 2)."""

    exit_code = 2
