"""analysis on small reviews whose answers are worked out by hand below."""

from __future__ import annotations

from pathlib import Path

import pytest

from peersynth import analysis
from peersynth.analysis import (
    MULTIPLE_COUNTRIES,
    NOT_REPORTED,
    Order,
    Style,
    ThemeNotFound,
    compress,
    percent,
    surname,
)
from peersynth.errors import UsageError
from peersynth.review import Review
from reviewkit import SMALL_STUDIES, SMALL_THEMES, load, small, write_review


@pytest.fixture
def review(tmp_path: Path) -> Review:
    return load(small(tmp_path))


def counts(result: analysis.Tally) -> dict[str, tuple[int, int]]:
    return {row.id: (row.total.n, row.total.N) for row in result.rows}


# percent and compress


@pytest.mark.parametrize(("n", "total", "expected"), [
    (12, 16, 75), (1, 8, 13), (2, 3, 67), (1, 3, 33), (0, 5, 0), (5, 5, 100), (3, 0, None),
    (0, 0, None)])
def test_percent_rounds_halves_up_and_has_no_value_for_n_zero(
        n: int, total: int, expected: int | None) -> None:
    assert percent(n, total) == expected


@pytest.mark.parametrize(("numbers", "expected"), [
    ([], ""),
    ([5], "5"),
    ([1, 2], "1, 2"),
    ([1, 2, 3], "1\u20133"),
    ([45, 44, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33], "33\u201342, 44, 45"),
    ([3, 1, 2, 2], "1\u20133"),
    ([1, 2, 4, 5, 6, 8], "1, 2, 4\u20136, 8"),
    ([33, 34, 35, 36, 38, 40, 41], "33\u201336, 38, 40, 41"),
])
def test_compress_sorts_and_makes_runs_of_three_ranges(numbers: list[int], expected: str) -> None:
    assert compress(numbers) == expected


# tally


def test_tally_rolls_up_through_three_levels(review: Review) -> None:
    result = analysis.tally(review)
    # access: alpha directly, beta through cost, gamma and beta through insurance.
    assert counts(result) == {"access": (3, 5), "cost": (2, 5), "insurance": (2, 5),
                              "trust": (5, 5), "stigma": (1, 5)}
    assert [(row.id, row.depth) for row in result.rows] == [
        ("access", 0), ("cost", 1), ("insurance", 2), ("trust", 0), ("stigma", 0)]
    assert result.rows[0].total.studies == ("alpha", "beta", "gamma")
    assert result.rows[0].total.percent == 60


def test_tally_without_rollup_counts_direct_codings(review: Review) -> None:
    result = analysis.tally(review, rollup=False)
    assert counts(result) == {"access": (1, 5), "cost": (1, 5), "insurance": (2, 5),
                              "trust": (5, 5), "stigma": (1, 5)}
    assert result.rollup is False


def test_sort_by_count_keeps_subthemes_under_their_parent(review: Review) -> None:
    result = analysis.tally(review, order=Order.by_count)
    assert [row.id for row in result.rows] == ["trust", "access", "cost", "insurance", "stigma"]
    # Without roll-up access and stigma tie at 1 and keep their tree order.
    flat = analysis.tally(review, rollup=False, order=Order.by_count)
    assert [row.id for row in flat.rows] == ["trust", "access", "cost", "insurance", "stigma"]


def test_where_on_country_matches_any_of_a_studys_countries(review: Review) -> None:
    result = analysis.tally(review, where=[("country", "india")])
    # gamma (Australia, India) and delta (India, Denmark, Kenya).
    assert result.N == 2
    assert counts(result) == {"access": (1, 2), "cost": (1, 2), "insurance": (1, 2),
                              "trust": (2, 2), "stigma": (1, 2)}
    assert [(c.field, c.value) for c in result.where] == [("country", "india")]


def test_where_values_of_one_field_are_alternatives(review: Review) -> None:
    kept = analysis.filter_studies(review, [("design", "qualitative"),
                                            ("design", "mixed-methods")])
    assert [s.id for s in kept] == ["alpha", "beta", "gamma", "epsilon"]


