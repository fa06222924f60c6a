"""The study-by-theme matrix as a heat map: themes down (tree order, subthemes indented),
studies across (reference order), a filled cell where the study is coded to the theme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.colors import ListedColormap

from peersynth import analysis
from peersynth.figures import style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from peersynth.review import Review

LABEL_WIDTH = 34
# Past this many studies their labels would overlap: the axis shows counts instead.
MAX_STUDY_LABELS = 80


def study_labels(result: analysis.Matrix, *, author_year: bool) -> list[str]:
    """Each study's label: its reference number in brackets, or its author-year label
    (the study id when neither is known)."""
    if author_year:
        return [row.label for row in result.rows]
    return [f"[{row.ref}]" if row.ref is not None else row.id for row in result.rows]


def draw(review: Review, width_mm: float, *, rollup: bool = True,
         author_year: bool = False) -> Figure:
    result = analysis.matrix(review, rollup=rollup)
    themes = [style.theme_label(head.label, head.depth, LABEL_WIDTH) + f" ({head.n})"
              for head in result.themes]
    lines = sum(label.count("\n") + 1 for label in themes)
    labelled = len(result.rows) <= MAX_STUDY_LABELS
    longest = max((len(s) for s in study_labels(result, author_year=author_year)), default=0)
    height = 14.0 + 4.0 * max(lines, len(themes)) + (2.0 * min(longest, 30) if labelled else 8)
    figure = style.new_figure(width_mm, height)
    axes = figure.add_subplot()
    cells = [[1 if row.cells[column] else 0 for row in result.rows]
             for column in range(len(result.themes))]
    axes.imshow(cells or [[0]], cmap=ListedColormap([style.EMPTY, style.BLUE]), vmin=0,
                vmax=1, aspect="auto", interpolation="nearest")
    axes.set_yticks(range(len(themes)), themes)
    if labelled:
        axes.set_xticks(range(len(result.rows)),
                        study_labels(result, author_year=author_year), rotation=90)
        # Thin white lines between cells, so single studies can be told apart.
        axes.set_xticks([x - 0.5 for x in range(1, len(result.rows))], minor=True)
        axes.set_yticks([y - 0.5 for y in range(1, len(themes))], minor=True)
        axes.grid(which="minor", color=style.PAPER, linewidth=0.8)
        axes.tick_params(which="minor", length=0)
    else:
        axes.set_xlabel(f"Studies 1\u2013{len(result.rows)} in reference order")
    axes.tick_params(axis="both", length=0, labelsize=7)
    axes.xaxis.tick_top()
    axes.xaxis.set_label_position("top")
    for side in axes.spines.values():
        side.set_visible(False)
    return figure
