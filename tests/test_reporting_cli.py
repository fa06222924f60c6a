"""tally, cite, matrix and studies through the command line, on reviews made in the test."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import peersynth.cli.exchange
import peersynth.cli.figures  # noqa: F401 - registers export, import, flow and figure
from reviewkit import plain_rows, run, small, write_review


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return small(tmp_path)


def ok(*args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# tally


def test_tally_default_table(folder: Path) -> None:
    out = ok("tally", "--data", folder)
    assert out.splitlines()[0].split() == ["Theme", "n/N", "%"]
    assert plain_rows(out) == [["Access to care", "3/5", "60%"], ["Cost", "2/5", "40%"],
                               ["Insurance cover", "2/5", "40%"], ["Trust", "5/5", "100%"],
                               ["Stigma", "1/5", "20%"]]
    # Subthemes indented two spaces a level.
    assert out.splitlines()[4].startswith("    Insurance cover")
    assert not set(out) & set("─│━┃")
    assert "\x1b" not in out


def test_tally_no_rollup(folder: Path) -> None:
    rows = plain_rows(ok("tally", "--data", folder, "--no-rollup"))
    assert [row[1] for row in rows] == ["1/5", "1/5", "2/5", "5/5", "1/5"]


def test_tally_sort_count(folder: Path) -> None:
    rows = plain_rows(ok("tally", "--data", folder, "--sort", "count"))
    assert [row[0] for row in rows] == ["Trust", "Access to care", "Cost", "Insurance cover",
                                        "Stigma"]


def test_tally_where_repeated(folder: Path) -> None:
    out = ok("tally", "--data", folder, "--where", "design=qualitative", "-w", "quality=good")
    # Only alpha is qualitative and good: it is in access and trust.
    assert [row[1] for row in plain_rows(out)] == ["1/1", "0/1", "0/1", "1/1", "0/1"]


def test_tally_where_keeping_nothing_reports_n_zero(folder: Path) -> None:
    result = run("tally", "--data", folder, "--where", "country=Peru", "--format", "json")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["N"] == 0
    assert [(t["n"], t["N"], t["percent"]) for t in body["themes"]] == [(0, 0, None)] * 5
    assert "no study has country = 'Peru'" in result.stderr
    table = ok("tally", "--data", folder, "--where", "country=Peru")
    assert plain_rows(table)[0] == ["Access to care", "0/0", "\u2013"]


def test_tally_where_typo_suggests_a_value(folder: Path) -> None:
    result = run("tally", "--data", folder, "--where", "design=qualitatve")
    assert result.exit_code == 0
    assert "did you mean 'qualitative'?" in result.stderr


def test_tally_by_country_and_explode(folder: Path) -> None:
    out = ok("tally", "--data", folder, "--by", "country", "--format", "csv")
    header = next(csv.reader(io.StringIO(out)))
    assert header[6::3] == ["Denmark n", "Australia n", "Multiple countries n"]
    out = ok("tally", "--data", folder, "--by", "country", "--explode", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][6::3] == ["Denmark n", "Australia n", "India n", "Kenya n"]
    # stigma (delta): Denmark 1/3, Australia 0/2, India 1/2, Kenya 1/1.
    assert rows[5][6:] == ["1", "3", "33", "0", "2", "0", "1", "2", "50", "1", "1", "100"]


@pytest.mark.parametrize(("field", "columns"), [
    ("design", ["qualitative", "quantitative", "mixed-methods"]),
    ("quality", ["good", "fair", "poor"]),
    ("year", ["2019", "2020", "2021"]),
    ("setting", ["community", "inpatient", "Not reported"]),
])
def test_tally_by_field(folder: Path, field: str, columns: list[str]) -> None:
    body = json.loads(ok("tally", "--data", folder, "--by", field, "--format", "json"))
    assert [c["value"] for c in body["columns"]] == columns
    assert sum(c["N"] for c in body["columns"]) == 5


def test_tally_markdown_and_latex(folder: Path) -> None:
    md = ok("tally", "--data", folder, "--format", "markdown")
    assert md.splitlines()[2] == "| Access to care | 3/5 | 60% |"
    tex = ok("tally", "--data", folder, "-f", "latex")
    assert "Trust & 5/5 & 100\\% \\\\" in tex


@pytest.mark.parametrize(("args", "message"), [
    (["--by", "sex"], "unknown field 'sex'"),
    (["--where", "design"], "is not FIELD=VALUE"),
    (["--where", "desgn=qualitative"], "unknown field 'desgn'"),
    (["--explode"], "--explode needs --by country"),
    (["--by", "design", "--explode"], "--explode needs --by country"),
])
def test_tally_usage_errors_exit_2(folder: Path, args: list[str], message: str) -> None:
    result = run("tally", "--data", folder, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["tally", "cite", "matrix", "studies"])
def test_unknown_format_exits_2(folder: Path, command: str) -> None:
    assert run(command, "--data", folder, "--format", "xml").exit_code == 2


def test_cite_has_no_latex(folder: Path) -> None:
    assert run("cite", "--data", folder, "--format", "latex").exit_code == 2


# cite


def test_cite_one_theme_by_label(folder: Path) -> None:
    assert ok("cite", "Access to care", "--data", folder) == "Access to care (3/5): [1\u20133]\n"


def test_cite_names_unnumbered_studies(folder: Path) -> None:
    result = run("cite", "trust", "--data", folder)
    assert result.exit_code == 0
    assert result.stdout == "Trust (5/5): [1\u20133, 5] (no ref: epsilon)\n"
    assert "no ref number for epsilon" in result.stderr


def test_cite_author_year_keeps_diacritics(folder: Path) -> None:
    out = ok("cite", "acess to car", "--data", folder, "--style", "author-year")
    assert out == "Access to care (3/5): (Ångström & Nguyễn 2019; Byrne et al. 2019a; " \
                  "Byrne et al. 2019b)\n"


def test_cite_id_style_and_no_rollup(folder: Path) -> None:
    assert ok("cite", "ACCESS", "--data", folder, "-s", "id", "--no-rollup") == \
        "Access to care (1/5): alpha\n"


def test_cite_map(folder: Path) -> None:
    rows = plain_rows(ok("cite", "--data", folder))
    assert rows == [["Access to care", "3/5", "[1\u20133]"], ["Cost", "2/5", "[2, 3]"],
                    ["Insurance cover", "2/5", "[2, 3]"],
                    ["Trust", "5/5", "[1\u20133, 5] (no ref: epsilon)"],
                    ["Stigma", "1/5", "[5]"]]


def test_cite_map_csv_and_json(folder: Path) -> None:
    rows = list(csv.reader(io.StringIO(ok("cite", "--data", folder, "--format", "csv"))))
    assert rows[5] == ["stigma", "Stigma", "0", "1", "5", "[5]", "", "delta"]
    body = json.loads(ok("cite", "cost", "--data", folder, "--format", "json"))
    assert [t["id"] for t in body["themes"]] == ["cost"]
    assert body["themes"][0]["citation"] == "[2, 3]"


def test_cite_markdown_map(folder: Path) -> None:
    out = ok("cite", "--data", folder, "--format", "markdown")
    assert "| &emsp;&emsp;Insurance cover | 2/5 | [2, 3] |" in out.splitlines()


def test_cite_unknown_theme_exits_1_naming_the_closest(folder: Path) -> None:
    result = run("cite", "cost of care", "--data", folder)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no theme matches 'cost of care'" in result.stderr
    assert "did you mean 'cost' (Cost)" in result.stderr


def test_cite_ambiguous_theme_exits_1(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n    ref: 1\n"
    themes = """\
    themes:
      - id: peer-roles
        label: Peer roles
        studies: [a]
      - id: peer-pay
        label: Peer pay
        studies: [a]
    """
    folder = write_review(tmp_path / "r", studies, themes)
    result = run("cite", "peer", "--data", folder)
    assert result.exit_code == 1
    assert "'peer' matches 2 themes: 'peer-roles' (Peer roles), 'peer-pay' (Peer pay)" \
        in result.stderr


def test_cite_without_any_ref(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n  - id: b\n"
    themes = "themes:\n  - id: t\n    label: T\n    studies: [a, b]\n"
    folder = write_review(tmp_path / "r", studies, themes)
    result = run("cite", "t", "--data", folder)
    assert result.exit_code == 0
    assert result.stdout == "T (2/2): (no ref: a, b)\n"
    assert "no ref number for a, b" in result.stderr


# matrix


def test_matrix_table(folder: Path) -> None:
    rows = plain_rows(ok("matrix", "--data", folder))
    assert rows[0] == ["1", "Ångström & Nguyễn 2019", "\u2713", "\u2713", "2"]
    assert rows[-1] == ["Total", "3", "2", "2", "5", "1"]


def test_matrix_no_rollup_json(folder: Path) -> None:
    body = json.loads(ok("matrix", "--data", folder, "--no-rollup", "--format", "json"))
    assert body["rollup"] is False
    assert [t["n"] for t in body["themes"]] == [1, 1, 2, 5, 1]
    # Top-level themes a study supports: the same with or without roll-up.
    assert [s["total"] for s in body["studies"]] == [2, 2, 2, 2, 1]


def test_matrix_markdown_csv_latex(folder: Path) -> None:
    assert ok("matrix", "--data", folder, "-f", "markdown").splitlines()[0] == \
        "| Ref | Study | Access to care | Cost | Insurance cover | Trust | Stigma | Themes |"
    rows = list(csv.reader(io.StringIO(ok("matrix", "--data", folder, "-f", "csv"))))
    assert rows[4] == ["5", "delta", "Müller 2021", "0", "0", "0", "1", "1", "2"]
    assert "\\checkmark" in ok("matrix", "--data", folder, "-f", "latex")


# studies


def test_studies_table(folder: Path) -> None:
    rows = plain_rows(ok("studies", "--data", folder))
    assert rows[:3] == [["Country", "Denmark", "2", "40%"], ["Australia", "1", "20%"],
                        ["Multiple countries (Australia, India, Denmark, Kenya)", "2", "40%"]]


def test_studies_explode_and_by(folder: Path) -> None:
    body = json.loads(ok("studies", "--data", folder, "--explode", "--by", "setting",
                         "--format", "json"))
    assert body["explode"] is True
    sections = {s["field"]: {r["value"]: r["n"] for r in s["rows"]}
                for s in body["characteristics"]}
    assert sections["country"] == {"Denmark": 3, "Australia": 2, "India": 2, "Kenya": 1}
    assert sections["setting"] == {"community": 3, "inpatient": 1, "Not reported": 1}


def test_studies_unknown_by_exits_2(folder: Path) -> None:
    result = run("studies", "--data", folder, "--by", "settin")
    assert result.exit_code == 2
    assert "did you mean 'setting'?" in result.stderr


def test_studies_markdown_csv_latex(folder: Path) -> None:
    assert ok("studies", "--data", folder, "-f", "markdown").splitlines()[0] == \
        "| Characteristic | Value | n | % of 5 |"
    rows = list(csv.reader(io.StringIO(ok("studies", "--data", folder, "-f", "csv"))))
    assert rows[1] == ["Country", "Denmark", "2", "5", "40", ""]
    assert "Quality & good & 3 & 60\\% \\\\" in ok("studies", "--data", folder, "-f", "latex")


# every command


@pytest.mark.parametrize("command", ["tally", "cite", "matrix", "studies"])
def test_invalid_review_exits_1_with_its_diagnostics(tmp_path: Path, command: str) -> None:
    studies = "studies:\n  - id: a\n"
    themes = "themes:\n  - id: t\n    label: T\n    studies: [b]\n"
    folder = write_review(tmp_path / "r", studies, themes)
    result = run(command, "--data", folder)
    assert result.exit_code == 1
    assert "error[unknown-study]" in result.stderr
    # The next step names the folder, so it can be pasted as it is.
    assert f"{folder.as_posix()}: 1 error(s); run `peersynth validate {folder.as_posix()}`" \
        in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["tally", "cite", "matrix", "studies"])
def test_missing_folder_exits_3(tmp_path: Path, command: str) -> None:
    result = run(command, "--data", tmp_path / "nowhere")
    assert result.exit_code == 3
    assert "does not exist" in result.stderr


@pytest.mark.parametrize("command", ["validate", "tally", "cite", "matrix", "studies", "schema",
                                     "init", "audit", "references", "agree",
                                     "characteristics", "evidence", "export", "import",
                                     "flow", "figure", "report", "findings"])
def test_help_shows_examples(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert f"peersynth {command}" in result.stdout


def test_every_command_is_in_the_help_test() -> None:
    from peersynth.cli import app

    names = {info.name or (info.callback.__name__ if info.callback else "")
             for info in app.registered_commands}
    names |= {group.typer_instance.info.name or "" for group in app.registered_groups
              if group.typer_instance is not None}
    assert names == {"validate", "tally", "cite", "matrix", "studies", "schema", "init",
                     "audit", "references", "agree", "characteristics", "evidence",
                     "export", "import", "flow", "figure", "report", "findings"}


def test_the_top_level_help_shows_examples() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert "peersynth tally my-review" in result.stdout


# The review folder as an argument, as validate takes it.


@pytest.mark.parametrize("command", ["tally", "matrix", "studies"])
def test_the_folder_as_an_argument(folder: Path, command: str) -> None:
    by_option = ok(command, "--data", folder, "--format", "json")
    assert ok(command, folder, "--format", "json") == by_option
    # The argument is used instead of --data (as validate does).
    assert ok(command, folder, "--data", folder.parent / "nowhere", "--format", "json") == \
        by_option


def test_cite_takes_the_theme_then_the_folder(folder: Path) -> None:
    by_option = ok("cite", "trust", "--data", folder, "--format", "csv")
    assert ok("cite", "trust", folder, "--format", "csv") == by_option
    # Every study is coded to trust: refs 1, 2, 3, 5, and epsilon has none.
    assert "1\u20133, 5" in by_option


def test_cite_with_only_a_folder_says_the_theme_comes_first(folder: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    monkeypatch.chdir(folder.parent)
    result = run("cite", folder.name, "--data", folder)
    assert result.exit_code == 1
    assert f"no theme matches '{folder.name}'" in result.stderr
    assert f"`peersynth cite THEME {folder.name}`" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--by", "country", "--by", "design"],
     "tally crosstabs one field at a time; --by was given twice: country, design"),
    (["--by", "year", "--by", "year", "--by", "quality"],
     "tally crosstabs one field at a time; --by was given 3 times: year, year, quality"),
])
def test_tally_by_twice_is_refused(folder: Path, args: list[str], message: str) -> None:
    # Before: the last --by was used and the others silently dropped.
    result = run("tally", folder, *args)
    assert result.exit_code == 2
    assert f"peersynth: {message}" in result.stderr
    assert result.stdout == ""


def test_data_from_the_environment(folder: Path) -> None:
    from peersynth.cli import app
    from reviewkit import runner

    result = runner.invoke(app, ["tally", "--format", "csv"], env={"PEERSYNTH_DATA": str(folder)})
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith("access,Access to care,0,3,5,60")


@pytest.mark.parametrize("command", ["tally", "cite", "matrix", "studies"])
def test_no_cache_gives_the_same_result(folder: Path, command: str) -> None:
    cached = ok(command, "--data", folder, "--format", "json")
    assert ok(command, "--data", folder, "--format", "json", "--no-cache") == cached


def test_table_on_a_terminal_is_a_rich_table(folder: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from peersynth.cli import common

    monkeypatch.setattr(common, "is_terminal", lambda: True)
    out = ok("tally", "--data", folder)
    assert "─" in out
    assert "Insurance cover" in out
    assert "-----" not in out


def test_encoding_without_an_en_dash_replaces_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from peersynth.cli import common

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr("sys.stdout", stream)
    common.emit("[1\u20133]\n")
    assert raw.getvalue() == b"[1?3]\n"


# Asked for by the other parts of the tool.


@pytest.mark.parametrize("command", ["tally", "cite", "matrix", "studies"])
def test_a_table_too_wide_for_the_terminal_says_so(folder: Path, command: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from peersynth.cli import app, common
    from reviewkit import runner

    monkeypatch.setattr(common, "is_terminal", lambda: True)
    result = runner.invoke(app, [command, "--data", str(folder)], env={"COLUMNS": "20"})
    assert result.exit_code == 0, result.stderr
    assert "peersynth: note: the table needs " in result.stderr
    assert "but the terminal has 20: printed as plain text" in result.stderr


def test_matrix_help_says_what_the_themes_column_counts() -> None:
    text = " ".join(run("matrix", "--help").stdout.split())
    assert ("A study's Themes column is the number of top-level themes it supports, directly or "
            "through a subtheme, so a parent and its subtheme count once, with or without "
            "--no-rollup.") in text


def test_validate_max_problems(tmp_path: Path) -> None:
    themes = "themes:\n  - id: t\n    label: T\n    studies: [x1, x2, x3]\n"
    folder = write_review(tmp_path / "r", "studies:\n  - id: a\n", themes)
    one = run("validate", folder, "--max-problems", "1")
    assert one.exit_code == 1
    assert [line.split()[1] for line in one.stdout.splitlines() if ": error[" in line] == \
        ["error[unknown-study]"]
    assert f"... and 2 more problems in {folder.as_posix()}/themes.yaml (2 errors, " \
        "0 warnings) not shown" in one.stdout
    every = run("validate", folder, "--max-problems", "0")
    assert every.stdout.count("error[unknown-study]") == 3
    assert "more problem" not in every.stdout
    assert run("validate", folder, "--max-problems", "-1").exit_code == 2


def test_validate_max_problems_defaults_to_the_library_cap() -> None:
    import typer

    from peersynth.cli import app
    from peersynth.validate import MAX_PROBLEMS

    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    [option] = [p for p in command.commands["validate"].params if p.name == "max_problems"]
    assert option.default == MAX_PROBLEMS


def test_reports_name_the_problems_past_the_cap(tmp_path: Path) -> None:
    studies = "studies:\n" + "".join(f"  - id: s{n:03}\n" for n in range(1, 107))
    folder = write_review(tmp_path / "r", studies,
                          "themes:\n  - id: t\n    label: T\n    studies: [s001]\n")
    result = run("tally", folder, "--format", "csv")
    assert result.exit_code == 0
    assert result.stderr.count("warning[uncoded-study]") == 100
    assert f"... and 5 more problems in {folder.as_posix()}/studies.yaml (0 errors, " \
        "5 warnings) not shown" in result.stderr
