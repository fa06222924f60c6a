"""No value from a review reaches stdout or stderr able to drive a terminal or a CI log.

A label, author, country or attribute may hold any character YAML can write ("\\e",
"\\a", "\\n", "\\u202e"). Every output format must show such characters as visible
escapes: a raw ESC would recolour or retitle the terminal, a raw line break lets a
label start a line of its own ("::error ...", a GitHub Actions workflow command),
and a bidi override makes text read in another order than it is stored.
"""

from __future__ import annotations

import csv
import html as html_module
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from peersynth import analysis, render
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.escape import json_safe, visible
from peersynth.render import CiteFormat, Grid, TableFormat
from peersynth.render_diagnostics import ReportFormat, as_github, render_report, summary
from peersynth.report import Report
from reviewkit import load, run, write_review

# Anything that is not ordinary printable text: C0 but the line feed that ends a line,
# DEL, C1, the Unicode line and paragraph separators and the bidi embeddings, overrides
# and isolates.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# Double-quoted YAML, so the escapes below are the characters themselves.
HOSTILE_STUDIES = r"""
studies:
  - id: a
    ref: 1
    authors: ["Ev\e]0;owned\ail K"]
    year: 2020
    countries: ["No\u202Eway\x9b"]
    design: qualitative
    quality: good
    attributes: {"set\e[1mting": "com\nmunity\x7f"}
  - id: b
    ref: 2
    authors: ["Bob B"]
    year: 2021
    countries: [Chile]
    design: qualitative
    quality: good
"""
HOSTILE_THEMES = r"""
themes:
  - id: t
    label: "X\n::error file=x::boom"
    studies: [a, b]
    subthemes:
      - id: u
        label: "Sub\e[31mred\u2066"
        studies: [a]
"""
LABEL = "X\n::error file=x::boom"
SHOWN_LABEL = "X\\n::error file=x::boom"
SHOWN_SUB = "Sub\\u001b[31mred\\u2066"
FIELD = "set\x1b[1mting"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_review(tmp_path / "hostile", HOSTILE_STUDIES, HOSTILE_THEMES)


def assert_safe(text: str) -> None:
    raw = RAW.search(text)
    assert raw is None, f"raw {raw.group()!r} at {raw.start()}: {text!r}"
    commands = [line for line in text.splitlines() if line.lstrip().startswith("::")]
    assert not commands, commands


# the function


