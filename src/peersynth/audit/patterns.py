"""Claims a manuscript states, recognised by named patterns: one pattern per shape.

Each pattern finds its shape in a paragraph and builds `Claim`s that say what was
stated and where each stated figure is; which theme a claim is about, and whether it
holds, are decided later (subjects, judge). Patterns run in the order of PATTERNS and
a claim never overlaps an earlier one, so "12 of the 16 included articles" is one
theme count, not also a count of included studies.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

Kind = Literal["count", "flow", "characteristic", "citation", "author"]

_UNITS: Final = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                  "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                  "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS: Final = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_VALUES: Final[dict[str, int]] = {word: value for value, word in enumerate(_UNITS)}
WORD_VALUES.update({word: 10 * (index + 2) for index, word in enumerate(_TENS)})

# Longer words first, so "seventeen" is not read as "seven".
_UNIT_WORDS: Final = "|".join(sorted(_UNITS[1:10], key=len, reverse=True))
_WORD: Final = (rf"(?:(?:{'|'.join(_TENS)})(?:[-\s](?:{_UNIT_WORDS})\b)?"
                rf"|{'|'.join(sorted(_UNITS, key=len, reverse=True))})")
# A figure: digits (5191 or 5,191) or a number word up to ninety-nine.
# Digits with thousands separators or none ("1,234" is one figure, not 1).
_DIGITS: Final = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,9})"
NUM: Final = rf"(?:\b\d{{1,3}}(?:,\d{{3}})+\b|\b\d{{1,9}}\b|\b{_WORD}\b)"
NOUN: Final = r"(?:studies|study|articles|article|papers|paper|publications|reports)\b"
_PERCENT: Final = r"(?:\s*\(\s*(?P<pct>\d{1,3}(?:\.\d{1,2})?)\s*%\s*\))?"
# Where a figure can begin: a digit or a number word after a word boundary (a superset of
# where NUM matches: "234" in "1,234" and "one" in "twenty-one" are in it too).
_FIGURE_STARTS: Final = re.compile(
    rf"\b(?:\d|{'|'.join(sorted(_UNITS + _TENS, key=len, reverse=True))})", re.IGNORECASE)
_PLACE_STARTS: Final = re.compile(
    rf"\b(?:\d|{'|'.join(sorted(_UNITS + _TENS, key=len, reverse=True))}|a\s|single)",
    re.IGNORECASE)
# A number right after these words names a table or a section, not a count.
_LABEL_BEFORE: Final = re.compile(
    r"(?:table|figure|fig\.|appendix|box|file|section|chapter|theme|subtheme|sub-theme"
    r"|step|phase|level|version|ref\.?|reference)\s*$", re.IGNORECASE)
# Nouns that make "n of N" about something other than studies: "one of the four
# overarching themes" counts themes. Up to two lower-case words may stand between (the
# figure's adjectives); a study noun right after the figure is matched before this is asked.
_OTHER_NOUNS: Final = re.compile(
    r"(?:\s+[a-z][\w-]*){0,2}?\s+(?i:themes|sub-?themes|categories|codes|concepts|domains"
    r"|dimensions|constructs|factors|barriers|facilitators|strategies|components|elements"
    r"|areas|countries|records|participants|people|respondents|interviewees|items|criteria"
    r"|patients|staff|workers|sites|settings|services|organi[sz]ations|databases|reviewers"
    r"|questions|outcomes)\b")


def number_value(text: str) -> int:
    """The value of a figure NUM matched: '5,191' 5191, 'Twenty-one' 21."""
    digits = text.replace(",", "")
    if digits.isdigit():
        return int(digits)
    words = re.split(r"[-\s]+", text.lower())
    return sum(WORD_VALUES[word] for word in words)


@dataclass(frozen=True, slots=True)
class Figure:
    """A stated value and where it stands in the paragraph."""

    value: int
    start: int
    text: str


@dataclass(frozen=True, slots=True)
class Percent:
    value: Decimal
    start: int
    text: str


@dataclass(frozen=True)
class Claim:
    """One thing the manuscript states, as recognised (not yet judged)."""

    pattern: str
    kind: Kind
    start: int
    end: int
    text: str
    n: Figure | None = None
    total: Figure | None = None
    percent: Percent | None = None
    # "all" or "half": the count is said in words relative to N.
    share: str | None = None
    flow: str | None = None
    # A characteristic: the value as written (matched to the review's values later).
    value: str | None = None
    value_start: int = 0
    # What a number of "themes" counts: "themes" (top level) or "subthemes".
    counted: str | None = None
    refs: tuple[Figure, ...] = ()
    author: str | None = None


Builder = Callable[[re.Match[str], str], list[Claim]]


@dataclass(frozen=True)
class Pattern:
    """A named shape of claim: a regular expression and how a match becomes claims."""

    name: str
    regex: re.Pattern[str]
    build: Builder
    description: str
    # Whether a match keeps later patterns off its span even when it makes no claim:
    # "12 of 16 themes" is no count of studies, and "16 themes" in it is no total.
    holds_span: bool = False
    # Every place a match can begin, found by a cheap scan (None: search everywhere).
    # A pattern that begins with a figure is tried only where a figure may begin, so a
    # paragraph is scanned for figures once, not once per pattern.
    starts: re.Pattern[str] | None = None


def _fig(match: re.Match[str], group: str) -> Figure | None:
    text = match.group(group)
    if text is None:
        return None
    return Figure(number_value(text), match.start(group), text)


def _pct(match: re.Match[str]) -> Percent | None:
    if "pct" not in match.re.groupindex or match.group("pct") is None:
        return None
    return Percent(Decimal(match.group("pct")), match.start("pct"), match.group("pct"))


def _labelled(match: re.Match[str], text: str, group: str = "n") -> bool:
    """Whether the figure follows a word such as 'Table' (then it is no count)."""
    start = match.start(group)
    # Only the few characters before: the words it looks for are short.
    return _LABEL_BEFORE.search(text, max(0, start - 24), start) is not None


def _claim(name: str, kind: Kind, match: re.Match[str], **values: object) -> Claim:
    return Claim(name, kind, match.start(), match.end(), match.group(), **values)  # type: ignore[arg-type]


def _count(name: str) -> Builder:
    def build(match: re.Match[str], text: str) -> list[Claim]:
        if _labelled(match, text):
            return []
        groups = match.re.groupindex
        total = _fig(match, "N") if "N" in groups else None
        n = _fig(match, "n")
        if "adj" in groups and match.group("adj"):
            # "13 qualitative studies": a count of a characteristic's value.
            return [_claim(name, "characteristic", match, n=n, percent=_pct(match),
                           value=match.group("adj"), value_start=match.start("adj"))]
        # Without a study noun, what follows says what is counted.
        if "noun" in groups and not match.group("noun") and _OTHER_NOUNS.match(text, match.end()):
            return []
        if n is not None and total is not None and n.value > total.value:
            return []  # "24/7" is no share of anything
        return [_claim(name, "count", match, n=n, total=total, percent=_pct(match))]
    return build


def _share(share: str) -> Builder:
    def build(match: re.Match[str], text: str) -> list[Claim]:
        return [_claim(f"{share}-studies", "count", match, share=share,
                       total=_fig(match, "N") if "N" in match.re.groupindex else None)]
    return build


def _flow(key: str) -> Builder:
    def build(match: re.Match[str], text: str) -> list[Claim]:
        if _labelled(match, text):
            return []
        return [_claim(f"flow-{key}", "flow", match, n=_fig(match, "n"), flow=key)]
    return build


def _themes(counted: str) -> Builder:
    def build(match: re.Match[str], text: str) -> list[Claim]:
        if _labelled(match, text):
            return []
        return [_claim(f"{counted}-total", "characteristic", match, n=_fig(match, "n"),
                       counted=counted)]
    return build


# Words before "(n = 7)" that can name the value counted: at most this many.
_VALUE_WORDS: Final = 5
_WORDS: Final = re.compile(r"[^\s,;:()\[\].]+")


def _n_equals(match: re.Match[str], text: str) -> list[Claim]:
    """'United States (n = 7)', 'good quality (n = 11)', or a theme's '(n = 12)'. The words
    before it are kept as the candidate value; judge decides whether they name one."""
    # Only a stretch before it is searched, so a paragraph of many counts costs linear time.
    window = max(0, match.start() - 120)
    stop = max(window - 1, *(text.rfind(mark, window, match.start()) for mark in ",;:().[]"))
    words = list(_WORDS.finditer(text, stop + 1, match.start()))[-_VALUE_WORDS:]
    value = text[words[0].start():words[-1].end()] if words else None
    return [_claim("n-equals", "characteristic" if value else "count", match,
                   n=_fig(match, "n"), percent=_pct(match), value=value,
                   value_start=words[0].start() if words else 0)]


_NAME_LIST: Final = re.compile(r"[^.;:()\[\]]+")
_LIST_SPLIT: Final = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)", re.IGNORECASE)


def _place_list(match: re.Match[str], text: str) -> list[Claim]:
    """'single studies conducted in both Finland and Singapore': one study each; 'two
    studies were conducted in Finland': that many in the one place named."""
    listed = _NAME_LIST.match(text, match.end())
    if listed is None:
        return []
    claims = []
    at = match.end()
    n = _fig(match, "n") if match.group("n") else None
    pieces = [(m.start(), m.group()) for m in re.finditer(r"[^,&]+", listed.group())]
    names: list[tuple[int, str]] = []
    for offset, piece in pieces:
        for part in re.split(r"\s+and\s+", piece):
            word = part.strip()
            if word:
                names.append((at + offset + piece.find(part) + (len(part) - len(part.lstrip())),
                              word))
    if n is not None and len(names) != 1:
        return []  # "two studies in A and B" says nothing of each
    for start, name in names:
        # "single": each place named is a count of one, stated by naming it.
        figure = n if n is not None else Figure(1, start, name)
        claims.append(Claim("studies-in-place", "characteristic", match.start(),
                            start + len(name), text[match.start():start + len(name)],
                            n=figure, value=name, value_start=start))
    return claims


