"""When two values, or two field names, are the same: the one rule every command uses.

`--by`, `--where`, `studies` and the `near-duplicate` check all compare through
the keys made here, so a value that one of them merges the others merge too.

- `clean` is what loading does to every text value and key: Unicode NFC (so that
  "Côte d'Ivoire" typed with a combining accent is the same text as with a
  precomposed one) and no surrounding whitespace. Both are invisible in output.
- `field_key`: field names are the same when they differ only by case, spacing,
  or '-' for '_' ("lived_experience", "lived-experience", "Lived Experience").
- `value_key`: values are the same when they differ only by case, runs of spaces,
  or '-', '_' and ' ' for one another ("mixed-methods", "Mixed methods"); countries
  also when one is a known alias of the other (`COUNTRY_ALIASES`).
- `preferred_spellings`: the spelling a merged value is shown with, when no
  vocabulary fixes it: the most frequent one, ties going to the first met.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from functools import lru_cache
from typing import Final, TypeVar

Key = TypeVar("Key", bound=Hashable)

# Runs of whitespace, hyphens and underscores: one separator, whichever is written.
_SEPARATORS: Final = re.compile(r"[\s\-_]+")

# Names of one country that no reader would take for another, each with the name the
# aliases stand for. Kept to unambiguous pairs on purpose: England, Scotland, Wales and
# Great Britain are not the United Kingdom, nor is Holland (two provinces) the
# Netherlands, nor Korea alone South Korea; such values stay as they are written.
COUNTRY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "United Kingdom": ("UK", "U.K.", "United Kingdom of Great Britain and Northern Ireland"),
    "United States": ("US", "U.S.", "USA", "U.S.A.", "United States of America"),
    "Netherlands": ("The Netherlands", "Kingdom of the Netherlands"),
    "South Korea": ("Republic of Korea", "Korea, Republic of", "Korea (Republic of)"),
    "Czechia": ("Czech Republic",),
    "Côte d'Ivoire": ("Ivory Coast",),
    "Tanzania": ("United Republic of Tanzania", "Tanzania, United Republic of"),
    "Vietnam": ("Viet Nam",),
    "Russia": ("Russian Federation",),
    "United Arab Emirates": ("UAE", "U.A.E."),
}


def clean(text: str) -> str:
    """`text` in NFC without surrounding whitespace (ASCII text is NFC already)."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFC", text).strip()


def _separated(text: str) -> str:
    """Casefolded NFC text with every run of spaces, '-' and '_' as one space."""
    return _SEPARATORS.sub(" ", clean(text).casefold()).strip()


@lru_cache(maxsize=4096)
def field_key(name: str) -> str:
    """What a field name is compared by: case, spacing and '-' or '_' do not matter."""
    return _separated(name).replace(" ", "_")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {_separated(alias): _separated(name)
            for name, aliases in COUNTRY_ALIASES.items() for alias in aliases}


def value_key(text: str, *, country: bool = False) -> str:
    """What a value is compared by: case, runs of spaces and '-' or '_' for a space do
    not matter; with `country`, a known alias is its country's name."""
    return country_key(text) if country else _value_key(text)


# Cached: a review repeats a few values over thousands of studies.
@lru_cache(maxsize=65536)
def _value_key(text: str) -> str:
    return _separated(text)


@lru_cache(maxsize=65536)
def country_key(text: str) -> str:
    """`value_key` of a country: a known alias is its country's name."""
    key = _separated(text)
    return _aliases().get(key, key)


def same_value(a: str, b: str, *, country: bool = False) -> bool:
    return value_key(a, country=country) == value_key(b, country=country)


def preferred_spellings(pairs: Iterable[tuple[Key, str]]) -> dict[Key, str]:
    """For (key, spelling) pairs in the order that breaks ties, each key's most frequent
    spelling; of equally frequent ones, the first met."""
    counts: dict[Key, dict[str, int]] = {}
    for key, spelling in pairs:
        seen = counts.setdefault(key, {})
        seen[spelling] = seen.get(spelling, 0) + 1
    # max keeps the first of equal counts, and a dict keeps the order spellings were met.
    return {key: max(seen, key=seen.__getitem__) for key, seen in counts.items()}


_WHOLE_NUMBER: Final = re.compile(r"[-+]?[0-9]+")


def whole_number(text: str) -> int | None:
    """The number `text` writes in plain decimal digits, else None."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) and len(text) < 400 else None


def _is_initials(token: str) -> bool:
    letters = token.replace(".", "").replace("-", "")
    return letters.isalpha() and letters.isupper() and len(letters) <= 3


def surname(author: str) -> str:
    """'Berry C' -> 'Berry'; 'van der Berg JH' -> 'van der Berg'; 'Berry, C.' -> 'Berry'.

    Authors are written surname first (the Vancouver form); trailing initials are dropped.
    """
    if "," in author:
        return author.split(",", 1)[0].strip() or author.strip()
    tokens = author.split()
    while len(tokens) > 1 and _is_initials(tokens[-1]):
        tokens.pop()
    return " ".join(tokens)
