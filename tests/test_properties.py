"""Properties of tally and cite on generated reviews, checked against a reference in this file.

Each example is a review of 0-200 studies and a theme tree up to four levels deep,
built as plain Python data, written as YAML into a temporary folder, validated,
and run through the command line. Every number the commands print is compared
with what the plain sets and loops below compute from the same data; none of it
calls peersynth.analysis.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import random
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersynth.cli.reporting  # noqa: F401 - registers the reporting commands
from peersynth.cli import app
from peersynth.diagnostics import Severity
from peersynth.validate import validate_folder
from reviewkit import runner

PROPERTY_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EN_DASH = "\u2013"
MULTIPLE = "Multiple countries"
NOT_REPORTED = "Not reported"
DESIGNS = ("qualitative", "quantitative", "mixed-methods")
QUALITIES = ("good", "fair", "poor")
COUNTRIES = ("Australia", "Denmark", "India", "Kenya", "United Kingdom", "Côte d'Ivoire", "日本",
             "Norway")
# Values that YAML 1.1 would read as something else unless quoted, values that differ only
# in case or spacing (one value to --where, two columns to --by), and a number that reads
# as the same text as a string.
ATTRIBUTE_VALUES: tuple[str | int, ...] = (
    "community", "Community", "inpatient", "yes", "no", "on", "12", 12, "0123",
    "2020-01-31", "day  care", "Day care")
ATTRIBUTE_NAMES = ("setting", "lived_experience_coauthor", "peer-role", "Sector")
# Study ids: index-based, so unique, and some of them look like numbers to YAML.
ID_PREFIXES = ("s", "ref", "", "0x", "1e", "1_", "study-", "no-", "on")
LABEL_CHARS = "abcdefXYZ éñü日本|&%-_'\",:()[]#*0123456789e\u0301"
NOTES = (None, "p. 3", "yes", 'Results, "Subtheme 1"', "12", "Überblick \u2013 S. 4", "")
MAX_DEPTH = 3  # depths 0-3: four levels


# ---------------------------------------------------------------------------
# The review as plain data


@dataclass(frozen=True)
class GenStudy:
    id: str
    ref: int | None
    countries: tuple[str, ...] | None
    design: str | None
    quality: str | None
    year: int | None
    attribute: str | int | None


@dataclass(frozen=True)
class GenCoding:
    study: str
    long_form: bool
    evidence: str | None
    note: str | None


@dataclass(frozen=True)
class GenTheme:
    id: str
    label: str
    codings: tuple[GenCoding, ...]
    reported: int | None
    subthemes: tuple[GenTheme, ...]

    @property
    def shown_label(self) -> str:
        """The label as the reports show it: loading makes text NFC and strips it."""
        return unicodedata.normalize("NFC", self.label).strip()

    @property
    def direct(self) -> frozenset[str]:
        return frozenset(coding.study for coding in self.codings)

    @property
    def rolled_up(self) -> frozenset[str]:
        found = set(self.direct)
        for sub in self.subthemes:
            found |= sub.rolled_up
        return frozenset(found)


@dataclass(frozen=True)
class GenReview:
    studies: tuple[GenStudy, ...]
    themes: tuple[GenTheme, ...]
    attribute: str  # the name of the one reviewer-defined attribute
    attribute_vocabulary: tuple[str, ...] | None
    countries_vocabulary: tuple[str, ...] | None
    flow_included: bool

    @property
    def fields(self) -> tuple[str, ...]:
        """What --by and --where accept: the attribute once a study has it or a vocabulary
        declares it."""
        known = self.attribute_vocabulary is not None or any(
            study.attribute is not None for study in self.studies)
        return ("country", "design", "quality", "year", *([self.attribute] if known else []))

    def walk(self) -> Iterator[tuple[GenTheme, int]]:
        """Every theme in tree order (parent, then its subthemes), with its depth."""
        stack = [(theme, 0) for theme in reversed(self.themes)]
        while stack:
            theme, depth = stack.pop()
            yield theme, depth
            stack.extend((sub, depth + 1) for sub in reversed(theme.subthemes))

    def in_reference_order(self, ids: frozenset[str] | set[str] | None = None) -> list[str]:
        """Ids by ref; those without one after them, in file order."""
        numbered = sorted((s.ref, s.id) for s in self.studies
                          if s.ref is not None and (ids is None or s.id in ids))
        rest = [s.id for s in self.studies if s.ref is None and (ids is None or s.id in ids)]
        return [study_id for _ref, study_id in numbered] + rest


class _Dumper(yaml.SafeDumper):
    """PyYAML quotes only what YAML 1.1 reads as another type; peersynth also refuses
    text that YAML 1.2 reads as a number (`0e-0`), so every string is written quoted."""


_Dumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"'))



def values_of(study: GenStudy, field: str) -> tuple[str, ...]:
    """The study's values of a field as text, as --by and --where see them."""
    if field == "country":
        return study.countries or ()
    value: str | int | None = {"design": study.design, "quality": study.quality,
                               "year": study.year}.get(field, study.attribute)
    return () if value is None else (str(value),)


