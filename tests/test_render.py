"""render: each format of each result, checked against answers worked out by hand."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from peersynth import analysis, render
from peersynth.analysis import Style
from peersynth.render import CiteFormat, Grid, TableFormat
from peersynth.review import Review
from reviewkit import DATA, load, small, write_review

BOX = set("─│┃━┏┓┗┛╭╮╰╯┡┩")


@pytest.fixture
def review(tmp_path: Path) -> Review:
    return load(small(tmp_path))


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# the grid


def test_plain_aligns_columns_and_indents_without_box_or_colour() -> None:
    grid = Grid(["Theme", "n"], [["Top", "10"], ["Sub", "2"]], "lr", [0, 1])
    assert render.plain(grid) == (
        "Theme   n\n"
        "-----  --\n"
        "Top    10\n"
        "  Sub   2\n")


def test_plain_sets_totals_apart_and_centres_marks() -> None:
    grid = Grid(["Study", "Theme"], [["a", "\u2713"]], "lc", totals=["Total", "1"])
    assert render.plain(grid) == (
        "Study  Theme\n"
        "-----  -----\n"
        "a        \u2713\n"
        "-----  -----\n"
        "Total    1\n")


def test_plain_counts_wide_characters_twice() -> None:
    grid = Grid(["A", "B"], [["日本", "x"], ["ab", "y"]], "ll")
    lines = render.plain(grid).splitlines()
    assert lines[2] == "日本  x"
    assert lines[3] == "ab    y"


def test_plain_measures_and_pads_each_distinct_text_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A matrix of 2,000 rows holds 4,000 marks but three distinct texts in its mark
    # columns: measuring every cell made a 10,000-study matrix spend most of its time here.
    measured: list[str] = []
    padded: list[str] = []
    width, pad = render._width, render._pad

    def counted_width(text: str) -> int:
        measured.append(text)
        return width(text)

    def counted_pad(text: str, *rest: Any) -> str:
        padded.append(text)
        return pad(text, *rest)

    monkeypatch.setattr(render, "_width", counted_width)
    monkeypatch.setattr(render, "_pad", counted_pad)
    rows = [[f"s{i}", "\u2713" if i % 2 else "", "\u2713" if i % 3 else ""]
            for i in range(2000)]
    out = render.plain(Grid(["Study", "A", "B"], rows, "lcc"))
    # Every study's label, each header, and "" and the mark: once each.
    assert sorted(measured) == sorted({*(row[0] for row in rows), "Study", "A", "B", "",
                                       "\u2713"})
    assert len(padded) == 2000 + 1 + 2 * 3  # the first column's texts, then A's and B's
    assert out.splitlines()[3] == "s1     \u2713  \u2713"
    assert out.splitlines()[2] == "s0"


def test_plain_refuses_a_row_of_another_length() -> None:
    with pytest.raises(ValueError, match="shorter"):
        render.plain(Grid(["A", "B"], [["x"]], "ll"))


def test_styled_table_draws_a_rich_table_and_keeps_brackets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    grid = Grid(["Theme", "Citation"], [["[bold]x[/bold]", "[1\u20133]"]], "ll")
    out = render.table(grid, is_terminal=True, width=60)
    assert "─" in out  # the header rule
    assert "\x1b[" in out  # a bold header
    assert "[bold]x[/bold]" in out
    assert "[1\u20133]" in out


def test_markdown_escapes_pipes_and_indents_with_em_spaces() -> None:
    grid = Grid(["Theme", "n"], [["A | B", "1"], ["Sub", "2"]], "lr", [0, 2])
    assert render.markdown(grid) == (
        "| Theme | n |\n"
        "|---|---:|\n"
        "| A \\| B | 1 |\n"
        "| &emsp;&emsp;Sub | 2 |\n")


def test_latex_escapes_special_characters() -> None:
    assert render.latex_escape("R&D_50% #1 {x} $\\~^") == (
        r"R\&D\_50\% \#1 \{x\} \$\textbackslash{}\textasciitilde{}\textasciicircum{}")


def test_latex_is_a_booktabs_tabular() -> None:
    grid = Grid(["Theme", "%"], [["A & B", "50%"], ["Sub", "1"]], "lr", [0, 1])
    assert render.latex(grid) == (
        "% needs \\usepackage{booktabs}\n"
        "\\begin{tabular}{lr}\n"
        "\\toprule\n"
        "Theme & \\% \\\\\n"
        "\\midrule\n"
        "A \\& B & 50\\% \\\\\n"
        "\\quad Sub & 1 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n")


# tally


def test_tally_plain(review: Review) -> None:
    out = render.render_tally(analysis.tally(review), TableFormat.table)
    assert out == (
        "Theme                n/N     %\n"
        "-------------------  ---  ----\n"
        "Access to care       3/5   60%\n"
        "  Cost               2/5   40%\n"
        "    Insurance cover  2/5   40%\n"
        "Trust                5/5  100%\n"
        "Stigma               1/5   20%\n")


def test_tally_markdown(review: Review) -> None:
    lines = render.render_tally(analysis.tally(review), TableFormat.markdown).splitlines()
    assert lines[:2] == ["| Theme | n/N | % |", "|---|---:|---:|"]
    assert lines[4] == "| &emsp;&emsp;Insurance cover | 2/5 | 40% |"


def test_tally_csv_with_crosstab(review: Review) -> None:
    rows = parse_csv(render.render_tally(analysis.tally(review, by="design"), TableFormat.csv))
    assert rows[0] == ["id", "theme", "depth", "n", "N", "percent",
                       "qualitative n", "qualitative N", "qualitative %",
                       "quantitative n", "quantitative N", "quantitative %",
                       "mixed-methods n", "mixed-methods N", "mixed-methods %"]
    # access: alpha and beta of the three qualitative, gamma the one mixed-methods study.
    assert rows[1] == ["access", "Access to care", "0", "3", "5", "60",
                       "2", "3", "67", "0", "1", "0", "1", "1", "100"]
    assert rows[3][:3] == ["insurance", "Insurance cover", "2"]


def test_tally_csv_leaves_percent_empty_when_n_is_zero(review: Review) -> None:
    result = analysis.tally(review, where=[("country", "Peru")])
    rows = parse_csv(render.render_tally(result, TableFormat.csv))
    assert rows[1] == ["access", "Access to care", "0", "0", "0", ""]


def test_tally_crosstab_table_cells(review: Review) -> None:
    out = render.render_tally(analysis.tally(review, by="country"), TableFormat.table)
    header, _rule, access, *_ = out.splitlines()
    assert re.split(r" {2,}", header) == ["Theme", "All", "Denmark", "Australia",
                                          "Multiple countries"]
    assert access.split() == ["Access", "to", "care", "3/5", "(60%)", "1/2", "(50%)",
                              "1/1", "(100%)", "1/2", "(50%)"]


def test_tally_table_shows_a_dash_for_n_zero(review: Review) -> None:
    result = analysis.tally(review, where=[("design", "quantitative"), ("quality", "poor")])
    lines = render.render_tally(result, TableFormat.table).splitlines()
    assert lines[2].split() == ["Access", "to", "care", "0/0", "\u2013"]


def test_tally_json_shape(review: Review) -> None:
    result = analysis.tally(review, by="country", where=[("quality", "good")])
    body = json.loads(render.render_tally(result, TableFormat.json))
    assert list(body) == ["version", "rollup", "where", "by", "explode", "N", "columns",
                          "themes"]
    assert body["version"] == 1
    assert body["where"] == [{"field": "quality", "value": "good"}]
    assert body["by"] == "country"
    assert body["N"] == 3
    assert body["rollup"] is True
    assert body["columns"] == [
        {"value": "Denmark", "N": 1, "studies": ["alpha"]},
        {"value": "Multiple countries", "N": 2, "studies": ["gamma", "delta"]}]
    access = body["themes"][0]
    assert list(access) == ["id", "label", "depth", "n", "N", "percent", "studies", "columns"]
    # good studies: alpha, gamma, delta; access holds alpha and gamma.
    assert (access["n"], access["N"], access["percent"]) == (2, 3, 67)
    assert access["columns"][1] == {"value": "Multiple countries", "n": 1, "N": 2,
                                    "percent": 50, "studies": ["gamma"]}


def test_tally_json_null_percent(review: Review) -> None:
    result = analysis.tally(review, where=[("country", "Peru")])
    body = json.loads(render.render_tally(result, TableFormat.json))
    assert body["N"] == 0
    assert body["themes"][0]["percent"] is None


def test_tally_latex(review: Review) -> None:
    out = render.render_tally(analysis.tally(review), TableFormat.latex)
    assert "\\begin{tabular}{lrr}" in out
    assert "\\quad \\quad Insurance cover & 2/5 & 40\\% \\\\" in out
    assert out.count("\\toprule") == 1
    assert out.rstrip().endswith("\\end{tabular}")


# cite


def test_single_citation_is_one_line(review: Review) -> None:
    result = analysis.citations(review, theme=analysis.find_theme(review, "trust"))
    for fmt in (CiteFormat.table, CiteFormat.markdown):
        assert render.render_citations(result, fmt, single=True) == \
            "Trust (5/5): [1\u20133, 5] (no ref: epsilon)\n"


def test_citation_map_table(review: Review) -> None:
    out = render.render_citations(analysis.citations(review), CiteFormat.table)
    lines = out.splitlines()
    assert lines[0].split() == ["Theme", "n/N", "Citation"]
    assert lines[3] == "  Cost               2/5  [2, 3]"
    assert lines[5] == "Trust                5/5  [1\u20133, 5] (no ref: epsilon)"


def test_citation_csv_keeps_unnumbered_apart(review: Review) -> None:
    rows = parse_csv(render.render_citations(analysis.citations(review), CiteFormat.csv))
    assert rows[0] == ["id", "theme", "depth", "n", "N", "citation", "no_ref", "studies"]
    assert rows[4] == ["trust", "Trust", "0", "5", "5", "[1\u20133, 5]", "epsilon",
                       "alpha beta gamma delta epsilon"]


def test_citation_json(review: Review) -> None:
    body = json.loads(render.render_citations(
        analysis.citations(review, Style.author_year), CiteFormat.json))
    assert list(body) == ["version", "style", "rollup", "N", "themes"]
    assert body["style"] == "author-year"
    cost = body["themes"][1]
    assert cost == {"id": "cost", "label": "Cost", "depth": 1, "n": 2, "N": 5,
                    "citation": "(Byrne et al. 2019a; Byrne et al. 2019b)", "unnumbered": [],
                    "studies": ["beta", "gamma"]}


def test_citation_markdown_map(review: Review) -> None:
    out = render.render_citations(analysis.citations(review), CiteFormat.markdown)
    assert out.splitlines()[1] == "|---|---:|---|"
    assert "| &emsp;Cost | 2/5 | [2, 3] |" in out.splitlines()


# matrix


def test_matrix_plain(review: Review) -> None:
    out = render.render_matrix(analysis.matrix(review), TableFormat.table)
    lines = out.splitlines()
    assert re.split(r" {2,}", lines[0]) == ["Ref", "Study", "Access to care", "Cost",
                                            "Insurance cover", "Trust", "Stigma", "Themes"]
    # The study column is as wide as its widest label, "Ångström & Nguyễn 2019".
    assert lines[1].split()[1] == "-" * 22
    assert lines[2].split() == ["1", "Ångström", "&", "Nguyễn", "2019", "\u2713", "\u2713",
                                "2"]
    assert lines[6].split() == ["epsilon", "\u2713", "1"]
    assert lines[8].split() == ["Total", "3", "2", "2", "5", "1"]


@pytest.mark.parametrize("rollup", [True, False])
def test_the_plain_matrix_is_the_plain_table_of_its_grid(review: Review, tmp_path: Path,
                                                          rollup: bool) -> None:
    # Written straight from the booleans for speed, it must print what the generic plain
    # table prints: with and without refs, wide and escaped labels, the shipped review.
    from test_output_safety import HOSTILE_STUDIES, HOSTILE_THEMES

    hostile = load(write_review(tmp_path / "hostile", HOSTILE_STUDIES, HOSTILE_THEMES))
    valid = sorted(p for p in (DATA.parent / "tests/data/valid").iterdir() if p.is_dir())
    for each in (review, load(DATA), hostile, *map(load, valid)):
        result = analysis.matrix(each, rollup=rollup)
        assert render.render_matrix(result, TableFormat.table) == render.plain(
            render.matrix_grid(result))


def test_matrix_csv(review: Review) -> None:
    rows = parse_csv(render.render_matrix(analysis.matrix(review, rollup=False),
                                          TableFormat.csv))
    assert rows[0] == ["ref", "id", "study", "Access to care", "Cost", "Insurance cover",
                       "Trust", "Stigma", "total"]
    # The total counts top-level themes: access (through cost and insurance) and trust.
    assert rows[2] == ["2", "beta", "Byrne et al. 2019a", "0", "1", "1", "1", "0", "2"]
    assert rows[5] == ["", "epsilon", "epsilon", "0", "0", "0", "1", "0", "1"]
    assert rows[6] == ["", "", "Total", "1", "1", "2", "5", "1", ""]


def test_matrix_json(review: Review) -> None:
    body = json.loads(render.render_matrix(analysis.matrix(review), TableFormat.json))
    assert list(body) == ["version", "rollup", "N", "themes", "studies"]
    assert body["N"] == 5
    assert body["themes"][2] == {"id": "insurance", "label": "Insurance cover", "depth": 2,
                                 "n": 2}
    assert body["studies"][1] == {"id": "beta", "ref": 2, "label": "Byrne et al. 2019a",
                                  "themes": ["access", "cost", "insurance", "trust"],
                                  "total": 2}
    assert body["studies"][4]["ref"] is None


def test_matrix_markdown_and_latex(review: Review) -> None:
    md = render.render_matrix(analysis.matrix(review), TableFormat.markdown).splitlines()
    assert md[1] == "|---:|---|:---:|:---:|:---:|:---:|:---:|---:|"
    assert md[-1] == "|  | Total | 3 | 2 | 2 | 5 | 1 |  |"
    tex = render.render_matrix(analysis.matrix(review), TableFormat.latex)
    assert "\\usepackage{booktabs, amssymb}" in tex
    assert "1 & Ångström \\& Nguyễn 2019 & \\checkmark &  &  & \\checkmark &  & 2 \\\\" in tex


def test_matrix_without_refs_has_no_ref_column(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n  - id: b\n"
    themes = "themes:\n  - id: t\n    label: T\n    studies: [a, b]\n"
    result = analysis.matrix(load(write_review(tmp_path / "r", studies, themes)))
    lines = render.render_matrix(result, TableFormat.table).splitlines()
    assert lines[0].split() == ["Study", "T", "Themes"]
    assert lines[2].split() == ["a", "\u2713", "1"]


# studies


def test_characteristics_plain(review: Review) -> None:
    out = render.render_characteristics(analysis.characteristics(review), TableFormat.table)
    lines = out.splitlines()
    assert lines[0].split("  ")[0] == "Characteristic"
    assert lines[0].rstrip().endswith("% of 5")
    assert lines[2].split() == ["Country", "Denmark", "2", "40%"]
    assert re.split(r" {2,}", lines[4].strip()) == [
        "Multiple countries (Australia, India, Denmark, Kenya)", "2", "40%"]
    assert lines[-1].split() == ["Year", "range", "2019\u20132021", "5", "100%"]


def test_characteristics_csv_and_json_with_flow(tmp_path: Path) -> None:
    studies = """\
    review:
      flow: {records_screened: 30, full_text_assessed: 9, included: 2}
    studies:
      - id: a
        countries: [Chile, Peru]
      - id: b
        countries: [Chile]
    """
    themes = "themes:\n  - id: t\n    label: T\n    studies: [a, b]\n"
    result = analysis.characteristics(load(write_review(tmp_path / "r", studies, themes)))
    rows = parse_csv(render.render_characteristics(result, TableFormat.csv))
    assert rows[:6] == [
        ["characteristic", "value", "n", "N", "percent", "detail"],
        ["PRISMA flow", "Records screened", "30", "", "", ""],
        ["PRISMA flow", "Reports assessed for eligibility", "9", "", "", ""],
        ["PRISMA flow", "Studies included in review", "2", "", "", ""],
        ["Country", "Chile", "1", "2", "50", ""],
        ["Country", "Multiple countries", "1", "2", "50", "Chile; Peru"]]
    body = json.loads(render.render_characteristics(result, TableFormat.json))
    assert list(body) == ["version", "N", "explode", "flow", "characteristics"]
    assert body["flow"] == {"records_screened": 30, "full_text_assessed": 9, "included": 2}
    country = body["characteristics"][0]
    assert country["field"] == "country"
    assert country["title"] == "Country"
    assert country["rows"][1] == {"value": "Multiple countries", "n": 1, "N": 2, "percent": 50,
                                  "studies": ["a"], "detail": ["Chile", "Peru"]}


def test_characteristics_json_without_flow_is_null(review: Review) -> None:
    body = json.loads(render.render_characteristics(analysis.characteristics(review),
                                                    TableFormat.json))
    assert body["flow"] is None


def test_characteristics_markdown_and_latex(review: Review) -> None:
    result = analysis.characteristics(review)
    md = render.render_characteristics(result, TableFormat.markdown).splitlines()
    assert md[2] == "| Country | Denmark | 2 | 40% |"
    assert md[3] == "|  | Australia | 1 | 20% |"
    tex = render.render_characteristics(result, TableFormat.latex)
    assert "Country & Denmark & 2 & 40\\% \\\\" in tex
    assert "\\begin{tabular}{llrr}" in tex


def test_csv_does_not_import_rich(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from peersynth.cli import app\n"
        "import peersynth.cli.reporting\n"
        "for command in ('tally', 'matrix', 'studies', 'cite'):\n"
        f"    try: app([command, '--data', {str(DATA)!r}, '--format', 'csv'])\n"
        "    except SystemExit as e: assert e.code == 0, e.code\n"
        "print('rich' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env={"PATH": "", "NO_COLOR": "1",
                               "PEERSYNTH_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


def test_a_renamed_multiple_countries_row_still_lists_its_countries(tmp_path: Path) -> None:
    """A real country spelled "Multiple countries" renames the catch-all; the catch-all
    must keep its list of countries, and the real value must not get one."""
    studies = """\
studies:
  - id: a
    countries: [Multiple countries]
  - id: b
    countries: [Kenya, Peru]
"""
    themes = "themes:\n  - id: t\n    label: T\n    studies: [a, b]\n"
    result = analysis.characteristics(load(write_review(tmp_path / "r", studies, themes)))
    out = render.render_characteristics(result, TableFormat.markdown)
    assert "| Multiple countries (more than one) (Kenya, Peru) | 1 |" in out
    assert "| Multiple countries | 1 |" in out
