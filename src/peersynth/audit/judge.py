"""Each recognised claim checked against the validated review: findings and a summary.

Nothing here reads files or prints. The figures come from the same code the reports
use: theme counts are the tally's (studies coded to a theme or to any subtheme below
it), percents round as the tally rounds (analysis.percent), characteristic counts are
`characteristics`' groups, and author names are compared by `analysis.surname`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from peersynth import analysis
from peersynth import flow as flow_boxes
from peersynth.audit.documents import Document, Paragraph
from peersynth.audit.patterns import Claim, Figure, recognise
from peersynth.audit.subjects import Sections, Sentences, ThemeNames, settle
from peersynth.matching import country_key, field_key, value_key
from peersynth.review import Review, Study, Theme

Severity = Literal["error", "warning", "info"]
Status = Literal["consistent", "inconsistent", "unattributed"]
FindingKind = Literal["count", "percent", "denominator", "flow", "characteristic",
                      "citation", "author"]

# Every code a finding can carry, with its one severity (docs/audit.md documents each).
CODES: Final[dict[str, Severity]] = {
    "count-mismatch": "error",
    "denominator-mismatch": "error",
    "percent-mismatch": "error",
    "flow-mismatch": "error",
    "citation-mismatch": "error",
    "author-mismatch": "error",
    "cited-not-coded": "warning",
    "not-included": "info",
    "unattributed": "info",
    "uncited": "info",
    "consistent": "info",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the audit: what was stated where, and what the review holds."""

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    kind: FindingKind
    text: str
    subject: str | None
    stated: str | None
    actual: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Summary:
    claims: int
    consistent: int
    inconsistent: int
    unattributed: int
    errors: int
    warnings: int

    def line(self) -> str:
        claims = "claim" if self.claims == 1 else "claims"
        return (f"{self.claims} {claims} checked: {self.consistent} consistent, "
                f"{self.inconsistent} inconsistent, {self.unattributed} unattributed")


@dataclass(frozen=True, slots=True)
class Audit:
    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    summary: Summary

    def passed(self, strict: bool) -> bool:
        return self.summary.errors == 0 and not (strict and self.summary.warnings)


# Words after a value that say which field it is ("good quality", "qualitative design").
_FIELD_WORDS: Final = {"quality": "quality", "design": "design", "designs": "design",
                       "country": "country", "countries": "country"}


def _plural_free(key: str) -> str:
    """A value key without a final 's' on its last word: "mixed-method" is "mixed-methods"."""
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


@dataclass(frozen=True, slots=True)
class _Value:
    field: str
    value: str
    studies: int


class _Values:
    """Every characteristic value of the review, by the keys a manuscript may write it as."""

    def __init__(self, review: Review) -> None:
        self.by_key: dict[str, list[_Value]] = {}
        found = analysis.characteristics(review)
        groups = [(s.field, g) for s in found.sections if s.field != "year" for g in s.rows]
        for name in analysis.available_fields(review):
            if name not in analysis.BUILTIN_FIELDS:
                groups.extend((name, g) for g in
                              analysis.group_studies(review, review.studies, name))
        for name, group in groups:
            value = _Value(name, group.value, len(group.studies))
            for key in self._keys(group.value, name == "country"):
                self.by_key.setdefault(key, []).append(value)
        # The number of distinct countries single-country studies were conducted in.
        single = {country_key(s.countries[0]) for s in review.studies
                  if s.countries and len({country_key(c) for c in s.countries}) == 1}
        self.countries = len(single)

    @staticmethod
    def _keys(text: str, country: bool) -> set[str]:
        key = value_key(text, country=country)
        return {key, _plural_free(key)}

    def find(self, phrase: str) -> _Value | None:
        """The value the end of `phrase` names, longest first ("United States" before
        "States"); a last word naming a field ("good quality") is dropped and picks it."""
        words = phrase.split()
        for size in range(len(words), 0, -1):
            tail = words[-size:]
            tries: list[tuple[list[str], str | None]] = [(tail, None)]
            if size > 1:
                tries.append((tail[:-1], _FIELD_WORDS.get(tail[-1].lower())))
            for chosen, wanted in tries:
                text = " ".join(chosen)
                for country in (False, True):
                    for key in self._keys(text, country):
                        options = [v for v in self.by_key.get(key, ())
                                   if wanted is None or v.field == wanted]
                        if options:
                            return options[0]
        return None