def value_key(text: str) -> str:
    """Values match (in --where, --by and studies) ignoring case, and runs of spaces, '-' and
    '_' for one another. (Country aliases also match; the generated countries have none.)"""
    return re.sub(r"[\s\-_]+", " ", unicodedata.normalize("NFC", text).casefold()).strip()


def shown_spellings(review: GenReview, field: str) -> dict[str, str]:
    """The spelling each value of `field` is shown with: the vocabulary's, else the most
    frequent among the studies, ties to the first in reference order."""
    by_id = {study.id: study for study in review.studies}
    counts: dict[str, dict[str, int]] = {}
    for study_id in review.in_reference_order():
        for value in values_of(by_id[study_id], field):
            seen = counts.setdefault(value_key(value), {})
            seen[value] = seen.get(value, 0) + 1
    shown = {key: max(seen, key=seen.__getitem__) for key, seen in counts.items()}
    for value in reversed(declared_values(review, field)):
        shown[value_key(value)] = value
    return shown


def declared_values(review: GenReview, field: str) -> tuple[str, ...]:
    if field in ("design", "quality"):
        return DESIGNS if field == "design" else QUALITIES
    declared = (review.countries_vocabulary if field == "country" else
                review.attribute_vocabulary if field == review.attribute else None)
    return declared or ()


def near_duplicates(review: GenReview) -> set[tuple[str, str]]:
    """The spellings the near-duplicate check reports: of the attribute's values, a
    vocabulary's later entries that an earlier one already is, or without a vocabulary,
    every spelling but the one shown. (Generated countries never differ only so.)"""
    found: set[tuple[str, str]] = set()
    if review.attribute_vocabulary is not None:
        seen: set[str] = set()
        for entry in review.attribute_vocabulary:
            if value_key(entry) in seen:
                found.add(("near-duplicate", entry))
            seen.add(value_key(entry))
        return found
    shown = shown_spellings(review, review.attribute)
    return {("near-duplicate", value) for study in review.studies
            for value in values_of(study, review.attribute) if shown[value_key(value)] != value}


def percent_of(n: int, total: int) -> int | None:
    if total == 0:
        return None
    return math.floor(Fraction(100 * n, total) + Fraction(1, 2))


def numeric_citation(refs: set[int]) -> str:
    """Runs of three or more consecutive numbers as a range, pairs and singles as they are."""
    parts: list[str] = []
    for _offset, run in itertools.groupby(enumerate(sorted(refs)), lambda pair: pair[1] - pair[0]):
        numbers = [number for _index, number in run]
        if len(numbers) >= 3:
            parts.append(f"{numbers[0]}{EN_DASH}{numbers[-1]}")
        else:
            parts.extend(str(number) for number in numbers)
    return f"[{', '.join(parts)}]" if parts else ""


