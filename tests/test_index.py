"""The coding index: places in reference order, stored in the cache's head line and read
without the review's records; what tally, cite and matrix compute from it."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import typing
from array import array
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peersynth import analysis, cache
from peersynth.cache import cached_index, cached_review
from peersynth.choices import Order
from peersynth.index import Bounds, CodingIndex, Places, from_json
from reviewkit import SMALL_STUDIES, SMALL_THEMES, load, run, write_review
from test_cache import _parts, _resigned, _signed, entries, never_validated

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "peersynth" / "example"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(directory))
    return directory


def small(tmp_path: Path) -> Path:
    return write_review(tmp_path / "small", SMALL_STUDIES, SMALL_THEMES)


def shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "shipped"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _from_entry(folder: Path) -> CodingIndex:
    """The index as a second run reads it: from the entry's head line alone."""
    cached_review(folder)
    report, index = cached_index(folder)
    assert report.review is None  # the records were not read
    assert index is not None
    return index


def test_the_small_review_by_hand(tmp_path: Path, store: Path) -> None:
    """Reference order 1, 2, 3, 5, then the study without a ref; places from the file."""
    index = _from_entry(small(tmp_path))
    assert index.ids == ("alpha", "beta", "gamma", "delta", "epsilon")
    assert index.refs == (1, 2, 3, 5)
    assert [(t.id, t.depth, t.parent) for t in index.themes] == [
        ("access", 0, -1), ("cost", 1, 0), ("insurance", 2, 1), ("trust", 0, -1),
        ("stigma", 0, -1)]
    places = {t.id: (list(t.direct.places), list(t.rolled.places)) for t in index.themes}
    assert places == {"access": ([0], [0, 1, 2]), "cost": ([1], [1, 2]),
                      "insurance": ([1, 2], [1, 2]), "trust": ([0, 1, 2, 3, 4],) * 2,
                      "stigma": ([3], [3])}
    assert index.labels[1:3] == ("Byrne et al. 2019a", "Byrne et al. 2019b")


@pytest.mark.parametrize("make", [small, shipped])
def test_the_stored_index_is_the_one_derived_from_the_review(tmp_path: Path, store: Path,
                                                             make: typing.Any) -> None:
    folder = make(tmp_path)
    stored, built = _from_entry(folder), load(folder).index
    assert stored == built
    assert stored.labels == built.labels
    assert stored.to_json() == built.to_json()


@pytest.mark.parametrize("make", [small, shipped])
@pytest.mark.parametrize("rollup", [True, False])
def test_what_the_index_alone_gives_is_what_the_review_gives(
        tmp_path: Path, store: Path, make: typing.Any, rollup: bool) -> None:
    folder = make(tmp_path)
    review, index = load(folder), _from_entry(folder)
    for order in Order:
        fresh = analysis.tally(review, rollup=rollup, order=order)
        stored = analysis.counted(index, rollup=rollup, order=order)
        assert stored == fresh
        assert [r.total.studies for r in stored.rows] == [r.total.studies for r in fresh.rows]
    fresh_cites = analysis.citations(review, rollup=rollup)
    stored_cites = analysis.cited(index, rollup=rollup)
    assert stored_cites == fresh_cites
    assert [r.studies for r in stored_cites.rows] == [r.studies for r in fresh_cites.rows]
    assert analysis.matrix_of(index, rollup=rollup) == analysis.matrix(review, rollup=rollup)


def test_tally_counts_and_lists_by_hand(tmp_path: Path, store: Path) -> None:
    index = _from_entry(small(tmp_path))
    result = analysis.counted(index, order=Order.by_count)
    assert [(r.id, r.total.n, r.total.N) for r in result.rows] == [
        ("trust", 5, 5), ("access", 3, 5), ("cost", 2, 5), ("insurance", 2, 5),
        ("stigma", 1, 5)]
    assert result.rows[1].total.studies == ("alpha", "beta", "gamma")


