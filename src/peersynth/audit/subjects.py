"""Which theme a claim is about: the heading it sits under, or a theme named beside it.

Headings are matched to themes the way `peersynth cite THEME` matches its argument
(analysis.find_theme: id or label, a unique beginning, a small typo); a theme label
named in the claim's sentence settles it too. What cannot be settled stays None,
and the claim is reported as unattributed rather than guessed.

The rule for a count of studies, in order:

1. A theme label named in the claim's sentence settles it: the section's theme if it is
   among those named, else the one theme named; several others leave it unattributed.
2. Otherwise the heading's theme settles it, since every shape the recogniser reads as a
   theme's count ("12 of the 16 included articles", "Twelve studies highlighted",
   "(n = 12)", "all studies"...) is how a section states its theme's frequency; no
   heading naming a theme leaves it unattributed.
3. Except that a sentence can show its count is of something else, and then it is not the
   heading theme's count:
   - it counts themes, categories, countries and the like, not studies ("one of the four
     overarching themes"): no count is recognised at all (patterns);
   - a count with no denominator, share or percent ("One study", "Two studies") whose
     sentence cites exactly that many studies counts those studies ("One study reported
     burnout [34]"), unless they are exactly the theme's coded studies: unattributed;
   - "(n = 2)" after a value ("Canada (n = 2)") counts that value: a characteristic,
     judged against the studies with it; a value no field has is unattributed, never
     the theme's count. Only "(n = k)" alone, or after a study noun, a pronoun or a
     past participle ("Several studies (n = 12)", "reported it (n = 12)", "noted
     (n = 12)"), or after a theme's label, is a theme's count (judge.refers_back).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Final

from peersynth.analysis import ThemeNotFound, _theme_key, find_theme
from peersynth.audit.documents import THEME_HEADING
from peersynth.review import Review, Theme

_NUMBERING: Final = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVXivx]+\.|[A-Za-z]\))\s+")
# Where a sentence ends: . ! or ? and space before a capital, a digit or a quote.
_SENTENCE_END: Final = re.compile(r"[.!?][\"'\u201d\u2019)]?\s+(?=[A-Z0-9\"'\u201c\u2018(])")


def heading_topic(text: str) -> str:
    """What a heading names: "Subtheme 1: role clarity" -> "role clarity",
    "3.2 Leadership" -> "Leadership"."""
    found = THEME_HEADING.search(text)
    if found is not None:
        return found.group("topic").strip()
    return _NUMBERING.sub("", text).strip().rstrip(":.")


class ThemeKeys:
    """The themes by id and by the key find_theme compares (its _theme_key of id and
    label), built once: a heading naming a theme exactly is found without find_theme
    building every key again, which costs a manuscript of many headings dearly."""

    def __init__(self, review: Review) -> None:
        self.ids: dict[str, Theme] = {}
        self.keys: dict[str, dict[str, Theme]] = {}
        for theme, _ in review.themes_file.walk():
            self.ids.setdefault(theme.id, theme)
            for key in {_theme_key(theme.id), _theme_key(theme.label)}:
                self.keys.setdefault(key, {})[theme.id] = theme

    def exact(self, query: str) -> tuple[bool, Theme | None]:
        """Whether `query` names a theme exactly, and the theme (None when it names
        several, which find_theme refuses too). Not exact: find_theme tries beginnings
        and typos."""
        if query in self.ids:
            return True, self.ids[query]
        found = self.keys.get(_theme_key(query))
        if not found:
            return False, None
        return True, next(iter(found.values())) if len(found) == 1 else None


def heading_theme(review: Review, text: str, keys: ThemeKeys | None = None) -> Theme | None:
    topic = heading_topic(text)
    if not topic:
        return None
    if keys is not None:
        exact, theme = keys.exact(topic)
        if exact:
            return theme
    try:
        return find_theme(review, topic)
    except ThemeNotFound:
        return None


class Sentences:
    """Where the sentences of a paragraph begin and end, found once."""

    def __init__(self, text: str) -> None:
        found = list(_SENTENCE_END.finditer(text))
        self.starts = [0, *(m.end() for m in found)]
        self.ends = [*(m.start() + 1 for m in found), len(text)]

    def around(self, offset: int) -> tuple[int, int]:
        """The start and end of the sentence holding `offset`."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.starts[index], self.ends[index]


class ThemeNames:
    """Finds the themes whose label a stretch of text names (case, and spaces or hyphens
    between words, aside)."""

    def __init__(self, review: Review) -> None:
        self._themes = [theme for theme, _ in review.themes_file.walk()]
        self._patterns = [
            re.compile(r"(?<!\w)" + r"[\s\-]+".join(map(re.escape, theme.label.split()))
                       + r"(?!\w)", re.IGNORECASE) if theme.label.split() else None
            for theme in self._themes]

    def named(self, text: str) -> list[Theme]:
        spans: list[tuple[int, int, Theme]] = []
        for theme, pattern in zip(self._themes, self._patterns, strict=True):
            found = pattern.search(text) if pattern is not None else None
            if found is not None:
                spans.append((found.start(), found.end(), theme))
        # "Leadership" inside "Shared leadership" names only the longer theme.
        kept = [(s, e, t) for s, e, t in spans
                if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in spans)]
        return list({t.id: t for _, _, t in kept}.values())


@dataclass
class Sections:
    """The headings above the current paragraph, and the theme each names."""

    review: Review
    stack: list[tuple[int, Theme | None]] = field(default_factory=list)
    keys: ThemeKeys | None = None

    def heading(self, level: int, text: str) -> Theme | None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        if self.keys is None:
            self.keys = ThemeKeys(self.review)
        theme = heading_theme(self.review, text, self.keys)
        self.stack.append((level, theme))
        return theme

    @property
    def theme(self) -> Theme | None:
        """The theme of the nearest heading above that names one."""
        return next((theme for _, theme in reversed(self.stack) if theme is not None), None)


def settle(section: Theme | None, named: list[Theme]) -> Theme | None:
    """A claim's theme: the section's, unless its sentence names another single theme;
    None when the sentence names several others, or nothing settles it."""
    if not named or (section is not None and any(t.id == section.id for t in named)):
        return section
    return named[0] if len(named) == 1 else None
