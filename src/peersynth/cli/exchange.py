"""export and import: REFI-QDA codebooks (.qdc) and projects (.qdpx), and spreadsheets
(.xlsx, .csv), out of a review and into review files. Parse the options, call
`peersynth.exchange`, write, report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

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
    write_output,
)
from peersynth.errors import PeersynthError, UsageError

if TYPE_CHECKING:
    from peersynth.diagnostics import Diagnostic
    from peersynth.review import Review

export_app = typer.Typer(name="export", no_args_is_help=True, rich_markup_mode="markdown",
                         help="""Write the review for a QDA program: a REFI-QDA codebook (.qdc)
or project (.qdpx), which ATLAS.ti, MAXQDA, NVivo, QualCoder and others read; or as
a spreadsheet (.xlsx) of its characteristics, matrix and tally.

**Examples**

    peersynth export qdc --output codebook.qdc

    peersynth export qdpx my-review/ --output review.qdpx

    peersynth export sheet review.xlsx my-review/
""")
import_app = typer.Typer(name="import", no_args_is_help=True, rich_markup_mode="markdown",
                         help="""Make review files from a QDA program's REFI-QDA codebook
(.qdc) or project (.qdpx), or from a spreadsheet (.xlsx or .csv): a data-extraction
table or a study x theme matrix.

**Examples**

    peersynth import qdpx project.qdpx --into my-review

    peersynth import qdc codebook.qdc --into my-review --force

    peersynth import sheet extraction.csv --studies --into my-review
""")
app.add_typer(export_app)
app.add_typer(import_app)

IntoOption = Annotated[
    Path, typer.Option("--into", metavar="DIR", file_okay=False,
                       help="The review folder to write (made if missing).")]
ImportForce = Annotated[
    bool, typer.Option("--force", help="Replace review files that exist in DIR.")]
FileArgument = Annotated[
    Path, typer.Argument(metavar="FILE", dir_okay=False, show_default=False,
                         help="The file a QDA program exported.")]


@export_app.command("qdc")
@handles_errors
def export_qdc(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print the theme tree as a REFI-QDA codebook (.qdc), or write it to --output.

    Every theme is a code named by its label, with its description; a theme with
    subthemes and no codings of its own is not codable. GUIDs are the same on every
    run and machine (a theme's `refi_guid` when it has one), and an export made
    twice is the same file.

    **Examples**

        peersynth export qdc > codebook.qdc

        peersynth export qdc my-review/ --output codebook.qdc
    """
    from peersynth.exchange import model, refi

    check_output(output, force=force, binary=False)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    deliver(refi.codebook_bytes(model.codebook(review)).decode("utf-8"), output, force=force)


