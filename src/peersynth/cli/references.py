"""`peersynth references`: the included studies' reference list in a CSL style."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, Optional

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
    load_review,
    pick_folder,
    say,
)
from peersynth.escape import visible
from peersynth.files import Limits
from peersynth.references.numbering import Numbering, Numbers, by_file_order, by_manuscript, by_ref
from peersynth.review import Review, Study

if TYPE_CHECKING:
    from peersynth.references.styles import CslStyle, Rendered

DEFAULT_STYLE = "biomed-central.csl"


class ReferencesFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    docx = "docx"


CslOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--csl", metavar="FILE.csl", dir_okay=False,
                 help="A CSL style file (from the Zotero Style Repository, "
                      "https://www.zotero.org/styles), rendered with citeproc-py."),
]
NumberingOption = Annotated[
    Numbering,
    typer.Option("--numbering",
                 help="ref: the studies' `ref` numbers; order: the order of first citation "
                      "in --manuscript, or file order without one."),
]
ManuscriptOption = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--manuscript", "-m", metavar="FILE", dir_okay=False,
                 help="With --numbering order: the manuscript (.md, .txt, .docx) whose "
                      "citations give the order; numeric, Pandoc (@key) and LaTeX "
                      "(\\cite{key}) citations are read. May be given more than once."),
]


def numbers_for(review: Review, numbering: Numbering, manuscripts: list[Path] | None
                ) -> Numbers:
    """Each study's number, saying on stderr which studies were numbered only by following
    the others."""
    studies = review.studies
    if numbering is Numbering.ref:
        numbers = by_ref(studies)
        if numbers.appended:
            say(f"note: {len(numbers.appended)} study(ies) without `ref` numbered after the "
                f"last ref: {', '.join(numbers.appended)}")
        return numbers
    if not manuscripts:
        return by_file_order(studies)
    numbers = by_manuscript(studies, manuscripts, Limits.from_env())
    if numbers.appended:
        say(f"note: {len(numbers.appended)} study(ies) the manuscript never cites numbered "
            f"after the cited ones: {', '.join(numbers.appended)}")
    return numbers


def renumbered(review: Review, numbering: Numbering, manuscripts: list[Path] | None
               ) -> tuple[Review, Numbers]:
    """The review with each study's `ref` the number `numbering` gives it, and the numbers."""
    numbers = numbers_for(review, numbering, manuscripts)
    if numbering is Numbering.ref:
        return review, numbers
    studies = [dataclasses.replace(s, ref=numbers.by_id[s.id]) for s in review.studies]
    return Review(dataclasses.replace(review.studies_file, studies=studies),
                  review.themes_file), numbers


def load_style(csl: Path | None, studies: Sequence[Study] = ()
               ) -> CslStyle:
    """The style `--csl` names, or the default; says on stderr which studies it can only
    cite by their id."""
    from peersynth.references.styles import CslStyle, has_details

    bare = [s.id for s in studies if not has_details(s)]
    if bare:
        say(f"note: {len(bare)} study(ies) with no authors, title, journal or DOI, cited "
            f"by their id: {', '.join(bare[:8])}{' ...' if len(bare) > 8 else ''}; give "
            "them `key:` in a bibliography, or their own fields")

    if csl is not None:
        return CslStyle(csl)
    with resources.as_file(resources.files("peersynth.references") / "styles_data"
                           / DEFAULT_STYLE) as path:
        return CslStyle(path)


@app.command()
@handles_errors
def references(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    csl: CslOption = None,
    numbering: NumberingOption = Numbering.ref,
    manuscripts: ManuscriptOption = None,
    fmt: Annotated[
        ReferencesFormat,
        typer.Option("--format", "-f",
                     help="text (one reference a line), markdown, csv, json, or docx (a "
                          "Word file: needs --output)."),
    ] = ReferencesFormat.text,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print the included studies' reference list in a citation style.

    Authors, year, title, journal and DOI are the studies' own, or their
    bibliography entries' (`review.bibliography` in studies.yaml and `key:` or
    `doi:` on a study). The default style is BioMed Central's (Vancouver);
    `--csl` takes any CSL style file. Numbers are the studies' `ref`s unless
    `--numbering order` is given; a numeric style lists by number, an
    author-date style in its own order. A study with no details at all is
    listed by its id, never left out.

    json: {"version": 1, "style", "numbering", "references": [{"number", "study",
    "text"}]}

    **Examples**

        peersynth references

        peersynth references --csl apa.csl --format markdown

        peersynth references --numbering order --manuscript manuscript.docx

        peersynth references --format docx --output references.docx
    """

    check_output(output, force=force, binary=fmt is ReferencesFormat.docx)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    numbers = numbers_for(review, numbering, manuscripts)
    style = load_style(csl, review.studies)
    rendered = style.references(review.studies, numbers.by_id)
    style_name = csl.as_posix() if csl is not None else DEFAULT_STYLE
    deliver(_formatted(rendered, fmt, style_name, numbering), output, force=force)


def _formatted(rendered: Sequence[Rendered], fmt: ReferencesFormat, style_name: str,
               numbering: Numbering) -> str | bytes:
    from peersynth import render

    if fmt is ReferencesFormat.json:
        return render.to_json({
            "style": style_name, "numbering": numbering.value,
            "references": [{"number": item.number, "study": item.study, "text": item.text}
                           for item in rendered]})
    if fmt is ReferencesFormat.csv:
        return render.to_csv(["number", "study", "reference"],
                             [[item.number, item.study, item.text] for item in rendered])
    if fmt is ReferencesFormat.markdown:
        # One paragraph each; "38." escaped so that Markdown keeps the number as written
        # rather than renumbering an ordered list from 1.
        return "\n".join(_MD_NUMBER.sub(r"\1\\.", _md_text(visible(item.text))) + "\n"
                         for item in rendered)
    if fmt is ReferencesFormat.docx:
        from peersynth.render_docx import Paragraph, document

        # A Word paragraph each (the default template has no Bibliography style).
        return document([Paragraph("References", "Heading 1"),
                         *(Paragraph(visible(item.text)) for item in rendered)])
    return "".join(visible(item.text) + "\n" for item in rendered)


_MD_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>])")
_MD_NUMBER: Final = re.compile(r"^(\d+)\.")


def _md_text(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)