def _multiple_countries(match: re.Match[str], text: str) -> list[Claim]:
    return [_claim("multiple-countries", "characteristic", match, n=_fig(match, "n"),
                   value="Multiple countries", value_start=match.start("place"))]


def _countries_total(match: re.Match[str], text: str) -> list[Claim]:
    if _labelled(match, text):
        return []
    return [_claim("countries-total", "characteristic", match, n=_fig(match, "n"),
                   counted="countries")]


_BODY_ITEM: Final = r"\d{1,6}(?:\s*(?:[-\u2013\u2014]|to)\s*\d{1,6})?"
CITATION: Final = re.compile(rf"\[\s*(?P<body>{_BODY_ITEM}(?:\s*[,;]\s*{_BODY_ITEM})*)\s*\]")
_ITEM: Final = re.compile(r"(?P<a>\d+)(?:\s*(?:[-\u2013\u2014]|to)\s*(?P<b>\d+))?")
# A range longer than this is no citation anyone writes; it is not expanded.
MAX_RANGE: Final = 1000
# "Byrne, Roennfeldt [38]", "Mancini [36]", "Berry et al. [44]": the name before a
# bracket. Case-sensitive: a surname is capitalised.
_NAME: Final = r"[A-Z][\w'\u2019-]*[a-z][\w'\u2019-]*"
_NARRATIVE: Final = re.compile(
    rf"(?P<name>{_NAME})(?:\s*,\s*{_NAME}|\s+(?:and|&)\s+{_NAME}|\s+et\s+al\.?)?\s*$")


