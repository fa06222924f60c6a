"""characteristics (Table 1) and evidence, through the command line.

Expected values are worked out by hand from data/studies.yaml, data/themes.yaml and
../shared/review/FACTS.md (cited as FACTS), or from the small review of reviewkit.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import peersynth.cli.tables  # noqa: F401 - registers characteristics and evidence
from peersynth.cli import app
from reviewkit import DATA, REPO, plain_rows, run, small, write_review

DASH = "\u2013"
REFS = list(range(33, 49))  # FACTS: the included studies are references 33-48


def ok(*args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def as_json(*args: str | Path) -> Any:
    value = json.loads(ok(*args, "--format", "json"))
    assert isinstance(value, dict)
    return value


def study_values(body: Any) -> list[Any]:
    studies = body["studies"]
    assert isinstance(studies, list)
    return studies


# ---------------------------------------------------------------------------
# characteristics on the shipped review


def test_rows_are_the_sixteen_studies_in_reference_order() -> None:
    body = as_json("characteristics", "--data", DATA)
    studies = study_values(body)
    assert body["N"] == 16
    assert [s["ref"] for s in studies] == REFS
    assert [s["id"] for s in studies] == [f"ref{n}" for n in REFS]


def test_default_columns_are_what_the_studies_report() -> None:
    # Every study has a ref, country, design and quality; refs 38 and 44 have a year and
    # the one attribute, lived_experience_coauthor. No study has a title or a journal.
    body = as_json("characteristics", "--data", DATA)
    columns = body["columns"]
    assert isinstance(columns, list)
    assert [c["key"] for c in columns] == ["study", "ref", "year", "country", "design",
                                           "quality", "attribute:lived_experience_coauthor"]
    assert [c["title"] for c in columns] == ["Study", "Ref", "Year", "Country", "Design",
                                             "Quality", "Lived experience coauthor"]


def test_values_come_from_the_data_and_nothing_is_invented() -> None:
    by_id = {s["id"]: s["values"] for s in study_values(
        as_json("characteristics", "--data", DATA))}
    # FACTS: Table 1 gives Berry C, Hayward M, Chandler R (2011), United Kingdom,
    # qualitative, co-authorship yes; the data rates its quality fair.
    assert by_id["ref44"] == {"study": "Berry et al. 2011", "ref": 44, "year": 2011,
                              "country": ["United Kingdom"], "design": "qualitative",
                              "quality": "fair", "attribute:lived_experience_coauthor": "yes"}
    # Byrne et al. (2021), United States, qualitative; quality good.
    assert by_id["ref38"]["year"] == 2021
    assert by_id["ref38"]["country"] == ["United States"]
    # ref33: no year nor attribute in the data, so none in the table.
    assert by_id["ref33"]["year"] is None
    assert by_id["ref33"]["attribute:lived_experience_coauthor"] is None
    # One of the two multi-country studies: every country, in the order written.
    assert by_id["ref48"]["country"] == ["India", "Israel", "Germany", "Tanzania",
                                         "Uganda"]


def test_missing_values_show_as_an_en_dash_in_the_table() -> None:
    out = ok("characteristics", "--data", DATA, "--columns", "id,year,country")
    rows = plain_rows(out)
    assert rows[0] == ["ref33", DASH, "United States"]
    assert rows[11] == ["ref44", "2011", "United Kingdom"]
    assert len(rows) == 16


def test_readme_example_is_what_the_commands_print(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's section on tables shows real output. By hand: the UK studies are
    refs 43 (good, no year, no attribute) and 44 (Berry et al. 2011, fair, yes); the
    professional supervision codings are the six references FACTS lists for Subtheme 3
    (33, 38, 41, 42, 45, 46) and, to complete its count of 8, the lowest uncited
    ones, 34 and 35."""
    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Tables for the manuscript", 1)[1]
    block = section.split("```\n", 2)[1]
    runs = [chunk.partition("\n") for chunk in block.split("$ peersynth ")[1:]]
    assert len(runs) == 2
    for command, _, output in runs:
        result = CliRunner().invoke(app, shlex.split(command))
        assert result.exit_code == 0, command
        assert result.stdout == output, command
    supervision = runs[1][2]
    refs = [int(m) for m in re.findall(r"^\| &emsp;[^|]+\| (\d+) \|", supervision, re.M)]
    assert refs == [33, 34, 35, 38, 41, 42, 45, 46]