@export_app.command("qdpx")
@handles_errors
def export_qdpx(
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    output: OutputOption = None,
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Write the review as a REFI-QDA project (.qdpx) to --output.

    Each study is a case with its characteristics as variables, and a text source
    (its reference, then the evidence of each of its codings) with one coded
    selection per coding; the codebook is the theme tree, as `export qdc` writes it.
    Not carried: reported counts, the PRISMA flow, vocabularies.

    **Examples**

        peersynth export qdpx --output review.qdpx

        peersynth export qdpx my-review/ --output review.qdpx --force
    """
    from peersynth.exchange import model, refi

    if output is None:
        raise UsageError("a .qdpx project is a ZIP file: give it with --output FILE.qdpx",
                         "being binary, it is never printed to stdout")
    check_output(output, force=force, binary=False)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    deliver(refi.project_bytes(model.project(review)), output, force=force)
    say(f"wrote {output.as_posix()}; not carried by REFI-QDA: reported counts, the PRISMA "
        "flow, vocabularies")


def _read_input(file: Path) -> bytes:
    from peersynth.files import Limits

    limit = Limits.from_env().max_file_bytes
    try:
        with open(file, "rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise PeersynthError(f"{file.as_posix()} does not exist",
                             "give the path of the file the QDA program exported") from None
    except IsADirectoryError:
        raise UsageError(f"{file.as_posix()} is a folder, not a file") from None
    if len(data) > limit:
        raise PeersynthError(f"{file.as_posix()} is larger than {limit} bytes; nothing was read",
                             "raise PEERSYNTH_MAX_FILE_BYTES if the file is meant to be this "
                             "large")
    return data


def _refuse_existing(into: Path, names: list[str], force: bool) -> None:
    if force:
        return
    existing = [(into / name).as_posix() for name in names if os.path.lexists(into / name)]
    if existing:
        raise UsageError(f"{' and '.join(existing)} already exist(s); nothing was written",
                         "add --force to replace, or import --into another folder")


def _report(diagnostics: list[Diagnostic]) -> None:
    from peersynth.diagnostics import Severity

    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key()):
        say(diagnostic.text())
    if any(d.severity is Severity.ERROR for d in diagnostics):
        say("nothing was written")
        raise typer.Exit(1)


def _yaml(data: dict[str, Any], source: Path, command: str) -> bytes:
    import yaml

    head = f"# Made by `peersynth import {command}` from {source.name}.\n"
    return (head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
            ).encode("utf-8")


def _write(into: Path, files: dict[str, bytes], force: bool) -> None:
    """Each file whole or not at all; without --force, the ones written are removed again
    if a later one cannot be (as `init` does)."""
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PeersynthError(f"cannot make {into.as_posix()}: {error.strerror or error}") \
            from None
    written: list[Path] = []
    try:
        for name, data in files.items():
            write_output(into / name, data, force=force)
            written.append(into / name)
    except PeersynthError:
        if not force:
            for path in written:
                path.unlink(missing_ok=True)
        raise
    say("wrote " + " and ".join(path.as_posix() for path in written)
        + f"; check with `peersynth validate {into.as_posix()}`")


def _existing_themes(into: Path) -> dict[str, Any]:
    """The themes of the review in `into` by GUID key, to carry their ids and codings over
    to the codes of the same GUID; none when there is no valid review there."""
    from peersynth.exchange.model import Guids, guid_key
    from peersynth.files import STUDIES_FILE, THEMES_FILE
    from peersynth.validate import validate_folder

    if not (into / THEMES_FILE).exists() or not (into / STUDIES_FILE).exists():
        return {}
    report = validate_folder(into)
    if report.review is None:
        say(f"{into.as_posix()} does not validate: no codings are carried over from it")
        return {}
    review: Review = report.review
    guids = Guids(review)
    return {guid_key(guids.theme(theme)): theme for theme, _ in review.themes_file.walk()}


@import_app.command("qdc")
@handles_errors
def import_qdc(
    file: FileArgument,
    into: IntoOption = DEFAULT_DATA,
    force: ImportForce = False,
) -> None:
    """Make themes.yaml from a REFI-QDA codebook (.qdc).

    Codes become themes (name as label, description, the tree as subthemes), each
    keeping its GUID as `refi_guid`. Into a folder whose review validates (with
    --force), a code with the GUID of an existing theme keeps that theme's id,
    codings and reported count. Problems are reported with the element and line;
    errors write nothing (exit 1).

    **Examples**

        peersynth import qdc codebook.qdc --into my-review

        peersynth import qdc codebook.qdc --into my-review --force
    """
    from peersynth.exchange import model, refi
    from peersynth.files import THEMES_FILE

    _refuse_existing(into, [THEMES_FILE], force)
    found = refi.read_codebook(file.as_posix(), _read_input(file))
    _report(found.diagnostics)
    assert found.project is not None
    kept = _existing_themes(into) if force else {}
    themes = {"themes": model.theme_entries(found.project.codes, {}, kept)}
    codes = sum(1 for top in found.project.codes for _ in top.walk())
    carried = sum(1 for top in found.project.codes for code in top.walk()
                  if model.guid_key(code.guid) in kept)
    lines = [f"read {codes} codes" + (f"; {carried} keep the id and codings of the theme "
                                       "with their GUID" if kept else ""), *found.summary()]
    left = [theme.id for key, theme in kept.items()
            if key not in {model.guid_key(code.guid) for top in found.project.codes
                           for code in top.walk()}]
    if left:
        lines.append("not in the codebook, so left out with their codings: "
                     + ", ".join(left))
    _report_lines(lines)
    _write(into, {THEMES_FILE: _yaml(themes, file, "qdc")}, force)


def _report_lines(lines: list[str]) -> None:
    for line in lines:
        say(line)


@import_app.command("qdpx")
@handles_errors
def import_qdpx(
    file: FileArgument,
    into: IntoOption = DEFAULT_DATA,
    force: ImportForce = False,
) -> None:
    """Make studies.yaml and themes.yaml from a REFI-QDA project (.qdpx).

    Cases become studies (or sources, in a project without cases), their variables
    characteristics (country, design, quality, year, ...) or attributes, and a code
    applied anywhere in a study's case or sources one coding of that study, with
    the selected text as evidence. The mapping of variables and what was left out
    are reported; problems name the element and line; errors write nothing (exit 1).

    **Examples**

        peersynth import qdpx project.qdpx --into my-review

        peersynth import qdpx atlas-export.qdpx --into my-review --force
    """
    from peersynth.exchange import model, refi
    from peersynth.files import STUDIES_FILE, THEMES_FILE, Limits

    _refuse_existing(into, [STUDIES_FILE, THEMES_FILE], force)
    if not file.exists():
        raise PeersynthError(f"{file.as_posix()} does not exist",
                             "give the path of the file the QDA program exported")
    found = refi.read_project(file.as_posix(), file,
                              max_bytes=Limits.from_env().max_file_bytes)
    if found.project is None:
        _report(found.diagnostics)
    assert found.project is not None
    made = model.review_of(found.project, found.project_file)
    _report(found.diagnostics + made.diagnostics)
    assert made.studies is not None
    assert made.themes is not None
    _report_lines([*made.summary, *found.summary()])
    _write(into, {STUDIES_FILE: _yaml(made.studies, file, "qdpx"),
                  THEMES_FILE: _yaml(made.themes, file, "qdpx")}, force)


# ---------------------------------------------------------------------------
# Spreadsheets

SheetFileArgument = Annotated[
    Path, typer.Argument(metavar="FILE", dir_okay=False, show_default=False,
                         help="The .xlsx workbook or .csv file.")]


@export_app.command("sheet")
@handles_errors
def export_sheet(
    file: SheetFileArgument,
    folder: FolderArgument = None,
    data: DataOption = DEFAULT_DATA,
    force: ImportForce = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Write the review as an Excel workbook (.xlsx) to FILE.

    Sheets: Characteristics (a row a study: id, ref, authors, year, title, journal,
    DOI, country, design, quality, note, key and attributes, as `import sheet
    --studies` reads them), Summary (the counts `peersynth studies` prints), Matrix
    (studies by themes, as `peersynth matrix`, and as `import sheet --matrix` reads
    it) and Tally. An export made twice is the same file; a text cell is always text,
    never a formula. Never over an existing FILE without --force.

    **Examples**

        peersynth export sheet review.xlsx

        peersynth export sheet review.xlsx my-review/ --force
    """
    from peersynth.exchange import sheet

    if file.suffix.lower() != ".xlsx":
        raise UsageError(f"{file.as_posix()}: export sheet writes an Excel workbook; give "
                         "a FILE ending in .xlsx",
                         "for CSV, use --format csv of tally, matrix or characteristics")
    check_output(file, force=force, binary=False)
    review = load_review(pick_folder(folder, data), no_cache=no_cache)
    deliver(sheet.workbook_bytes(review), file, force=force)
    say(f"wrote {file.as_posix()}: sheets " + ", ".join(sheet.SHEETS))


@import_app.command("sheet")
@handles_errors
def import_sheet(
    file: SheetFileArgument,
    studies: Annotated[bool, typer.Option(
        "--studies", help="A data-extraction table, a row a study: makes studies.yaml.")
    ] = False,
    matrix: Annotated[bool, typer.Option(
        "--matrix", help="A study x theme matrix of marks: makes themes.yaml.")] = False,
    into: IntoOption = DEFAULT_DATA,
    maps: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045 - typer reads it
        "--map", metavar="COLUMN=FIELD",
        help="Read COLUMN as FIELD (id, ref, authors, year, title, journal, doi, key, "
             "countries, design, quality, note, attribute, attribute:NAME or skip; with "
             "--matrix: id, theme or skip). Repeatable.")] = None,
    sheet_name: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer reads it
        "--sheet", metavar="NAME",
        help="The workbook's sheet to read (default: one named Characteristics or "
             "Studies for --studies, Matrix for --matrix, else the first).")] = None,
    force: ImportForce = False,
) -> None:
    """Make studies.yaml (--studies) or themes.yaml (--matrix) from a spreadsheet.

    --studies: one row a study under a heading row; columns become fields by name
    (case and spacing aside: `Study ID` -> id, `Country` -> countries, `Study design`
    -> design, `Publication year` -> year...) or as --map says, the rest attributes.
    --matrix: a row a study, a column a theme (its heading the label); a cell marked
    1, x, ✓, yes, y or true is a coding, one marked 0, no, n, false or blank is not,
    anything else an error naming its cell. Excel's merged headings, dates, empty rows,
    semicolons and Windows-1252 CSV are read as meant. Problems name the cell; errors
    write nothing (exit 1); an existing file is replaced only with --force.

    **Examples**

        peersynth import sheet extraction.csv --studies --into my-review

        peersynth import sheet coding.xlsx --matrix --into my-review

        peersynth import sheet data.xlsx --studies --map "Setting type=attribute:setting"
    """
    from peersynth.exchange import sheet
    from peersynth.files import STUDIES_FILE, THEMES_FILE, Limits

    if studies == matrix:
        raise UsageError("say what the sheet holds: --studies (a row a study) or --matrix "
                         "(a study x theme matrix)")
    target = STUDIES_FILE if studies else THEMES_FILE
    mapped = sheet.parse_maps(maps or [], matrix=matrix)
    _refuse_existing(into, [target], force)
    prefer = ("characteristics", "studies", "data extraction", "extraction") if studies \
        else ("matrix",)
    found = sheet.read_table(file.as_posix(), _read_input(file), sheet=sheet_name,
                             prefer=prefer, max_bytes=Limits.from_env().max_file_bytes)
    _report(found.diagnostics)
    assert found.table is not None
    if studies:
        made = sheet.studies_of(found.table, mapped)
    else:
        made = sheet.matrix_of(found.table, mapped, _known_studies(into))
    _report(found.diagnostics + made.diagnostics)
    _report_lines(made.summary)
    data = made.studies if studies else made.themes
    assert data is not None
    _write(into, {target: _yaml(data, file, "sheet")}, force)


def _known_studies(into: Path) -> dict[str, str] | None:
    """The studies a matrix's rows are matched to: those of the studies.yaml in `into`
    (by id or author-year label), or None (ids taken as written) when there is none.
    Read for its ids, authors and years alone: themes.yaml may not be there yet."""
    import yaml

    from peersynth.exchange.sheet import known_studies
    from peersynth.files import STUDIES_FILE
    from peersynth.review import Review, StudiesFile, Study, ThemesFile

    path = into / STUDIES_FILE
    if not path.exists():
        say(f"no {path.as_posix()}: the matrix's study ids are taken as written; import "
            "the studies too")
        return None
    try:
        data = yaml.safe_load(_read_input(path))
    except (yaml.YAMLError, UnicodeDecodeError):
        data = None
    entries = data.get("studies") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        say(f"{path.as_posix()} cannot be read: the matrix's study ids are taken as written")
        return None
    studies = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            authors = entry.get("authors")
            year = entry.get("year")
            studies.append(Study(entry["id"], authors=[str(a) for a in authors]
                                 if isinstance(authors, list) else None,
                                 year=year if type(year) is int else None))
    return known_studies(Review(StudiesFile(None, {}, studies), ThemesFile([])))