def _citation(match: re.Match[str], text: str) -> list[Claim]:
    refs: list[Figure] = []
    for item in _ITEM.finditer(match.group("body")):
        first = int(item.group("a"))
        start = match.start("body") + item.start()
        if item.group("b") is None:
            refs.append(Figure(first, start, item.group("a")))
            continue
        last = int(item.group("b"))
        if last < first or last - first > MAX_RANGE:
            return []
        refs.extend(Figure(number, start, item.group()) for number in range(first, last + 1))
    claims = [Claim("citation-list", "citation", match.start(), match.end(), match.group(),
                    refs=tuple(refs))]
    if len(refs) == 1:
        named = _NARRATIVE.search(text, max(0, match.start() - 80), match.start())
        if named is not None:
            claims.append(Claim("narrative-citation", "author", named.start(), match.end(),
                                text[named.start():match.end()], refs=tuple(refs),
                                author=named.group("name")))
    return claims


def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


_INCLUDED: Final = r"(?:included\s+)?"
_THE: Final = r"(?:(?:the|these|all)\s+)?"

_PATTERNS: Final[tuple[Pattern, ...]] = (
    Pattern("flow-records-screened", _compile(
        rf"(?P<n>{NUM})\s+(?:records|citations|titles(?:\s+and\s+abstracts)?)\s+"
        r"(?:were\s+|was\s+)?screened"), _flow("records_screened"),
        "A total of 5191 records were screened"),
    Pattern("flow-screened-records", _compile(
        rf"screen(?:ed|ing)\s+(?:of\s+)?(?P<n>{NUM})\s+(?:records|citations|titles)"),
        _flow("records_screened"), "screening of 5191 records"),
    Pattern("flow-records-identified", _compile(
        rf"(?P<n>{NUM})\s+records\s+(?:were\s+)?(?:identified|retrieved|found)"),
        _flow("records_identified"), "6020 records were identified"),
    Pattern("flow-duplicates", _compile(
        rf"(?P<n>{NUM})\s+duplicates?(?:\s+records)?\s+(?:were\s+)?removed"),
        _flow("duplicates_removed"), "829 duplicates were removed"),
    Pattern("flow-full-text", _compile(
        rf"(?P<n>{NUM})\s+full[-\s]?text\s+(?:articles|reports|papers|studies)"),
        _flow("full_text_assessed"), "154 full-text articles"),
    Pattern("n-of-N", _compile(
        rf"(?P<n>{NUM})\s+(?:out\s+)?of\s+{_THE}(?P<N>{NUM})"
        rf"(?P<noun>(?:\s+included)?(?:\s+{NOUN})?){_PERCENT}"), _count("n-of-N"),
        "12 of the 16 included articles; Eleven of the sixteen; 8 of 16 studies (50%)",
        holds_span=True),
    Pattern("slash", _compile(rf"(?<![\d/.])(?P<n>\d{{1,6}})\s*/\s*(?P<N>\d{{1,6}})(?![\d/.])"
                              rf"(?P<noun>(?:\s+{NOUN})?){_PERCENT}"),
            _count("slash"), "12/16", holds_span=True),
    Pattern("flow-inclusion-of", _compile(
        rf"inclusion\s+of\s+(?P<n>{NUM})\s+{NOUN}"), _flow("included"),
        "resulting in the inclusion of 16 studies"),
    Pattern("flow-included-studies", _compile(
        rf"(?P<n>{NUM})\s+included\s+{NOUN}|(?P<n2>{NUM})\s+{NOUN}\s+(?:were|was)\s+"
        r"(?:finally\s+)?included"), lambda m, t: _flow("included")(_renamed(m), t),
        "From the 16 included studies; 16 studies were included"),
    Pattern("flow-included-verb", _compile(
        rf"(?:review|synthesis)\s+included\s+(?P<n>{NUM})\s+{NOUN}"), _flow("included"),
        "the review included 16 studies"),
    Pattern("all-studies", _compile(
        rf"\ball\s+(?:(?P<N>{NUM})\s+)?(?:of\s+)?(?:the\s+)?{_INCLUDED}{NOUN}"),
        _share("all"), "all studies; all 16 studies; all of the included articles"),
    Pattern("half-studies", _compile(rf"\bhalf\s+(?:of\s+)?(?:the\s+)?{_INCLUDED}{NOUN}"),
            _share("half"), "half of the studies"),
    Pattern("multiple-countries", _compile(
        rf"(?P<n>{NUM})\s+{NOUN}\s+(?:were\s+|was\s+)?(?:conducted\s+|carried\s+out\s+)?"
        r"(?:across|in)\s+(?P<place>(?:multiple|several|more\s+than\s+one)\s+countries)"),
        _multiple_countries, "Two studies were conducted across multiple countries"),
    Pattern("studies-in-place", _compile(
        rf"(?:(?P<single>(?:a\s+)?single)\s+{NOUN}|(?P<n>{NUM})\s+{NOUN})\s+"
        r"(?:were\s+|was\s+)?(?:conducted\s+|carried\s+out\s+|based\s+)?in\s+"
        r"(?:both\s+|each\s+of\s+)?(?=[A-Z])"),
        _place_list, "single studies conducted in both Finland and Singapore"),
    Pattern("countries-total", _compile(
        rf"(?P<n>{NUM})\s+(?:main\s+|different\s+|distinct\s+)?countries\b"),
        _countries_total, "across 5 main countries"),
    Pattern("themes-total", _compile(
        rf"(?P<n>{NUM})\s+(?:overarching\s+|main\s+|major\s+|key\s+|analytical\s+|"
        r"descriptive\s+)?themes\b"), _themes("themes"), "four overarching themes"),
    Pattern("subthemes-total", _compile(rf"(?P<n>{NUM})\s+sub-?themes\b"),
            _themes("subthemes"), "seven subthemes"),
    Pattern("n-equals", _compile(
        rf"\(\s*n\s*=\s*(?P<n>{_DIGITS})\s*(?:[,;]\s*(?P<pct>\d{{1,3}}(?:\.\d{{1,2}})?)\s*%\s*)?\)"
        rf"|\bn\s*=\s*(?P<n2>{_DIGITS})\b"), lambda m, t: _n_equals(_renamed(m), t),
        "United States (n = 7); good quality (n = 11); (n = 12); n=12"),
    Pattern("count-noun", _compile(
        rf"(?P<n>{NUM})\s+(?:(?P<adj>[a-z][\w-]*)\s+)??{NOUN}{_PERCENT}"),
        _count("count-noun"), "Twelve studies; the fourteen articles; 12 studies (75%)"),
)