@dataclass
class _Section:
    """The stretch of text under one heading: its theme and what it cites."""

    theme: Theme | None
    line: int
    column: int
    cited: set[str] = field(default_factory=set)


class _Judge:
    def __init__(self, review: Review, name: str, listing: bool) -> None:
        self.review = review
        self.name = name
        self.listing = listing
        self.N = len(review.studies)
        self.by_ref: dict[int, Study] = {s.ref: s for s in review.studies if s.ref is not None}
        self.names = ThemeNames(review)
        self.values = _Values(review)
        self.first_authors: dict[str, list[Study]] = {}
        for study in analysis.reference_order(review.studies):
            if study.authors:
                key = analysis.fold(analysis.surname(study.authors[0]))
                self.first_authors.setdefault(key, []).append(study)
        self.findings: list[Finding] = []
        self.statuses: list[Status] = []
        self.section: _Section | None = None
        self.sentences = Sentences("")

    # -- findings -------------------------------------------------------------------

    def add(self, paragraph: Paragraph, offset: int, severity: Severity, code: str,
            kind: FindingKind, text: str, subject: str | None, stated: object,
            actual: object, message: str) -> None:
        assert CODES[code] == severity, code
        line, column = paragraph.position(offset)
        self.findings.append(Finding(
            self.name, line, column, severity, code, kind, text, subject,
            None if stated is None else str(stated), None if actual is None else str(actual),
            message))

    def settle_claim(self, status: Status) -> None:
        self.statuses.append(status)

    # -- the document ---------------------------------------------------------------

    def run(self, document: Document) -> None:
        sections = Sections(self.review)
        for paragraph in document.paragraphs:
            if paragraph.heading is not None:
                self.close_section(paragraph)
                sections.heading(paragraph.heading, paragraph.text)
                line, column = paragraph.position(0)
                self.section = _Section(sections.theme, line, column)
                continue
            self.paragraph(paragraph, sections.theme)
        self.close_section(None)

    def close_section(self, heading: Paragraph | None) -> None:
        """With --list, the studies coded to a section's theme that it never cites."""
        section = self.section
        if not self.listing or section is None or section.theme is None:
            return
        theme = section.theme
        uncited = [s for s in analysis.reference_order(
            self.review.study_by_id[i] for i in theme.study_ids) if s.id not in section.cited]
        if not uncited:
            return
        refs = [s.ref for s in uncited if s.ref is not None]
        unnumbered = [s.id for s in uncited if s.ref is None]
        # As `cite` shows them: numbers, then the studies without one by id.
        shown = ", ".join(filter(None, [
            analysis.compress(refs),
            f"(no ref: {', '.join(unnumbered)})" if unnumbered else ""])).replace(", (", " (")
        self.findings.append(Finding(
            self.name, section.line, section.column, "info", "uncited", "citation",
            theme.label, theme.label, None, shown,
            f"coded to this theme but not cited under its heading: {shown}"))

    def paragraph(self, paragraph: Paragraph, section: Theme | None) -> None:
        claims = recognise(paragraph.text)
        self.sentences = Sentences(paragraph.text)
        citations = [c for c in claims if c.kind == "citation"]
        attached: set[int] = set()
        for claim in claims:
            if claim.kind == "count":
                follows = self.attached_citation(paragraph.text, claim, citations)
                if self.count(paragraph, claim, section, citations, follows):
                    assert follows is not None
                    attached.add(follows.start)
            elif claim.kind == "flow":
                self.flow(paragraph, claim)
            elif claim.kind == "characteristic":
                self.characteristic(paragraph, claim, section)
            elif claim.kind == "author":
                self.author(paragraph, claim)
        for claim in citations:
            if claim.start not in attached:
                self.citation(paragraph, claim, section)

    @staticmethod
    def attached_citation(text: str, claim: Claim, citations: list[Claim]) -> Claim | None:
        """A citation list right after a count ("12 of 16 [33-42, 44, 45]")."""
        # Citations are in order of position: the first at or after the claim's end.
        at = bisect.bisect_left(citations, claim.end, key=lambda c: c.start)
        if at < len(citations):
            between = text[claim.end:citations[at].start]
            if len(between) <= 3 and not between.strip():
                return citations[at]
        return None

    # -- each kind of claim ---------------------------------------------------------

    def subject(self, text: str, claim: Claim, section: Theme | None,
                citations: list[Claim]) -> tuple[Theme | None, str]:
        """The theme a count is about, or None and why none is (the rule is in
        peersynth.audit.subjects)."""
        start, end = self.sentences.around(claim.start)
        sentence = text[start:end]
        named = self.names.named(sentence)
        if named:
            theme = settle(section, named)
            return theme, "" if theme else "its sentence names several themes"
        if section is None:
            return None, ("the claim is under no theme's heading and its sentence names no "
                          "theme")
        if not bare(claim):
            return section, ""
        assert claim.n is not None
        # The citations in the claim's sentence: found by bisection, they are in order.
        first = bisect.bisect_left(citations, start, key=lambda c: c.start)
        last = bisect.bisect_left(citations, end, key=lambda c: c.start)
        cited = {r.value for c in citations[first:last] for r in c.refs}
        coded = {self.review.study_by_id[i].ref for i in section.rolled_up_ids}
        if len(cited) == claim.n.value and cited != coded:
            return None, (f"its sentence cites the {len(cited)} "
                          f"{'study' if len(cited) == 1 else 'studies'} it counts, "
                          f"not those coded to {section.label}")
        return section, ""

    def count(self, paragraph: Paragraph, claim: Claim, section: Theme | None,
              citations: list[Claim], follows: Claim | None) -> bool:
        """Judge a count against its theme; whether it judged `follows` as its list."""
        theme, why = self.subject(paragraph.text, claim, section, citations)
        if theme is None:
            self.add(paragraph, claim.start, "info", "unattributed", "count", claim.text,
                     None, self.stated_count(claim), None, f"no theme settled: {why}")
            self.settle_claim("unattributed")
            return False
        self.judge_count(paragraph, claim, theme.label, len(theme.rolled_up_ids), self.N,
                         "count", theme.label)
        if follows is not None:
            self.attached(paragraph, follows, theme)
        return follows is not None

    @staticmethod
    def stated_count(claim: Claim) -> str:
        if claim.share is not None:
            return claim.share
        n = claim.n.value if claim.n is not None else "?"
        return f"{n}/{claim.total.value}" if claim.total is not None else str(n)

    def judge_count(self, paragraph: Paragraph, claim: Claim, subject: str, n: int, total: int,
                    kind: FindingKind, what: str) -> None:
        """Check a count, its denominator and its percent; one finding per wrong figure."""
        wrong = False
        actual = f"{n}/{total}"
        if claim.share == "all":
            if n != total:
                wrong = True
                self.add(paragraph, claim.start, "error", "count-mismatch", kind, claim.text,
                         subject, "all", actual, f"the review has {actual}, not all")
        elif claim.share == "half":
            if abs(2 * n - total) > 1:
                wrong = True
                self.add(paragraph, claim.start, "error", "count-mismatch", kind, claim.text,
                         subject, "half", actual, f"the review has {actual}, not half")
        elif claim.n is not None and claim.n.value != n:
            wrong = True
            self.add(paragraph, claim.n.start, "error", "count-mismatch", kind, claim.text,
                     subject, claim.n.value, n, f"the review has {actual}")
        if claim.total is not None and claim.total.value != total:
            wrong = True
            self.add(paragraph, claim.total.start, "error", "denominator-mismatch",
                     "denominator", claim.text, subject, claim.total.value, total,
                     f"the review includes {total} studies, not {claim.total.value}")
        if claim.percent is not None:
            shown = _rounded(n, total, claim.percent.value)
            stated_n = claim.n.value if claim.n is not None and claim.n.value != n else None
            # A percent that follows from a wrong count is that count's error, not another.
            follows_stated = stated_n is not None and \
                _rounded(stated_n, total, claim.percent.value) == claim.percent.value
            if shown != claim.percent.value and not follows_stated:
                wrong = True
                self.add(paragraph, claim.percent.start, "error", "percent-mismatch", "percent",
                         claim.text, subject, f"{claim.percent.text}%", f"{shown}%",
                         f"{actual} is {shown}% (rounded halves up, as tally rounds)")
        if not wrong and self.listing:
            self.add(paragraph, claim.start, "info", "consistent", kind, claim.text, subject,
                     self.stated_count(claim), actual, f"{what}: the review has {actual}")
        self.settle_claim("inconsistent" if wrong else "consistent")

    def attached(self, paragraph: Paragraph, citation: Claim, theme: Theme) -> None:
        """A list given with a count must cite exactly the theme's coded studies."""
        coded = [self.review.study_by_id[i] for i in theme.rolled_up_ids]
        want = {s.ref for s in coded if s.ref is not None}
        got = {r.value for r in citation.refs}
        if self.section is not None:
            self.section.cited.update(self.by_ref[r].id for r in got if r in self.by_ref)
        if got == want:
            if self.listing:
                self.add(paragraph, citation.start, "info", "consistent", "citation",
                         citation.text, theme.label, analysis.compress(got),
                         analysis.compress(want), "cites exactly the studies coded to "
                         f"{theme.label}")
            self.settle_claim("consistent")
            return
        missing, extra = sorted(want - got), sorted(got - want)
        parts = []
        if missing:
            parts.append(f"missing {analysis.compress(missing)}")
        if extra:
            parts.append(f"not coded to it {analysis.compress(extra)}")
        self.add(paragraph, citation.start, "error", "citation-mismatch", "citation",
                 citation.text, theme.label, analysis.compress(got), analysis.compress(want),
                 f"the studies coded to {theme.label} are {analysis.compress(want)}: "
                 + "; ".join(parts))
        self.settle_claim("inconsistent")

    def flow(self, paragraph: Paragraph, claim: Claim) -> None:
        assert claim.flow is not None
        assert claim.n is not None
        info = self.review.studies_file.review
        # The box, under its earlier name or the PRISMA2020 package's key, as a count or
        # the sum of its parts (reasons, sources).
        stated = flow_boxes.box(info.flow, flow_boxes.SAME_BOX.get(claim.flow, claim.flow)) \
            if info is not None and info.flow else None
        if stated is None and claim.flow == "included":
            stated = self.N
        label = analysis.FLOW_LABELS[claim.flow]
        if stated is None:
            self.add(paragraph, claim.start, "info", "unattributed", "flow", claim.text, label,
                     claim.n.value, None, f"the review does not state {label.lower()}")
            self.settle_claim("unattributed")
            return
        if claim.n.value != stated:
            self.add(paragraph, claim.n.start, "error", "flow-mismatch", "flow", claim.text,
                     label, claim.n.value, stated, f"the review states {stated}")
            self.settle_claim("inconsistent")
            return
        if self.listing:
            self.add(paragraph, claim.start, "info", "consistent", "flow", claim.text, label,
                     claim.n.value, stated, f"{label}: the review states {stated}")
        self.settle_claim("consistent")

    def characteristic(self, paragraph: Paragraph, claim: Claim,
                       section: Theme | None) -> None:
        assert claim.n is not None
        if claim.counted in ("themes", "subthemes"):
            walked = list(self.review.themes_file.walk())
            actual = sum(1 for _, depth in walked if (depth == 0) == (claim.counted == "themes"))
            self.simple(paragraph, claim, claim.counted.capitalize(), actual,
                        f"the review has {actual} {claim.counted}")
            return
        if claim.counted == "countries":
            actual = self.values.countries
            self.simple(paragraph, claim, "Countries", actual,
                        f"single-country studies were conducted in {actual} countries")
            return
        value = self.values.find(claim.value) if claim.value else None
        if value is None:
            assert claim.value is not None
            if claim.pattern == "n-equals" and (refers_back(claim.value)
                                               or self.names.named(claim.value)):
                # "Studies reported it (n = 12)", "role clarity (n = 12)": a theme's count.
                self.count(paragraph, _as_count(claim), section, [], None)
            elif claim.pattern in ("n-equals", "studies-in-place"):
                # "Canada (n = 2)": a value, but of no field in the review.
                at = claim.start if claim.pattern == "n-equals" else claim.value_start
                name = value_name(claim.value)
                self.add(paragraph, at, "info", "unattributed", "characteristic", claim.text,
                         None, claim.n.value, None,
                         f"no study field has the value {name!r}, so nothing to check "
                         "it against")
                self.settle_claim("unattributed")
            return  # "three other studies": no value named, so no claim recognised
        subject = f"{value.field}: {value.value}"
        self.judge_count(paragraph, claim, subject, value.studies, self.N, "characteristic",
                         subject)

    def simple(self, paragraph: Paragraph, claim: Claim, subject: str, actual: int,
               message: str) -> None:
        assert claim.n is not None
        if claim.n.value != actual:
            self.add(paragraph, claim.n.start, "error", "count-mismatch", "characteristic",
                     claim.text, subject, claim.n.value, actual, message)
            self.settle_claim("inconsistent")
            return
        if self.listing:
            self.add(paragraph, claim.start, "info", "consistent", "characteristic",
                     claim.text, subject, claim.n.value, actual, message)
        self.settle_claim("consistent")

    def citation(self, paragraph: Paragraph, claim: Claim, section: Theme | None) -> None:
        wrong = False
        seen: set[int] = set()
        for ref in claim.refs:
            if ref.value in seen:
                continue
            seen.add(ref.value)
            study = self.by_ref.get(ref.value)
            if study is None:
                self.add(paragraph, ref.start, "info", "not-included", "citation", claim.text,
                         section.label if section else None, ref.value, None,
                         f"[{ref.value}] is no included study's reference number")
                continue
            if self.section is not None:
                self.section.cited.add(study.id)
            if section is not None and study.id not in section.rolled_up_ids:
                wrong = True
                self.add(paragraph, ref.start, "warning", "cited-not-coded", "citation",
                         claim.text, section.label, ref.value, None,
                         f"[{ref.value}] ({study.id}) is cited under {section.label} but "
                         "not coded to it")
        if not wrong and self.listing:
            self.add(paragraph, claim.start, "info", "consistent", "citation", claim.text,
                     section.label if section else None, claim.text, None,
                     "every included study cited is coded to this section's theme"
                     if section else "cited outside any theme's section")
        self.settle_claim("inconsistent" if wrong else "consistent")

    def author(self, paragraph: Paragraph, claim: Claim) -> None:
        assert claim.author is not None
        ref = claim.refs[0]
        study = self.by_ref.get(ref.value)
        if study is None:
            return
        name = analysis.fold(claim.author)
        own = {analysis.fold(analysis.surname(a)) for a in study.authors or ()}
        others = [s for s in self.first_authors.get(name, ()) if s.id != study.id]
        if name in own:
            if self.listing:
                self.add(paragraph, claim.start, "info", "consistent", "author", claim.text,
                         f"[{ref.value}]", claim.author, analysis.surname(study.authors[0])
                         if study.authors else None, f"an author of [{ref.value}]")
            self.settle_claim("consistent")
        elif others:
            other = others[0]
            where = f"[{other.ref}]" if other.ref is not None else other.id
            first = analysis.surname(study.authors[0]) if study.authors else None
            self.add(paragraph, claim.start, "error", "author-mismatch", "author", claim.text,
                     f"[{ref.value}]", claim.author, first,
                     f"{claim.author} is the first author of {where}, not of [{ref.value}]"
                     + (f" (whose first author is {first})" if first else ""))
            self.settle_claim("inconsistent")
        # A name the review knows nowhere is left alone: it may not be a name at all.