def test_where_conditions_on_different_fields_all_hold(review: Review) -> None:
    kept = analysis.filter_studies(review, [("design", "qualitative"), ("quality", "good")])
    assert [s.id for s in kept] == ["alpha"]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("year", "2019", ["alpha", "beta", "gamma"]),
    ("setting", "Community", ["alpha", "gamma", "epsilon"]),
    ("Countries", "Denmark", ["alpha", "delta", "epsilon"]),
    ("quality", "poor", ["epsilon"]),
])
def test_where_on_each_kind_of_field(review: Review, field: str, value: str,
                                     expected: list[str]) -> None:
    assert [s.id for s in analysis.filter_studies(review, [(field, value)])] == expected


def test_where_keeping_no_study_reports_n_zero(review: Review) -> None:
    result = analysis.tally(review, where=[("design", "quantitative"), ("quality", "poor")])
    assert result.N == 0
    assert all((row.total.n, row.total.N, row.total.percent) == (0, 0, None)
               for row in result.rows)


def test_unknown_field_is_a_usage_error_naming_the_closest(review: Review) -> None:
    with pytest.raises(UsageError) as caught:
        analysis.tally(review, where=[("desing", "qualitative")])
    assert caught.value.exit_code == 2
    assert "'desing'" in caught.value.message
    assert caught.value.hint is not None
    assert "did you mean 'design'" in caught.value.hint
    with pytest.raises(UsageError, match="unknown field 'setings'"):
        analysis.tally(review, by="setings")


@pytest.mark.parametrize("text", ["design", "=qualitative", "design=", " = "])
def test_malformed_where_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        analysis.parse_where(text)


def test_parse_where_splits_at_the_first_equals_sign() -> None:
    assert analysis.parse_where(" setting = a=b ") == ("setting", "a=b")


def test_unmatched_suggests_a_value_only_for_a_typo(review: Review) -> None:
    found = analysis.unmatched(review, [("design", "qualitatve"), ("design", "quantitative"),
                                        ("design", "qualitative")])
    # quantitative is in the vocabulary and has a study (delta): not unmatched.
    assert [(c.value, near) for c, near in found] == [("qualitatve", "qualitative")]
    found = analysis.unmatched(review, [("quality", "poor"), ("country", "Peru")])
    assert [c.value for c, _ in found] == ["Peru"]


def groups(result: analysis.Tally) -> list[tuple[str, int]]:
    return [(g.value, len(g.studies)) for g in result.groups]


def test_by_country_puts_multi_country_studies_last_as_multiple_countries(
        review: Review) -> None:
    result = analysis.tally(review, by="country")
    # No countries vocabulary: most studies first, "Multiple countries" last.
    assert groups(result) == [("Denmark", 2), ("Australia", 1), (MULTIPLE_COUNTRIES, 2)]
    access = result.rows[0]
    assert [(c.n, c.N, c.percent) for c in access.columns] == [(1, 2, 50), (1, 1, 100),
                                                               (1, 2, 50)]


def test_by_country_exploded_counts_each_country(review: Review) -> None:
    result = analysis.tally(review, by="countries", explode=True)
    # Denmark: alpha, delta, epsilon; Australia: beta, gamma; India: gamma, delta;
    # Kenya: delta. Ties by name.
    assert groups(result) == [("Denmark", 3), ("Australia", 2), ("India", 2), ("Kenya", 1)]
    access = result.rows[0]
    assert [(c.n, c.N, c.percent) for c in access.columns] == [
        (1, 3, 33), (2, 2, 100), (1, 2, 50), (0, 1, 0)]


def test_by_design_follows_the_vocabulary_order(review: Review) -> None:
    result = analysis.tally(review, by="design")
    assert groups(result) == [("qualitative", 3), ("quantitative", 1), ("mixed-methods", 1)]
    assert [(c.n, c.N) for c in result.rows[0].columns] == [(2, 3), (0, 1), (1, 1)]


def test_by_quality_shows_every_vocabulary_value(tmp_path: Path) -> None:
    studies = SMALL_STUDIES.replace("quality: poor", "quality: fair")
    review = load(write_review(tmp_path / "r", studies, SMALL_THEMES))
    result = analysis.tally(review, by="quality")
    # No study is poor any more: its column stays, with N = 0 and no percent.
    assert groups(result) == [("good", 3), ("fair", 2), ("poor", 0)]
    poor = result.rows[0].columns[2]
    assert (poor.n, poor.N, poor.percent) == (0, 0, None)


