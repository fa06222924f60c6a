"""The nearest names to a misspelt one, for "did you mean" hints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Scores below this are not offered: the names are too unlike to be a typo.
_CUTOFF = 70
# Up to this many choices every one is scored; beyond, an index narrows them first.
_SCORE_ALL = 300
# How many of the word's rarest trigrams are looked up, and how many candidates sharing
# the most of them are scored: a bound on the cost of one look-up whatever the set's size.
_RARE_GRAMS = 8
_CANDIDATES = 100
_POSTINGS = 3000


def closest(word: str, choices: Iterable[str], limit: int = 1) -> list[str]:
    """The choices nearest to `word`, best first; none when nothing is near."""
    # Imported here: rapidfuzz is only needed once something is wrong.
    from rapidfuzz import fuzz, process, utils

    pool = choices if isinstance(choices, list) else list(choices)
    found = process.extract(word, pool, scorer=fuzz.WRatio, limit=limit,
                            score_cutoff=_CUTOFF, processor=utils.default_process)
    return [choice for choice, _score, _index in found]


def _grams(word: str) -> set[str]:
    padded = f"  {word.lower()} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class Suggester:
    """`closest` over one fixed set of names, for many look-ups: each distinct word is
    looked up once, and a large set is narrowed through a trigram index to the names
    sharing the most of the word's rarest trigrams before any is scored, so a look-up
    never compares the word with every name."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = list(dict.fromkeys(choices))
        self._postings: dict[str, list[int]] | None = None
        self._memo: dict[tuple[str, int], list[str]] = {}

    def _index(self) -> dict[str, list[int]]:
        if self._postings is None:
            postings: dict[str, list[int]] = {}
            for number, name in enumerate(self.choices):
                for gram in _grams(name):
                    postings.setdefault(gram, []).append(number)
            self._postings = postings
        return self._postings

    def _pool(self, word: str) -> list[str]:
        if len(self.choices) <= _SCORE_ALL:
            return self.choices
        postings = self._index()
        lists = sorted((postings[gram] for gram in _grams(word) if gram in postings), key=len)
        shared: Counter[int] = Counter()
        looked = 0
        for used, numbers in enumerate(lists[:_RARE_GRAMS]):
            # Common trigrams tell little: past a few rare ones, enough has been seen.
            if used >= 3 and looked + len(numbers) > _POSTINGS:
                break
            shared.update(numbers)
            looked += len(numbers)
        return [self.choices[number] for number, _count in shared.most_common(_CANDIDATES)]

    def __call__(self, word: str, limit: int = 1) -> list[str]:
        key = (word, limit)
        found = self._memo.get(key)
        if found is None:
            found = [name for name in closest(word, self._pool(word), limit + 1)
                     if name != word][:limit]
            self._memo[key] = found
        return found
