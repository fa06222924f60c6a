"""The review cache: same result as validating, never trusted when damaged or stale."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from peersynth import cache
from peersynth.cache import cache_dir, cached_review, entry_path
from peersynth.loading import Limits
from peersynth.review import review_from, review_to_json
from peersynth.validate import validate_folder

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "peersynth" / "example"

WARNING_THEMES = """\
themes:
  - id: covered
    label: Covered
    studies: [a1]
  - id: empty
    label: Empty
"""
STUDIES = """\
studies:
  - id: a1
    ref: 1
    authors: [Berry C]
    year: 2011
  - id: a2
    attributes: {setting: inpatient}
"""


@pytest.fixture
def review(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    shutil.copytree(EXAMPLE, folder)
    return folder


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(directory))
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.exists() else []


def test_a_hit_returns_what_validation_returns(review: Path, store: Path) -> None:
    expected = validate_folder(review)
    first = cached_review(review)
    assert len(entries(store)) == 1
    second = cached_review(review)
    assert first == expected
    assert second == expected
    assert second.review is not None
    assert expected.review is not None
    assert review_to_json(second.review) == review_to_json(expected.review)


def test_a_rebuilt_review_equals_the_validated_one(review: Path) -> None:
    validated = validate_folder(review).review
    assert validated is not None
    # Through real JSON text, as an entry holds it.
    rebuilt = review_from(json.loads(json.dumps(review_to_json(validated))))
    assert rebuilt == validated
    assert rebuilt.studies_file.review == validated.studies_file.review
    for (old_theme, _), (new_theme, _) in zip(validated.themes_file.walk(),
                                              rebuilt.themes_file.walk(), strict=True):
        assert old_theme.rolled_up_ids == new_theme.rolled_up_ids
        assert old_theme.codings == new_theme.codings
        assert [type(entry) for entry in old_theme.studies] == \
            [type(entry) for entry in new_theme.studies]


def test_the_records_mirror_the_schema() -> None:
    """Records are built from validated models field by field, by name."""
    from peersynth import models
    from peersynth import review as records

    for name in ("Flow", "ReviewInfo", "Study", "StudiesFile", "Coding", "Theme", "ThemesFile"):
        schema = list(getattr(models, name).model_fields)
        record = [f.name for f in dataclasses.fields(getattr(records, name))]
        assert record == schema, name


def test_warnings_are_kept_in_the_entry(tmp_path: Path, store: Path) -> None:
    folder = tmp_path / "warned"
    folder.mkdir()
    (folder / "studies.yaml").write_text(STUDIES)
    (folder / "themes.yaml").write_text(WARNING_THEMES)
    expected = validate_folder(folder)
    assert expected.review is not None
    assert expected.warnings == 2
    cached_review(folder)
    assert cached_review(folder) == expected


def test_a_change_in_either_file_is_seen(review: Path, store: Path) -> None:
    cached_review(review)
    themes = review / "themes.yaml"
    themes.write_text(themes.read_text().replace("study: ref33\n", "study: ref99\n", 1))
    report = cached_review(review)
    assert report.review is None
    assert report == validate_folder(review)
    assert [d.code for d in report.diagnostics if d.code == "unknown-study"]


def test_reviews_with_errors_are_not_cached(review: Path, store: Path) -> None:
    (review / "studies.yaml").write_text("studies:\n  - id: Not A Slug\n")
    assert cached_review(review).review is None
    assert entries(store) == []


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:-10],
    lambda raw: raw.replace(b"ref33", b"ref34", 1),
    lambda raw: b"",
    lambda raw: b"{not json\n{}",
    lambda raw: raw.split(b"\n", 1)[0] + b"\n" + b"[]",
])
def test_a_damaged_entry_is_ignored_and_replaced(review: Path, store: Path,
                                                 damage: object) -> None:
    cached_review(review)
    [entry] = entries(store)
    assert callable(damage)
    entry.write_bytes(damage(entry.read_bytes()))
    assert cached_review(review) == validate_folder(review)
    assert cached_review(review) == validate_folder(review)


def _parts(raw: bytes) -> tuple[dict[str, typing.Any], bytes, bytes]:
    """An entry's header, head line (diagnostics, the index) and body (the records)."""
    top, _, rest = raw.partition(b"\n")
    head, _, body = rest.partition(b"\n")
    return json.loads(top), head, body