def bare(claim: Claim) -> bool:
    """A count with no denominator, share or percent ("Twelve studies", "One study"): the
    shape that says least about what it counts."""
    return (claim.total is None and claim.share is None and claim.percent is None
            and claim.pattern != "n-equals")


# Last words before "(n = 12)" that point back at the studies or at the theme in hand,
# rather than naming a value: "Several studies (n = 12)", "reported it (n = 12)".
_BACK: Final = frozenset({"studies", "study", "articles", "article", "papers", "paper",
                          "publications", "reports", "included", "review", "literature",
                          "it", "this", "these", "those", "them", "they", "theme", "themes",
                          "subtheme", "subthemes", "sub-theme", "sub-themes"})


def refers_back(phrase: str) -> bool:
    """Whether the words before "(n = k)" end with a study noun, a pronoun or a lower-case
    past participle ("noted (n = 12)"), so that the count is of studies, not of a value."""
    last = phrase.split()[-1]
    return last.lower() in _BACK or (last.islower() and last.endswith("ed"))


def value_name(phrase: str) -> str:
    """The value a phrase names, for a message: its closing run of capitalised words
    ("as was New Zealand" 'New Zealand'), else its last word."""
    words = phrase.split()
    tail: list[str] = []
    for word in reversed(words):
        if not word[:1].isupper():
            break
        tail.insert(0, word)
    return " ".join(tail) if tail else words[-1]