def expand_citation(text: str) -> list[int]:
    """'[33\u201336, 38]' back to [33, 34, 35, 36, 38], in the order written."""
    if text == "":
        return []
    assert text.startswith("["), text
    assert text.endswith("]"), text
    numbers: list[int] = []
    for part in text[1:-1].split(", "):
        first, dash, last = part.partition(EN_DASH)
        if dash:
            assert int(last) - int(first) >= 2, f"a range of fewer than three: {text}"
            numbers.extend(range(int(first), int(last) + 1))
        else:
            numbers.append(int(part))
    return numbers


# ---------------------------------------------------------------------------
# Strategies


@st.composite
def studies_of(draw: st.DrawFn, attribute_values: Sequence[str | int]) -> tuple[GenStudy, ...]:
    # Mostly small reviews, where edge cases are dense, and some near the 200 limit. The
    # fields come from a Random seeded by a drawn number (drawn one by one, the fields of
    # 200 studies would overrun what hypothesis lets one example draw), in proportions
    # drawn here.
    count = draw(st.one_of(st.integers(0, 12), st.integers(13, 60), st.integers(150, 200)))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1), label="seed"))
    share = {name: draw(st.sampled_from([0.0, 0.2, 0.8, 1.0]), label=f"share of {name}")
             for name in ("ref", "countries", "several countries", "design", "quality", "year",
                          "attribute")}

    def has(name: str) -> bool:
        return rnd.random() < share[name]

    # Reference numbers rising mostly by one (so that citations have ranges), handed out
    # to the studies in a shuffled order.
    with_ref = [has("ref") for _ in range(count)]
    refs = list(itertools.accumulate(
        (rnd.choice([1, 1, 1, 2, 5]) for _ in range(sum(with_ref))),
        initial=draw(st.integers(1, 60))))[:-1]
    rnd.shuffle(refs)
    handed = iter(refs)
    return tuple(GenStudy(
        id=rnd.choice(ID_PREFIXES) + str(index),
        ref=next(handed) if with_ref[index] else None,
        countries=tuple(rnd.sample(COUNTRIES, rnd.randint(2, 3) if has("several countries")
                                   else 1)) if has("countries") else None,
        design=rnd.choice(DESIGNS) if has("design") else None,
        quality=rnd.choice(QUALITIES) if has("quality") else None,
        year=rnd.randint(1990, 2025) if has("year") else None,
        attribute=rnd.choice(attribute_values) if has("attribute") else None,
    ) for index in range(count))


