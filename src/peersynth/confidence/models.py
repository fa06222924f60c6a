"""What findings.yaml may hold: the schema the validator checks (see `peersynth.models`).

Judgements (levels of concern, confidence, method, type of research) are text here and
checked against their fixed scale by `peersynth.confidence.checks`, which can name the
closest value; the schema only says where each may go.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from peersynth.models import Count, Slug, Text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Component(_Model):
    concern: Text
    # Optional in the schema so that its absence is reported as a missing explanation.
    explanation: Text | None = None


class Credibility(_Model):
    unequivocal: Count = 0
    credible: Count = 0
    unsupported: Count = 0


class Assessment(_Model):
    methodological_limitations: Component | None = None
    coherence: Component | None = None
    adequacy: Component | None = None
    relevance: Component | None = None
    confidence: Text | None = None
    explanation: Text | None = None
    research: Text | None = None
    credibility: Credibility | None = None


class Finding(_Model):
    id: Slug
    finding: Text
    themes: list[Slug] = Field(min_length=1)
    studies: list[Slug] | None = Field(default=None, min_length=1)
    method: Text = "cerqual"
    assessment: Assessment | None = None
    note: str | None = None


class FindingsFile(_Model):
    findings: list[Finding]


def model_at(names: list[str]) -> type[BaseModel] | None:
    """The model of the mapping at these keys of findings.yaml (list indexes left out),
    for "did you mean" on an unknown field."""
    shapes: dict[tuple[str, ...], type[BaseModel]] = {
        (): FindingsFile, ("findings",): Finding, ("findings", "assessment"): Assessment,
        ("findings", "assessment", "credibility"): Credibility}
    found = shapes.get(tuple(names))
    if found is None and len(names) == 3 and names[:2] == ["findings", "assessment"]:
        return Component
    return found