def test_by_year_ascends(review: Review) -> None:
    assert groups(analysis.tally(review, by="year")) == [("2019", 3), ("2020", 1), ("2021", 1)]


def test_by_attribute_with_vocabulary_and_a_study_without_it(review: Review) -> None:
    result = analysis.tally(review, by="setting")
    assert groups(result) == [("community", 3), ("inpatient", 1), (NOT_REPORTED, 1)]
    trust = result.rows[3]
    assert [(c.n, c.N) for c in trust.columns] == [(3, 3), (1, 1), (1, 1)]


def test_by_within_where(review: Review) -> None:
    result = analysis.tally(review, by="country", where=[("quality", "good")])
    # good: alpha (Denmark), gamma and delta (several countries).
    assert result.N == 3
    assert groups(result) == [("Denmark", 1), (MULTIPLE_COUNTRIES, 2)]


# citations


@pytest.mark.parametrize(("author", "expected"), [
    ("Berry C", "Berry"), ("van der Berg JH", "van der Berg"), ("Berry, C.", "Berry"),
    ("O'Shea P", "O'Shea"), ("Ng", "Ng"), ("WHO", "WHO"), ("Smith J.R.", "Smith"),
    ("Ångström K", "Ångström"), ("De Souza A-M", "De Souza"),
])
def test_surname(author: str, expected: str) -> None:
    assert surname(author) == expected


def test_author_year_labels_with_suffixes_and_diacritics(review: Review) -> None:
    labels = {key: value.label for key, value in analysis.author_year_labels(review).items()}
    assert labels == {
        "alpha": "Ångström & Nguyễn 2019",
        "beta": "Byrne et al. 2019a",   # ref 2: first in reference order
        "gamma": "Byrne et al. 2019b",
        "delta": "Müller 2021",
        "epsilon": "epsilon",            # no authors
    }


def test_author_year_without_year_is_nd(tmp_path: Path) -> None:
    studies = """\
    studies:
      - id: one
        authors: [Berry C]
      - id: two
        authors: [Berry C]
      - id: three
        authors: [Berry C, Hayward M]
        year: 2011
    """
    themes = "themes:\n  - id: t\n    label: T\n    studies: [one, two, three]\n"
    review = load(write_review(tmp_path / "r", studies, themes))
    labels = {key: value.label for key, value in analysis.author_year_labels(review).items()}
    assert labels == {"one": "Berry n.d.-a", "two": "Berry n.d.-b",
                      "three": "Berry & Hayward 2011"}
    # One author before two, whatever the year.
    cited = analysis.citations(review, Style.author_year).rows[0].citation.text
    assert cited == "(Berry n.d.-a; Berry n.d.-b; Berry & Hayward 2011)"


def test_numeric_citation_lists_studies_without_ref(review: Review) -> None:
    rows = {row.id: row for row in analysis.citations(review).rows}
    assert rows["access"].citation.display() == "[1\u20133]"
    assert rows["cost"].citation.display() == "[2, 3]"
    assert rows["trust"].citation.text == "[1\u20133, 5]"
    assert rows["trust"].citation.unnumbered == ("epsilon",)
    assert rows["trust"].citation.display() == "[1\u20133, 5] (no ref: epsilon)"
    assert rows["trust"].line() == "Trust (5/5): [1\u20133, 5] (no ref: epsilon)"


def test_author_year_citation_sorts_ignoring_accents(review: Review) -> None:
    row = analysis.citations(review, Style.author_year, theme=analysis.find_theme(
        review, "trust")).rows[0]
    assert row.citation.display() == ("(Ångström & Nguyễn 2019; Byrne et al. 2019a; "
                                      "Byrne et al. 2019b; epsilon; Müller 2021)")


def test_id_citation_is_in_reference_order(review: Review) -> None:
    row = analysis.citations(review, Style.id, theme=analysis.find_theme(review, "trust")).rows[0]
    assert row.citation.display() == "alpha, beta, gamma, delta, epsilon"


