"""`peersynth validate`, `schema` and `--version` through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peersynth import __version__
from peersynth.cli import app
from validation_cases import INVALID, VALID, assemble

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A review with two errors in studies.yaml and one in themes.yaml."""
    return assemble(INVALID / "many-problems-both-files", tmp_path / "review")


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    return assemble(INVALID / "uncoded-study", tmp_path / "review")


def test_valid_review_exits_0_and_prints_nothing_on_stdout() -> None:
    result = runner.invoke(app, ["validate", "--data", str(VALID / "minimal")])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "valid" in result.stderr


def test_shipped_review_is_valid_under_strict() -> None:
    result = runner.invoke(app, ["validate", "--strict", str(ROOT / "data")])
    assert result.exit_code == 0, result.output


def test_errors_exit_1_with_one_sorted_line_each(broken: Path) -> None:
    result = runner.invoke(app, ["validate", "--data", str(broken)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{broken.as_posix()}/studies.yaml:3:14",
        f"{broken.as_posix()}/studies.yaml:5:11",
        f"{broken.as_posix()}/themes.yaml:4:37",
    ]
    assert "error[unknown-study] 'brown2022' is not a study id" in lines[2]
    assert "3 errors, 0 warnings" in result.stderr


def test_positional_folder_equals_data_option(broken: Path) -> None:
    by_option = runner.invoke(app, ["validate", "--data", str(broken)])
    by_argument = runner.invoke(app, ["validate", str(broken)])
    assert by_option.stdout == by_argument.stdout


def test_data_folder_from_environment(broken: Path) -> None:
    result = runner.invoke(app, ["validate"], env={"PEERSYNTH_DATA": str(broken)})
    assert result.exit_code == 1
    assert "brown2022" in result.stdout


def test_warnings_pass_unless_strict(warned: Path) -> None:
    relaxed = runner.invoke(app, ["validate", str(warned)])
    strict = runner.invoke(app, ["validate", "--strict", str(warned)])
    assert relaxed.exit_code == 0
    assert strict.exit_code == 1
    assert "warning[uncoded-study]" in relaxed.stdout
    assert "warnings fail under --strict" in strict.stderr


def test_json_report_shape(broken: Path) -> None:
    result = runner.invoke(app, ["validate", "--format", "json", str(broken)])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["version"] == 1
    assert body["valid"] is False
    assert (body["errors"], body["warnings"]) == (3, 0)
    folder = broken.as_posix()
    assert body["files"] == [f"{folder}/studies.yaml", f"{folder}/themes.yaml"]
    first = body["diagnostics"][0]
    assert set(first) == {"code", "severity", "file", "line", "column", "message", "hint"}
    assert (first["code"], first["line"], first["column"]) == ("not-in-vocabulary", 3, 14)


def test_json_report_of_a_valid_review() -> None:
    result = runner.invoke(app, ["validate", "-f", "json", str(VALID / "minimal")])
    body = json.loads(result.stdout)
    assert body["valid"] is True
    assert body["diagnostics"] == []


def test_github_annotations(broken: Path) -> None:
    result = runner.invoke(app, ["validate", "--format", "github", str(broken)])
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"::error file={broken.as_posix()}/studies.yaml,line=3,col=14,"
                            "title=not-in-vocabulary::'excellent' is not in")