def _signed(header: dict[str, typing.Any], head: bytes, body: bytes) -> bytes:
    header = {**header, "head": hashlib.sha256(head).hexdigest(),
              "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(header).encode() + b"\n" + head + b"\n" + body


HEAD_KEYS = ("files", "diagnostics", "omitted", "index")


def _resigned(raw: bytes, change: typing.Callable[[dict[str, typing.Any]], None]) -> bytes:
    """The entry with its content changed (head and body as one object, as the
    surprises name them) and its checksums made to match again."""
    header, head, body = _parts(raw)
    content = {**json.loads(head), **json.loads(body)}
    change(content)
    return _signed(header,
                   json.dumps({k: content[k] for k in HEAD_KEYS if k in content}).encode(),
                   json.dumps({k: v for k, v in content.items() if k not in HEAD_KEYS}).encode())


def _drop_a_study_field(content: dict[str, typing.Any]) -> None:
    content["review"]["studies_file"]["studies"][0].pop()


def _drop_a_coding_study(content: dict[str, typing.Any]) -> None:
    content["review"]["themes_file"]["themes"][0]["studies"][0] = {"evidence": "p. 3"}


@pytest.mark.parametrize("change", [_drop_a_study_field, _drop_a_coding_study])
def test_a_record_missing_a_field_is_a_miss_not_a_crash(review: Path, store: Path,
                                                         change: typing.Any) -> None:
    cached_review(review)
    [entry] = entries(store)
    entry.write_bytes(_resigned(entry.read_bytes(), change))
    assert cached_review(review) == validate_folder(review)


def test_no_cache_neither_reads_nor_writes(review: Path, store: Path) -> None:
    assert cached_review(review, use_cache=False) == validate_folder(review)
    assert entries(store) == []


def test_an_unwritable_cache_only_costs_time(review: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    report = cached_review(review, directory=blocker / "cache")
    assert report == validate_folder(review)


def test_nothing_is_written_into_the_review_folder(review: Path, store: Path) -> None:
    before = sorted(os.listdir(review))
    cached_review(review)
    cached_review(review)
    assert sorted(os.listdir(review)) == before


def test_other_limits_are_another_key(review: Path, store: Path) -> None:
    cached_review(review)
    tight = Limits(max_file_bytes=100)
    report = cached_review(review, limits=tight)
    assert report.review is None
    assert [d.code for d in report.diagnostics][:1] == ["file-too-large"]


def test_the_same_files_elsewhere_name_their_own_paths(review: Path, store: Path,
                                                       tmp_path: Path) -> None:
    other = tmp_path / "copy"
    shutil.copytree(review, other)
    cached_review(review)
    assert cached_review(other).files == validate_folder(other).files
    assert entry_path(review, store) != entry_path(other, store)


def test_cache_dir_follows_the_environment(tmp_path: Path) -> None:
    assert cache_dir({"PEERSYNTH_CACHE_DIR": "/x"}) == Path("/x")
    assert cache_dir({"XDG_CACHE_HOME": "/y"}) == Path("/y/peersynth")
    assert cache_dir({"XDG_CACHE_HOME": "relative"}) == Path.home() / ".cache" / "peersynth"
    assert cache_dir({}) == Path.home() / ".cache" / "peersynth"


def test_a_hit_needs_neither_the_yaml_reader_nor_the_schema(review: Path, store: Path) -> None:
    """What makes a repeated run fast: it imports neither a YAML parser nor the schema.
    (pydantic itself is not in the list: typer 0.29 and later coerce options through it.)"""
    code = (
        "import sys\n"
        "from peersynth.cli import app\n"
        "import peersynth.cli.reporting\n"
        f"try: app(['tally', '--data', {str(review)!r}, '--format', 'csv'])\n"
        "except SystemExit as e: assert e.code == 0, e.code\n"
        "print(sorted(m for m in ('peersynth.loading', 'peersynth.checks', 'yaml',\n"
        "                         'peersynth.models')\n"
        "             if m in sys.modules))\n")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=False, env={"PATH": "", cache.CACHE_ENV: str(store)})
            for _ in range(2)]
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stdout.splitlines()[-1] != "[]"  # the first run validated the files
    assert runs[1].stdout.splitlines()[-1] == "[]"
    assert runs[0].stdout.splitlines()[:-1] == runs[1].stdout.splitlines()[:-1]


