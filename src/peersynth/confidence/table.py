"""The Summary of Qualitative Findings (SoQF) table and the evidence profile, with what
peersynth fills in from the coding beside the assessor's judgement: each finding's
contributing studies and their citation, their number, and the spread of their quality
ratings, designs and countries. Drawn by `peersynth.render`'s grid renderers (so every
cell is escaped the one way the other commands' are) and `peersynth.render_docx`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peersynth import analysis
from peersynth.choices import Style, TableFormat
from peersynth.confidence import rules
from peersynth.confidence.records import COMPONENT_NAMES, CONQUAL, Credibility, Finding
from peersynth.confidence.rules import ConQual, Evidence
from peersynth.render import LONG_TABLE_ROWS, Grid, Note, grid_as, to_csv, to_json
from peersynth.review import Review

NOT_ASSESSED_SHOWN = "Not assessed"


@dataclass(frozen=True, slots=True)
class Row:
    """One finding as the SoQF table and the evidence profile show it."""

    finding: Finding
    studies: tuple[str, ...]  # contributing study ids, in reference order
    citation: str
    confidence: str  # as the file says it (CERQual) or as worked out (ConQual)
    explanation: str
    evidence: Evidence
    conqual: ConQual | None  # a ConQual finding's score and its steps, once assessed


def _confidence_shown(value: str) -> str:
    return NOT_ASSESSED_SHOWN if value == rules.NOT_ASSESSED else \
        value.replace("-", " ").capitalize()


def rows(review: Review, style: Style = Style.numeric) -> list[Row]:
    """Every finding of the review, in file order (none without findings.yaml)."""
    found = review.findings_file.findings if review.findings_file is not None else []
    out = []
    for finding in found:
        studies = rules.contributing(review, finding)
        item = finding.assessment
        score: ConQual | None = None
        explanation = (item.explanation if item is not None else None) or ""
        confidence = (item.confidence if item is not None else None) or rules.NOT_ASSESSED
        # A ConQual finding gives no confidence: it is assessed unless it says it is not.
        if finding.method == CONQUAL and item is not None \
                and item.confidence != rules.NOT_ASSESSED:
            score = rules.conqual(item.research or rules.DEFAULT_RESEARCH, studies,
                                  item.credibility or Credibility())
            confidence = score.score
            explanation = score.explanation() + (f". {explanation}" if explanation else "")
        out.append(Row(finding, tuple(study.id for study in studies),
                       analysis.cite_studies(review, studies, style).display(),
                       confidence, explanation, rules.evidence(review, studies), score))
    return out


# -- the SoQF table -------------------------------------------------------------------

SOQF_HEADERS = ["Summarised review finding", "Confidence", "Explanation",
                "Contributing studies"]


def soqf_grid(found: list[Row]) -> Grid:
    return Grid(list(SOQF_HEADERS), [
        [row.finding.finding, _confidence_shown(row.confidence), row.explanation,
         row.citation] for row in found], "llll")


# -- the evidence profile -------------------------------------------------------------

PROFILE_HEADERS = ["Finding / component", "Judgement", "Explanation", "From the coding"]


def _spread(pairs: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{value} {n}" for value, n in pairs) or "\u2013"


def _facts(evidence: Evidence) -> dict[str, str]:
    """What the coding says, beside the component it bears on."""
    return {
        "methodological_limitations": f"quality: {_spread(evidence.quality)}",
        "coherence": "",
        "adequacy": f"{evidence.n} stud{'y' if evidence.n == 1 else 'ies'}",
        "relevance": f"design: {_spread(evidence.design)}; "
                     f"countries: {_spread(evidence.countries)}",
    }


def _profile_rows(row: Row) -> list[list[str]]:
    item = row.finding.assessment
    facts = _facts(row.evidence)
    if row.finding.method != CONQUAL:
        lines = []
        for name in COMPONENT_NAMES:
            component = getattr(item, name) if item is not None else None
            lines.append([rules.COMPONENT_TITLES[name],
                          component.concern if component is not None else "\u2013",
                          (component.explanation or "") if component is not None else "",
                          facts[name]])
        return [*lines, ["Overall confidence", _confidence_shown(row.confidence),
                         row.explanation, row.citation]]
    score = row.conqual
    if score is None:
        return [["ConQual score", NOT_ASSESSED_SHOWN, row.explanation, row.citation]]
    credibility = item.credibility if item is not None and item.credibility else Credibility()
    by = score.studies_by_downgrade
    return [
        ["Type of research", score.research, f"starts {score.start}",
         f"{_spread(row.evidence.design)}"],
        ["Dependability", _down(score.dependability), "questions 2, 3, 4, 6, 7 of the JBI "
         "checklist, by the majority of the studies",
         f"4-5 yes: {by[0]}, 2-3 yes: {by[1]}, 0-1 yes: {by[2]}"],
        ["Credibility", _down(score.credibility),
         "" if score.named else "a mix Munn et al.'s table does not name",
         f"unequivocal {credibility.unequivocal}, credible {credibility.credible}, "
         f"unsupported {credibility.unsupported}"],
        ["ConQual score", _confidence_shown(score.score), row.explanation, row.citation],
    ]


def _down(levels: int) -> str:
    return "unchanged" if levels == 0 else f"down {levels}"


def profile_grid(found: list[Row]) -> Grid:
    """Each finding heads its rows: the four components (or ConQual's steps) with the
    assessor's explanation and the coding's facts beside them, then the confidence."""
    cells: list[list[str]] = []
    depths: list[int] = []
    headings: set[int] = set()
    for row in found:
        headings.add(len(cells))
        cells.append([row.finding.finding, "", "", ""])
        depths.append(0)
        for line in _profile_rows(row):
            cells.append(line)
            depths.append(1)
    return Grid(list(PROFILE_HEADERS), cells, "llll", depths, headings=frozenset(headings))


# -- JSON and CSV ---------------------------------------------------------------------


def _components_json(row: Row) -> dict[str, Any]:
    item = row.finding.assessment
    if row.finding.method != CONQUAL:
        return {name: None if (c := getattr(item, name, None)) is None
                else {"concern": c.concern, "explanation": c.explanation}
                for name in COMPONENT_NAMES}
    score = row.conqual
    if score is None or item is None:
        return {}
    credibility = item.credibility or Credibility()
    by = score.studies_by_downgrade
    return {
        "research": score.research, "start": score.start,
        "dependability": {"downgrade": score.dependability,
                          "studies": {"4-5": by[0], "2-3": by[1], "0-1": by[2]}},
        "credibility": {"downgrade": score.credibility,
                        "unequivocal": credibility.unequivocal,
                        "credible": credibility.credible,
                        "unsupported": credibility.unsupported},
    }


def findings_json(found: list[Row]) -> str:
    """{"version": 1, "findings": [{"id", "finding", "themes", "studies", "citation",
    "method", "confidence", "explanation", "components", "evidence": {"n", "quality",
    "design", "countries"}}]}"""
    return to_json({"findings": [{
        "id": row.finding.id, "finding": row.finding.finding,
        "themes": list(row.finding.themes), "studies": list(row.studies),
        "citation": row.citation, "method": row.finding.method,
        "confidence": row.confidence, "explanation": row.explanation,
        "components": _components_json(row),
        "evidence": {"n": row.evidence.n, "quality": dict(row.evidence.quality),
                     "design": dict(row.evidence.design),
                     "countries": dict(row.evidence.countries)},
    } for row in found]})


def render(found: list[Row], fmt: TableFormat, *, profile: bool = False,
           is_terminal: bool = False, width: int | None = None,
           note: Note | None = None) -> str:
    """csv: the SoQF table a row a finding (with its id, method and study ids), or with
    `profile` a row a component of each finding."""
    if fmt is TableFormat.json:
        return findings_json(found)
    if fmt is TableFormat.csv:
        if profile:
            return to_csv(["finding_id", "component", "judgement", "explanation",
                           "from_coding"],
                          [[row.finding.id, *line] for row in found
                           for line in _profile_rows(row)])
        return to_csv(["id", "finding", "method", "confidence", "explanation", "citation",
                       "studies"],
                      [[row.finding.id, row.finding.finding, row.finding.method,
                        row.confidence, row.explanation, row.citation, "; ".join(row.studies)]
                       for row in found])
    grid = profile_grid(found) if profile else soqf_grid(found)
    return grid_as(grid, fmt, is_terminal, width, note, long=len(grid.rows) > LONG_TABLE_ROWS)