# ---------------------------------------------------------------------------
# columns


def test_columns_in_the_order_given_and_each_once() -> None:
    body = as_json("characteristics", "--data", DATA, "--columns", "quality, ID",
                   "-c", "countries,quality")
    assert [c["key"] for c in body["columns"]] == ["quality", "id", "country"]


def test_an_attribute_by_its_bare_name_or_any_spelling() -> None:
    for name in ("attribute:lived_experience_coauthor", "Lived-Experience-Coauthor"):
        body = as_json("characteristics", "--data", DATA, "--columns", f"id,{name}")
        values = {s["id"]: s["values"] for s in study_values(body)}
        assert values["ref38"] == {"id": "ref38",
                                   "attribute:lived_experience_coauthor": "yes"}


def test_unknown_column_is_a_usage_error_naming_the_nearest() -> None:
    result = run("characteristics", "--data", DATA, "--columns", "study,yeer")
    assert result.exit_code == 2
    assert "unknown column 'yeer'" in result.stderr
    assert "did you mean 'year'?" in result.stderr
    assert "attribute:lived_experience_coauthor" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_unknown_attribute_suggests_the_attribute_column() -> None:
    result = run("characteristics", "--data", DATA, "--columns", "attribute:lived_experience")
    assert result.exit_code == 2
    assert "did you mean 'attribute:lived_experience_coauthor'?" in result.stderr


def test_empty_columns_is_a_usage_error() -> None:
    result = run("characteristics", "--data", DATA, "--columns", " , ")
    assert result.exit_code == 2
    assert "--columns names no column" in result.stderr


# ---------------------------------------------------------------------------
# grouping and filtering


def test_group_by_design_in_vocabulary_order() -> None:
    # FACTS: qualitative 13, mixed methods 3; the design vocabulary is qualitative,
    # quantitative, mixed-methods, and no study is quantitative, so it has no group.
    body = as_json("characteristics", "--data", DATA, "--group-by", "design")
    assert body["group_by"] == "design"
    assert body["groups"] == [
        {"value": "qualitative", "studies": [f"ref{n}" for n in range(33, 46)]},
        {"value": "mixed-methods", "studies": ["ref46", "ref47", "ref48"]}]
    # The design column is left out: its value heads each group.
    assert "design" not in [c["key"] for c in body["columns"]]
    assert [s["group"] for s in study_values(body)] == ["qualitative"] * 13 + \
        ["mixed-methods"] * 3


def test_group_by_country_most_studies_first_multiple_last() -> None:
    # FACTS: United States 7, Australia 3, United Kingdom 2, Finland 1, Singapore 1,
    # multiple countries 2 (refs 47 and 48).
    body = as_json("characteristics", "--data", DATA, "--group-by", "country")
    groups = body["groups"]
    assert isinstance(groups, list)
    assert [(g["value"], len(g["studies"])) for g in groups] == [
        ("United States", 7), ("Australia", 3), ("United Kingdom", 2), ("Finland", 1),
        ("Singapore", 1), ("Multiple countries", 2)]
    assert groups[-1]["studies"] == ["ref47", "ref48"]


def test_grouped_table_heads_each_group_and_indents_its_rows() -> None:
    out = ok("characteristics", "--data", DATA, "--group-by", "quality", "--columns", "id,ref")
    lines = out.splitlines()
    # FACTS: good 11 (refs 33-43), fair 5 (44-48), poor 0 (no heading).
    assert lines[2].strip() == "good (n = 11)"
    assert lines[3].startswith("  ref33")
    assert lines[14].strip() == "fair (n = 5)"
    assert lines[15].startswith("  ref44")
    assert len(lines) == 2 + 2 + 16
    assert "poor" not in out


def test_grouped_markdown_and_latex_headings() -> None:
    markdown = ok("characteristics", "--data", DATA, "--group-by", "design", "--columns",
                  "study,ref", "--format", "markdown")
    assert "| **mixed-methods (n = 3)** |  |" in markdown
    assert "| &emsp;ref46 | 46 |" in markdown
    latex = ok("characteristics", "--data", DATA, "--group-by", "design", "--columns",
               "study,ref", "--format", "latex")
    assert r"\multicolumn{2}{l}{\textbf{qualitative (n = 13)}} \\" in latex
    assert r"\quad ref33 & 33 \\" in latex


