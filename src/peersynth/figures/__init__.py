"""Figures of a review, drawn with matplotlib: the PRISMA 2020 flow diagram, the
study-by-theme heat map, theme frequencies, quality and countries. One module per
figure; `style` holds what they share. `render(kind, review, ...)` is the way in."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peersynth.review import Review


class Kind(str, Enum):
    flow = "flow"
    matrix = "matrix"
    tally = "tally"
    quality = "quality"
    countries = "countries"


class Labels(str, Enum):
    ref = "ref"
    author_year = "author-year"


def render(kind: Kind, review: Review, fmt: str, *, width_mm: float | None = None,
           rollup: bool = True, labels: Labels = Labels.ref) -> bytes:
    """Figure `kind` of the review as SVG, PDF or PNG bytes."""
    from peersynth.figures import countries, flow, matrix, quality, style, tally

    width = width_mm if width_mm is not None else style.PAGE_MM
    with style.drawing():
        if kind is Kind.flow:
            figure = flow.draw(review, width)
            title = "PRISMA 2020 flow diagram"
        elif kind is Kind.matrix:
            figure = matrix.draw(review, width, rollup=rollup,
                                  author_year=labels is Labels.author_year)
            title = "Studies by theme"
        elif kind is Kind.tally:
            figure = tally.draw(review, width, rollup=rollup)
            title = "Studies per theme"
        elif kind is Kind.quality:
            figure = quality.draw(review, width)
            title = "Quality of the included studies"
        else:
            figure = countries.draw(review, width)
            title = "Countries of the included studies"
        return style.to_bytes(figure, fmt, title=title)