def test_citation_without_rollup(review: Review) -> None:
    row = analysis.citations(review, rollup=False,
                             theme=analysis.find_theme(review, "access")).rows[0]
    assert (row.n, row.N, row.citation.display()) == (1, 5, "[1]")


def test_review_without_any_ref(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n  - id: b\n"
    themes = "themes:\n  - id: t\n    label: T\n    studies: [b, a]\n"
    review = load(write_review(tmp_path / "r", studies, themes))
    row = analysis.citations(review).rows[0]
    assert row.citation.text == ""
    assert row.line() == "T (2/2): (no ref: a, b)"


@pytest.mark.parametrize(("query", "expected"), [
    ("insurance", "insurance"),
    ("Insurance cover", "insurance"),
    ("INSURANCE-COVER", "insurance"),
    ("insurance_cover", "insurance"),
    ("  access to  care ", "access"),
    ("Access-to-care", "access"),
    ("insurnce cover", "insurance"),   # a typo
    ("acess to car", "access"),        # two typos in a long name
    ("cot", "cost"),                   # one typo in a short name
    ("stig", "stigma"),                # a unique beginning
])
def test_find_theme_forgives_case_spaces_hyphens_and_typos(
        review: Review, query: str, expected: str) -> None:
    assert analysis.find_theme(review, query).id == expected


def test_find_theme_unknown_names_the_closest(review: Review) -> None:
    with pytest.raises(ThemeNotFound) as caught:
        analysis.find_theme(review, "cost of care")
    assert caught.value.exit_code == 1
    assert caught.value.message == "no theme matches 'cost of care'"
    assert caught.value.hint is not None
    assert "'cost' (Cost)" in caught.value.hint


@pytest.mark.parametrize("query", ["zzzz", "", "---"])
def test_find_theme_nothing_near(review: Review, query: str) -> None:
    with pytest.raises(ThemeNotFound, match="no theme matches"):
        analysis.find_theme(review, query)


def test_find_theme_ambiguous_beginning(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n"
    themes = """\
    themes:
      - id: care-access
        label: Access
        studies: [a]
      - id: care-quality
        label: Quality
        studies: [a]
    """
    review = load(write_review(tmp_path / "r", studies, themes))
    with pytest.raises(ThemeNotFound) as caught:
        analysis.find_theme(review, "Care")
    assert "matches 2 themes" in caught.value.message
    assert "'care-access'" in caught.value.message
    assert "'care-quality'" in caught.value.message
    assert analysis.find_theme(review, "care q").id == "care-quality"


# matrix


def test_matrix_rolls_up_and_totals(review: Review) -> None:
    result = analysis.matrix(review)
    assert [t.id for t in result.themes] == ["access", "cost", "insurance", "trust", "stigma"]
    assert [t.n for t in result.themes] == [3, 2, 2, 5, 1]
    cells = {row.id: [int(c) for c in row.cells] for row in result.rows}
    assert cells == {"alpha": [1, 0, 0, 1, 0], "beta": [1, 1, 1, 1, 0],
                     "gamma": [1, 1, 1, 1, 0], "delta": [0, 0, 0, 1, 1],
                     "epsilon": [0, 0, 0, 1, 0]}
    # Reference order, the study without a ref last. The total counts top-level themes:
    # beta and gamma support access through two of its subthemes, which counts once.
    assert [(row.ref, row.total) for row in result.rows] == [
        (1, 2), (2, 2), (3, 2), (5, 2), (None, 1)]


def test_matrix_without_rollup(review: Review) -> None:
    result = analysis.matrix(review, rollup=False)
    assert [t.n for t in result.themes] == [1, 1, 2, 5, 1]
    # Without roll-up the cells show direct codings, but a branch still counts once.
    assert [row.total for row in result.rows] == [2, 2, 2, 2, 1]


def test_matrix_total_counts_a_parent_and_its_subtheme_once(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n  - id: b\n  - id: c\n"
    themes = """\
    themes:
      - id: p
        label: P
        studies: [a]
        subthemes:
          - id: p1
            label: P1
            studies: [a, b]
          - id: p2
            label: P2
            studies: [a]
      - id: q
        label: Q
        studies: [a, c]
    """
    review = load(write_review(tmp_path / "r", studies, themes))
    for rollup in (True, False):
        result = analysis.matrix(review, rollup=rollup)
        # a: p (directly and through both subthemes) and q; b: p through p1; c: q.
        assert {row.id: row.total for row in result.rows} == {"a": 2, "b": 1, "c": 1}
    assert [int(c) for c in analysis.matrix(review).rows[1].cells] == [1, 1, 0, 0]


# characteristics


def rows_of(result: analysis.Characteristics, field: str) -> list[tuple[str, int]]:
    section = next(s for s in result.sections if s.field == field)
    return [(g.value, len(g.studies)) for g in section.rows]


def test_characteristics(review: Review) -> None:
    result = analysis.characteristics(review)
    assert result.N == 5
    assert [s.title for s in result.sections] == ["Country", "Design", "Quality", "Year range"]
    assert rows_of(result, "country") == [("Denmark", 2), ("Australia", 1),
                                          (MULTIPLE_COUNTRIES, 2)]
    multiple = result.sections[0].rows[2]
    assert multiple.detail == ("Australia", "India", "Denmark", "Kenya")
    assert rows_of(result, "design") == [("qualitative", 3), ("quantitative", 1),
                                         ("mixed-methods", 1)]
    assert rows_of(result, "quality") == [("good", 3), ("fair", 1), ("poor", 1)]
    assert rows_of(result, "year") == [("2019\u20132021", 5)]
    assert result.flow == ()


def test_characteristics_exploded_and_by(review: Review) -> None:
    result = analysis.characteristics(review, explode=True, by=["Setting", "year"])
    assert rows_of(result, "country") == [("Denmark", 3), ("Australia", 2), ("India", 2),
                                          ("Kenya", 1)]
    assert rows_of(result, "year") == [("2019", 3), ("2020", 1), ("2021", 1)]
    assert rows_of(result, "setting") == [("community", 3), ("inpatient", 1), (NOT_REPORTED, 1)]
    assert [s.title for s in result.sections] == ["Country", "Design", "Quality", "Year",
                                                  "Setting"]


def test_characteristics_of_bare_studies(tmp_path: Path) -> None:
    studies = """\
    review:
      flow: {records_identified: 40, records_screened: 30, included: 2}
    studies:
      - id: a
      - id: b
        year: 2001
    """
    themes = "themes:\n  - id: t\n    label: T\n    studies: [a, b]\n"
    result = analysis.characteristics(load(write_review(tmp_path / "r", studies, themes)))
    assert rows_of(result, "country") == [(NOT_REPORTED, 2)]
    # The default vocabularies still list every design and quality.
    assert rows_of(result, "design") == [("qualitative", 0), ("quantitative", 0),
                                         ("mixed-methods", 0), (NOT_REPORTED, 2)]
    assert rows_of(result, "year") == [("2001", 1), (NOT_REPORTED, 1)]
    assert [(f.key, f.label, f.count) for f in result.flow] == [
        ("records_identified", "Records identified", 40),
        ("records_screened", "Records screened", 30), ("included", "Studies included in review", 2)]


def test_countries_vocabulary_orders_countries(tmp_path: Path) -> None:
    studies = SMALL_STUDIES.replace(
        "vocabularies:\n", "vocabularies:\n  countries: [Kenya, India, Australia, Denmark, Peru]\n")
    review = load(write_review(tmp_path / "r", studies, SMALL_THEMES))
    result = analysis.characteristics(review, explode=True)
    assert rows_of(result, "country") == [("Kenya", 1), ("India", 2), ("Australia", 2),
                                          ("Denmark", 3), ("Peru", 0)]


def test_flow_labels_cover_every_flow_field() -> None:
    from peersynth.models import Flow

    assert set(analysis.FLOW_LABELS) == set(Flow.model_fields)


def test_where_values_ignore_case_and_spacing(review: Review) -> None:
    kept = analysis.filter_studies(review, [("country", "  DENMARK ")])
    assert [s.id for s in kept] == ["alpha", "delta", "epsilon"]


def test_empty_theme_counts_zero_and_cites_nothing(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n    ref: 7\n  - id: b\n    ref: 8\n"
    themes = """\
    themes:
      - id: full
        label: Full
        studies: [a, b]
      - id: empty
        label: Empty
    """
    review = load(write_review(tmp_path / "r", studies, themes))
    assert counts(analysis.tally(review)) == {"full": (2, 2), "empty": (0, 2)}
    rows = analysis.citations(review).rows
    assert [row.line() for row in rows] == ["Full (2/2): [7, 8]", "Empty (0/2): (no studies)"]


def test_find_theme_exact_id_wins_over_themes_that_normalize_alike(tmp_path: Path) -> None:
    studies = "studies:\n  - id: a\n"
    themes = """\
    themes:
      - id: role-clarity
        label: Role clarity
        studies: [a]
      - id: role_clarity
        label: Other
        studies: [a]
    """
    review = load(write_review(tmp_path / "r", studies, themes))
    assert analysis.find_theme(review, "role-clarity").label == "Role clarity"
    assert analysis.find_theme(review, "role_clarity").label == "Other"
    with pytest.raises(ThemeNotFound, match="matches 2 themes"):
        analysis.find_theme(review, "Role Clarity")


# One rule for matching values and field names (regressions: each was a separate value)


def _review(tmp_path: Path, studies: str, themes: str | None = None) -> Review:
    ids = [line.split(":", 1)[1].strip() for line in studies.splitlines()
           if line.strip().startswith("- id:")]
    themes = themes or f"themes:\n  - id: t\n    label: T\n    studies: [{', '.join(ids)}]\n"
    return load(write_review(tmp_path / "r", studies, themes))


def test_attribute_keys_differing_by_case_and_separator_are_one_field(tmp_path: Path) -> None:
    review = _review(tmp_path, """\
    studies:
      - id: a
        attributes: {lived_experience: "yes"}
      - id: b
        attributes: {lived-experience: "no"}
      - id: c
        attributes: {Lived_Experience: "yes"}
      - id: d
    """)
    assert analysis.available_fields(review) == ["country", "design", "quality", "year",
                                                 "lived_experience"]
    for name in ("lived_experience", "lived-experience", "Lived_Experience"):
        assert analysis.resolve_field(review, name) == "lived_experience"
    result = analysis.tally(review, by="lived-experience")
    assert [(g.value, g.studies) for g in result.groups] == [
        ("yes", ("a", "c")), ("no", ("b",)), (NOT_REPORTED, ("d",))]
    kept = analysis.filter_studies(review, [("LIVED EXPERIENCE", "yes")])
    assert [s.id for s in kept] == ["a", "c"]


def test_country_in_nfc_and_nfd_is_one_country(tmp_path: Path) -> None:
    nfc, nfd = "C\u00f4te d'Ivoire", "Co\u0302te d'Ivoire"
    review = _review(tmp_path, f"""\
    studies:
      - id: a
        countries: ["{nfd}"]
      - id: b
        countries: ["{nfc}"]
      - id: c
        countries: ["{nfd}", Kenya]
    """)
    # Loading makes both spellings NFC.
    assert [s.countries for s in review.studies] == [[nfc], [nfc], [nfc, "Kenya"]]
    groups = analysis.tally(review, by="country", explode=True).groups
    assert [(g.value, g.studies) for g in groups] == [(nfc, ("a", "b", "c")), ("Kenya", ("c",))]
    assert [s.id for s in analysis.filter_studies(review, [("country", nfd)])] == ["a", "b", "c"]


def test_values_differing_by_case_spacing_or_country_alias_are_one_value(
        tmp_path: Path) -> None:
    review = _review(tmp_path, """\
    studies:
      - id: a
        countries: [UK]
        attributes: {setting: "day  care"}
      - id: b
        countries: [United Kingdom]
        attributes: {setting: Day care}
      - id: c
        countries: [UK]
        attributes: {setting: Day care}
      - id: d
        countries: [Norway]
        attributes: {setting: day-care}
      - id: e
        countries: [norway]
      - id: f
        countries: ["Finland "]
      - id: g
        countries: [Finland, finland]
    """)
    # Shown as the most frequent spelling; ties go to the first in reference order.
    expected = [("UK", ("a", "b", "c")), ("Finland", ("f", "g")), ("Norway", ("d", "e"))]
    groups = analysis.tally(review, by="country").groups
    assert [(g.value, g.studies) for g in groups] == expected
    sections = analysis.characteristics(review).sections
    assert [(g.value, g.studies) for g in sections[0].rows] == expected
    # g's two spellings of Finland are one country, so g is not a multi-country study.
    assert all(g.value != MULTIPLE_COUNTRIES for g in groups)
    setting = analysis.tally(review, by="setting").groups
    assert [(g.value, g.studies) for g in setting] == [
        ("Day care", ("a", "b", "c", "d")), (NOT_REPORTED, ("e", "f", "g"))]
    # --where agrees with --by, aliases included.
    for asked, ids in (("United Kingdom", "abc"), ("u.k.", "abc"), ("FINLAND", "fg"),
                       ("norway", "de")):
        assert "".join(s.id for s in analysis.filter_studies(
            review, [("country", asked)])) == ids
    assert analysis.unmatched(review, [("country", "USA")]) != []
    assert analysis.unmatched(review, [("country", "U.K."), ("setting", "DAY_CARE")]) == []


def test_the_vocabulary_spelling_names_a_merged_value(tmp_path: Path) -> None:
    review = _review(tmp_path, """\
    vocabularies:
      countries: [United Kingdom, Peru]
    studies:
      - id: a
        countries: [United Kingdom]
    """)
    groups = analysis.tally(review, by="country").groups
    assert [(g.value, g.studies) for g in groups] == [("United Kingdom", ("a",)), ("Peru", ())]
    assert [s.id for s in analysis.filter_studies(review, [("country", "UK")])] == ["a"]


def test_whole_numbers_sort_as_numbers(tmp_path: Path) -> None:
    sizes = [12, 500, 8, 14, 9, 120]
    studies = "studies:\n" + "".join(
        f"  - id: s{index}\n    attributes: {{sample_size: {size}}}\n"
        for index, size in enumerate(sizes))
    studies += "  - id: t1\n    attributes: {sample_size: \"30\"}\n  - id: t2\n"
    review = _review(tmp_path, studies)
    rows = [(g.value, len(g.studies)) for g in
            analysis.characteristics(review, by=["sample_size"]).sections[-1].rows]
    assert rows == [("8", 1), ("9", 1), ("12", 1), ("14", 1), ("30", 1), ("120", 1),
                    ("500", 1), (NOT_REPORTED, 1)]


def test_a_field_with_text_values_keeps_most_studies_first(tmp_path: Path) -> None:
    review = _review(tmp_path, """\
    studies:
      - id: a
        attributes: {size: "12"}
      - id: b
        attributes: {size: unknown}
      - id: c
        attributes: {size: "8"}
      - id: d
        attributes: {size: unknown}
    """)
    groups = analysis.tally(review, by="size").groups
    # Not all whole numbers: by count, then by name ("12" before "8" as text).
    assert [(g.value, len(g.studies)) for g in groups] == [("unknown", 2), ("12", 1), ("8", 1)]


def test_a_real_value_named_like_a_catch_all_keeps_its_own_column(tmp_path: Path) -> None:
    review = _review(tmp_path, """\
    studies:
      - id: a
        countries: [Not reported]
        attributes: {setting: not reported}
      - id: b
        countries: [Multiple countries]
      - id: c
        countries: [Peru, Chile]
      - id: d
    """)
    groups = analysis.tally(review, by="country").groups
    values = [(g.value, g.studies) for g in groups]
    # The real values first (one study each, so by name), then the two catch-alls.
    assert values[:2] == [("Multiple countries", ("b",)), ("Not reported", ("a",))]
    multiple, missing = groups[2], groups[3]
    assert (multiple.studies, multiple.detail) == (("c",), ("Peru", "Chile"))
    assert (missing.studies, missing.detail) == (("d",), ())
    assert (multiple.value, missing.value) == ("Multiple countries (more than one)",
                                               "Not reported (no value)")
    setting = analysis.tally(review, by="setting").groups
    assert [g.studies for g in setting] == [("a",), ("b", "c", "d")]
    assert [g.value for g in setting] == ["not reported", "Not reported (no value)"]