def _starts(pattern: Pattern) -> Pattern:
    """The pattern with the cheap scan for where it can begin, when there is one."""
    source = pattern.regex.pattern
    if source.startswith(f"(?P<n>{NUM})"):
        return dataclasses.replace(pattern, starts=_FIGURE_STARTS)
    if pattern.name == "studies-in-place":
        return dataclasses.replace(pattern, starts=_PLACE_STARTS)
    return pattern


PATTERNS: Final = tuple(map(_starts, _PATTERNS))


def matches(pattern: Pattern, text: str, starts: list[int] | None) -> Iterator[re.Match[str]]:
    """What `pattern.regex.finditer(text)` finds, trying only the places in `starts`
    (every place a match can begin, in order)."""
    if starts is None:
        yield from pattern.regex.finditer(text)
        return
    after = 0
    for start in starts:
        if start < after:
            continue
        found = pattern.regex.match(text, start)
        if found is not None:
            yield found
            after = max(found.end(), start + 1)


class _Renamed:
    """A match whose alternative groups `n2` answer for `n` (one pattern, two word orders)."""

    def __init__(self, match: re.Match[str]) -> None:
        self._match = match
        self.re = match.re
        self.string = match.string

    def _name(self, group: str) -> str:
        if group == "n" and self._match.group("n") is None:
            return "n2"
        return group

    def group(self, group: str | int = 0) -> str:
        return self._match.group(self._name(group) if isinstance(group, str) else group)

    def start(self, group: str | int = 0) -> int:
        return self._match.start(self._name(group) if isinstance(group, str) else group)

    def end(self, group: str | int = 0) -> int:
        return self._match.end(self._name(group) if isinstance(group, str) else group)