def test_citations_by_hand(tmp_path: Path, store: Path) -> None:
    """Refs 1, 2, 3, 5 with a gap, and a study without a ref listed after the numbers."""
    cites = {r.id: r.citation for r in analysis.cited(_from_entry(small(tmp_path))).rows}
    assert cites["access"].text == "[1\u20133]"
    assert cites["trust"].text == "[1\u20133, 5]"
    assert cites["trust"].unnumbered == ("epsilon",)
    assert cites["insurance"].text == "[2, 3]"


def test_the_shipped_citations_are_the_articles(tmp_path: Path, store: Path) -> None:
    """FACTS.md: role clarity is supported by 12 of the 16 studies, [33-42, 44, 45]."""
    index = _from_entry(shipped(tmp_path))
    role = analysis.cited(index, theme=index.themes[index.position("role-clarity")])
    assert role.rows[0].line() == "Role clarity (12/16): [33\u201342, 44, 45]"


def _compress_by_hand(numbers: list[int]) -> str:
    values = sorted(set(numbers))
    out: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{values[i]}\u2013{values[j]}")
        else:
            out.extend(str(v) for v in values[i:j + 1])
        i = j + 1
    return ", ".join(out)


@given(st.lists(st.integers(min_value=-5, max_value=60), max_size=40))
def test_compress_agrees_with_a_plain_loop(numbers: list[int]) -> None:
    assert analysis.compress(numbers) == _compress_by_hand(numbers)


@given(st.sets(st.integers(min_value=0, max_value=70_000)),
       st.integers(min_value=1, max_value=90))
def test_ranges_found_from_the_gaps_are_those_of_the_numbers(places: set[int],
                                                             first: int) -> None:
    """With consecutive refs the runs are found from the places' gaps, as `cited` does;
    gaps of one, two and four bytes."""
    ordered = sorted(places)
    stored = Places.decoded(Places(array("I", ordered)).encoded(), 70_001)
    assert stored is not None
    for count in range(len(ordered) + 1):
        assert analysis._ranges([str(first + p) for p in ordered[:count]],
                                stored.steps(count)) == \
            _compress_by_hand([first + p for p in ordered[:count]])


@given(st.lists(st.integers(min_value=0, max_value=10_000), unique=True, max_size=50))
def test_places_survive_their_stored_form(values: list[int]) -> None:
    places = Places(array("I", sorted(values)))
    back = Places.decoded(places.encoded(), 10_001)
    assert back is not None
    assert len(back) == len(values)
    assert list(back.places) == sorted(values)


def _gaps(*numbers: int, width: str = "I") -> str:
    return width + base64.b64encode(array(width, numbers).tobytes()).decode()


@pytest.mark.parametrize(("text", "limit"), [
    (_gaps(1, 0, 2), 10),               # a gap of 0: a place twice
    (_gaps(1, 0, 2, width="B"), 10),
    (_gaps(1, 2, 0, width="H"), 10),
    (_gaps(3, 3), 6),                   # the last place (6) past the last study (5)
    (_gaps(3, 3, width="B"), 6),
    ("Inot base64!", 10),
    ("Q" + _gaps(1)[1:], 10),           # no such width
    ("", 10),
    ("I" + base64.b64encode(b"\x01\x00\x00").decode(), 10),   # not whole 32-bit numbers
])
def test_places_that_build_could_not_make_are_refused(text: str, limit: int) -> None:
    assert Places.decoded(text, limit) is None


@pytest.mark.parametrize("width", ["B", "H", "I"])
def test_places_at_the_limit_are_taken(width: str) -> None:
    found = Places.decoded(_gaps(0, 4, width=width), 5)
    assert found is not None
    assert list(found.places) == [0, 4]


def test_gaps_are_stored_as_narrow_as_they_fit() -> None:
    assert [Places(array("I", places)).encoded()[0] for places in
            ([0, 255], [0, 256], [65_535], [65_536])] == ["B", "H", "H", "I"]


def _index(content: dict[str, typing.Any]) -> dict[str, typing.Any]:
    index: dict[str, typing.Any] = content["index"]
    return index