@st.composite
def reviews(draw: st.DrawFn) -> GenReview:
    attribute = draw(st.sampled_from(ATTRIBUTE_NAMES))
    pool = draw(st.lists(st.sampled_from(ATTRIBUTE_VALUES), min_size=1, max_size=5, unique=True))
    studies = draw(studies_of(pool))
    ids = [study.id for study in studies]
    rnd = random.Random(draw(st.integers(0, 2**32 - 1), label="seed"))

    attribute_vocabulary = None
    if draw(st.booleans()):
        declared = list(dict.fromkeys([*(str(value) for value in pool), "outpatient"]))
        rnd.shuffle(declared)
        attribute_vocabulary = tuple(declared)
    countries_vocabulary = tuple(COUNTRIES) if draw(st.booleans()) else None

    # The tree as a parent index for each theme (None at the top), then built bottom up.
    count = draw(st.integers(0, 24))
    parents: list[int | None] = []
    depths: list[int] = []
    for index in range(count):
        eligible = [j for j in range(index) if depths[j] < MAX_DEPTH]
        # Under the previous theme as often as anywhere else, so that deep chains are common.
        parent = draw(st.none() | st.sampled_from(eligible) | st.just(eligible[-1])) \
            if eligible else None
        parents.append(parent)
        depths.append(0 if parent is None else depths[parent] + 1)
    theme_ids = [draw(st.from_regex(r"[a-z0-9]{1,6}(?:[-_][a-z0-9]{1,4}){0,2}", fullmatch=True))
                 + f"-{index}" for index in range(count)]
    # A label needs something besides spaces: one of spaces only is empty text (invalid-value).
    labels = [draw(st.text(LABEL_CHARS, min_size=1, max_size=24).filter(lambda s: s.strip()))
              for _ in range(count)]
    densities = [draw(st.sampled_from([0.0, 0.02, 0.1, 0.3, 0.7, 1.0])) for _ in range(count)]
    long_share = [draw(st.sampled_from([0.0, 0.5, 1.0])) for _ in range(count)]
    reported = [draw(st.sampled_from(["none", "right", "wrong"])) for _ in range(count)]

    def build(index: int) -> GenTheme:
        coded = [study_id for study_id in ids if rnd.random() < densities[index]]
        rnd.shuffle(coded)
        codings = tuple(
            GenCoding(study_id, True, rnd.choice(NOTES), rnd.choice(NOTES))
            if rnd.random() < long_share[index] else GenCoding(study_id, False, None, None)
            for study_id in coded)
        subthemes = tuple(build(j) for j in range(count) if parents[j] == index)
        theme = GenTheme(theme_ids[index], labels[index], codings, None, subthemes)
        if reported[index] == "none":
            return theme
        right = len(theme.rolled_up)
        return GenTheme(theme.id, theme.label, codings,
                        right if reported[index] == "right" else right + 1, subthemes)

    themes = tuple(build(index) for index in range(count) if parents[index] is None)
    return GenReview(studies, themes, attribute, attribute_vocabulary, countries_vocabulary,
                     draw(st.booleans()))


# ---------------------------------------------------------------------------
# Writing the review and running the command line


def studies_yaml(review: GenReview) -> str:
    document: dict[str, Any] = {}
    if review.flow_included:
        document["review"] = {"title": "Generated", "flow": {"included": len(review.studies)}}
    vocabularies: dict[str, list[str]] = {}
    if review.attribute_vocabulary is not None:
        vocabularies[review.attribute] = list(review.attribute_vocabulary)
    if review.countries_vocabulary is not None:
        vocabularies["countries"] = list(review.countries_vocabulary)
    if vocabularies:
        document["vocabularies"] = vocabularies
    items = []
    for study in review.studies:
        item: dict[str, Any] = {"id": study.id}
        if study.ref is not None:
            item["ref"] = study.ref
        if study.year is not None:
            item["year"] = study.year
        if study.countries is not None:
            item["countries"] = list(study.countries)
        if study.design is not None:
            item["design"] = study.design
        if study.quality is not None:
            item["quality"] = study.quality
        if study.attribute is not None:
            item["attributes"] = {review.attribute: study.attribute}
        items.append(item)
    document["studies"] = items
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def themes_yaml(review: GenReview) -> str:
    def coding(entry: GenCoding) -> str | dict[str, str]:
        if not entry.long_form:
            return entry.study
        item = {"study": entry.study}
        if entry.evidence is not None:
            item["evidence"] = entry.evidence
        if entry.note is not None:
            item["note"] = entry.note
        return item

    def theme(node: GenTheme) -> dict[str, Any]:
        item: dict[str, Any] = {"id": node.id, "label": node.label}
        if node.codings:
            item["studies"] = [coding(entry) for entry in node.codings]
        if node.reported is not None:
            item["reported"] = node.reported
        if node.subthemes:
            item["subthemes"] = [theme(sub) for sub in node.subthemes]
        return item

    return yaml.dump({"themes": [theme(node) for node in review.themes]}, Dumper=_Dumper,
                          sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class Cli:
    folder: Path
    cache: Path

    def out(self, *args: str) -> str:
        result = runner.invoke(app, [*args, "--data", str(self.folder)],
                               env={"PEERSYNTH_CACHE_DIR": str(self.cache)})
        assert result.exit_code == 0, (args, result.stderr, result.exception)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.out(*args, "--format", "json"))