def _renamed(match: re.Match[str]) -> re.Match[str]:
    return _Renamed(match)  # type: ignore[return-value]


def recognise(text: str) -> list[Claim]:
    """Every claim in a paragraph, in order of position; no two overlap, except that a
    narrative citation includes its citation list."""
    claims: list[Claim] = []
    # Spans claimed so far, never overlapping, kept sorted: an overlap is found by bisection.
    starts: list[int] = []
    ends: list[int] = []

    def take(start: int, end: int) -> None:
        at = bisect.bisect_left(starts, start)
        starts.insert(at, start)
        ends.insert(at, end)

    def free(start: int, end: int) -> bool:
        at = bisect.bisect_right(starts, start)
        return not ((at > 0 and ends[at - 1] > start) or (at < len(starts) and starts[at] < end))

    for match in CITATION.finditer(text):
        claims.extend(_citation(match, text))
        take(match.start(), match.end())
    found_begins: dict[re.Pattern[str], list[int]] = {}
    for pattern in PATTERNS:
        begins: list[int] | None = None
        if pattern.starts is not None:
            if pattern.starts not in found_begins:
                found_begins[pattern.starts] = [m.start() for m in pattern.starts.finditer(text)]
            begins = found_begins[pattern.starts]
        for match in matches(pattern, text, begins):
            if not free(match.start(), match.end()):
                continue
            # Claims carry the name of the pattern that found them.
            built = [dataclasses.replace(claim, pattern=pattern.name)
                     for claim in pattern.build(match, text)]
            claims.extend(built)
            if built or pattern.holds_span:
                take(match.start(), match.end())
    claims.sort(key=lambda c: (c.start, c.kind == "citation"))
    return claims


def pattern_names() -> Iterator[str]:
    yield "citation-list"
    yield "narrative-citation"
    for pattern in PATTERNS:
        yield pattern.name
