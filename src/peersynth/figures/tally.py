"""Theme frequencies: a bar per theme in tree order, subthemes indented under their parent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peersynth import analysis
from peersynth.figures import style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from peersynth.review import Review

LABEL_WIDTH = 38


def draw(review: Review, width_mm: float, *, rollup: bool = True) -> Figure:
    result = analysis.tally(review, rollup=rollup)
    rows = [(style.theme_label(row.label, row.depth, LABEL_WIDTH), row.total.n)
            for row in result.rows]
    colours = [style.BLUE if row.depth == 0 else style.SKY for row in result.rows]
    figure = style.bar_chart(rows, result.N, width_mm, label_width=LABEL_WIDTH,
                             xlabel=f"Studies (N = {result.N})")
    for bar, colour in zip(figure.axes[0].patches, colours, strict=True):
        bar.set_facecolor(colour)
    return figure
