"""The included studies by country; a study in several countries is counted once, under
"Multiple countries", whose label names them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peersynth import analysis
from peersynth.figures import style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from peersynth.review import Review

LABEL_WIDTH = 40


def draw(review: Review, width_mm: float) -> Figure:
    groups = analysis.group_studies(review, review.studies, "country")
    rows = [(style.wrap(f"{group.value} ({', '.join(group.detail)})" if group.detail
                        else group.value, LABEL_WIDTH), len(group.studies))
            for group in groups]
    return style.bar_chart(rows, len(review.studies), width_mm, colour=style.ORANGE,
                           label_width=LABEL_WIDTH,
                           xlabel=f"Studies (N = {len(review.studies)})")