@contextmanager
def written(review: GenReview) -> Iterator[Cli]:
    """The review in a fresh folder, with a fresh cache, for one example."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "review"
        folder.mkdir()
        (folder / "studies.yaml").write_text(studies_yaml(review), encoding="utf-8")
        (folder / "themes.yaml").write_text(themes_yaml(review), encoding="utf-8")
        yield Cli(folder, Path(tmp) / "cache")


# ---------------------------------------------------------------------------
# Checks shared by the tests


def expected_rows(review: GenReview, kept: Sequence[str], *, rollup: bool = True,
                  ) -> list[dict[str, Any]]:
    """The "themes" of `tally --format json` restricted to the studies `kept`."""
    scope = set(kept)
    rows = []
    for theme, depth in review.walk():
        hits = review.in_reference_order((theme.rolled_up if rollup else theme.direct) & scope)
        rows.append({"id": theme.id, "label": theme.shown_label, "depth": depth, "n": len(hits),
                     "N": len(scope), "percent": percent_of(len(hits), len(scope)),
                     "studies": hits})
    return rows


def totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("id", "label", "depth", "n", "N", "percent", "studies")
    return [{key: row[key] for key in keys} for row in rows]


def check_tree_invariants(rolled: list[dict[str, Any]], direct: list[dict[str, Any]]) -> None:
    """0 <= n <= N; a parent's n is at least each child's and at most its direct count plus
    the sum of its children's (both read from the command's output, tree order)."""
    assert [row["id"] for row in rolled] == [row["id"] for row in direct]
    children: dict[int, list[int]] = {index: [] for index in range(len(rolled))}
    open_rows: list[int] = []  # the path from the top to the previous row
    for index, row in enumerate(rolled):
        assert 0 <= row["n"] <= row["N"], row
        assert 0 <= direct[index]["n"] <= row["n"], (row, direct[index])
        del open_rows[row["depth"]:]
        assert len(open_rows) == row["depth"], "a row deeper than one below its parent"
        if open_rows:
            children[open_rows[-1]].append(index)
        open_rows.append(index)
    for index, row in enumerate(rolled):
        below = [rolled[child]["n"] for child in children[index]]
        assert all(row["n"] >= n for n in below), (row, below)
        assert row["n"] <= direct[index]["n"] + sum(below), (row, direct[index], below)


# ---------------------------------------------------------------------------
# The properties


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(review=reviews())
def test_tally_matches_the_reference_in_every_format(review: GenReview) -> None:
    with written(review) as cli:
        report = validate_folder(cli.folder, max_problems=0)  # every warning, none capped
        assert report.errors == 0, [d.text() for d in report.diagnostics]
        assert report.review is not None
        # The warnings are exactly the ones the data calls for.
        warned = {(d.code, re.findall(r"'([^']*)'", d.message)[0]) for d in report.diagnostics}
        assert all(d.severity is Severity.WARNING for d in report.diagnostics)
        coded = set().union(*(theme.rolled_up for theme in review.themes))
        assert warned == (
            {("uncoded-study", s.id) for s in review.studies if s.id not in coded}
            | {("empty-theme", t.id) for t, _ in review.walk() if not t.rolled_up}
            | {("reported-count-mismatch", t.id) for t, _ in review.walk()
               if t.reported is not None and t.reported != len(t.rolled_up)}
            | near_duplicates(review))

        everyone = [study.id for study in review.studies]
        expected = expected_rows(review, everyone)
        rolled = cli.json("tally")
        assert rolled["N"] == len(review.studies)
        assert (rolled["rollup"], rolled["where"], rolled["by"], rolled["columns"]) == (
            True, [], None, [])
        assert totals(rolled["themes"]) == expected
        assert all(row["columns"] == [] for row in rolled["themes"])

        direct = cli.json("tally", "--no-rollup")
        assert direct["rollup"] is False
        assert totals(direct["themes"]) == expected_rows(review, everyone, rollup=False)
        check_tree_invariants(rolled["themes"], direct["themes"])

        # --sort count: by n within each level, ties in tree order, subthemes under their parent.
        def by_count(themes: Sequence[GenTheme], depth: int = 0) -> Iterator[tuple[str, int]]:
            for theme in sorted(themes, key=lambda t: -len(t.rolled_up)):
                yield theme.id, depth
                yield from by_count(theme.subthemes, depth + 1)

        counted = cli.json("tally", "--sort", "count")["themes"]
        assert [(row["id"], row["depth"]) for row in counted] == list(by_count(review.themes))
        assert {row["id"]: row for row in totals(counted)} == {row["id"]: row for row in expected}

        def shown(value: int | None) -> str:
            return EN_DASH if value is None else f"{value}%"

        numbers = [(row["n"], row["N"], shown(row["percent"])) for row in expected]

        table = cli.out("tally", "--format", "table").splitlines()
        assert table[0].split() == ["Theme", "n/N", "%"]
        parsed = [re.fullmatch(r"(.*?)\s+(\d+)/(\d+)\s+(\S+)", line) for line in table[2:]]
        assert all(parsed), table
        assert [(int(m[2]), int(m[3]), m[4]) for m in parsed if m] == numbers
        assert all(line.startswith("  " * row["depth"]) for line, row in zip(
            table[2:], expected, strict=True))

        markdown = cli.out("tally", "--format", "markdown").splitlines()
        assert markdown[:2] == ["| Theme | n/N | % |", "|---|---:|---:|"]
        cells = [re.fullmatch(r"\| (.*) \| (\d+)/(\d+) \| (\S+) \|", line) for line in markdown[2:]]
        assert all(cells), markdown
        assert [(int(m[2]), int(m[3]), m[4]) for m in cells if m] == numbers
        assert all(m[1].startswith("&emsp;" * row["depth"]) for m, row in zip(
            cells, expected, strict=True) if m)

        records = list(csv.DictReader(io.StringIO(cli.out("tally", "--format", "csv"))))
        assert [{key: record[key] for key in ("id", "theme", "depth", "n", "N", "percent")}
                for record in records] == [
            {"id": row["id"], "theme": row["label"], "depth": str(row["depth"]),
             "n": str(row["n"]), "N": str(row["N"]),
             "percent": "" if row["percent"] is None else str(row["percent"])}
            for row in expected]


@settings(PROPERTY_SETTINGS, max_examples=25)
@given(review=reviews(), data=st.data())
def test_where_filters_partition_the_studies_by_the_values_of_a_field(
        review: GenReview, data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(review.fields), label="field")
    # Every value the studies have, one spelling of each way --where can name it.
    spellings: dict[str, str] = {}
    for study in review.studies:
        for value in values_of(study, field):
            spellings.setdefault(value_key(value), value)
    with written(review) as cli:
        everyone = {study.id for study in review.studies}
        kept_by_value: dict[str, set[str]] = {}
        n_by_value: dict[str, list[int]] = {}
        for key, value in spellings.items():
            asked = data.draw(st.sampled_from([value, value.upper(), f" {value.lower()}  "]),
                              label="spelling")
            result = cli.json("tally", "--where", f"{field}={asked}")
            expected = {s.id for s in review.studies
                        if key in {value_key(v) for v in values_of(s, field)}}
            assert result["N"] == len(expected) > 0
            assert totals(result["themes"]) == expected_rows(review, sorted(expected))
            kept_by_value[key] = expected
            n_by_value[key] = [row["n"] for row in result["themes"]]

        unknown = cli.json("tally", "--where", f"{field}=Atlantis 1492")
        assert unknown["N"] == 0
        assert all((row["n"], row["percent"]) == (0, None) for row in unknown["themes"])

        # Studies without the field are what no filter keeps.
        missing = {s.id for s in review.studies if not values_of(s, field)}
        full = [row["n"] for row in cli.json("tally")["themes"]]
        without = [row["n"] for row in expected_rows(review, sorted(missing))]
        if field == "country":
            # A study with several countries is kept by each of them: the filters cover
            # everyone, and a study is in as many as it has distinct countries.
            for study in review.studies:
                hits = sum(study.id in kept for kept in kept_by_value.values())
                assert hits == len({value_key(c) for c in study.countries or ()})
            assert set().union(*kept_by_value.values(), missing) == everyone
        else:
            # One value a study: the filters and the studies without one partition N,
            # and every theme's n.
            assert sum(len(kept) for kept in kept_by_value.values()) + len(missing) == len(
                everyone)
            assert set().union(*kept_by_value.values(), missing) == everyone
            for index, total in enumerate(full):
                assert sum(ns[index] for ns in n_by_value.values()) + without[index] == total

        # Conditions on two different fields must both hold.
        other = data.draw(st.sampled_from([f for f in review.fields if f != field]),
                          label="other field")
        other_values = sorted({v for s in review.studies for v in values_of(s, other)})
        if spellings and other_values:
            key = data.draw(st.sampled_from(sorted(spellings)), label="value")
            value = data.draw(st.sampled_from(other_values), label="other value")
            both = cli.json("tally", "--where", f"{field}={spellings[key]}",
                            "--where", f"{other}={value}")
            expected = {s.id for s in review.studies
                        if key in {value_key(v) for v in values_of(s, field)}
                        and value_key(value) in {value_key(v) for v in values_of(s, other)}}
            assert both["N"] == len(expected)
            assert totals(both["themes"]) == expected_rows(review, sorted(expected))


def expected_groups(review: GenReview, field: str, explode: bool) -> dict[str, list[str]]:
    """The studies under each column of --by FIELD, in reference order; values that match
    as one are one column."""
    shown = shown_spellings(review, field)
    groups: dict[str, set[str]] = {}
    groups.update((shown[value_key(value)], set()) for value in declared_values(review, field))
    for study in review.studies:
        keys = {value_key(value) for value in values_of(study, field)}
        if not keys:
            groups.setdefault(NOT_REPORTED, set()).add(study.id)
        elif len(keys) > 1 and not explode:
            groups.setdefault(MULTIPLE, set()).add(study.id)
        else:
            for key in keys:
                groups.setdefault(shown[key], set()).add(study.id)
    return {value: review.in_reference_order(ids) for value, ids in groups.items()}


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(review=reviews())
def test_tally_by_columns_add_up_to_the_total(review: GenReview) -> None:
    with written(review) as cli:
        runs = [(field, False) for field in review.fields] + [("country", True)]
        for field, explode in runs:
            result = cli.json("tally", "--by", field, *(["--explode"] if explode else []))
            assert (result["by"], result["explode"]) == (field, explode)
            groups = expected_groups(review, field, explode)
            columns = result["columns"]
            values = [column["value"] for column in columns]
            assert len(values) == len(set(values)), values
            assert {column["value"]: column["studies"] for column in columns} == groups
            assert all(column["N"] == len(column["studies"]) for column in columns)
            # Order: a vocabulary's own order, years ascending, the catch-alls last.
            tail = [value for value in (MULTIPLE, NOT_REPORTED) if value in groups]
            assert values[len(values) - len(tail):] == tail
            if field in ("design", "quality"):
                vocabulary = list(DESIGNS if field == "design" else QUALITIES)
                assert values[:len(vocabulary)] == vocabulary
            if field == "year":
                assert values[:len(values) - len(tail)] == sorted(
                    values[:len(values) - len(tail)], key=int)

            assert totals(result["themes"]) == expected_rows(
                review, [s.id for s in review.studies])
            for theme, row in zip(review.walk(), result["themes"], strict=True):
                coded = theme[0].rolled_up
                cells = row["columns"]
                assert [cell["value"] for cell in cells] == values
                for cell, column in zip(cells, columns, strict=True):
                    hits = [i for i in column["studies"] if i in coded]
                    assert (cell["n"], cell["N"], cell["studies"]) == (
                        len(hits), column["N"], hits)
                    assert cell["percent"] == percent_of(len(hits), column["N"])
                    assert 0 <= cell["n"] <= row["n"]
                if explode:
                    # Counted once under each of its countries.
                    assert sum(cell["n"] for cell in cells) == sum(
                        max(1, len(s.countries or ())) for s in review.studies if s.id in coded)
                else:
                    # The columns partition the studies, so they add up to the total.
                    assert sum(cell["n"] for cell in cells) == row["n"]
                    assert sum(column["N"] for column in columns) == row["N"]

            # The csv carries the same numbers, three columns a value.
            records = list(csv.reader(io.StringIO(cli.out("tally", "--by", field, "--format",
                                                          "csv", *(["--explode"] if explode
                                                                   else [])))))
            assert records[0][6:] == [f"{value} {part}" for value in values
                                      for part in ("n", "N", "%")]
            assert [record[6:] for record in records[1:]] == [
                [str(part) if part is not None else "" for cell in row["columns"]
                 for part in (cell["n"], cell["N"], cell["percent"])]
                for row in result["themes"]]


def display(refs: set[int], unnumbered: list[str]) -> str:
    text = numeric_citation(refs)
    missing = f"(no ref: {', '.join(unnumbered)})" if unnumbered else ""
    return " ".join(part for part in (text, missing) if part) or "(no studies)"


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(review=reviews(), data=st.data())
def test_numeric_citations_expand_to_the_refs_of_the_coded_studies(
        review: GenReview, data: st.DataObject) -> None:
    ref_of = {study.id: study.ref for study in review.studies}
    with written(review) as cli:
        result = cli.json("cite")
        assert (result["style"], result["rollup"], result["N"]) == (
            "numeric", True, len(review.studies))
        walked = list(review.walk())
        assert [(row["id"], row["label"], row["depth"]) for row in result["themes"]] == [
            (theme.id, theme.shown_label, depth) for theme, depth in walked]
        for (theme, _depth), row in zip(walked, result["themes"], strict=True):
            coded = theme.rolled_up
            refs = {ref for i in coded if (ref := ref_of[i]) is not None}
            written_refs = expand_citation(row["citation"])
            assert written_refs == sorted(set(written_refs)), row["citation"]
            assert set(written_refs) == refs
            assert row["citation"] == numeric_citation(refs)
            assert row["unnumbered"] == [s.id for s in review.studies
                                         if s.id in coded and s.ref is None]
            assert row["studies"] == review.in_reference_order(coded)
            assert (row["n"], row["N"]) == (len(coded), len(review.studies))

        if walked:
            theme, _depth = data.draw(st.sampled_from(walked), label="theme")
            coded = theme.rolled_up
            refs = {ref for i in coded if (ref := ref_of[i]) is not None}
            unnumbered = [s.id for s in review.studies if s.id in coded and s.ref is None]
            line = cli.out("cite", theme.id)
            head = f"{theme.shown_label} ({len(coded)}/{len(review.studies)}): "
            assert line.startswith(head), line
            assert line.endswith("\n"), line
            shown = line[len(head):-1]
            assert shown == display(refs, unnumbered)
            numbers = shown[:shown.index("]") + 1] if shown.startswith("[") else ""
            assert set(expand_citation(numbers)) == refs
