"""The rules of GRADE-CERQual and JBI ConQual, and the facts peersynth fills in for each
finding from the coding. No I/O, no diagnostics: `checks` reports, `table` renders.

GRADE-CERQual (Lewin et al. 2018, Implementation Science 13 Suppl 1): four components,
each with a level of concern, and an overall confidence the assessor judges. Each
component with serious concerns should lower confidence by at least one level from high
(`inconsistent_with_concerns`); the judgement itself is never changed.

JBI ConQual (Munn et al. 2014, BMC Medical Research Methodology 14:108): a finding
starts at high (qualitative research) or low (text and opinion); dependability, from
the answers to questions 2, 3, 4, 6 and 7 of the JBI checklist for qualitative research,
keeps it (4-5 yes), or lowers it one (2-3) or two levels (0-1); credibility, from the
levels of the findings aggregated into it, keeps it (all unequivocal) or lowers it one
(unequivocal and credible), two (all credible), three (credible and unsupported) or four
levels (all unsupported). Never below very low.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from peersynth.confidence.records import Credibility, Finding
from peersynth.review import Review, Study, Theme

CONFIDENCE: Final = ("high", "moderate", "low", "very-low")
NOT_ASSESSED: Final = "not-assessed"
# What `confidence` may say: a level, or that the finding was not assessed.
CONFIDENCE_VALUES: Final = (*CONFIDENCE, NOT_ASSESSED)
CONCERNS: Final = ("no-or-very-minor", "minor", "moderate", "serious")
SERIOUS: Final = "serious"
METHODS: Final = ("cerqual", "conqual")
# ConQual's starting level by type of research.
RESEARCH: Final = {"qualitative": "high", "text-and-opinion": "low"}
DEFAULT_RESEARCH: Final = "qualitative"
ANSWERS: Final = ("yes", "no", "unclear", "not-applicable")
QUESTIONS: Final = tuple(f"q{number}" for number in range(1, 11))
# The checklist questions ConQual reads for dependability.
DEPENDABILITY_QUESTIONS: Final = ("q2", "q3", "q4", "q6", "q7")
COMPONENT_TITLES: Final = {
    "methodological_limitations": "Methodological limitations",
    "coherence": "Coherence",
    "adequacy": "Adequacy",
    "relevance": "Relevance",
}


def lowered(level: str, levels: int) -> str:
    """`level` lowered by `levels`, never below very low."""
    return CONFIDENCE[min(CONFIDENCE.index(level) + levels, len(CONFIDENCE) - 1)]


# -- GRADE-CERQual ----------------------------------------------------------------------


def highest_consistent(serious: int) -> str:
    """The highest confidence the guidance allows with `serious` components of serious
    concern: one level below high for each."""
    return lowered("high", serious)


def inconsistent_with_concerns(confidence: str, serious: int) -> bool:
    """Whether `confidence` (a level) is higher than `serious` serious concerns allow."""
    return CONFIDENCE.index(confidence) < CONFIDENCE.index(highest_consistent(serious))


# -- JBI ConQual ------------------------------------------------------------------------


def dependability_downgrade(yes: int) -> int:
    """Levels one study's `yes` answers to the five dependability questions lower a
    finding: 4-5 none, 2-3 one, 0-1 two."""
    if not 0 <= yes <= len(DEPENDABILITY_QUESTIONS):
        raise ValueError(f"{yes} yes answers to {len(DEPENDABILITY_QUESTIONS)} questions")
    return 0 if yes >= 4 else 1 if yes >= 2 else 2


def majority_downgrade(downgrades: Sequence[int]) -> int:
    """The finding's dependability downgrade from its studies': the largest that more
    than half of them reach (Munn et al. grade the studies together: "the majority of
    studies had no statement locating the researcher"). No studies: none."""
    return max((d for d in (0, 1, 2)
                if 2 * sum(found >= d for found in downgrades) > len(downgrades)), default=0)


# Munn et al. 2014, credibility: the levels present among the aggregated findings.
_CREDIBILITY: Final = {
    frozenset({"unequivocal"}): 0,
    frozenset({"unequivocal", "credible"}): 1,
    frozenset({"credible"}): 2,
    frozenset({"credible", "unsupported"}): 3,
    frozenset({"unsupported"}): 4,
}
# Mixes the paper's table does not name, downgraded as its nearest row that holds
# unsupported findings beside others (a mix of credible and unsupported).
_UNNAMED_MIX: Final = 3


def credibility_levels(credibility: Credibility) -> frozenset[str]:
    return frozenset(name for name in ("unequivocal", "credible", "unsupported")
                     if getattr(credibility, name) > 0)


def credibility_downgrade(credibility: Credibility) -> int | None:
    """Levels the credibility of the aggregated findings lowers a finding; None when
    no finding is counted."""
    levels = credibility_levels(credibility)
    if not levels:
        return None
    return _CREDIBILITY.get(levels, _UNNAMED_MIX)


def credibility_named(credibility: Credibility) -> bool:
    """Whether the mix of levels is a row of Munn et al.'s table."""
    return credibility_levels(credibility) in _CREDIBILITY


def study_yes(study: Study) -> int | None:
    """How many of the dependability questions `study` answers yes; None when it does
    not answer them all."""
    answers = study.appraisal or {}
    if any(question not in answers for question in DEPENDABILITY_QUESTIONS):
        return None
    return sum(answers[question] == "yes" for question in DEPENDABILITY_QUESTIONS)


@dataclass(frozen=True, slots=True)
class ConQual:
    """A finding's ConQual score and the steps to it."""

    research: str
    start: str
    dependability: int  # levels down
    # How many contributing studies lower it by 0, 1 and 2 levels.
    studies_by_downgrade: tuple[int, int, int]
    credibility: int  # levels down
    named: bool  # whether the credibility mix is a row of the paper's table
    score: str
    levels: tuple[str, ...] = ()  # the credibility levels among the aggregated findings

    def explanation(self) -> str:
        counts = ", ".join(f"{n} {label}" for n, label in zip(
            self.studies_by_downgrade, ("with 4-5 yes", "with 2-3 yes", "with 0-1 yes"),
            strict=True) if n)
        found = " and ".join(self.levels)
        mix = f" ({'all ' if len(self.levels) == 1 else ''}{found} findings" + (
            ")" if self.named else "; a mix the paper's table does not name, taken as "
            "credible and unsupported)")
        return (f"{self.research.replace('-', ' ').capitalize()} research: starts "
                f"{self.start}; dependability: {_levels(self.dependability)} (of the "
                f"contributing studies, {counts or 'none'} to questions 2, 3, 4, 6, 7); "
                f"credibility: {_levels(self.credibility)}{mix}")


def _levels(number: int) -> str:
    return "unchanged" if number == 0 else \
        f"downgraded {number} level{'s' if number > 1 else ''}"


def conqual(research: str, studies: Sequence[Study], credibility: Credibility) -> ConQual:
    """The ConQual score of a finding resting on `studies`, whose every study answers the
    dependability questions and whose credibility counts at least one finding (validate
    reports any other as an error)."""
    downgrades = []
    for study in studies:
        yes = study_yes(study)
        if yes is None:
            raise ValueError(f"study '{study.id}' does not answer the dependability questions")
        downgrades.append(dependability_downgrade(yes))
    down = credibility_downgrade(credibility)
    if down is None:
        raise ValueError("no aggregated finding is counted for credibility")
    start = RESEARCH[research]
    dependability = majority_downgrade(downgrades)
    by = (downgrades.count(0), downgrades.count(1), downgrades.count(2))
    levels = credibility_levels(credibility)
    return ConQual(research, start, dependability, by, down,
                   credibility_named(credibility),
                   lowered(start, dependability + down),
                   tuple(name for name in ("unequivocal", "credible", "unsupported")
                         if name in levels))


# -- what the coding says of each finding ---------------------------------------------


def theme_studies(themes: Mapping[str, Theme], finding: Finding) -> frozenset[str]:
    """Every study coded to the finding's themes (of `themes`, by id) or below them."""
    return frozenset[str]().union(*(themes[theme].rolled_up_ids
                                    for theme in finding.themes if theme in themes))


def contributing_ids(themes: Mapping[str, Theme], finding: Finding) -> frozenset[str]:
    """The finding's contributing studies: those it lists that its themes hold (validate
    warns of any other), else every study of its themes."""
    held = theme_studies(themes, finding)
    return held if finding.studies is None else held & set(finding.studies)


def contributing(review: Review, finding: Finding) -> list[Study]:
    """The finding's contributing studies, in reference order."""
    chosen = contributing_ids({theme.id: theme for theme, _ in review.themes_file.walk()},
                              finding)
    return [study for study in review.in_reference_order if study.id in chosen]


@dataclass(frozen=True, slots=True)
class Evidence:
    """The facts behind methodological limitations, adequacy and relevance: how many
    studies, and how they are spread over quality ratings, designs and countries (values
    with no study left out; "Not reported" last; a study of several countries counts
    under "Multiple countries", as in the review's own tables)."""

    n: int
    quality: tuple[tuple[str, int], ...]
    design: tuple[tuple[str, int], ...]
    countries: tuple[tuple[str, int], ...]


def evidence(review: Review, studies: Sequence[Study]) -> Evidence:
    # Imported here: validation reads this module, and needs none of analysis.
    from peersynth import analysis

    def spread(field: str) -> tuple[tuple[str, int], ...]:
        if not studies:
            return ()
        return tuple((group.value, len(group.studies))
                     for group in analysis.group_studies(review, studies, field)
                     if group.studies)

    return Evidence(len(studies), spread("quality"), spread("design"), spread("country"))