# Entries are untrusted input: read within a bound, from regular files only, and every
# value checked on the way in. Any surprise is a miss, and a miss rewrites the entry.

def _warned_small(tmp_path: Path) -> Path:
    """The small review of reviewkit, with a subtheme tree, short and long codings,
    attributes, a flow, and one warning (a theme no study is coded to)."""
    from reviewkit import SMALL_STUDIES, SMALL_THEMES, write_review

    studies = SMALL_STUDIES.replace(
        "vocabularies:", "review:\n  title: Small\n  flow: {records_screened: 40, included: 5}\n"
                         "vocabularies:", 1)
    themes = SMALL_THEMES + "  - id: unused\n    label: Unused\n"
    return write_review(tmp_path / "warned-small", studies, themes)


@pytest.fixture
def rich_review(tmp_path: Path, store: Path) -> Path:
    folder = _warned_small(tmp_path)
    report = validate_folder(folder)
    assert report.review is not None
    assert report.warnings >= 1
    return folder


def _column(name: str) -> int:
    from peersynth.review import STUDY_FIELDS

    return STUDY_FIELDS.index(name)


def _rows(content: dict[str, typing.Any]) -> list[typing.Any]:
    rows: list[typing.Any] = content["review"]["studies_file"]["studies"]
    return rows


def _themes(content: dict[str, typing.Any]) -> list[typing.Any]:
    themes: list[typing.Any] = content["review"]["themes_file"]["themes"]
    return themes


def _set_cell(name: str, value: object) -> typing.Callable[[dict[str, typing.Any]], None]:
    def change(content: dict[str, typing.Any]) -> None:
        _rows(content)[0][_column(name)] = value
    return change


def _set_theme(name: str, value: object) -> typing.Callable[[dict[str, typing.Any]], None]:
    def change(content: dict[str, typing.Any]) -> None:
        _themes(content)[0][name] = value
    return change


def _set_deep(path: tuple[typing.Any, ...],
              value: object) -> typing.Callable[[dict[str, typing.Any]], None]:
    def change(content: dict[str, typing.Any]) -> None:
        target = content
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


SURPRISES: dict[str, typing.Callable[[dict[str, typing.Any]], None]] = {
    "text ref": _set_cell("ref", "1"),
    "boolean ref": _set_cell("ref", True),
    "fractional year": _set_cell("year", 2019.5),
    "authors as a dict": _set_cell("authors", {}),
    "an author as a number": _set_cell("authors", ["Berry C", 7]),
    "countries as text": _set_cell("countries", "Denmark"),
    "attributes as a list": _set_cell("attributes", []),
    "an attribute value as a list": _set_cell("attributes", {"setting": ["community"]}),
    "id as null": _set_cell("id", None),
    "a row as an object": lambda c: _rows(c).__setitem__(0, {"id": "alpha"}),
    "a row too long": lambda c: _rows(c)[0].append(None),
    "studies as an object": _set_deep(("review", "studies_file", "studies"), {}),
    "a label as a number": _set_theme("label", 3),
    "a coding as a number": lambda c: _themes(c)[0]["studies"].append(3),
    "a coding with another field": lambda c: _themes(c)[0]["studies"].append(
        {"study": "beta", "evidence": None, "note": None, "page": 3}),
    "a coding without its study": lambda c: _themes(c)[0]["studies"].append(
        {"study": None, "evidence": None, "note": None}),
    "subthemes as an object": _set_theme("subthemes", {}),
    "a subtheme as a list": lambda c: _themes(c)[0]["subthemes"].append([]),
    "reported as text": _set_theme("reported", "12"),
    "a theme without a field": lambda c: _themes(c)[0].pop("description"),
    "a vocabulary as text": _set_deep(("review", "studies_file", "vocabularies", "setting"),
                                      "community"),
    "flow count as text": _set_deep(("review", "studies_file", "review", "flow",
                                     "records_screened"), "40"),
    "review info as a list": _set_deep(("review", "studies_file", "review"), []),
    "diagnostic line as text": lambda c: c["diagnostics"][0].__setitem__(3, "3"),
    "a diagnostic too short": lambda c: c["diagnostics"][0].pop(),
    "a diagnostic severity unknown": lambda c: c["diagnostics"][0].__setitem__(1, "fatal"),
    "diagnostics as an object": _set_deep(("diagnostics",), {}),
    "files as text": _set_deep(("files",), "studies.yaml"),
    "a coded study that does not exist": lambda c: _themes(c)[0]["studies"].append("nobody"),
    "a study id twice": lambda c: _rows(c).append(list(_rows(c)[0])),
    "a theme id twice": lambda c: _themes(c).append(dict(_themes(c)[-1])),
    "the body as a list": lambda c: c.clear(),
}