def test_github_format_is_automatic_in_github_actions(broken: Path) -> None:
    result = runner.invoke(app, ["validate", str(broken)], env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error file=")


def test_github_annotation_escapes_newlines_and_commas(tmp_path: Path) -> None:
    folder = assemble(VALID / "minimal", tmp_path / "a,b")
    (folder / "themes.yaml").write_text("themes:\n  - id: t\n    label: T\n    studies: [x%y]\n")
    result = runner.invoke(app, ["validate", "-f", "github", str(folder)])
    assert "file=" + (tmp_path / "a%2Cb").as_posix() in result.stdout
    assert "'x%25y'" in result.stdout


def test_missing_folder_exits_3_with_a_hint(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 3
    assert "does not exist" in result.stderr
    assert "peersynth init" in result.stderr


def test_run_inside_a_review_folder_without_data_suggests_the_folder_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A new user runs `peersynth validate` in the folder `init` made: the default
    # folder ./data is not there, but the review is.
    folder = assemble(VALID / "minimal", tmp_path / "review")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("PEERSYNTH_DATA", raising=False)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 3
    assert result.stderr == (
        "peersynth: review folder data does not exist\n"
        "  hint: the current folder holds studies.yaml: give it as the review folder, "
        "'.' (e.g. `peersynth validate .`), or pass --data DIR\n")


def test_missing_file_exits_3(tmp_path: Path) -> None:
    folder = tmp_path / "review"
    folder.mkdir()
    shutil.copy(VALID / "minimal" / "studies.yaml", folder)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 3
    assert "themes.yaml does not exist" in result.stderr


def test_unreadable_file_exits_3(tmp_path: Path) -> None:
    folder = assemble(VALID / "minimal", tmp_path / "review")
    (folder / "themes.yaml").unlink()
    (folder / "themes.yaml").mkdir()
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 3
    assert "is a folder" in result.stderr


def test_bad_limit_setting_exits_2() -> None:
    result = runner.invoke(app, ["validate", str(VALID / "minimal")],
                           env={"PEERSYNTH_MAX_DEPTH": "deep"})
    assert result.exit_code == 2
    assert "PEERSYNTH_MAX_DEPTH" in result.stderr


def test_unknown_format_exits_2() -> None:
    result = runner.invoke(app, ["validate", "--format", "xml"])
    assert result.exit_code == 2


def test_validate_help_shows_an_example() -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert "peersynth validate review/ --strict --format json" in result.stdout
    assert "Examples" in result.stdout


def test_schema_of_each_file() -> None:
    studies = json.loads(runner.invoke(app, ["schema", "studies"]).stdout)
    both = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert studies["required"] == ["studies"]
    assert studies["additionalProperties"] is False
    assert set(both) == {"studies.yaml", "themes.yaml", "findings.yaml"}
    assert both["studies.yaml"] == studies
    theme = both["themes.yaml"]["$defs"]["Theme"]
    assert theme["required"] == ["id", "label"]
    findings = json.loads(runner.invoke(app, ["schema", "findings"]).stdout)
    assert findings == both["findings.yaml"]
    assert findings["title"] == "peersynth findings.yaml"
    assert findings["required"] == ["findings"]
    finding = findings["$defs"]["Finding"]
    assert finding["required"] == ["id", "finding", "themes"]
    assert finding["additionalProperties"] is False


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.stdout.strip() == f"peersynth {__version__}"


def test_installed_command_and_module_agree(tmp_path: Path) -> None:
    folder = assemble(INVALID / "duplicate-key", tmp_path / "review")
    script = Path(sys.executable).parent / "peersynth"
    by_script = subprocess.run([str(script), "validate", str(folder)],
                               capture_output=True, text=True, check=False)
    by_module = subprocess.run([sys.executable, "-m", "peersynth", "validate", str(folder)],
                               capture_output=True, text=True, check=False)
    assert by_script.returncode == by_module.returncode == 1
    assert by_script.stdout == by_module.stdout
    assert "error[duplicate-key] key 'year' appears twice" in by_script.stdout
    assert "Traceback" not in by_script.stderr + by_module.stderr


def test_validate_writes_nothing_into_the_review_folder(broken: Path) -> None:
    before = sorted((p.name, p.stat().st_mtime_ns) for p in broken.iterdir())
    runner.invoke(app, ["validate", "-f", "json", str(broken)])
    assert sorted((p.name, p.stat().st_mtime_ns) for p in broken.iterdir()) == before


# --------------------------------------------------------------------------- bounded output

def _review(tmp_path: Path, studies: str, themes: str | None = None) -> Path:
    folder = assemble(VALID / "minimal", tmp_path / "review")
    (folder / "studies.yaml").write_text(studies, encoding="utf-8")
    if themes is not None:
        (folder / "themes.yaml").write_text(themes, encoding="utf-8")
    return folder


def test_diagnostics_are_capped_per_file_with_a_closing_line(tmp_path: Path) -> None:
    # 150 items that are not mappings, on lines 2 to 151; themes.yaml codes studies
    # that are not there (2 unknown-study errors, shown: the cap is per file).
    folder = _review(tmp_path, "studies:\n" + "  - 1\n" * 150)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    studies = [line for line in lines if "/studies.yaml:" in line]
    assert [int(line.split(":")[1]) for line in studies] == list(range(2, 102))
    assert lines[100] == (f"... and 50 more problems in {folder.as_posix()}/studies.yaml "
                          "(50 errors, 0 warnings) not shown")
    assert len(lines) == 103
    assert all("/themes.yaml:" in line for line in lines[101:])
    assert "152 errors, 0 warnings" in result.stderr
    body = json.loads(runner.invoke(app, ["validate", "-f", "json", str(folder)]).stdout)
    assert (body["errors"], body["warnings"]) == (152, 0)
    assert len(body["diagnostics"]) == 102
    assert body["omitted"] == [{"file": f"{folder.as_posix()}/studies.yaml", "errors": 50,
                                "warnings": 0}]
    github = runner.invoke(app, ["validate", "-f", "github", str(folder)]).stdout
    assert github.splitlines()[-1].startswith(
        f"::notice file={folder.as_posix()}/studies.yaml::... and 50 more problems")


def test_no_cap_shows_every_problem(tmp_path: Path) -> None:
    from peersynth.validate import validate_folder

    folder = _review(tmp_path, "studies:\n" + "  - 1\n" * 150)
    report = validate_folder(folder, max_problems=0)
    assert len(report.diagnostics) == 152
    assert report.omitted == ()


def test_diagnostics_past_the_cap_are_counted_not_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import peersynth.validate as validate
    from peersynth.diagnostics import make as real

    built = []

    def counting(*args: object, **kwargs: object) -> object:
        built.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(validate, "make", counting)
    folder = _review(tmp_path, "studies:\n" + "  - {id: a, year: x}\n" * 5000,
                     "themes:\n  - id: t\n    label: T\n    studies: [a]\n")
    report = validate.validate_folder(folder)
    # A wrong year in each of 5000 studies, and 4999 of them repeat the first one's id.
    assert report.errors == 5000 + 4999
    assert len(built) <= 2 * validate.MAX_PROBLEMS


def test_a_vocabulary_is_named_in_part(tmp_path: Path) -> None:
    values = [f"v{n}" for n in range(50)]
    folder = _review(tmp_path, f"vocabularies:\n  setting: [{', '.join(values)}]\nstudies:\n"
                     "  - id: smith2020\n    attributes: {setting: elsewhere}\n"
                     "  - id: jones2021\n")
    result = runner.invoke(app, ["validate", str(folder)])
    line = next(line for line in result.stdout.splitlines() if "not-in-vocabulary" in line)
    assert "'elsewhere' is not in the setting vocabulary " \
           "(v0, v1, v2, v3, v4, v5, v6, v7 and 42 more)" in line
    assert "v8" not in line
    assert "add it to the setting vocabulary at line 2" in line


def test_suggestions_are_searched_once_per_shown_id(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import peersynth.suggest as suggest
    from peersynth.validate import validate_folder

    searched: list[str] = []
    real = suggest.closest

    def counting(word: str, choices: list[str], limit: int = 1) -> list[str]:
        searched.append(word)
        return real(word, choices, limit)
    monkeypatch.setattr(suggest, "closest", counting)
    # 300 codings of one unknown id (299 of them also coded twice), then 300 distinct
    # unknown ids: of these 899 errors the first 100 in the file are shown.
    codings = ["smith202"] * 300 + [f"other{n}" for n in range(300)]
    folder = _review(tmp_path, (VALID / "minimal" / "studies.yaml").read_text(),
                     "themes:\n  - id: t\n    label: T\n    studies: [smith2020, jones2021, "
                     + ", ".join(codings) + "]\n")
    report = validate_folder(folder)
    assert report.errors == 300 + 299 + 300
    shown = [d for d in report.diagnostics if d.code == "unknown-study"]
    assert shown[0].hint == "did you mean 'smith2020'?"
    # One search for 'smith202', one for each distinct other id shown: never 600.
    assert searched.count("smith202") == 1
    assert len(searched) <= 100


def test_a_large_set_of_names_is_narrowed_before_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    import peersynth.suggest as suggest

    pools: list[int] = []
    real = suggest.closest

    def recording(word: str, choices: list[str], limit: int = 1) -> list[str]:
        pools.append(len(choices))
        return real(word, choices, limit)
    monkeypatch.setattr(suggest, "closest", recording)
    names = [f"author{n:05d}-{n * 7919 % 10007:05d}" for n in range(10_000)]
    search = suggest.Suggester(names)
    assert search(names[4711].replace("author", "autor")) == [names[4711]]
    assert pools
    assert max(pools) <= 100


# --------------------------------------------------------------------------- plain messages

def _messages(tmp_path: Path, studies: str, themes: str | None = None) -> list[str]:
    result = runner.invoke(app, ["validate", str(_review(tmp_path, studies, themes))])
    return [line.split("] ", 1)[1] for line in result.stdout.splitlines() if "] " in line]


@pytest.mark.parametrize(("value", "expected"), [
    ("year: 999", "'year' must be a four-digit year such as 2021; 999 is not "
                  "(write the year of publication in four digits)"),
    ("year: 12345", "'year' must be a four-digit year such as 2021; 12345 is not "
                    "(write the year of publication in four digits)"),
    ("ref: 0", "'ref' must be 1 or more, the study's number in the manuscript's reference "
               "list; 0 is not (write the number the reference list gives the study)"),
    ("countries: []", "'countries' lists no country (name the study's countries, or remove "
                      "'countries:' if it reports none)"),
    ('title: ""', "'title' is empty (write the title, or remove 'title:')"),
    ('authors: [Smith J, ""]', "an entry of 'authors' is empty (remove the empty entry)"),
    ("ref: twelve", "'ref' must be a whole number; 'twelve' is text "
                    "(write the number in digits, e.g. 12)"),
    ('ref: "12"', "'ref' must be a whole number; '12' is text (remove the quotes)"),
    ("ref: '12'", "'ref' must be a whole number; '12' is text (remove the quotes)"),
    ("authors: Smith J", "'authors' must be a list; 'Smith J' is text "
                         "(write it as a list: [Smith J])"),
])
def test_study_values_are_explained_in_plain_words(
        tmp_path: Path, value: str, expected: str) -> None:
    messages = _messages(tmp_path, f"studies:\n  - id: smith2020\n    {value}\n"
                         "  - id: jones2021\n")
    assert messages == [expected]


def test_negative_flow_counts_and_empty_labels_in_plain_words(tmp_path: Path) -> None:
    messages = _messages(
        tmp_path, "review:\n  flow:\n    records_screened: -1\nvocabularies:\n  setting: ['']\n"
        "studies:\n  - id: smith2020\n  - id: jones2021\n",
        'themes:\n  - id: t\n    label: ""\n    studies: [smith2020, jones2021]\n')
    assert messages == [
        "'records_screened' must be a count of 0 or more; -1 is not "
        "(write the number from the PRISMA flow diagram)",
        "an entry of the 'setting' vocabulary is empty (remove the empty entry)",
        "'label' is empty (write the theme's label as the manuscript gives it)",
    ]
    assert not any("input should" in m or "after validation" in m for m in messages)


def test_reported_count_hint_fits_the_direction(tmp_path: Path) -> None:
    studies = (VALID / "minimal" / "studies.yaml").read_text()
    more = _messages(tmp_path / "a", studies, "themes:\n  - id: t\n    label: T\n"
                     "    reported: 1\n    studies: [smith2020, jones2021]\n")
    fewer = _messages(tmp_path / "b", studies, "themes:\n  - id: t\n    label: T\n"
                      "    reported: 3\n    studies: [smith2020, jones2021]\n")
    assert more == ["'t' reports 1 studies but 2 are coded (remove the codings the manuscript "
                    "does not count here, or correct the reported count)"]
    assert fewer == ["'t' reports 3 studies but 2 are coded (code the missing studies, or "
                     "correct the reported count)"]


def test_following_the_vocabulary_hint_makes_the_review_valid(tmp_path: Path) -> None:
    studies = (VALID / "minimal" / "studies.yaml").read_text().replace(
        "design: qualitative", "design: realist evaluation")
    folder = _review(tmp_path, studies)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    hint = result.stdout.split("'vocabularies: ", 1)[1].rsplit("'", 1)[0]
    assert hint == "{design: [qualitative, quantitative, mixed-methods, realist evaluation]}"
    (folder / "studies.yaml").write_text(f"vocabularies: {hint}\n{studies}")
    # Every other study's design (mixed-methods here) is still allowed.
    assert runner.invoke(app, ["validate", "--strict", str(folder)]).exit_code == 0


def test_did_you_mean_only_offers_ids_that_fix_the_coding(tmp_path: Path) -> None:
    messages = _messages(
        tmp_path, "studies:\n  - id: Smith 2020\n  - id: smith-2021\n  - id: jones2021\n",
        "themes:\n  - id: t\n    label: T\n    studies: [smith2020, jones2021, smith-2021]\n")
    unknown = [m for m in messages if "is not a study id" in m]
    assert unknown == ["'smith2020' is not a study id (did you mean 'smith-2021'?)"]


def test_a_coding_of_a_study_with_a_broken_id_says_so(tmp_path: Path) -> None:
    messages = _messages(
        tmp_path, "studies:\n  - id: Smith 2020\n  - id: jones2021\n",
        "themes:\n  - id: t\n    label: T\n    studies: [smith2020, jones2021]\n")
    assert messages[-1] == (
        "'smith2020' is not a study id (the study with id 'Smith 2020' may be the one meant: "
        "its id is not a lowercase slug; correct it in studies.yaml)")


# --------------------------------------------------------------------------- flow arithmetic

FLOW = """\
review:
  flow:
    records_identified: {identified}
    duplicates_removed: 40
    records_screened: 5151
    records_excluded: 4997
    reports_sought: {sought}
    reports_not_retrieved: 0
    full_text_assessed: 154
    reports_excluded: 152
    included: 2
"""


@pytest.mark.parametrize(("identified", "sought", "expected"), [
    (5191, 154, []),
    # Fewer reports sought than records kept at screening is allowed; more is not.
    (5191, 150, ["full_text_assessed (line 9) is 154 but reports_sought 150 (line 7) minus "
                 "reports_not_retrieved 0 (line 8) is 150 (full_text_assessed is "
                 "reports_sought minus reports_not_retrieved: correct whichever number "
                 "differs from the flow diagram)"]),
    (5191, 160, ["reports_sought (line 7) is 160 but records_screened 5151 (line 5) minus "
                 "records_excluded 4997 (line 6) is 154; fewer may be sought, never more "
                 "(reports_sought is at most records_screened minus records_excluded: "
                 "correct whichever number differs from the flow diagram)",
                 "full_text_assessed (line 9) is 154 but reports_sought 160 (line 7) minus "
                 "reports_not_retrieved 0 (line 8) is 160 (full_text_assessed is "
                 "reports_sought minus reports_not_retrieved: correct whichever number "
                 "differs from the flow diagram)"]),
    (5190, 154, ["records_screened (line 5) is 5151 but records_identified 5190 (line 3) "
                 "minus duplicates_removed 40 (line 4) is 5150 (records_screened is "
                 "records_identified minus duplicates_removed: correct whichever number "
                 "differs from the flow diagram)"]),
])
def test_flow_counts_are_checked_against_each_other(
        tmp_path: Path, identified: int, sought: int, expected: list[str]) -> None:
    studies = FLOW.format(identified=identified, sought=sought) + \
        (VALID / "minimal" / "studies.yaml").read_text()
    assert _messages(tmp_path, studies) == expected


def test_flow_counts_that_are_absent_are_not_checked(tmp_path: Path) -> None:
    studies = "review:\n  flow:\n    records_screened: 10\n    included: 2\n" + \
        (VALID / "minimal" / "studies.yaml").read_text()
    assert _messages(tmp_path, studies) == []


def test_the_vocabulary_hint_adds_to_vocabularies_already_declared(tmp_path: Path) -> None:
    studies = "vocabularies:\n  setting: [community]\n" + (
        VALID / "minimal" / "studies.yaml").read_text().replace("quality: good", "quality: ok")
    messages = _messages(tmp_path, studies)
    assert messages == [
        "'ok' is not in the quality vocabulary (good, fair, poor) (correct the value, or to "
        "allow it, declare the whole list, since a declared vocabulary replaces the default "
        "one: add 'quality: [good, fair, poor, ok]' under 'vocabularies:' at line 1)"]


def test_text_of_only_spaces_is_empty_text(tmp_path: Path) -> None:
    """A label of spaces is cleaned to nothing at load, so it must not pass as text."""
    folder = tmp_path / "blank"
    folder.mkdir()
    (folder / "studies.yaml").write_text("studies:\n  - id: a\n    countries: [' ']\n")
    (folder / "themes.yaml").write_text(
        "themes:\n  - id: t\n    label: '   '\n    studies: [a]\n")
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{folder.as_posix()}/studies.yaml:3:17: error[invalid-value] ")
    assert "empty" in lines[0]
    assert lines[1].startswith(f"{folder.as_posix()}/themes.yaml:3:12: error[invalid-value] "
                               "'label' is empty")


def test_an_attribute_spelt_unlike_its_vocabulary_is_still_checked(tmp_path: Path) -> None:
    """'Setting' is the setting field by the one rule for names, so its vocabulary governs it."""
    folder = tmp_path / "spelt"
    folder.mkdir()
    (folder / "studies.yaml").write_text(
        "vocabularies:\n  setting: [community, inpatient]\nstudies:\n"
        "  - id: a\n    attributes: {setting: community}\n"
        "  - id: b\n    attributes: {Setting: comunity}\n")
    (folder / "themes.yaml").write_text("themes:\n  - id: t\n    label: T\n    studies: [a, b]\n")
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    codes = [line.split(": ", 2)[1].split(" ")[0] for line in result.stdout.splitlines()]
    assert codes == ["warning[near-duplicate]", "error[not-in-vocabulary]"]
    assert ":7:27: error[not-in-vocabulary] 'comunity' is not in the setting vocabulary" \
        in result.stdout


def test_the_summary_names_every_file_checked(tmp_path: Path) -> None:
    # The shipped review has findings.yaml and names its bibliography: both are checked.
    folder = tmp_path / "review"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns("coders"))
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.stderr
    shown = folder.as_posix()
    assert result.stderr == (f"{shown}: valid ({shown}/studies.yaml, {shown}/themes.yaml, "
                             f"{shown}/findings.yaml and {shown}/references.bib)\n")
    (folder / "findings.yaml").unlink()
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.stderr.endswith(f"/themes.yaml and {shown}/references.bib)\n")
