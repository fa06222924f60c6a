"""`peersynth audit` on the command line: formats, exit codes, and manuscripts it cannot
read, each a one-line message and exit 3, never a traceback."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from audit_kit import RESULTS, audit_cli
from reviewkit import DATA, runner, small

WRONG = "## Stigma\n\nIt appeared in 2 of 5 studies.\n"
WARNED = "## Stigma\n\nAs found [5, 1].\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return small(tmp_path)


def manuscript(tmp_path: Path, text: str | bytes, name: str = "m.md") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def unreadable(path: Path, *env: tuple[str, str]) -> str:
    """The one line a manuscript that cannot be read gets (exit 3)."""
    from peersynth.cli import app

    result = runner.invoke(app, ["audit", str(path), "--data", str(DATA)], env=dict(env))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("peersynth: ")
    return lines[0]


# exit codes and formats


def test_errors_exit_1_with_text_lines_and_a_summary(tmp_path: Path, folder: Path) -> None:
    result = audit_cli(manuscript(tmp_path, WRONG), "--data", folder)
    assert result.exit_code == 1
    path = (tmp_path / "m.md").as_posix()
    assert result.stdout.splitlines() == [
        f'{path}:3:16: error[count-mismatch] "2 of 5 studies" (Stigma): the review has 1/5',
        "1 claim checked: 0 consistent, 1 inconsistent, 0 unattributed"]


def test_warnings_pass_unless_strict(tmp_path: Path, folder: Path) -> None:
    path = manuscript(tmp_path, WARNED)
    assert audit_cli(path, "--data", folder).exit_code == 0
    assert audit_cli(path, "--data", folder, "--strict").exit_code == 1


def test_consistent_manuscript_exits_0(tmp_path: Path, folder: Path) -> None:
    result = audit_cli(manuscript(tmp_path, "## Stigma\n\nin 1 of 5 studies [5]\n"),
                       "--data", folder)
    assert result.exit_code == 0
    assert result.stdout == "2 claims checked: 2 consistent, 0 inconsistent, 0 unattributed\n"


def test_json_shape(tmp_path: Path, folder: Path) -> None:
    result = audit_cli(manuscript(tmp_path, WRONG), "--data", folder, "--format", "json")
    body = json.loads(result.stdout)
    assert list(body) == ["version", "files", "summary", "findings"]
    assert body["version"] == 1
    assert body["files"] == [(tmp_path / "m.md").as_posix()]
    assert body["summary"] == {"claims": 1, "consistent": 0, "inconsistent": 1,
                               "unattributed": 0}
    first = body["findings"][0]
    assert first == {"file": (tmp_path / "m.md").as_posix(), "line": 3, "column": 16,
                     "severity": "error", "code": "count-mismatch", "kind": "count",
                     "text": "2 of 5 studies", "subject": "Stigma", "stated": "2",
                     "actual": "1", "message": "the review has 1/5"}
    # The summary goes to stderr, keeping stdout one JSON document.
    assert "1 claim checked" in result.stderr


def test_list_adds_consistent_claims_with_code_consistent(tmp_path: Path,
                                                           folder: Path) -> None:
    result = audit_cli(manuscript(tmp_path, "## Stigma\n\nin 1 of 5 studies\n"),
                       "--data", folder, "--format", "json", "--list")
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "consistent"]
    assert (finding["severity"], finding["code"], finding["stated"], finding["actual"]) == (
        "info", "consistent", "1/5", "1/5")


def test_github_annotations_are_automatic_in_actions(tmp_path: Path, folder: Path) -> None:
    from peersynth.cli import app

    path = manuscript(tmp_path, WRONG)
    result = runner.invoke(app, ["audit", str(path), "--data", str(folder)],
                           env={"GITHUB_ACTIONS": "true"})
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"::error file={path.as_posix()},line=3,col=16,"
                            "title=count-mismatch::")
    assert first.endswith("::2 of 5 studies (Stigma): the review has 1/5")
    assert result.exit_code == 1


def test_markdown_table(tmp_path: Path, folder: Path) -> None:
    result = audit_cli(manuscript(tmp_path, WRONG), "--data", folder, "--format", "markdown")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| Where | Severity | Code | Claim |")
    assert lines[2].split(" | ")[1:4] == ["error", "count-mismatch", "2 of 5 studies"]
    assert lines[-1] == "1 claim checked: 0 consistent, 1 inconsistent, 0 unattributed"


def test_several_manuscripts(tmp_path: Path, folder: Path) -> None:
    one = manuscript(tmp_path, WRONG, "a.md")
    two = manuscript(tmp_path, "## Stigma\n\nin 1 of 5 studies\n", "b.txt")
    body = json.loads(audit_cli(one, two, "--data", folder, "-f", "json").stdout)
    assert body["files"] == [one.as_posix(), two.as_posix()]
    assert body["summary"]["claims"] == 2


def test_control_characters_are_escaped(tmp_path: Path, folder: Path) -> None:
    path = manuscript(tmp_path, "## Stigma\n\nin 2 of 5 studies\n", "a\x1b[31mb.md")
    result = audit_cli(path, "--data", folder)
    assert "\x1b" not in result.stdout
    assert "a\\u001b[31mb.md:3:4" in result.stdout
    text = "## Stigma\n\n(n =\x1f2)\n"
    result = audit_cli(manuscript(tmp_path, text), "--data", folder)
    assert "\x1f" not in result.stdout
    assert '"(n =\\u001f2)"' in result.stdout
    body = audit_cli(manuscript(tmp_path, text), "--data", folder, "-f", "json").stdout
    assert json.loads(body)["findings"][0]["text"] == "(n =\x1f2)"
    github = audit_cli(manuscript(tmp_path, text), "--data", folder, "-f", "github").stdout
    assert "\x1f" not in github
    assert len(github.splitlines()) == 1


# usage and the review


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert audit_cli().exit_code == 2
    assert audit_cli(manuscript(tmp_path, WRONG), "--format", "pdf").exit_code == 2


def test_a_missing_review_exits_3(tmp_path: Path) -> None:
    result = audit_cli(manuscript(tmp_path, WRONG), "--data", tmp_path / "nowhere")
    assert result.exit_code == 3
    assert "does not exist" in result.stderr


def test_an_invalid_review_exits_3_not_1(tmp_path: Path) -> None:
    """Exit 1 says the manuscript disagrees with the review; a review that does not
    validate means the audit could not run at all."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "studies.yaml").write_text("studies: [\n", encoding="utf-8")
    (bad / "themes.yaml").write_text("themes: []\n", encoding="utf-8")
    result = audit_cli(manuscript(tmp_path, WRONG), "--data", bad)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "studies.yaml:1:10: error[yaml-syntax] this '[' is never closed" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_the_json_shape() -> None:
    from peersynth.cli import app

    result = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert '"findings": [{"file", "line", "column",' in " ".join(result.stdout.split())


# manuscripts that cannot be read


def test_not_utf8(tmp_path: Path) -> None:
    path = manuscript(tmp_path, b"Results\nin 12 of 16 \xff studies\n", "m.txt")
    assert unreadable(path) == (f"peersynth: {path.as_posix()}:2:13: not UTF-8 text "
                                "(byte 0xff)")


def test_empty_and_blank(tmp_path: Path) -> None:
    for text in (b"", b"  \n\n\t\n"):
        path = manuscript(tmp_path, text, "m.txt")
        assert unreadable(path) == f"peersynth: {path.as_posix()}: the manuscript is empty"


def test_missing_and_folder(tmp_path: Path) -> None:
    assert unreadable(tmp_path / "none.md") == \
        f"peersynth: {(tmp_path / 'none.md').as_posix()} does not exist"
    assert unreadable(tmp_path) == \
        f"peersynth: {tmp_path.as_posix()} is a folder, not a manuscript"


def test_too_large(tmp_path: Path) -> None:
    path = manuscript(tmp_path, "in 12 of 16 studies\n" * 10)
    line = unreadable(path, ("PEERSYNTH_MAX_FILE_BYTES", "100"))
    assert line == f"peersynth: {path.as_posix()}: the file is 200 bytes, over the limit of 100"


def test_a_text_file_named_docx(tmp_path: Path) -> None:
    path = manuscript(tmp_path, "in 12 of 16 studies\n", "m.docx")
    assert unreadable(path) == f"peersynth: {path.as_posix()}: not a Word document (.docx)"


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_without_a_document(tmp_path: Path) -> None:
    path = manuscript(tmp_path, zipped({"hello.txt": b"hi"}), "m.docx")
    assert unreadable(path) == (f"peersynth: {path.as_posix()}: not a Word document (.docx): "
                                "the archive has no word/document.xml")


def test_a_damaged_document(tmp_path: Path) -> None:
    path = manuscript(tmp_path, zipped({"word/document.xml": b"<not xml"}), "m.docx")
    assert unreadable(path) == f"peersynth: {path.as_posix()}: not a Word document (.docx)"


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    # 20 MB of zeros pack into about 20 kB: small on disk, over the limit unpacked.
    data = zipped({"word/document.xml": bytes(20_000_000)})
    assert len(data) < 100_000
    path = manuscript(tmp_path, data, "m.docx")
    line = unreadable(path, ("PEERSYNTH_MAX_FILE_BYTES", "1000000"))
    assert line == (f"peersynth: {path.as_posix()}: the document unpacks to 20000000 bytes in "
                    "1 parts, over the limit of 1000000 bytes")


def test_the_results_section_through_the_command() -> None:
    result = audit_cli(RESULTS)
    assert result.exit_code == 0