INDEX_SURPRISES: dict[str, typing.Callable[[dict[str, typing.Any]], None]] = {
    "a place past the last study": lambda c: _index(c)["themes"][0].__setitem__(
        5, _gaps(0, 1, 1, 1, 1, 1)),
    "places not sorted": lambda c: _index(c)["themes"][0].__setitem__(4, _gaps(2, 0)),
    "places not base64": lambda c: _index(c)["themes"][0].__setitem__(4, "@@@@"),
    "a parent after its child": lambda c: _index(c)["themes"][0].__setitem__(3, 2),
    "a depth off its parent's": lambda c: _index(c)["themes"][1].__setitem__(2, 2),
    "a theme row too short": lambda c: _index(c)["themes"][0].pop(),
    "a depth as true": lambda c: _index(c)["themes"][0].__setitem__(2, True),
    "a theme id twice": lambda c: _index(c)["themes"].append(list(_index(c)["themes"][-1])),
    "a study id twice": lambda c: _index(c).update(ids=[*_index(c)["ids"], "alpha"],
                                                   labels=[*_index(c)["labels"], "x"]),
    "a label missing": lambda c: _index(c)["labels"].pop(),
    "a ref as text": lambda c: _index(c)["refs"].__setitem__(0, "1"),
    "more refs than studies": lambda c: _index(c)["refs"].extend([7, 8]),
    "another key": lambda c: _index(c).__setitem__("extra", []),
    "no index": lambda c: c.pop("index"),
}


@pytest.mark.parametrize("name", list(INDEX_SURPRISES))
def test_a_resigned_index_with_a_surprise_is_a_miss_that_rewrites_it(
        tmp_path: Path, store: Path, name: str) -> None:
    folder = small(tmp_path)
    expected = load(folder).index
    cached_review(folder)
    [entry] = entries(store)
    good = entry.read_bytes()
    entry.write_bytes(_resigned(good, INDEX_SURPRISES[name]))
    report, index = cached_index(folder)
    assert report.review is not None  # validated again
    assert index == expected
    assert entry.read_bytes() == good


