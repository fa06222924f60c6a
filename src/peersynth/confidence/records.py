"""findings.yaml as the reports read it: plain frozen records, as `peersynth.review` holds
the other two files, so a run answered from the cache imports no pydantic.

The records mirror the schema of `peersynth.confidence.models` field by field (a test
holds them side by side). Judgements are kept as written (checked against their scale
by `peersynth.confidence.checks`); text is cleaned as the review's is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peersynth.matching import clean

CERQUAL = "cerqual"
CONQUAL = "conqual"


@dataclass(frozen=True)
class Component:
    """One GRADE-CERQual component: the level of concern and why."""

    concern: str
    explanation: str | None = None


@dataclass(frozen=True)
class Credibility:
    """JBI ConQual: how many of the findings aggregated into this one are of each level."""

    unequivocal: int = 0
    credible: int = 0
    unsupported: int = 0


@dataclass(frozen=True)
class Assessment:
    """The assessor's judgement. CERQual: the four components and the overall confidence
    (`not-assessed` for a placeholder), each with its explanation. ConQual: the type of
    research and the credibility of the findings; the score is worked out, never given."""

    methodological_limitations: Component | None = None
    coherence: Component | None = None
    adequacy: Component | None = None
    relevance: Component | None = None
    confidence: str | None = None
    explanation: str | None = None
    research: str | None = None
    credibility: Credibility | None = None


@dataclass(frozen=True)
class Finding:
    """One review finding: its text, the themes it rests on, the studies (when it names
    its own, a subset of the themes' studies) and its assessment."""

    id: str
    finding: str
    themes: list[str]
    studies: list[str] | None = None
    method: str = CERQUAL
    assessment: Assessment | None = None
    note: str | None = None


@dataclass(frozen=True)
class FindingsFile:
    """findings.yaml."""

    findings: list[Finding] = field(default_factory=list)


# From a validated model or from the JSON form `findings_to_json` writes, and back.


def _fields(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else dict(vars(value))


def _text(value: str | None) -> str | None:
    return None if value is None else clean(value)


def _component(value: Any) -> Component | None:
    if value is None:
        return None
    found = _fields(value)
    return Component(clean(found["concern"]), _text(found["explanation"]))


def _assessment(value: Any) -> Assessment | None:
    if value is None:
        return None
    found = _fields(value)
    credibility = found["credibility"]
    return Assessment(
        _component(found["methodological_limitations"]), _component(found["coherence"]),
        _component(found["adequacy"]), _component(found["relevance"]),
        _text(found["confidence"]), _text(found["explanation"]), _text(found["research"]),
        None if credibility is None else Credibility(**_fields(credibility)))


def findings_from(value: Any) -> FindingsFile:
    """Records from a validated `models.FindingsFile` or from its JSON form."""
    return FindingsFile([
        Finding(found["id"], clean(found["finding"]), list(found["themes"]),
                None if found["studies"] is None else list(found["studies"]),
                clean(found["method"]), _assessment(found["assessment"]), found["note"])
        for found in map(_fields, _fields(value)["findings"])])


def _component_json(component: Component | None) -> dict[str, Any] | None:
    return None if component is None else {"concern": component.concern,
                                           "explanation": component.explanation}


def findings_to_json(findings: FindingsFile) -> dict[str, Any]:
    """The JSON form `findings_from` reads back (the cache's)."""
    def assessment(item: Assessment | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {**{name: _component_json(getattr(item, name)) for name in COMPONENT_NAMES},
                "confidence": item.confidence, "explanation": item.explanation,
                "research": item.research,
                "credibility": None if item.credibility is None else vars(item.credibility)}

    return {"findings": [
        {"id": f.id, "finding": f.finding, "themes": f.themes, "studies": f.studies,
         "method": f.method, "assessment": assessment(f.assessment), "note": f.note}
        for f in findings.findings]}


# The CERQual components, in the order the guidance and the evidence profile give them.
COMPONENT_NAMES: tuple[str, ...] = ("methodological_limitations", "coherence", "adequacy",
                                    "relevance")
