"""peersynth init: a valid new folder, the shipped example, and never an overwrite."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

from peersynth import scaffold
from peersynth.errors import PeersynthError
from peersynth.validate import validate_folder
from reviewkit import DATA, run

FILES = {"studies.yaml", "themes.yaml", "findings.yaml"}


def test_init_makes_a_valid_commented_review_in_new_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    result = run("init", target)
    assert result.exit_code == 0, result.stderr
    assert {p.name for p in target.iterdir()} == FILES  # no temporary files left
    report = validate_folder(target)
    assert report.diagnostics == ()
    assert report.review is not None
    assert [s.id for s in report.review.studies] == ["smith2020"]
    assert [t.id for t in report.review.themes] == ["example-theme"]
    for name in FILES:
        text = (target / name).read_text(encoding="utf-8")
        assert text.startswith("# ")
        assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 3
    assert f"created {(target / 'studies.yaml').as_posix()}" in result.stderr
    assert result.stdout == ""


def test_init_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        scaffold.init(tmp_path / "r")
    finally:
        os.umask(old)
    assert (tmp_path / "r" / "studies.yaml").stat().st_mode & 0o777 == 0o644


def test_init_example_copies_the_shipped_review(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    assert run("init", target, "--example").exit_code == 0
    shipped = resources.files("peersynth") / "example"
    # The bibliography its studies.yaml names comes along.
    for name in FILES | {"references.bib"}:
        copied = (target / name).read_text(encoding="utf-8")
        assert copied == (shipped / name).read_text(encoding="utf-8")
        assert copied == (DATA / name).read_text(encoding="utf-8")
    report = validate_folder(target)
    assert report.review is not None
    assert len(report.review.studies) == 16
    assert run("cite", "role-clarity", "--data", target).stdout == \
        "Role clarity (12/16): [33\u201342, 44, 45]\n"


def test_init_into_an_existing_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert run("init", tmp_path).exit_code == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert {p.name for p in tmp_path.iterdir()} == FILES | {"notes.txt"}


@pytest.mark.parametrize("existing", ["studies.yaml", "themes.yaml"])
def test_init_never_overwrites(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("keep me\n", encoding="utf-8")
    result = run("init", tmp_path, "--example")
    assert result.exit_code == 1
    other = ({"studies.yaml", "themes.yaml"} - {existing}).pop()
    # Which file exists, which does not, and what to do either way.
    assert f"peersynth: {(tmp_path / existing).as_posix()} already exists (and {other} does " \
        "not); nothing was written: init never overwrites a file" in result.stderr
    assert f"to go on with this review, add {other} yourself" in result.stderr
    assert f"move {existing} out of {tmp_path.as_posix()} or choose another folder" \
        in result.stderr
    # Nothing written: not the other file either.
    assert [p.name for p in tmp_path.iterdir()] == [existing]
    assert (tmp_path / existing).read_text(encoding="utf-8") == "keep me\n"


def test_init_names_both_existing_files(tmp_path: Path) -> None:
    for name in ("studies.yaml", "themes.yaml"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    result = run("init", tmp_path)
    assert result.exit_code == 1
    assert "studies.yaml and " in result.stderr
    assert "themes.yaml already exist;" in result.stderr


def test_init_onto_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    # The command line names a file where a folder belongs.
    assert run("init", target).exit_code == 2
    with pytest.raises(scaffold.FolderTaken, match="is a file, not a folder"):
        scaffold.init(target)
    assert target.read_text(encoding="utf-8") == "x"


def test_a_file_created_meanwhile_is_not_clobbered(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    original = scaffold._place

    def racing(path: Path, text: str) -> None:
        if path.name == "themes.yaml":
            path.write_text("someone else's\n", encoding="utf-8")
        original(path, text)

    monkeypatch.setattr(scaffold, "_place", racing)
    with pytest.raises(scaffold.FolderTaken):
        scaffold.init(tmp_path)
    assert (tmp_path / "themes.yaml").read_text(encoding="utf-8") == "someone else's\n"
    # The studies.yaml written a moment before is taken back.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["themes.yaml"]


def test_without_hard_links_files_are_still_created_exclusively(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    written = scaffold.init(tmp_path / "r")
    assert [p.name for p in written] == ["studies.yaml", "themes.yaml", "findings.yaml"]
    assert validate_folder(tmp_path / "r").diagnostics == ()
    assert {p.name for p in (tmp_path / "r").iterdir()} == FILES


def test_unwritable_folder_exits_3_and_leaves_nothing(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open
    calls = []

    def refuse_second(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        calls.append(path)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refuse_second)
    with pytest.raises(PeersynthError) as caught:
        scaffold.init(tmp_path / "r")
    assert caught.value.exit_code == 3
    assert "cannot write in" in caught.value.message
    assert "Permission denied" \
        in caught.value.message
    assert list((tmp_path / "r").iterdir()) == []


def test_example_is_package_data() -> None:
    files = scaffold.example_files()
    assert set(files) == FILES | {"references.bib"}
    assert files["studies.yaml"] == (DATA / "studies.yaml").read_text(encoding="utf-8")