def test_group_by_unknown_field_is_a_usage_error() -> None:
    result = run("characteristics", "--data", DATA, "--group-by", "desing")
    assert result.exit_code == 2
    assert "did you mean 'design'?" in result.stderr


def test_where_keeps_the_matching_studies() -> None:
    # "UK" is an alias of United Kingdom: refs 43 and 44.
    body = as_json("characteristics", "--data", DATA, "--where", "country=UK")
    assert [s["id"] for s in study_values(body)] == ["ref43", "ref44"]
    assert body["N"] == 2
    assert body["where"] == [{"field": "country", "value": "UK"}]


def test_where_matching_nothing_notes_the_nearest_value() -> None:
    result = run("characteristics", "--data", DATA, "--where", "country=Finlnd")
    assert result.exit_code == 0
    assert "did you mean 'Finland'?" in result.stderr


def test_studies_without_ref_come_last_in_file_order(tmp_path: Path) -> None:
    # The small review: alpha 1, beta 2, gamma 3, delta 5, epsilon (no ref), listed
    # here with the refs out of order and two studies without one.
    folder = write_review(tmp_path / "r", """\
        studies:
          - {id: zeta}
          - {id: gamma, ref: 3}
          - {id: alpha, ref: 1}
          - {id: eta}
          - {id: beta, ref: 2}
        """, "themes:\n  - {id: t, label: T, studies: [alpha]}\n")
    rows = plain_rows(ok("characteristics", folder, "--columns", "id,ref"))
    assert rows == [["alpha", "1"], ["beta", "2"], ["gamma", "3"], ["zeta", DASH],
                    ["eta", DASH]]


# ---------------------------------------------------------------------------
# formats