@pytest.mark.parametrize("name", list(SURPRISES))
def test_a_resigned_entry_with_a_surprise_is_a_miss_that_rewrites_it(
        rich_review: Path, store: Path, name: str) -> None:
    expected = validate_folder(rich_review)
    cached_review(rich_review)
    [entry] = entries(store)
    good = entry.read_bytes()
    entry.write_bytes(_resigned(good, SURPRISES[name]))
    assert entry.read_bytes() != good
    assert cached_review(rich_review) == expected
    assert entry.read_bytes() == good


def test_a_resigned_entry_nested_too_deeply_is_a_miss(review: Path, store: Path) -> None:
    cached_review(review)
    [entry] = entries(store)
    good = entry.read_bytes()
    header, head, _ = _parts(good)
    entry.write_bytes(_signed(header, head, b"[" * 200_000 + b"]" * 200_000))
    assert cached_review(review) == validate_folder(review)
    assert entry.read_bytes() == good


def test_an_entry_far_larger_than_the_files_is_not_read(review: Path, store: Path) -> None:
    """A valid, correctly signed entry padded far beyond what the files could produce."""
    cached_review(review)
    [entry] = entries(store)
    good = entry.read_bytes()
    size = sum(len((review / name).read_bytes()) for name in ("studies.yaml", "themes.yaml"))
    header, head, body = _parts(good)
    # JSON whitespace: only the size bound tells this entry apart from a good one.
    padded = _signed(header, head, body + b" " * (64 * size + 2**21))
    entry.write_bytes(padded)
    assert cached_review(review) == validate_folder(review)
    assert entry.read_bytes() == good


def _run_tally(folder: Path, store: Path, **extra: typing.Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, cache.CACHE_ENV: str(store)}
    return subprocess.run([sys.executable, "-m", "peersynth", "tally", "--data", str(folder),
                           "--format", "csv"], capture_output=True, text=True, check=False,
                          env=env, timeout=30, **extra)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_at_the_entry_is_a_miss_not_a_hang(review: Path, store: Path) -> None:
    store.mkdir()
    os.mkfifo(entry_path(review, store))
    # Before, opening the pipe waited for a writer forever (the timeout fails the test).
    result = _run_tally(review, store)
    assert result.returncode == 0, result.stderr
    assert "\neducation-and-training,Education and training,0,12,16,75" in result.stdout


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_link_to_an_endless_device_is_a_miss(review: Path, store: Path) -> None:
    store.mkdir()
    entry_path(review, store).symlink_to("/dev/zero")
    # Before, reading the entry filled memory (capped here, so it ended in a MemoryError).
    result = _run_tally(review, store, preexec_fn=_limit_memory)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "\neducation-and-training,Education and training,0,12,16,75" in result.stdout


