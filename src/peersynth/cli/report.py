"""report: the review as one self-contained HTML page (peersynth.report_html)."""

from __future__ import annotations

import typer

from peersynth.cli import app
from peersynth.cli.common import (
    DEFAULT_DATA,
    DataOption,
    FolderArgument,
    ForceOption,
    NoCacheOption,
    OutputOption,
    check_output,
    deliver,
    handles_errors,
    pick_folder,
    say,
)


@app.command()
@handles_errors
def report(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Write the review as one self-contained HTML page: the PRISMA 2020 flow diagram,
    Table 1, the themes with their citations, the study-by-theme heat map (each cell
    names its study and theme), quality, and validation's warnings.

    The page fetches nothing (inline CSS and SVG, no scripts or fonts), so it works
    offline and as an e-mail attachment, and prints on A4. Without --output it goes
    to stdout.

    **Examples**

        peersynth report --output report.html

        peersynth report my-review/ --output report.html --force
    """
    from peersynth.cache import cached_review
    from peersynth.render_diagnostics import more_line
    from peersynth.report_html import build

    check_output(output, force=force, binary=False)
    where = pick_folder(folder, data)
    # As load_review, but the warnings are kept as well as said: the page lists them.
    found = cached_review(where, use_cache=not no_cache)
    for diagnostic in found.diagnostics:
        say(diagnostic.text())
    for omitted in found.omitted:
        say(more_line(omitted))
    if found.review is None:
        say(f"{where.as_posix()}: {found.errors} error(s); run `peersynth validate "
            f"{where.as_posix()}` for the report")
        raise typer.Exit(1)
    deliver(build(found.review, found.diagnostics), output, force=force)