def test_csv_shape(tmp_path: Path) -> None:
    folder = small(tmp_path)
    out = ok("characteristics", folder, "--columns", "id,ref,country,attribute:setting",
             "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["id", "ref", "country", "attribute:setting"]
    # Several countries in one cell separated by '; '; a missing value is empty.
    assert rows[1:] == [["alpha", "1", "Denmark", "community"],
                        ["beta", "2", "Australia", "inpatient"],
                        ["gamma", "3", "Australia; India", "community"],
                        ["delta", "5", "India; Denmark; Kenya", ""],
                        ["epsilon", "", "Denmark", "community"]]


def test_csv_grouped_starts_with_the_group(tmp_path: Path) -> None:
    out = ok("characteristics", small(tmp_path), "--columns", "id", "--group-by", "setting",
             "--format", "csv")
    # The setting vocabulary is community, inpatient; delta has none.
    assert out.splitlines() == ["group,id", "community,alpha", "community,gamma",
                                "community,epsilon", "inpatient,beta", "Not reported,delta"]


def test_json_shape(tmp_path: Path) -> None:
    body = as_json("characteristics", small(tmp_path), "--columns", "study,year,country")
    assert list(body) == ["version", "N", "where", "group_by", "columns", "groups", "studies"]
    assert body["version"] == 1
    assert body["groups"] == []
    first = study_values(body)[0]
    assert first == {"id": "alpha", "ref": 1, "group": None,
                     "values": {"study": "\u00c5ngstr\u00f6m & Nguy\u1ec5n 2019", "year": 2019,
                                "country": ["Denmark"]}}


def test_latex_switches_to_longtable_past_forty_rows(tmp_path: Path) -> None:
    def studies(count: int) -> str:
        return "studies:\n" + "".join(f"  - {{id: s{n}, ref: {n}}}\n"
                                      for n in range(1, count + 1))

    themes = "themes:\n  - {id: t, label: T, studies: [s1]}\n"
    forty = ok("characteristics", write_review(tmp_path / "a", studies(40), themes),
               "--columns", "id,ref", "--format", "latex")
    assert r"\begin{tabular}{lr}" in forty
    assert "longtable" not in forty
    assert forty.count(r" \\") == 41  # the heading and 40 rows
    many = ok("characteristics", write_review(tmp_path / "b", studies(41), themes),
              "--columns", "id,ref", "--format", "latex")
    assert many.startswith("% needs \\usepackage{booktabs, longtable}\n")
    assert "\\begin{longtable}{lr}\n\\toprule\nId & Ref \\\\\n\\midrule\n\\endhead\n" in many
    assert many.endswith("\\bottomrule\n\\end{longtable}\n")
    assert r"s41 & 41 \\" in many


def test_control_characters_in_a_study_field_are_escaped(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", """\
        studies:
          - id: a
            ref: 1
            title: "Bad \\e[31mtitle"
            countries: ["Fin\\u202eland"]
            note: "two\\nlines"
        """, "themes:\n  - {id: t, label: T, studies: [a]}\n")
    for fmt in ("table", "markdown", "csv", "latex"):
        out = ok("characteristics", folder, "--columns", "title,country,note", "--format", fmt)
        assert "\x1b" not in out
        assert "\u202e" not in out
        assert re.search(r"Bad (\\+|\\textbackslash\{\})u001b\[31mtitle", out), fmt
        # The line feed is shown as \n (its backslash escaped as each format escapes one).
        assert re.search(r"two(\\+|\\textbackslash\{\})nlines", out), fmt
    body = as_json("characteristics", folder, "--columns", "title,country")
    # JSON keeps the values exactly, escaped the JSON way.
    assert study_values(body)[0]["values"] == {"title": "Bad \x1b[31mtitle",
                                               "country": ["Fin\u202eland"]}


def test_an_invalid_review_exits_1(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", "studies:\n  - {id: a, ref: 0}\n",
                          "themes: []\n")
    result = run("characteristics", folder)
    assert result.exit_code == 1


# ---------------------------------------------------------------------------
# evidence


TREE = [("Education and training", 0), ("Organisational readiness", 0), ("Role clarity", 1),
        ("Recruitment and induction", 1),
        ("Structural adjustments, resourcing and support", 0),
        ("Professional supervision", 1),
        ("Demonstrated commitment to peer integration and recovery practice", 0),
        ("Leadership", 1), ("Championing", 1), ("Consistent inclusion", 1)]


def test_evidence_lists_every_theme_in_tree_order() -> None:
    body = as_json("evidence", "--data", DATA)
    themes = body["themes"]
    assert isinstance(themes, list)
    assert [(t["label"], t["depth"]) for t in themes] == TREE


def test_evidence_of_role_clarity() -> None:
    # FACTS: role clarity is 12 of 16; Subtheme 1 cites 34, 35, 44 and 45, each coded
    # with the section as its evidence; the other eight are the lowest uncited
    # included references, 33 and 36-42, each with a note completing the count.
    body = as_json("evidence", "role-clarity", "--data", DATA)
    [theme] = body["themes"]
    codings = theme["codings"]
    assert theme["depth"] == 0
    assert [c["ref"] for c in codings] == [33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 44, 45]
    cited = {c["ref"] for c in codings if c["evidence"] is not None}
    assert cited == {34, 35, 44, 45}
    assert {c["evidence"] for c in codings if c["evidence"]} == \
        {"Results, Subtheme 1: role clarity"}
    assert all(c["note"] is None for c in codings if c["evidence"])
    assert all(c["note"] == "completes the reported count of 12; not cited in this section"
               for c in codings if c["evidence"] is None)


def test_evidence_theme_matched_as_cite_matches_it() -> None:
    for query in ("role clarty", "Role Clarity", "role-clarity"):
        body = as_json("evidence", query, "--data", DATA)
        assert [t["id"] for t in body["themes"]] == ["role-clarity"]


def test_evidence_of_a_parent_includes_its_subthemes() -> None:
    body = as_json("evidence", "organisational-readiness", "--data", DATA)
    assert [(t["label"], t["depth"]) for t in body["themes"]] == TREE[1:4]


def test_evidence_unknown_theme_exits_1_naming_the_closest() -> None:
    result = run("evidence", "leadershop-skills", "--data", DATA)
    assert result.exit_code == 1
    assert "no theme matches 'leadershop-skills'" in result.stderr
    assert "'leadership'" in result.stderr


def test_evidence_folder_given_as_theme_gets_the_hint(tmp_path: Path) -> None:
    folder = small(tmp_path)
    result = run("evidence", folder)
    assert result.exit_code == 1
    assert f"`peersynth evidence --data {folder}`" in result.stderr


def test_evidence_table_indents_codings_under_their_theme(tmp_path: Path) -> None:
    # The small review: access > cost > insurance; insurance codes gamma with evidence
    # "p. 3" and beta in the short form.
    out = ok("evidence", "access", small(tmp_path))
    lines = out.splitlines()
    assert lines[0].split() == ["Theme", "/", "study", "Ref", "Evidence", "Note"]
    body = [line.rstrip() for line in lines[2:]]
    assert body[0] == "Access to care"
    assert body[1].startswith("  \u00c5ngstr\u00f6m & Nguy\u1ec5n 2019")
    assert body[2] == "  Cost"
    assert body[4] == "    Insurance cover"
    # Reference order: beta (2) before gamma (3), whatever the file's order.
    assert re.split(r" {2,}", body[5].strip()) == ["Byrne et al. 2019a", "2", DASH, DASH]
    assert re.split(r" {2,}", body[6].strip()) == ["Byrne et al. 2019b", "3", "p. 3", DASH]


def test_evidence_csv_is_a_row_a_coding(tmp_path: Path) -> None:
    out = ok("evidence", "cost", small(tmp_path), "--format", "csv")
    assert list(csv.reader(io.StringIO(out))) == [
        ["theme_id", "theme", "depth", "study", "ref", "evidence", "note"],
        ["cost", "Cost", "0", "beta", "2", "", ""],
        ["insurance", "Insurance cover", "1", "beta", "2", "", ""],
        ["insurance", "Insurance cover", "1", "gamma", "3", "p. 3", ""]]


def test_evidence_json_shape(tmp_path: Path) -> None:
    body = as_json("evidence", "insurance", small(tmp_path))
    assert body == {"version": 1, "N": 5, "themes": [
        {"id": "insurance", "label": "Insurance cover", "depth": 0, "codings": [
            {"study": "beta", "ref": 2, "label": "Byrne et al. 2019a", "evidence": None,
             "note": None},
            {"study": "gamma", "ref": 3, "label": "Byrne et al. 2019b", "evidence": "p. 3",
             "note": None}]}]}


def test_evidence_markdown_and_latex(tmp_path: Path) -> None:
    folder = small(tmp_path)
    markdown = ok("evidence", "cost", folder, "--format", "markdown")
    assert markdown.splitlines()[2:5] == [
        "| **Cost** |  |  |  |",
        f"| &emsp;Byrne et al. 2019a | 2 | {DASH} | {DASH} |",
        "| &emsp;**Insurance cover** |  |  |  |"]
    latex = ok("evidence", "cost", folder, "--format", "latex")
    assert r"\multicolumn{4}{l}{\quad \textbf{Insurance cover}} \\" in latex
    assert r"\quad \quad Byrne et al. 2019b & 3 & p. 3 & " + DASH + r" \\" in latex


def test_evidence_escapes_control_characters(tmp_path: Path) -> None:
    folder = write_review(tmp_path / "r", "studies:\n  - {id: a, ref: 1}\n", """\
        themes:
          - id: t
            label: "T\\aheme"
            studies:
              - study: a
                evidence: "p. 3\\tquote \\e]0;title\\a"
        """)
    out = ok("evidence", "--data", folder)
    assert "T\\u0007heme" in out
    assert "p. 3\\tquote \\u001b]0;title\\u0007" in out
    assert "\x1b" not in out
    assert "\x07" not in out


def test_terminal_table_fits_80_columns_wrapping_between_words() -> None:
    """On an 80-column terminal the default Table 1 (its natural width is over 120)
    wraps its text columns, and never inside a word: "mixed-methods" stays whole."""
    from peersynth.choices import TableFormat
    from peersynth.tables.characteristics import study_table
    from peersynth.tables.render import render_study_table
    from reviewkit import load

    out = render_study_table(study_table(load(DATA)), TableFormat.table, is_terminal=True,
                             width=80)
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80
    assert "\u2500" in out  # the rich table, not the plain fallback
    assert sum("mixed-methods" in line for line in lines) == 3
    assert "Uganda" in out
    words = {word for line in lines for word in line.split()}
    assert not words & {"mixed-metho", "qualitativ", "Singapor"}