def test_a_folder_path_that_is_not_utf8_is_cached(tmp_path: Path, store: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/review-\xff"))
    shutil.copytree(EXAMPLE, folder)
    expected = validate_folder(folder)
    assert cached_review(folder) == expected
    assert len(entries(store)) == 1

    def no_validation(*args: object) -> typing.NoReturn:
        raise AssertionError("the second run should be a hit")

    monkeypatch.setattr(cache, "_validate", no_validation)
    assert cached_review(folder) == expected


def _no_validation(*args: object) -> typing.NoReturn:
    raise AssertionError("this run should have been answered from the cache")


def test_a_sound_entry_with_every_kind_of_value_is_a_hit(rich_review: Path, store: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Warnings, a flow, vocabularies, attributes, subthemes, short and long codings: the
    checks accept everything validation produces."""
    expected = validate_folder(rich_review)
    cached_review(rich_review)
    monkeypatch.setattr(cache, "_validate", _no_validation)
    assert cached_review(rich_review) == expected


def test_an_entry_over_the_bound_is_not_written(review: Path, store: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # It would never be read back: writing it would only cost time and disk.
    monkeypatch.setattr(cache, "entry_bound", lambda files: 100)
    assert cached_review(review) == validate_folder(review)
    assert entries(store) == []


def test_the_bound_is_a_multiple_of_the_files_and_a_constant() -> None:
    assert cache.entry_bound((b"", b"")) == 1 << 20
    assert cache.entry_bound((b"x" * 10, b"y" * 5)) == 16 * 15 + (1 << 20)


def _many_warnings(tmp_path: Path) -> Path:
    """A valid review with 105 uncoded studies: more warnings than are shown per file."""
    folder = tmp_path / "many-warnings"
    folder.mkdir()
    studies = "".join(f"  - id: s{n:03}\n" for n in range(1, 107))
    (folder / "studies.yaml").write_text("studies:\n" + studies, encoding="utf-8")
    (folder / "themes.yaml").write_text(
        "themes:\n  - id: t\n    label: T\n    studies: [s001]\n", encoding="utf-8")
    return folder


def test_problems_past_the_cap_are_counted_in_a_hit(tmp_path: Path, store: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _many_warnings(tmp_path)
    expected = validate_folder(folder)
    assert expected.review is not None
    # s002 to s106 are coded to no theme: 105 warnings, 100 of them shown.
    assert expected.warnings == 105
    assert [(o.errors, o.warnings) for o in expected.omitted] == [(0, 5)]
    assert cached_review(folder) == expected
    monkeypatch.setattr(cache, "_validate", _no_validation)
    hit = cached_review(folder)
    assert hit == expected
    assert hit.warnings == 105


@pytest.mark.parametrize("row", [["f", "1", 0], ["f", 0], ["f", 1, 0], "f"])
def test_a_resigned_count_of_problems_not_shown_is_checked(rich_review: Path, store: Path,
                                                           row: object) -> None:
    """A count that is text, a short row, errors (never cached), a row that is not a list."""
    expected = validate_folder(rich_review)
    cached_review(rich_review)
    [entry] = entries(store)
    good = entry.read_bytes()
    entry.write_bytes(_resigned(good, lambda content: content["omitted"].append(row)))
    assert cached_review(rich_review) == expected
    assert entry.read_bytes() == good


MIXED_STUDIES = """\
studies:
  - {id: a1, ref: 1}
  - {id: a2, ref: 2}
  - {id: a3, ref: 3}
"""
MIXED_THEMES = """\
themes:
  - id: mixed
    label: Mixed
    studies:
      - a1
      - {study: a2, evidence: "p. 3"}
      - a3
    subthemes:
      - id: long-only
        label: Long only
        studies:
          - {study: a3, note: "in passing"}
"""


def _mixed(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "studies.yaml").write_text(MIXED_STUDIES)
    (folder / "themes.yaml").write_text(MIXED_THEMES)
    return folder


def never_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a run that validates again (a miss) fails the test."""
    def fail(*args: object) -> typing.NoReturn:
        raise AssertionError("validated again")
    monkeypatch.setattr(cache, "_validate", fail)


def test_long_and_short_codings_read_from_an_entry_keep_their_order_and_fields(
        tmp_path: Path, store: Path) -> None:
    from peersynth.review import Coding

    folder = _mixed(tmp_path)
    expected = validate_folder(folder)
    assert expected.review is not None
    cached_review(folder)
    hit = cached_review(folder)
    assert hit == expected
    assert hit.review is not None
    [mixed] = hit.review.themes
    assert mixed.studies == ["a1", Coding("a2", "p. 3"), "a3"]
    assert mixed.subthemes[0].studies == [Coding("a3", note="in passing")]
    assert all(type(coding) is Coding for coding in mixed.codings)
    assert mixed.study_ids == {"a1", "a2", "a3"}


def test_a_resigned_long_form_naming_an_unknown_study_is_a_miss(
        tmp_path: Path, store: Path) -> None:
    folder = _mixed(tmp_path)
    expected = validate_folder(folder)
    cached_review(folder)
    [entry] = entries(store)
    good = entry.read_bytes()

    def unknown(content: dict[str, typing.Any]) -> None:
        _themes(content)[0]["subthemes"][0]["studies"][0]["study"] = "zz"
    entry.write_bytes(_resigned(good, unknown))
    assert cached_review(folder) == expected
    assert entry.read_bytes() == good


VALID = Path(__file__).resolve().parent / "data" / "valid"
SHIPPED = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("folder", [*sorted(VALID.iterdir()), SHIPPED, EXAMPLE],
                         ids=lambda folder: folder.name)
def test_every_valid_reviews_entry_is_read_back_as_a_hit(
        folder: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What validation makes, the cache takes back: an entry refused by its own checks
    (a record written in a form they do not expect) would be validated again on every
    run, printing the same, only slower."""
    first = cached_review(folder)
    assert first.review is not None

    never_validated(monkeypatch)
    assert cached_review(folder) == first
    report, index = cache.cached_index(folder)
    assert report.review is None  # the head alone was read
    assert index == first.review.index


def _flow_parts(content: dict[str, typing.Any]) -> list[typing.Any]:
    parts: list[typing.Any] = content["review"]["studies_file"]["review"]["flow"][
        "database_results"]
    return parts


@pytest.mark.parametrize("change", [
    lambda content: _flow_parts(content)[0].__setitem__(1, "60"),  # n as text
    lambda content: _flow_parts(content)[0].append(1),  # a third column
    lambda content: _flow_parts(content).__setitem__(0, {"name": "MEDLINE", "n": 60}),
], ids=["text-count", "third-column", "object"])
def test_a_resigned_flow_part_of_the_wrong_shape_is_a_miss(
        tmp_path: Path, store: Path,
        change: typing.Callable[[dict[str, typing.Any]], None]) -> None:
    folder = tmp_path / "flow"
    shutil.copytree(VALID / "prisma2020-flow", folder)
    expected = validate_folder(folder)
    cached_review(folder)
    [entry] = entries(store)
    good = entry.read_bytes()
    entry.write_bytes(_resigned(good, change))
    assert cached_review(folder) == expected
    assert entry.read_bytes() == good


@pytest.mark.parametrize("long_form", [False, True], ids=["short", "long"])
def test_a_resigned_theme_coding_one_study_twice_is_a_miss(
        review: Path, store: Path, long_form: bool) -> None:
    """Validation refuses a study coded twice to one theme; a forged body doing so
    thousands of times would have `evidence` print a row for each."""
    expected = validate_folder(review)
    cached_review(review)
    [entry] = entries(store)
    good = entry.read_bytes()

    def twice(content: dict[str, typing.Any]) -> None:
        theme = _themes(content)[0]
        first = theme["studies"][0]
        study = first if isinstance(first, str) else first["study"]
        assert study in {row[0] for row in _rows(content)}  # a known study
        coding = {"study": study, "evidence": "p. 1", "note": None} if long_form else study
        theme["studies"] = [*theme["studies"], *[coding] * 1000]
    entry.write_bytes(_resigned(good, twice))
    assert cached_review(review) == expected
    assert entry.read_bytes() == good