@pytest.mark.parametrize(("text", "shown"), [
    ("a\nb", "a\\nb"),
    ("a\rb\tc", "a\\rb\\tc"),
    ("\x1b[31m", "\\u001b[31m"),
    ("bell\x07", "bell\\u0007"),
    ("\x00", "\\u0000"),
    ("del\x7f", "del\\u007f"),
    ("csi\x9b", "csi\\u009b"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("\u202aembed\u202eoverride", "\\u202aembed\\u202eoverride"),
    ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
    ("folder\udcff", "folder\\udcff"),  # an undecodable byte of a path, as Python reads it
])
def test_visible_shows_controls_as_escapes(text: str, shown: str) -> None:
    assert visible(text) == shown


@pytest.mark.parametrize("text", [
    "", "Role clarity", "Ångström & Nguyễn 2019", "日本", "[33\u201342]", "\u2713",
    "a\u00a0b", "a\u2003b",  # no-break and em spaces are printable text
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew: right-to-left by itself, no override needed
    "back\\slash",
])
def test_visible_leaves_printable_text_alone(text: str) -> None:
    assert visible(text) == text


def test_json_safe_escapes_what_json_leaves_raw_and_reads_back() -> None:
    value = "a\x7fb\x9bc\u2028d\u202ee\udcff"
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert text == '"a\\u007fb\\u009bc\\u2028d\\u202ee\\udcff"'
    assert json.loads(text) == value
    text.encode("utf-8")  # a lone surrogate could not have been written


def test_visible_is_idempotent() -> None:
    once = visible("\x1b\n\u202e")
    assert visible(once) == once


# every format of every reporting command, end to end


COMMANDS = [
    (command, fmt)
    for command in ("tally", "matrix", "studies")
    for fmt in ("table", "markdown", "latex", "csv", "json")
] + [("cite", fmt) for fmt in ("table", "markdown", "csv", "json")]


@pytest.mark.parametrize(("command", "fmt"), COMMANDS)
def test_every_format_escapes_controls(hostile: Path, command: str, fmt: str) -> None:
    result = run(command, "--data", hostile, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    assert_safe(result.stderr)


@pytest.mark.parametrize("args", [
    ("tally", "--by", FIELD), ("tally", "--by", "country"), ("studies", "--by", FIELD),
    ("tally", "--by", FIELD, "--format", "markdown"), ("tally", "--by", FIELD, "-f", "csv"),
    ("cite", "t"), ("cite", "u", "--style", "author-year"), ("cite", "--style", "author-year"),
    ("matrix", "--format", "latex"),
])
def test_crosstabs_and_single_citations_escape_controls(hostile: Path,
                                                        args: tuple[str, ...]) -> None:
    result = run(*args, "--data", hostile)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)


def test_a_label_cannot_start_a_workflow_command(hostile: Path) -> None:
    lines = run("tally", "--data", hostile).stdout.splitlines()
    # Worked out by hand: escaped, the label takes 23 columns and the indented
    # subtheme 24, the width of the Theme column.
    assert lines[2] == f"{SHOWN_LABEL}   2/2  100%"
    assert lines[3] == f"  {SHOWN_SUB}  1/2   50%"


def test_single_citation_line_is_escaped(hostile: Path) -> None:
    assert run("cite", "t", "--data", hostile).stdout == f"{SHOWN_LABEL} (2/2): [1, 2]\n"


def test_csv_escapes_line_breaks_instead_of_quoting_them(hostile: Path) -> None:
    # A quoted line break is valid CSV, but `peersynth tally -f csv` in a CI log would
    # still put "::error ..." at the start of a line: csv cells are escaped like the rest.
    rows = list(csv.reader(io.StringIO(run("tally", "--data", hostile, "-f", "csv").stdout)))
    assert rows[1] == ["t", SHOWN_LABEL, "0", "2", "2", "100"]
    assert rows[2] == ["u", SHOWN_SUB, "1", "1", "2", "50"]


def test_json_keeps_values_exact_and_escapes_every_control(hostile: Path) -> None:
    out = run("tally", "--data", hostile, "-f", "json").stdout
    assert_safe(out)
    themes = json.loads(out)["themes"]
    # JSON's own \u escapes: the values read back exactly as the review holds them.
    assert themes[0]["label"] == LABEL
    assert themes[1]["label"] == "Sub\x1b[31mred\u2066"
    countries = json.loads(run("studies", "--data", hostile, "-f", "json").stdout)
    values = [row["value"] for row in countries["characteristics"][0]["rows"]]
    assert "No\u202eway\x9b" in values


def test_markdown_and_latex_show_the_escape(hostile: Path) -> None:
    md = run("tally", "--data", hostile, "-f", "markdown").stdout.splitlines()
    # The backslash of "\n" is itself escaped so that markdown shows it.
    assert md[2] == "| X\\\\n::error file=x::boom | 2/2 | 100% |"
    tex = run("tally", "--data", hostile, "-f", "latex").stdout
    assert "X\\textbackslash{}n::error file=x::boom & 2/2 & 100\\% \\\\" in tex


def test_stderr_hints_quote_values_escaped(hostile: Path) -> None:
    result = run("studies", "--by", "settinx", "--data", hostile)
    assert result.exit_code != 0
    assert "set\\u001b[1mting" in result.stderr
    assert_safe(result.stderr)


def test_rich_table_escapes_controls(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    out = render.render_tally(analysis.tally(load(hostile)), TableFormat.table,
                              is_terminal=True, width=100)
    # rich's own styles (the bold header) may use ESC; the review's must not.
    assert "\x1b[31m" not in out
    assert SHOWN_SUB in out
    assert SHOWN_LABEL in out
    assert_safe(re.sub("\x1b\\[[0-9;]*m", "", out))


def test_every_grid_renderer_escapes_headers_rows_and_totals() -> None:
    grid = Grid(["H\x1b", "n"], [["r\u202e", "1"]], "lr", totals=["t\n", "1"])
    for out in (render.plain(grid), render.markdown(grid), render.latex(grid),
                render.styled(grid, 60)):
        assert_safe(out)
        assert "u001b" in out
        assert "u202e" in out


def test_matrix_terminal_legend_is_escaped(hostile: Path) -> None:
    out = render.render_matrix(analysis.matrix(load(hostile)), TableFormat.table,
                               is_terminal=True, width=100)
    assert_safe(out)
    assert SHOWN_LABEL in out


def test_citation_map_in_every_style_is_escaped(hostile: Path) -> None:
    review = load(hostile)
    for style in analysis.Style:
        for fmt in CiteFormat:
            assert_safe(render.render_citations(analysis.citations(review, style), fmt))


# validation reports


def _report(message: str, folder: str = "data") -> Report:
    diagnostic = Diagnostic("invalid-value", Severity.ERROR, "data/studies.yaml", 3, 5,
                            message, "hint\x1b[2J")
    return Report(Path(folder), ("studies.yaml", "themes.yaml"), (diagnostic,), None)


def test_diagnostic_text_escapes_bidi_overrides() -> None:
    text = _report("value 'a\u202eb'").diagnostics[0].text()
    assert text == ("data/studies.yaml:3:5: error[invalid-value] value 'a\\u202eb' "
                    "(hint\\u001b[2J)")


def test_github_annotations_keep_line_breaks_encoded_and_escape_other_controls() -> None:
    out = as_github(_report("one\ntwo \x1b]0;x\x07 \u2066"))
    assert out == ("::error file=data/studies.yaml,line=3,col=5,title=invalid-value::"
                   "one%0Atwo \\u001b]0;x\\u0007 \\u2066 (hint\\u001b[2J)\n")


def test_every_report_format_is_safe() -> None:
    report = _report("bad \x1b[31m\n::error::x \u202e\x85")
    for fmt in (ReportFormat.text, ReportFormat.json):
        assert_safe(render_report(report, fmt, strict=False))
    github = render_report(report, ReportFormat.github, strict=False)
    assert RAW.search(github) is None
    # One annotation, one line: the message's own "::error::" stays inside it.
    assert github.count("\n") == 1
    assert github.startswith("::error file=")


def test_json_report_reads_back_exactly() -> None:
    body = json.loads(render_report(_report("a\x9bb\u2028c"), ReportFormat.json, False))
    assert body["diagnostics"][0]["message"] == "a\x9bb\u2028c"


def test_summary_escapes_the_folder() -> None:
    line = summary(_report("x", folder="re\nview\x1b"), strict=False)
    assert line == "re\\nview\\u001b: invalid: 1 error, 0 warnings"


# figures, the HTML report and the exchange formats


@pytest.mark.parametrize("kind", ["flow", "matrix", "tally", "quality", "countries"])
def test_every_figure_shows_controls_as_escapes_and_is_well_formed_xml(
        hostile: Path, kind: str) -> None:
    from lxml import etree

    result = run("figure", kind, hostile)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    # No warning about glyphs missing for control characters: they are drawn as escapes.
    assert result.stderr == ""
    etree.fromstring(result.stdout.encode())  # raises on a character XML cannot hold
    if kind in ("matrix", "tally"):
        assert "::error file=x::boom" in result.stdout
        assert "\\u001b[31m" in result.stdout  # the subtheme's ESC, shown


def test_the_report_shows_controls_as_escapes(hostile: Path) -> None:
    result = run("report", hostile)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    assert_safe(result.stderr)
    assert "Sub\\u001b[31mred\\u2066" in result.stdout


def test_a_codebook_on_stdout_holds_no_raw_control_and_reads_back_exactly(
        hostile: Path) -> None:
    from lxml import etree

    result = run("export", "qdc", hostile)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    names = [code.get("name") for code in etree.fromstring(result.stdout.encode()).iter(
        "{*}Code")]
    # What XML 1.0 can hold is kept exactly (U+2066 as a character reference); ESC and
    # the line feed of an attribute are not in it (ESC) or read back as written.
    assert "Sub\ufffd[31mred\u2066" in names
    assert LABEL in names


def test_a_workbook_holds_what_xlsx_cannot_as_escapes(hostile: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "review.xlsx"
    result = run("export", "sheet", out, hostile)
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    cells = {str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if cell.value is not None}
    # ESC cannot be stored in a worksheet: it is written as its escape; the line feed,
    # which a cell holds, is kept.
    assert "Sub\\u001b[31mred\u2066" in cells
    assert LABEL in cells


def test_a_project_is_written_with_controls_in_its_values(hostile: Path, tmp_path: Path) -> None:
    result = run("export", "qdpx", hostile, "--output", tmp_path / "review.qdpx")
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout)
    assert_safe(result.stderr)


# markdown: text from the review is never markup


MARKUP = "<img src=x onerror=alert(1)> &amp; A|B `c` \\ end"


def test_a_markdown_cell_shows_markup_as_text() -> None:
    out = render.markdown(Grid(["Theme"], [[MARKUP]], "l", depths=[1]))
    row = out.splitlines()[2]
    # The em space that indents a subtheme is the only entity the table writes itself.
    assert row == ("| &emsp;&lt;img src=x onerror=alert(1)> &amp;amp; A\\|B \\`c\\` "
                   "\\\\ end |")


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_renders_a_markdown_table_cell_as_the_text_written(tmp_path: Path) -> None:
    out = render.markdown(Grid(["Theme", "n"], [[MARKUP, "1"]], "lr"))
    html = subprocess.run(["pandoc", "-f", "gfm", "-t", "html"], input=out, text=True,
                          capture_output=True, check=True).stdout
    assert "<img" not in html
    cell = re.search(r"<td[^>]*>(.*?)</td>", html, re.S)
    assert cell is not None
    assert html_module.unescape(cell.group(1)).strip() == MARKUP
