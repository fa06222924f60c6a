"""The evidence table: every theme in tree order, each with the studies coded to it
directly and the evidence and note of each coding, as the supplementary table of a
review prints them. A study coded to a subtheme is listed under the subtheme, where its
evidence was recorded, not again under the parent.
"""

from __future__ import annotations

from dataclasses import dataclass

from peersynth import analysis
from peersynth.review import Review, Theme


@dataclass(frozen=True, slots=True)
class CodingRow:
    study: str  # its id
    ref: int | None
    label: str  # its author-year label, or its id
    evidence: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class EvidenceTheme:
    id: str
    label: str
    depth: int
    codings: tuple[CodingRow, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    themes: tuple[EvidenceTheme, ...]
    N: int  # studies in the review


def evidence(review: Review, theme: Theme | None = None) -> Evidence:
    """Every theme (or `theme` and the themes below it, depths counted from it), each
    coding under it in reference order: those without a ref after them, in file order.
    An evidence or note of only spaces is None, as one left out."""
    walked = list(theme.walk()) if theme is not None else list(review.themes_file.walk())
    labels = analysis.study_labels(review)
    rank = {study.id: place for place, study in enumerate(review.in_reference_order)}
    by_id = review.study_by_id
    themes = []
    for item, depth in walked:
        codings = sorted(item.codings, key=lambda c: rank[c.study])
        themes.append(EvidenceTheme(item.id, item.label, depth, tuple(
            CodingRow(c.study, by_id[c.study].ref, labels[c.study],
                      _given(c.evidence), _given(c.note))
            for c in codings)))
    return Evidence(tuple(themes), len(review.studies))


def _given(text: str | None) -> str | None:
    return text if text is not None and text.strip() else None
