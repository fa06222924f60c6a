"""A cached run prints exactly what --no-cache prints, whatever happened to the files.

A stateful property test edits a review folder between runs — counts, labels and
codings changed, the files made invalid and valid again, an earlier version put
back (A -> B -> A), a file touched, rewritten with the same bytes, or changed with
its size and modification time kept — and after each edit runs a reporting command
with the cache (a miss, then a hit) and with --no-cache: exit code, stdout and
stderr must be the same bytes. Then a file swapped for another version during a
run: what the run validated must be what its cache entry says.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from typer.testing import CliRunner, Result

import peersynth.cli.reporting  # registers the reporting commands
import peersynth.validate
from peersynth.cli import app
from reviewkit import ENV, SMALL_STUDIES

settings.register_profile(
    "cache-property", derandomize=True, max_examples=20, stateful_step_count=15,
    deadline=None, suppress_health_check=[HealthCheck.too_slow])

THEMES = ("access", "cost", "trust", "stigma")  # cost is a subtheme of access
STUDIES = ("alpha", "beta", "gamma", "delta", "epsilon")
# Each step runs the next of these: every command in json and in a table, in turn.
# A command: its words (cite's THEME among them), then its options; the folder is given
# with --data.
Command = tuple[tuple[str, ...], tuple[str, ...]]
COMMANDS: tuple[Command, ...] = tuple(
    (words, (*options, "--format", fmt)) for words, options in (
        (("tally",), ()), (("cite",), ()), (("cite", "trust"), ()), (("matrix",), ()),
        (("studies",), ()), (("tally",), ("--by", "country")))
    for fmt in ("json", "table"))
# Labels of plain letters, accents and spaces: YAML-safe inside double quotes.
LABELS = st.text(alphabet="abcdeXYZ éü-", min_size=1, max_size=10).filter(str.strip)


@dataclass(frozen=True)
class Version:
    """What both files say: enough to change one thing at a time and to put it back."""

    labels: tuple[str, ...] = ("Access to care", "Cost", "Trust", "Stigma")
    codings: tuple[tuple[str, ...], ...] = (("alpha",), ("beta", "gamma"),
                                            STUDIES, ("delta",))
    reported: tuple[int | None, ...] = (None, None, 5, None)
    year: int = 2019  # alpha's
    broken: str | None = None  # how the files are made invalid, when they are

    def studies_yaml(self) -> bytes:
        text = SMALL_STUDIES.replace("    year: 2019\n", f"    year: {self.year}\n", 1)
        if self.broken == "syntax":
            text += "  - id: [unclosed\n"
        return text.encode()

    def themes_yaml(self) -> bytes:
        def theme(index: int, indent: str) -> list[str]:
            ids = list(self.codings[index])
            if self.broken == "unknown-study" and index == 2:
                ids.append("nobody")
            lines = [f"{indent}- id: {THEMES[index]}",
                     f'{indent}  label: "{self.labels[index]}"',
                     f"{indent}  studies: [{', '.join(ids)}]"]
            if self.reported[index] is not None:
                lines.append(f"{indent}  reported: {self.reported[index]}")
            return lines

        lines = ["themes:", *theme(0, "  "), "    subthemes:", *theme(1, "      "),
                 *theme(2, "  "), *theme(3, "  ")]
        if self.broken == "duplicate-theme":
            lines += theme(3, "  ")
        return ("\n".join(lines) + "\n").encode()


def _swap(values: tuple[Any, ...], index: int, value: Any) -> tuple[Any, ...]:
    return (*values[:index], value, *values[index + 1:])


def _invoke(runner: CliRunner, command: Command, folder: Path,
            no_cache: bool) -> tuple[int, str, str]:
    words, options = command
    result: Result = runner.invoke(app, [*words, "--data", str(folder), *options,
                                         *(["--no-cache"] if no_cache else [])])
    return result.exit_code, result.stdout, result.stderr


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Each cache entry's inode and modification time: a rewritten entry has others."""
    return {entry.name: (entry.stat().st_ino, entry.stat().st_mtime_ns)
            for entry in folder.glob("*.json")} if folder.is_dir() else {}


class CacheMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="peersynth-cache-property-"))
        self.folder = self.root / "review"
        self.folder.mkdir()
        self.runner = CliRunner(env={**ENV, "PEERSYNTH_CACHE_DIR": str(self.root / "cache")})
        self.version = Version()
        self.history: list[Version] = []
        self.step = 0
        self.write(self.version)

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, version: Version) -> None:
        self.history.append(self.version)
        self.version = version
        (self.folder / "studies.yaml").write_bytes(version.studies_yaml())
        (self.folder / "themes.yaml").write_bytes(version.themes_yaml())

    # -------------------------------------------------------------------------- edits

    @rule(theme=st.integers(0, 3), count=st.one_of(st.none(), st.integers(0, 6)))
    def change_a_count(self, theme: int, count: int | None) -> None:
        self.write(replace(self.version, reported=_swap(self.version.reported, theme, count)))

    @rule(year=st.integers(1990, 2030))
    def change_a_year(self, year: int) -> None:
        self.write(replace(self.version, year=year))

    @rule(theme=st.integers(0, 3), label=LABELS)
    def rename_a_label(self, theme: int, label: str) -> None:
        self.write(replace(self.version, labels=_swap(self.version.labels, theme, label)))

    @rule(theme=st.integers(0, 3), study=st.sampled_from(STUDIES))
    def add_a_coding(self, theme: int, study: str) -> None:
        codings = self.version.codings
        if study not in codings[theme]:
            self.write(replace(self.version, codings=_swap(
                codings, theme, (*codings[theme], study))))

    @rule(theme=st.integers(0, 3), which=st.integers(0, 4))
    def remove_a_coding(self, theme: int, which: int) -> None:
        codings = self.version.codings
        if codings[theme]:
            kept = list(codings[theme])
            del kept[which % len(kept)]
            self.write(replace(self.version, codings=_swap(codings, theme, tuple(kept))))

    @rule(how=st.sampled_from(["syntax", "unknown-study", "duplicate-theme"]))
    def make_the_files_invalid(self, how: str) -> None:
        self.write(replace(self.version, broken=how))

    @precondition(lambda self: self.version.broken is not None)
    @rule()
    def make_the_files_valid_again(self) -> None:
        self.write(replace(self.version, broken=None))

    @precondition(lambda self: len(self.history) > 1)
    @rule(data=st.data())
    def put_an_earlier_version_back(self, data: st.DataObject) -> None:
        self.write(data.draw(st.sampled_from(self.history[:-1])))

    @rule(seconds=st.integers(-10**6, 10**6))
    def touch_without_change(self, seconds: int) -> None:
        for name in ("studies.yaml", "themes.yaml"):
            path = self.folder / name
            moved = max(0, int(path.stat().st_mtime) + seconds)
            os.utime(path, (moved, moved))

    @rule()
    def replace_with_the_same_bytes(self) -> None:
        # A new file (another inode and modification time) holding the very same bytes.
        for name in ("studies.yaml", "themes.yaml"):
            path = self.folder / name
            fresh = path.with_suffix(".new")
            fresh.write_bytes(path.read_bytes())
            os.replace(fresh, path)

    @rule(theme=st.integers(0, 3))
    def change_a_label_keeping_size_and_time(self, theme: int) -> None:
        """Another byte of the same length, and the old modification time put back: only
        the content tells the versions apart."""
        label = self.version.labels[theme]
        changed = ("b" if label[0] == "a" else "a") + label[1:]
        path = self.folder / "themes.yaml"
        before = path.stat()
        self.write(replace(self.version, labels=_swap(self.version.labels, theme, changed)))
        assert path.stat().st_size == before.st_size
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    # -------------------------------------------------------------------------- the property

    @invariant()
    def a_cached_run_prints_what_no_cache_prints(self) -> None:
        args = COMMANDS[self.step % len(COMMANDS)]
        self.step += 1
        missed = _invoke(self.runner, args, self.folder, no_cache=False)
        written = _stamps(self.root / "cache")
        fresh = _invoke(self.runner, args, self.folder, no_cache=True)
        hit = _invoke(self.runner, args, self.folder, no_cache=False)
        assert missed == fresh, (args, self.version)
        assert hit == fresh, (args, self.version)
        # The hit read the entry the miss wrote, and did not refuse and rewrite it (only a
        # review without errors is written).
        assert (_stamps(self.root / "cache") == written) or self.version.broken is not None, \
            (args, self.version)
        # Warnings (a count that differs, an empty theme) pass; each breakage is an error.
        assert fresh[0] == (0 if self.version.broken is None else 1), fresh


TestCachedRunsPrintWhatNoCachePrints = CacheMachine.TestCase
TestCachedRunsPrintWhatNoCachePrints.settings = settings.get_profile("cache-property")


# ----------------------------------------------------------------------------- a race


@dataclass
class Racer:
    """Stands in for validate_folder: on its first call (inside the run under test), the
    file becomes `during`, is validated as the real function does, and becomes `after`."""

    path: Path
    during: bytes
    after: bytes
    real: Callable[..., Any] = field(default=peersynth.validate.validate_folder)
    calls: int = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls > 1:
            return self.real(*args, **kwargs)
        self.path.write_bytes(self.during)
        try:
            return self.real(*args, **kwargs)
        finally:
            self.path.write_bytes(self.after)


@pytest.mark.parametrize(("version_a", "version_b"), [
    (Version(), Version(labels=("Access to care", "Cost", "Distrust", "Stigma"))),
    # A invalid, B valid: stored under A's key, B's answer would make cite exit 0 on
    # files validate rejects.
    (Version(broken="unknown-study"), Version()),
], ids=["another-label", "invalid-then-valid"])
@pytest.mark.parametrize("command", [(("tally",), ("--format", "csv")), (("cite", "trust"), ())],
                         ids=["tally", "cite-theme"])
def test_a_file_swapped_during_a_run_leaves_later_cached_runs_right(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version_a: Version,
        version_b: Version, command: Command) -> None:
    """A -> B -> A while a run validates: the files are A before and after, and B when
    validation reads (if it reads them again). Afterwards a cached run prints what
    --no-cache prints for A."""
    folder = tmp_path / "review"
    folder.mkdir()
    runner = CliRunner(env={**ENV, "PEERSYNTH_CACHE_DIR": str(tmp_path / "cache")})
    (folder / "studies.yaml").write_bytes(version_a.studies_yaml())
    themes = folder / "themes.yaml"
    themes.write_bytes(version_a.themes_yaml())
    racer = Racer(themes, version_b.themes_yaml(), version_a.themes_yaml())
    monkeypatch.setattr(peersynth.validate, "validate_folder", racer)
    _invoke(runner, command, folder, no_cache=False)  # the run raced: a cache miss
    assert racer.calls == 1
    monkeypatch.undo()
    assert themes.read_bytes() == version_a.themes_yaml()
    fresh = _invoke(runner, command, folder, no_cache=True)
    cached = _invoke(runner, command, folder, no_cache=False)
    assert cached == fresh
    # A's answer: its label, or its unknown study's error.
    assert fresh[0] == (0 if version_a.broken is None else 1)
    assert "Distrust" not in cached[1]
