"""The nearest names to a misspelt one, for "did you mean" hints."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], limit: int = 1) -> list[str]:
    """The choices nearest to `word`, best first; none when nothing is near."""
    # Imported here: rapidfuzz is only needed once something is wrong.
    from rapidfuzz import fuzz, process, utils

    pool = choices if isinstance(choices, list) else list(choices)
    found = process.extract(word, pool, scorer=fuzz.WRatio, limit=limit,
                            score_cutoff=70, processor=utils.default_process)
    return [choice for choice, _score, _index in found]
