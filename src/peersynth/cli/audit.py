"""`peersynth audit`: check a manuscript's counts and citations against the review."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from peersynth.audit.render import AuditFormat
from peersynth.cli import app
from peersynth.cli.common import (
    DEFAULT_DATA,
    DataOption,
    NoCacheOption,
    emit,
    handles_errors,
    load_review,
    say,
)


@app.command()
@handles_errors
def audit(
    manuscripts: Annotated[
        list[Path],
        typer.Argument(metavar="MANUSCRIPT...", show_default=False, dir_okay=True,
                       help="The manuscript: Markdown (.md), plain text (.txt, or any other "
                            "name) or Word (.docx)."),
    ],
    data: DataOption = DEFAULT_DATA,
    fmt: Annotated[
        Optional[AuditFormat],  # noqa: UP045 - typer reads the annotation at run time
        typer.Option("--format", "-f",
                     help="text (file:line:col lines and a summary), json, github "
                          "annotations, or a markdown table; github is the default inside "
                          "GitHub Actions."),
    ] = None,
    listing: Annotated[
        bool,
        typer.Option("--list",
                     help="Also show every consistent claim (what was recognised and what it "
                          "was matched to), and per theme section the coded studies it never "
                          "cites."),
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Make warnings fail (exit 1).")] = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Check every count and citation a manuscript states against the review.

    Recognised: theme counts ("12 of the 16 included articles", "Twelve studies",
    "12/16", "(n = 12)", "all studies", "half of the studies", with their
    denominators and percents), flow figures ("A total of 5191 records were
    screened", "154 full-text articles", "inclusion of 16 studies"), study
    characteristics ("United States (n = 7)", "good quality (n = 11)", "single
    studies conducted in both Finland and Singapore"), numeric citations
    ([33\u201342, 44, 45]) and narrative ones ("Berry, Hayward [44]"). A claim's theme is
    the heading it sits under, or a theme label named in its sentence; when neither
    settles it the claim is reported as unattributed, never guessed. In a .docx the
    line is the paragraph's number and the column the character within it.

    Findings are errors (a figure, denominator, percent, citation list or author
    that disagrees with the review), warnings (a study cited under a theme it is not
    coded to) and notes (a cited number that is no included study; with --list,
    every consistent claim and each section's uncited studies). Exit 0 with no
    errors (warnings fail only with --strict), 1 with errors, 2 for usage, 3 when a
    manuscript or the review cannot be read, or the review does not validate. All of
    it, with examples: docs/audit.md.

    json: {"version": 1, "files": [...], "summary": {"claims", "consistent",
    "inconsistent", "unattributed"}, "findings": [{"file", "line", "column",
    "severity", "code", "kind", "text", "subject", "stated", "actual", "message"}]};
    kind is count, percent, denominator, flow, characteristic, citation or author.

    **Examples**

        peersynth audit manuscript.md

        peersynth audit results.docx --data my-review --list

        peersynth audit paper.md --format json > audit.json

        peersynth audit paper.md --strict --format github
    """
    from peersynth.audit.documents import read_document
    from peersynth.audit.judge import audit as run_audit
    from peersynth.audit.render import render
    from peersynth.files import Limits

    if fmt is None:
        fmt = AuditFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" \
            else AuditFormat.text
    limits = Limits.from_env()
    documents = [read_document(path, limits) for path in manuscripts]
    try:
        review = load_review(data, no_cache=no_cache)
    except typer.Exit as invalid:
        # A review that does not validate (its errors are printed) leaves nothing to audit
        # against: exit 3, so that 1 always means the manuscript disagrees with the review.
        raise typer.Exit(3 if invalid.exit_code == 1 else invalid.exit_code) from None
    result = run_audit(review, documents, listing=listing)
    emit(render(result, fmt))
    summary = result.summary.line()
    if fmt is AuditFormat.text:
        emit(summary + "\n")
    elif fmt is not AuditFormat.markdown:
        say(summary)
    raise typer.Exit(0 if result.passed(strict) else 1)
