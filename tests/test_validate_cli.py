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
    assert set(both) == {"studies.yaml", "themes.yaml"}
    assert both["studies.yaml"] == studies
    theme = both["themes.yaml"]["$defs"]["Theme"]
    assert theme["required"] == ["id", "label"]


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
