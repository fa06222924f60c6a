"""The one rule for comparing values and field names, and the values it merges at load."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from peersynth.matching import (
    COUNTRY_ALIASES,
    clean,
    field_key,
    preferred_spellings,
    same_value,
    value_key,
    whole_number,
)
from peersynth.review import review_from, review_to_json
from reviewkit import load, write_review

NFC = "C\u00f4te d'Ivoire"
NFD = "Co\u0302te d'Ivoire"


def test_the_two_spellings_of_cote_divoire_are_different_strings() -> None:
    # The premise of the tests below: the two forms really differ as text.
    assert NFC != NFD
    assert unicodedata.normalize("NFC", NFD) == NFC


def test_clean_makes_nfc_and_strips_surrounding_whitespace() -> None:
    assert clean(NFD) == NFC
    assert clean("  Finland \t") == "Finland"
    assert clean(f"\u00a0{NFD}\u3000") == NFC
    # Inner spacing is the text's own.
    assert clean(" day  care ") == "day  care"


@pytest.mark.parametrize("name", [
    "lived_experience", "lived-experience", "Lived_Experience", "LIVED EXPERIENCE",
    " lived__experience ", "lived - experience"])
def test_field_names_differing_by_case_spacing_hyphen_or_underscore_are_one(name: str) -> None:
    assert field_key(name) == "lived_experience"


def test_field_names_that_differ_otherwise_stay_apart() -> None:
    assert field_key("lived_experience") != field_key("livedexperience")
    assert field_key("setting") != field_key("settings")


@pytest.mark.parametrize(("a", "b"), [
    ("Norway", "norway"), ("Finland ", "Finland"), ("day  care", "Day care"),
    ("mixed-methods", "Mixed methods"), ("mixed_methods", "MIXED-METHODS"), (NFC, NFD),
    ("Stra\u00dfe", "STRASSE")])
def test_values_differing_by_case_spacing_or_separators_are_one(a: str, b: str) -> None:
    assert same_value(a, b)
    assert same_value(a, b, country=True)


@pytest.mark.parametrize(("a", "b"), [
    ("UK", "United Kingdom"), ("U.K.", "united kingdom"),
    ("United Kingdom of Great Britain and Northern Ireland", "UK"),
    ("USA", "United States"), ("U.S.", "US"), ("United States of America", "usa"),
    ("The Netherlands", "Netherlands"), ("Republic of Korea", "South Korea"),
    ("Czech Republic", "Czechia"), ("Ivory Coast", NFD), ("Viet Nam", "Vietnam")])
def test_known_country_aliases_are_one_country(a: str, b: str) -> None:
    assert same_value(a, b, country=True)
    # Only countries: an attribute value "US" is not the United States.
    assert not same_value(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("England", "United Kingdom"), ("Great Britain", "UK"), ("Holland", "Netherlands"),
    ("Korea", "South Korea"), ("Niger", "Nigeria"), ("Côte d'Ivoire", "Cote d'Ivoire"),
    ("12", "012")])
def test_other_values_stay_apart(a: str, b: str) -> None:
    assert not same_value(a, b, country=True)


def test_no_alias_is_listed_for_two_countries() -> None:
    keys = [value_key(alias) for aliases in COUNTRY_ALIASES.values() for alias in aliases]
    assert len(keys) == len(set(keys))
    names = {value_key(name) for name in COUNTRY_ALIASES}
    assert not names & set(keys)


def test_preferred_spelling_is_the_most_frequent_then_the_first() -> None:
    pairs = [("norway", "norway"), ("norway", "Norway"), ("norway", "Norway"),
             ("uk", "UK"), ("uk", "United Kingdom"), ("x", "x")]
    assert preferred_spellings(pairs) == {"norway": "Norway", "uk": "UK", "x": "x"}


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), ("0123", 123), ("-5", -5), ("+7", 7), ("12.5", None), ("1e3", None),
    ("twelve", None), ("", None), ("\u0663", None), ("1 000", None)])
def test_whole_number(text: str, expected: int | None) -> None:
    assert whole_number(text) == expected


def test_loading_cleans_text_values_and_keys_and_the_cache_keeps_them(tmp_path: Path) -> None:
    studies = f"""\
    review: {{title: " Re{NFD[:3]}view "}}
    vocabularies:
      " setting ": [" day care", "{NFD}"]
    studies:
      - id: a
        authors: [" Mu\u0308ller A "]
        title: "  A title "
        countries: ["{NFD}", " Kenya"]
        design: " qualitative "
        quality: "good "
        attributes: {{" setting": " {NFD} ", "size ": 12}}
        note: " kept as written "
    """
    themes = 'themes:\n  - id: t\n    label: " Trust in ca\u0301re "\n    studies: [a]\n'
    review = load(write_review(tmp_path / "r", studies, themes))
    for loaded in (review, review_from(json.loads(json.dumps(review_to_json(review))))):
        study = loaded.studies[0]
        assert study.authors == ["M\u00fcller A"]
        assert study.title == "A title"
        assert study.countries == [NFC, "Kenya"]
        assert (study.design, study.quality) == ("qualitative", "good")
        assert study.attributes == {"setting": NFC, "size": 12}
        assert study.note == " kept as written "
        assert loaded.studies_file.vocabularies == {"setting": ["day care", NFC]}
        assert loaded.themes[0].label == "Trust in c\u00e1re"
        assert loaded.studies_file.review is not None
        assert loaded.studies_file.review.title == f"Re{NFC[:2]}view"


def test_keys_that_cleaning_would_merge_are_kept_as_written(tmp_path: Path) -> None:
    studies = 'studies:\n  - id: a\n    attributes: {" setting": x, "setting": y}\n'
    review = load(write_review(tmp_path / "r", studies,
                               "themes:\n  - id: t\n    label: T\n    studies: [a]\n"))
    assert review.studies[0].attributes == {" setting": "x", "setting": "y"}