def _as_count(claim: Claim) -> Claim:
    from dataclasses import replace

    return replace(claim, kind="count", value=None)


def _rounded(n: int, total: int, like: Decimal) -> Decimal:
    """n/N as a percent with as many decimals as `like`, halves up (as tally rounds)."""
    if total <= 0:
        return Decimal(-1)
    exponent = like.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    if places == 0:
        whole = analysis.percent(n, total)
        return Decimal(-1) if whole is None else Decimal(whole)
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(100 * n) / Decimal(total)).quantize(quantum, rounding=ROUND_HALF_UP)


_ORDER: Final = {"error": 0, "warning": 1, "info": 2}


def audit(review: Review, documents: Iterable[Document], *, listing: bool = False) -> Audit:
    """Every claim of every document judged against `review`."""
    findings: list[Finding] = []
    statuses: list[Status] = []
    names = []
    for document in documents:
        judge = _Judge(review, document.name, listing)
        judge.run(document)
        findings.extend(judge.findings)
        statuses.extend(judge.statuses)
        names.append(document.name)
    findings.sort(key=lambda f: (names.index(f.file), f.line, f.column, _ORDER[f.severity]))
    summary = Summary(
        len(statuses), statuses.count("consistent"), statuses.count("inconsistent"),
        statuses.count("unattributed"),
        sum(f.severity == "error" for f in findings),
        sum(f.severity == "warning" for f in findings))
    return Audit(tuple(names), tuple(findings), summary)


__all__ = ["CODES", "Audit", "Figure", "Finding", "Summary", "audit", "field_key"]
