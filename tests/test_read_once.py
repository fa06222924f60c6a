"""The review files are read once per run: validation and the cache's key use the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from peersynth import cache, files, loading
from peersynth.cache import cached_review
from peersynth.diagnostics import Diagnostic
from peersynth.errors import PeersynthError
from peersynth.files import Limits, read_review
from reviewkit import run, small


def patch_reads(monkeypatch: pytest.MonkeyPatch, reader: object) -> None:
    """Put `reader` in the place of read_bytes wherever a module holds its own name for it."""
    for module in (files, loading, cache):
        if getattr(module, "read_bytes", None) is REAL_READ:
            monkeypatch.setattr(module, "read_bytes", reader)


REAL_READ = files.read_bytes


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every review file read, in order."""
    seen: list[str] = []
    real = files.read_bytes

    def counting(path: Path, file: str, limits: Limits) -> bytes | list[Diagnostic]:
        seen.append(path.name)
        return real(path, file, limits)

    patch_reads(monkeypatch, counting)
    return seen


def test_a_cached_run_reads_each_file_once(tmp_path: Path, reads: list[str]) -> None:
    folder = small(tmp_path)
    cached_review(folder)  # a miss: validated and stored
    cached_review(folder)  # a hit
    assert reads == ["studies.yaml", "themes.yaml"] * 2


def test_a_file_changed_during_a_run_never_stores_its_answer_under_the_old_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A -> B -> A during one run: whatever reads the file a second time sees B. The
    entry must hold A's answer, or every later run prints B's counts for A's files."""
    folder = small(tmp_path)
    themes = folder / "themes.yaml"
    version_a = themes.read_bytes()
    version_b = version_a.replace(b"label: Trust\n", b"label: Distrust\n")
    assert version_b != version_a
    real = files.read_bytes
    themes_reads = 0

    def racing(path: Path, file: str, limits: Limits) -> bytes | list[Diagnostic]:
        nonlocal themes_reads
        if path.name == "themes.yaml":
            themes_reads += 1
            if themes_reads == 2:  # the file is B for this one read only
                return version_b
        return real(path, file, limits)

    patch_reads(monkeypatch, racing)
    first = run("tally", "--data", folder, "--format", "csv")
    for module in (files, loading, cache):
        if getattr(module, "read_bytes", None) is racing:
            monkeypatch.setattr(module, "read_bytes", REAL_READ)
    assert first.exit_code == 0, first.output
    again = run("tally", "--data", folder, "--format", "csv")
    fresh = run("tally", "--data", folder, "--format", "csv", "--no-cache")
    assert "Distrust" not in again.stdout
    assert again.stdout == fresh.stdout
    assert ",Trust," in fresh.stdout


def test_the_read_never_reserves_the_limit_up_front(tmp_path: Path) -> None:
    """A limit of 100 GB on a 1 kB file: reading it must not ask for 100 GB."""
    folder = small(tmp_path)
    loaded = read_review(folder, Limits(max_file_bytes=100_000_000_000))
    assert loaded.both() == ((folder / "studies.yaml").read_bytes(),
                             (folder / "themes.yaml").read_bytes())


def test_a_huge_size_limit_from_the_environment_still_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small(tmp_path)
    monkeypatch.setenv("PEERSYNTH_MAX_FILE_BYTES", "100000000000")
    result = run("tally", "--data", folder, "--no-cache")
    assert result.exit_code == 0, result.output
    assert "Trust" in result.stdout


def test_a_file_that_grows_past_the_limit_while_read_is_too_large(tmp_path: Path) -> None:
    class Growing:
        """A handle whose file grew from 10 bytes to 50 since stat()."""

        def __init__(self) -> None:
            self.left = b"x" * 50

        def read(self, size: int) -> bytes:
            part, self.left = self.left[:size], self.left[size:]
            return part

    data = files._read_bounded(Growing(), 10, 20)  # type: ignore[arg-type]
    assert len(data) == 21  # the limit and one byte more: enough to say it is too large


def test_a_missing_themes_file_beside_studies_does_not_send_the_user_to_init(
        tmp_path: Path) -> None:
    folder = small(tmp_path)
    (folder / "themes.yaml").unlink()
    with pytest.raises(PeersynthError) as raised:
        read_review(folder, Limits())
    assert raised.value.message.endswith("themes.yaml does not exist")
    assert raised.value.hint is not None
    assert "themes:" in raised.value.hint
    assert "init DIR" not in raised.value.hint


def test_an_empty_folder_is_sent_to_init(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PeersynthError) as raised:
        read_review(tmp_path / "empty", Limits())
    assert raised.value.hint is not None
    assert "peersynth init DIR" in raised.value.hint
