"""Each named claim pattern on its own: what it recognises, and what it must leave alone."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from peersynth.audit.patterns import (
    MAX_RANGE,
    PATTERNS,
    Claim,
    number_value,
    pattern_names,
    recognise,
)


def one(text: str) -> Claim:
    claims = recognise(text)
    assert len(claims) == 1, claims
    return claims[0]


def shape(claim: Claim) -> tuple[str, str, int | None, int | None]:
    return (claim.pattern, claim.text, claim.n.value if claim.n else None,
            claim.total.value if claim.total else None)


# number words


@pytest.mark.parametrize(("text", "value"), [
    ("one", 1), ("Twelve", 12), ("SIXTEEN", 16), ("seventeen", 17), ("twenty", 20),
    ("Twenty-one", 21), ("twenty one", 21), ("ninety-nine", 99), ("Forty-Five", 45),
    ("5191", 5191), ("5,191", 5191), ("0", 0),
])
def test_number_value(text: str, value: int) -> None:
    assert number_value(text) == value


@pytest.mark.parametrize(("text", "n"), [
    ("Seventeen studies", 17), ("Seven studies", 7), ("eighty-eight studies", 88),
    ("Ninety nine studies", 99), ("thirty studies", 30),
])
def test_number_words_in_a_claim(text: str, n: int) -> None:
    claim = one(text)
    assert claim.n is not None
    assert claim.n.value == n
    assert claim.text == text


# theme counts


@pytest.mark.parametrize(("text", "expected"), [
    ("appearing in 12 of the 16 included articles for",
     ("n-of-N", "12 of the 16 included articles", 12, 16)),
    ("in 8 of 16 studies", ("n-of-N", "8 of 16 studies", 8, 16)),
    ("Eleven of the sixteen included articles highlighted",
     ("n-of-N", "Eleven of the sixteen included articles", 11, 16)),
    ("found in 12 out of 16 papers", ("n-of-N", "12 out of 16 papers", 12, 16)),
    ("in 12 of 16", ("n-of-N", "12 of 16", 12, 16)),
    ("reported by 12/16 studies", ("slash", "12/16 studies", 12, 16)),
    ("reported (12/16)", ("slash", "12/16", 12, 16)),
    ("Twelve studies highlighted", ("count-noun", "Twelve studies", 12, None)),
    ("the fourteen articles identifying", ("count-noun", "fourteen articles", 14, None)),
    ("one study found", ("count-noun", "one study", 1, None)),
    ("12 studies (75%)", ("count-noun", "12 studies (75%)", 12, None)),
    ("reported it (n = 12).", ("n-equals", "(n = 12)", 12, None)),
    ("reported it, n=12.", ("n-equals", "n=12", 12, None)),
    ("reported it (n = 1,234).", ("n-equals", "(n = 1,234)", 1234, None)),
    ("reported it, n = 1,234.", ("n-equals", "n = 1,234", 1234, None)),
])
def test_theme_count_shapes(text: str, expected: tuple[str, str, int, int | None]) -> None:
    claim = one(text)
    assert claim.kind in ("count", "characteristic")
    assert shape(claim) == expected


def test_a_percent_is_kept_with_its_place() -> None:
    claim = one("in 12 of 16 studies (75.0%)")
    assert claim.percent is not None
    assert claim.percent.value == Decimal("75.0")
    assert claim.percent.start == len("in 12 of 16 studies (")


@pytest.mark.parametrize(("text", "share", "total"), [
    ("noted by all studies included", "all", None),
    ("in all 16 studies", "all", 16),
    ("all of the included articles", "all", None),
    ("half of the studies", "half", None),
    ("Half the included papers", "half", None),
])
def test_shares(text: str, share: str, total: int | None) -> None:
    claim = one(text)
    assert claim.kind == "count"
    assert claim.share == share
    assert claim.pattern == {"all": "all-studies", "half": "half-studies"}[share]
    assert (claim.total.value if claim.total else None) == total


@pytest.mark.parametrize("text", [
    "for all stakeholders", "for all staff including fulltime work", "Several studies went",
    "See Table 2 for quality appraisal.", "Table 4 Themes and subthemes",
    "reported in Figure 3 of 16 panels", "on 12/03/2024 the search", "available 24/7",
    "uptake/use of peer services", "rather than a one off", "留言 (0)",
    "12 of 16 themes were", "3 of the 5 countries", "16/12 studies",
])
def test_not_claims(text: str) -> None:
    assert recognise(text) == []


@pytest.mark.parametrize("text", [
    "One of the four overarching themes was role clarity",
    "one of the four themes", "Two of the seven sub-themes", "2 of the 7 subthemes",
    "3 of the 10 main categories", "12/16 key themes", "two of the three analytical domains",
])
def test_n_of_n_of_something_other_than_studies(text: str) -> None:
    """A count of themes, categories or domains is no count of studies, even with a word or
    two between the figure and what it counts."""
    assert [c for c in recognise(text) if c.kind == "count"] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Eleven of the sixteen highlighted it", ("n-of-N", "Eleven of the sixteen", 11, 16)),
    ("in 12 of 16 [33]", ("n-of-N", "12 of 16", 12, 16)),
    ("in 12 of 16, as", ("n-of-N", "12 of 16", 12, 16)),
    ("12 of the 16 included qualitative studies", ("n-of-N", "12 of the 16 included", 12, 16)),
    # A study noun says what is counted, whatever follows it.
    ("in 12 of 16 studies across four themes", ("n-of-N", "12 of 16 studies", 12, 16)),
    ("12 studies across four themes", ("count-noun", "12 studies", 12, None)),
])
def test_n_of_n_without_a_noun_is_still_a_count(
        text: str, expected: tuple[str, str, int, int]) -> None:
    claims = [c for c in recognise(text) if c.kind == "count"]
    assert [shape(c) for c in claims] == [expected]


def test_the_denominator_position_is_its_own() -> None:
    claim = one("in 8 of the 16 articles")
    assert claim.total is not None
    assert claim.total.start == len("in 8 of the ")


# flow


@pytest.mark.parametrize(("text", "pattern", "flow", "n"), [
    ("A total of 5191 records were screened", "flow-records-screened", "records_screened",
     5191),
    ("after screening of 5,191 records", "flow-screened-records", "records_screened", 5191),
    ("6020 records were identified", "flow-records-identified", "records_identified", 6020),
    ("829 duplicates were removed", "flow-duplicates", "duplicates_removed", 829),
    ("with 154 full-text articles examined", "flow-full-text", "full_text_assessed", 154),
    ("154 full text reports", "flow-full-text", "full_text_assessed", 154),
    ("resulting in the inclusion of 16 studies", "flow-inclusion-of", "included", 16),
    ("From the 16 included studies four", "flow-included-studies", "included", 16),
    ("Sixteen studies were included", "flow-included-studies", "included", 16),
    ("The review included 16 studies", "flow-included-verb", "included", 16),
])
def test_flow(text: str, pattern: str, flow: str, n: int) -> None:
    claims = [c for c in recognise(text) if c.kind == "flow"]
    assert len(claims) == 1
    assert (claims[0].pattern, claims[0].flow, claims[0].n.value if claims[0].n else None) \
        == (pattern, flow, n)


# characteristics


@pytest.mark.parametrize(("text", "value", "n"), [
    ("including United States (n = 7), Australia", "including United States", 7),
    ("United States (n = 7)", "United States", 7),
    (", Australia (n = 3)", "Australia", 3),
    ("were rated as good quality (n = 11)", "were rated as good quality", 11),
    ("13 qualitative studies", "qualitative", 13),
])
def test_value_with_a_count(text: str, value: str, n: int) -> None:
    claim = one(text)
    assert claim.kind == "characteristic"
    assert (claim.value, claim.n.value if claim.n else None) == (value, n)
    assert text[claim.value_start:].startswith(value)


def test_single_studies_in_places() -> None:
    text = "with single studies conducted in both Finland and Singapore."
    claims = recognise(text)
    assert [(c.pattern, c.value, c.n.value if c.n else None) for c in claims] == [
        ("studies-in-place", "Finland", 1), ("studies-in-place", "Singapore", 1)]
    # Each is reported at the place it names.
    assert [c.n.start for c in claims if c.n] == [text.index("Finland"),
                                                  text.index("Singapore")]


def test_a_count_in_one_place() -> None:
    claim = one("Two studies were conducted in Finland.")
    assert (claim.pattern, claim.value, claim.n.value if claim.n else None) == (
        "studies-in-place", "Finland", 2)


def test_a_count_in_several_places_says_nothing_of_each() -> None:
    assert all(c.pattern != "studies-in-place"
               for c in recognise("Two studies were conducted in Finland and Kenya."))


def test_multiple_countries() -> None:
    claim = one("Two studies were conducted across multiple countries including India")
    assert (claim.pattern, claim.value, claim.n.value if claim.n else None) == (
        "multiple-countries", "Multiple countries", 2)


@pytest.mark.parametrize(("text", "pattern", "counted", "n"), [
    ("across 5 main countries", "countries-total", "countries", 5),
    ("four overarching themes were", "themes-total", "themes", 4),
    ("seven subthemes emerged", "subthemes-total", "subthemes", 7),
    ("three sub-themes emerged", "subthemes-total", "subthemes", 3),
])
def test_totals(text: str, pattern: str, counted: str, n: int) -> None:
    claim = one(text)
    assert (claim.pattern, claim.counted, claim.n.value if claim.n else None) == (
        pattern, counted, n)


# citations


@pytest.mark.parametrize(("text", "refs"), [
    ("[34, 37]", [34, 37]),
    ("[33,34,35,36]", [33, 34, 35, 36]),
    ("[33\u201336, 38]", [33, 34, 35, 36, 38]),
    ("[33-35]", [33, 34, 35]),
    ("[33 to 35; 40]", [33, 34, 35, 40]),
    ("[ 41 ]", [41]),
])
def test_citation_lists(text: str, refs: list[int]) -> None:
    claims = [c for c in recognise(f"as found {text}.") if c.pattern == "citation-list"]
    assert [r.value for r in claims[0].refs] == refs


def test_each_cited_number_has_its_place() -> None:
    text = "found [34, 47]"
    claim = one(text)
    assert [r.start for r in claim.refs] == [text.index("34"), text.index("47")]


@pytest.mark.parametrize("text", ["[1\u20135000]", "[40\u201333]", "[a, b]", "[Table 2]"])
def test_not_citation_lists(text: str) -> None:
    assert [c for c in recognise(text) if c.kind == "citation"] == []
    assert MAX_RANGE < 5000


@pytest.mark.parametrize(("text", "author"), [
    ("Byrne, Roennfeldt [38] highlight", "Byrne"),
    ("as Mancini [36] notes", "Mancini"),
    ("Berry et al. [44] noted", "Berry"),
    ("Gates and Mandiberg [47]", "Gates"),
    ("O'Shea [47]", "O'Shea"),
])
def test_narrative_citations(text: str, author: str) -> None:
    authors = [c for c in recognise(text) if c.kind == "author"]
    assert [(c.pattern, c.author) for c in authors] == [("narrative-citation", author)]
    assert authors[0].start == text.index(author)


@pytest.mark.parametrize("text", ["research found [33]", "in teams [38, 46]", "USA [12]"])
def test_no_narrative_citation(text: str) -> None:
    assert [c for c in recognise(text) if c.kind == "author"] == []


def test_every_pattern_is_tested_here() -> None:
    """A new pattern needs its own test in this file."""
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [name for name in pattern_names() if f'"{name}"' not in source]
    assert untested == []
    assert len({p.name for p in PATTERNS}) == len(PATTERNS)


def test_claims_do_not_overlap() -> None:
    claims = [c for c in recognise("in 12 of the 16 included studies (75%) and "
                                   "16 included studies") if c.kind != "author"]
    spans = sorted((c.start, c.end) for c in claims)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert [c.pattern for c in claims] == ["n-of-N", "flow-included-studies"]


TRICKY = [
    "twenty-one studies, 1,234 records were screened; 5,191 records screened",
    "a single study conducted in Finland and single studies in both Peru and Chile",
    "x12 of 16 studies, 3of 5, Twelve  studies, ninety nine studies (n = 3)",
    "studies 12 of 16 12 of 16 studies 16 included studies were included",
]


def test_trying_only_where_a_figure_begins_finds_what_searching_everywhere_finds() -> None:
    """Patterns that begin with a figure are tried only where one can begin: the same
    matches as searching the whole text, on the Results section and on tricky text."""
    from audit_kit import RESULTS_TEXT
    from peersynth.audit.patterns import matches

    narrowed = [p for p in PATTERNS if p.starts is not None]
    assert len(narrowed) >= 12
    for text in [RESULTS_TEXT, *TRICKY]:
        for pattern in narrowed:
            assert pattern.starts is not None
            begins = [m.start() for m in pattern.starts.finditer(text)]
            assert [m.span() for m in matches(pattern, text, begins)] == \
                [m.span() for m in pattern.regex.finditer(text)], pattern.name