def test_a_hit_reads_neither_the_records_nor_the_body(tmp_path: Path, store: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small(tmp_path)
    cached_review(folder)
    [entry] = entries(store)
    top, head, _body = entry.read_bytes().split(b"\n", 2)
    # The body damaged: a run that needs only the index never notices.
    entry.write_bytes(top + b"\n" + head + b"\n" + b"{damaged")

    def fail(*args: object) -> typing.NoReturn:
        raise AssertionError("the records were read")
    monkeypatch.setattr(cache, "review_from", fail)
    monkeypatch.setattr(cache, "_validate", fail)
    report, index = cached_index(folder)
    assert index == load(folder).index
    assert report.review is None
    assert report.errors == 0


def test_the_stored_index_follows_the_codings_not_themes_times_studies(
        tmp_path: Path, store: Path) -> None:
    """2,000 themes and 2,000 studies, each theme coded to the last study: as bitsets
    the index would be 2,000 x 2,000 bits; as places it is a few bytes a theme."""
    count = 2_000
    studies = "studies:\n" + "".join(f"  - {{id: s{i}, ref: {i + 1}}}\n" for i in range(count))
    themes = "themes:\n" + "".join(
        f"  - {{id: t{i}, label: T{i}, studies: [s{count - 1}]}}\n" for i in range(count))
    folder = write_review(tmp_path / "wide", studies, themes)
    cached_review(folder)
    [entry] = entries(store)
    head = entry.read_bytes().split(b"\n", 2)[1]
    stored = json.loads(head)["index"]["themes"]
    assert {tuple(row[4:]) for row in stored} == {(_gaps(count - 1, width="H"),) * 2}
    assert len(head) < 60 * count + 40 * count  # the ids and labels, then ~30 bytes a theme
    index = _from_entry(folder)
    assert analysis.cited(index).rows[0].citation.text == f"[{count}]"


def test_an_index_from_json_round_trips() -> None:
    index = CodingIndex(("a", "b"), (1,), (), stored_labels=("A 2001", "b"))
    back = from_json(json.loads(json.dumps(index.to_json())), Bounds(100, 100, 64))
    assert back == index
    assert back is not None
    assert back.labels == ("A 2001", "b")
    assert list(itertools.chain(index.children)) == [()]


@pytest.mark.parametrize("args", [
    ["tally"], ["tally", "--format", "json"], ["tally", "--no-rollup", "--sort", "count",
                                               "--format", "csv"],
    ["cite"], ["cite", "--format", "json"], ["cite", "trust"], ["cite", "--no-rollup"],
    ["matrix"], ["matrix", "--format", "json"], ["matrix", "--no-rollup", "--format", "csv"],
])
def test_a_command_answered_from_the_index_prints_what_a_fresh_run_prints(
        tmp_path: Path, store: Path, args: list[str]) -> None:
    """A miss (which writes the entry), a hit (which reads only the index) and --no-cache:
    the same output and the same notes (the study without a ref) every time."""
    folder = small(tmp_path)
    runs = [run(*args, "--data", folder, *extra) for extra in ([], [], ["--no-cache"])]
    assert [r.exit_code for r in runs] == [0, 0, 0]
    assert len(entries(store)) == 1
    assert runs[1].stdout == runs[0].stdout == runs[2].stdout
    assert runs[1].stderr == runs[0].stderr == runs[2].stderr


def test_the_json_tally_from_the_index_lists_studies_by_hand(tmp_path: Path,
                                                            store: Path) -> None:
    folder = small(tmp_path)
    run("tally", "--data", folder)
    body = json.loads(run("tally", "--data", folder, "--format", "json").stdout)
    assert {t["id"]: t["studies"] for t in body["themes"]} == {
        "access": ["alpha", "beta", "gamma"], "cost": ["beta", "gamma"],
        "insurance": ["beta", "gamma"], "trust": ["alpha", "beta", "gamma", "delta", "epsilon"],
        "stigma": ["delta"]}


def test_a_review_read_from_the_cache_carries_the_stored_index(
        tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small(tmp_path)
    expected = load(folder).index
    cached_review(folder)

    def fail(*args: object) -> typing.NoReturn:
        raise AssertionError("the index was built again")
    monkeypatch.setattr("peersynth.index.build", fail)
    review = cached_review(folder).review
    assert review is not None
    assert review.index == expected
    assert review.index.labels == expected.labels


@pytest.mark.parametrize("change", [
    lambda c: _index(c)["ids"].reverse(),       # the studies in another order
    lambda c: _index(c)["themes"].pop(),        # a theme missing
])
def test_a_review_whose_stored_index_is_not_its_own_is_a_miss(
        tmp_path: Path, store: Path, change: typing.Any) -> None:
    folder = small(tmp_path)
    expected = load(folder)
    cached_review(folder)
    [entry] = entries(store)
    good = entry.read_bytes()
    entry.write_bytes(_resigned(good, change))
    assert cached_review(folder).review == expected
    assert entry.read_bytes() == good


def _content(ids: list[str], rows: list[list[typing.Any]], refs: list[int] | None = None,
             labels: list[str] | None = None) -> dict[str, typing.Any]:
    return {"ids": ids, "refs": refs if refs is not None else [],
            "labels": labels if labels is not None else list(ids), "themes": rows}


def _row(id_: str, depth: int, parent: int, *places: int) -> list[typing.Any]:
    gaps = [b - a for a, b in zip((0, *places), places, strict=False)]
    text = _gaps(*gaps, width="H")
    return [id_, id_.upper(), depth, parent, text, text]


ROOMY = Bounds(studies_bytes=1_000, themes_bytes=1_000, max_depth=64)


def test_an_index_within_its_bounds_is_taken() -> None:
    rows = [_row("a", 0, -1, 0, 2), _row("b", 1, 0, 2), _row("c", 1, 0), _row("d", 0, -1, 1)]
    found = from_json(_content(["s1", "s2", "s3"], rows, refs=[4, 5]), ROOMY)
    assert found is not None
    assert [list(t.direct.places) for t in found.themes] == [[0, 2], [2], [], [1]]


@pytest.mark.parametrize(("content", "bounds"), [
    # More id text than studies.yaml holds, or than labels could add to it.
    (_content(["x" * 600, "y" * 600], []), ROOMY),
    (_content(["s1"], [], labels=["L" * 1_041]), ROOMY),
    # Theme ids and labels beyond themes.yaml's bytes, or the ids its direct codings
    # name beyond what it reads as, aliases expanded: a few bytes of places cannot
    # stand for a long id printed a thousand times.
    (_content(["s1"], [_row("t" * 600, 0, -1)]), ROOMY),
    (_content(["s" * 100], [_row(f"t{i}", 0, -1, 0) for i in range(1_000)]),
     Bounds(studies_bytes=1_000, themes_bytes=10_000, max_depth=64)),
    # Deeper than the YAML nests, a level skipped, or out of tree order.
    (_content(["s1"], [_row(f"t{i}", i, i - 1) for i in range(66)]), ROOMY),
    (_content(["s1"], [_row("a", 0, -1), _row("b", 2, 0)]), ROOMY),
    (_content(["s1"], [_row("a", 0, -1), _row("b", 1, 0), _row("c", 0, -1),
                       _row("d", 1, 0)]), ROOMY),
    # Refs out of order or repeated.
    (_content(["s1", "s2"], [], refs=[2, 1]), ROOMY),
    (_content(["s1", "s2"], [], refs=[1, 1]), ROOMY),
])
def test_an_index_beyond_what_its_files_could_make_is_refused(
        content: dict[str, typing.Any], bounds: Bounds) -> None:
    assert from_json(content, bounds) is None


def test_label_text_may_come_from_the_bibliography_but_no_further() -> None:
    # 1,100 characters of label for one study: beyond studies.yaml's 1,000 bytes and 40
    # for the label's words, within them with a bibliography of 60 bytes or more.
    content = _content(["s1"], [], labels=["L" * 1_100])
    assert from_json(content, ROOMY) is None
    assert from_json(content, Bounds(1_000, 1_000, 64, extra_bytes=60)) is not None
    assert from_json(content, Bounds(1_000, 1_000, 64, extra_bytes=59)) is None


def test_a_deep_chain_within_the_depth_limit_is_taken() -> None:
    rows = [_row(f"t{i}", i, i - 1) for i in range(65)]
    assert from_json(_content(["s1"], rows), ROOMY) is not None


@pytest.mark.parametrize(("length", "direct"), [
    (100_000, True),
    # Within what an alias may repeat, but an id is unique, so it is written out in
    # studies.yaml: longer than the file, it is not the file's. Rolled up only, with no
    # direct coding to count: 2,000 themes would print it 120 MB over.
    (60_000, False),
], ids=["coded", "rolled-up-only"])
def test_a_small_head_that_would_print_gigabytes_is_a_miss(
        tmp_path: Path, store: Path, length: int, direct: bool) -> None:
    """One long id, coded by thousands of themes through a byte each: refused for the
    files it claims to come from, and validated again instead."""
    folder = small(tmp_path)
    cached_review(folder)
    [entry] = entries(store)
    long_id = "x" * length
    none = "B"  # no places

    def change(content: dict[str, typing.Any]) -> None:
        _index(content).update(ids=[long_id], labels=[long_id], refs=[], themes=[
            [f"t{i}", "", 0, -1, _gaps(0, width="B") if direct else none,
             _gaps(0, width="B")] for i in range(2000)])
    entry.write_bytes(_resigned(entry.read_bytes(), change))
    report, index = cached_index(folder)
    assert report.review is not None  # a miss: validated again
    assert index == load(folder).index


def test_tally_tells_the_reviews_problems_before_those_of_its_options(tmp_path: Path,
                                                                     store: Path) -> None:
    """A folder that is not there is told as such, whatever --where says."""
    missing = tmp_path / "nowhere"
    plain = run("tally", "--data", missing)
    filtered = run("tally", "--where", "bogus", "--data", missing)
    assert plain.exit_code != 0
    assert (filtered.exit_code, filtered.stderr) == (plain.exit_code, plain.stderr)
    assert "nowhere" in filtered.stderr


LONG_NAMES_STUDIES = """\
review:
  bibliography: refs.bib
studies:
  - {id: s1, ref: 1, doi: 10.1/1}
  - {id: s2, ref: 2, doi: 10.1/2}
"""
LONG_NAMES_THEMES = """\
themes:
  - {id: a, label: A, studies: [s1, s2]}
"""


def _long_names_bib(count: int, length: int) -> str:
    # Two braced corporate authors an entry, each name `length` characters: each study's
    # label names both, far more text than its line in studies.yaml.
    return "".join(
        f"@article{{k{i}, doi = {{10.1/{i}}}, year = {{2020}}, author = "
        f"{{{{Office {'x' * (length - 7)}}} and {{Bureau {'y' * (length - 7)}}}}}}}\n"
        for i in range(1, count + 1))


def test_labels_from_the_bibliography_are_within_the_bounds_of_a_hit(
        tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A study that leaves its authors to its bibliography entry has a label longer than
    its own text in studies.yaml: the bound counts the bibliography's bytes too, so the
    entry the first run wrote is a hit, never validated again."""
    folder = write_review(tmp_path / "named", LONG_NAMES_STUDIES, LONG_NAMES_THEMES)
    (folder / "refs.bib").write_text(_long_names_bib(2, 200), encoding="utf-8")
    expected = load(folder).index
    # Beyond what studies.yaml alone could make them.
    assert sum(map(len, expected.labels)) > len(LONG_NAMES_STUDIES) + 40 * 2
    cached_review(folder)

    never_validated(monkeypatch)
    report, index = cached_index(folder)
    assert report.review is None
    assert index == expected
    assert index is not None
    assert index.labels == expected.labels
    whole = cached_review(folder).review
    assert whole is not None
    assert whole.index.labels == expected.labels


def test_a_coding_list_shared_through_an_alias_is_within_the_bounds_of_a_hit(
        tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five themes hold one coding list through a YAML alias: their codings name five
    times the id text themes.yaml holds, which validation allows (aliases may repeat
    text up to a budget), so the bound counts what the file reads as, not its bytes."""
    ids = [f"study-number-{i:04d}" for i in range(1, 41)]
    studies = "studies:\n" + "".join(f"  - {{id: {id_}, ref: {n}}}\n"
                                     for n, id_ in enumerate(ids, 1))
    themes = (f"themes:\n  - {{id: t0, label: T0, studies: &all [{', '.join(ids)}]}}\n"
              + "".join(f"  - {{id: t{k}, label: T{k}, studies: *all}}\n" for k in range(1, 5)))
    folder = write_review(tmp_path / "shared", studies, themes)
    assert 5 * sum(map(len, ids)) > len(themes)
    expected = load(folder).index
    cached_review(folder)

    never_validated(monkeypatch)
    report, index = cached_index(folder)
    assert report.review is None
    assert index == expected
    assert [len(theme.direct) for theme in expected.themes] == [40] * 5


def test_a_bibliography_named_twice_in_the_header_counts_once(tmp_path: Path,
                                                             store: Path) -> None:
    """A forged header naming the bibliography a hundred times does not make room for a
    hundred times its bytes of label text."""
    folder = write_review(tmp_path / "named", LONG_NAMES_STUDIES, LONG_NAMES_THEMES)
    (folder / "refs.bib").write_text(_long_names_bib(2, 100), encoding="utf-8")
    cached_review(folder)
    [entry] = entries(store)
    good = entry.read_bytes()
    bib = len((folder / "refs.bib").read_bytes())
    # Beyond studies.yaml, 40 a label and the bibliography once.
    label = "L" * (len(LONG_NAMES_STUDIES) + 2 * 40 + bib + 1)
    header, head, body = _parts(_resigned(good, lambda content: _index(content).update(
        labels=[label, "s2"])))
    header["extras"] = header["extras"] * 100
    entry.write_bytes(_signed(header, head, body))
    report, _index_read = cached_index(folder)
    assert report.review is not None  # a miss: validated again
    assert entry.read_bytes() == good
