"""The included studies by quality appraisal, in the vocabulary's order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peersynth import analysis
from peersynth.figures import style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from peersynth.review import Review


def draw(review: Review, width_mm: float) -> Figure:
    groups = analysis.group_studies(review, review.studies, "quality")
    return style.bar_chart([(group.value, len(group.studies)) for group in groups],
                           len(review.studies), width_mm, colour=style.GREEN,
                           xlabel=f"Studies (N = {len(review.studies)})")
