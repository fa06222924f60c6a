"""The PRISMA 2020 flow diagram (Page et al. 2021), boxes and arrows as in its template,
for what the review's flow states: a box with no number is left out, and so is an
arrow to or from it. Numbers come from `peersynth.flow`, by the package's keys."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from peersynth import flow as boxes
from peersynth.figures import style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from peersynth.review import Review

FONT_PT = 7.0
LINE_MM = 3.3  # one line of 7 pt text, with leading
PAD_MM = 2.0
GAP_MM = 5.0  # between boxes, for the arrows
BAR_MM = 6.0  # the phase bars down the left side
CHAR_MM = 1.45  # the mean width of a character at 7 pt


@dataclass(frozen=True, slots=True)
class Box:
    column: int  # 0 previous studies, 1 databases and registers, 2 its exclusions,
    #              3 other methods, 4 its exclusions
    row: int  # 0 identification, 1 screened, 2 sought, 3 assessed, 4 new, 5 total
    lines: tuple[str, ...]


def _n(value: int | None) -> str:
    return f"(n = {value})"


def _entry(flow: Any, key: str, label: str) -> list[str]:
    value = boxes.box(flow, key)
    return [] if value is None else [f"{label} {_n(value)}"]


def _sources(flow: Any, key: str, label: str) -> list[str]:
    name = boxes.written(flow, key)
    if name is None:
        return []
    value = getattr(flow, name)
    return [f"{label} {_n(boxes.count(value))}",
            *(f"  {source} {_n(n)}" for source, n in boxes.parts(value))]


def layout(flow: Any) -> list[Box]:
    """The boxes the flow states, each with its lines of text."""
    found: list[Box] = []

    def add(column: int, row: int, lines: list[str], title: str = "") -> None:
        if lines:
            found.append(Box(column, row, tuple([title, *lines] if title else lines)))

    add(0, 0, _entry(flow, "previous_studies", "Studies included in previous version of "
                     "review") + _entry(flow, "previous_reports", "Reports of studies "
                                        "included in previous version of review"))
    identified = _sources(flow, "database_results", "Databases") + \
        _sources(flow, "register_results", "Registers")
    if identified:
        add(1, 0, identified, "Records identified from:")
    else:
        add(1, 0, _entry(flow, "records_identified", "Records identified"))
    add(2, 0, _entry(flow, "duplicates", "Duplicate records removed")
        + _entry(flow, "excluded_automatic", "Records marked as ineligible by automation "
                 "tools") + _entry(flow, "excluded_other", "Records removed for other "
                                   "reasons"), "Records removed before screening:")
    add(1, 1, _entry(flow, "records_screened", "Records screened"))
    add(2, 1, _entry(flow, "records_excluded", "Records excluded"))
    add(1, 2, _entry(flow, "dbr_sought_reports", "Reports sought for retrieval"))
    add(2, 2, _entry(flow, "dbr_notretrieved_reports", "Reports not retrieved"))
    add(1, 3, _entry(flow, "dbr_assessed", "Reports assessed for eligibility"))
    add(2, 3, _excluded(flow, "dbr_excluded"))
    add(3, 0, _entry(flow, "website_results", "Websites")
        + _entry(flow, "organisation_results", "Organisations")
        + _entry(flow, "citations_results", "Citation searching"), "Records identified from:")
    add(3, 2, _entry(flow, "other_sought_reports", "Reports sought for retrieval"))
    add(4, 2, _entry(flow, "other_notretrieved_reports", "Reports not retrieved"))
    add(3, 3, _entry(flow, "other_assessed", "Reports assessed for eligibility"))
    add(4, 3, _excluded(flow, "other_excluded"))
    add(1, 4, _entry(flow, "new_studies", "New studies included in review")
        + _entry(flow, "new_reports", "Reports of new included studies"))
    total = "Studies included in review" if boxes.written(flow, "total_studies") == \
        "included" else "Total studies included in review"
    add(1, 5, _entry(flow, "total_studies", total)
        + _entry(flow, "total_reports", "Reports of total included studies"))
    return found


def _excluded(flow: Any, key: str) -> list[str]:
    name = boxes.written(flow, key)
    if name is None:
        return []
    value = getattr(flow, name)
    return [f"Reports excluded {_n(boxes.count(value))}",
            *(f"  {reason} {_n(n)}" for reason, n in boxes.parts(value))]


def draw(review: Review, width_mm: float) -> Figure:
    info = review.studies_file.review
    flow = info.flow if info is not None else None
    found = layout(flow) if flow is not None else []
    if not found:
        figure = style.new_figure(width_mm, 20)
        figure.text(0.5, 0.5, "The review states no PRISMA flow counts (review.flow)",
                    ha="center", va="center", fontsize=FONT_PT)
        return figure
    # Room for the exclusion boxes always, so the main column keeps the template's width.
    columns = sorted({item.column for item in found} | {1, 2})
    width = (width_mm - BAR_MM - GAP_MM * len(columns)) / len(columns)
    x = {column: BAR_MM + GAP_MM + place * (width + GAP_MM)
         for place, column in enumerate(columns)}
    chars = max(int(width / CHAR_MM), 16)
    wrapped = {item: [line for text in item.lines
                      for line in _wrap_keeping_indent(text, chars)] for item in found}
    rows = sorted({item.row for item in found})
    # At least two lines high: the phase names down the left must fit beside a row.
    height = {row: max(2, *(len(wrapped[item]) for item in found if item.row == row)) * LINE_MM
              + 2 * PAD_MM for row in rows}
    y: dict[int, float] = {}
    top = GAP_MM
    for row in rows:
        y[row] = top
        top += height[row] + GAP_MM
    figure = style.new_figure(width_mm, top)
    figure.set_layout_engine("none")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width_mm)
    axes.set_ylim(top, 0)
    axes.set_axis_off()
    _phases(axes, rows, y, height)
    place = {}
    for item in found:
        left, upper = x[item.column], y[item.row]
        box_height = len(wrapped[item]) * LINE_MM + 2 * PAD_MM
        if item.column in (0, 1, 3):
            box_height = height[item.row]
        place[(item.column, item.row)] = (left, upper, box_height)
        axes.add_patch(FancyBboxPatch((left, upper), width, box_height,
                                      boxstyle="square,pad=0", facecolor=style.PAPER,
                                      edgecolor=style.INK, linewidth=0.6))
        axes.text(left + PAD_MM, upper + box_height / 2, "\n".join(wrapped[item]),
                  va="center", ha="left", fontsize=FONT_PT, linespacing=1.25)
    _arrows(axes, place, width)
    return figure


def _wrap_keeping_indent(text: str, chars: int) -> list[str]:
    indent = text[:len(text) - len(text.lstrip())]
    return [indent + line for line in style.wrap(text.strip(), chars - len(indent)).split("\n")]


def _phases(axes: Axes, rows: list[int], y: dict[int, float], height: dict[int, float]) -> None:
    """The blue bars down the left: Identification, Screening, Included."""
    for name, members in (("Identification", (0,)), ("Screening", (1, 2, 3)),
                          ("Included", (4, 5))):
        present = [row for row in rows if row in members]
        if not present:
            continue
        upper = y[present[0]]
        lower = y[present[-1]] + height[present[-1]]
        axes.add_patch(Rectangle((1, upper), BAR_MM - 1.5, lower - upper,
                                 facecolor=style.SKY, edgecolor="none"))
        axes.text(1 + (BAR_MM - 1.5) / 2, (upper + lower) / 2, name, rotation=90,
                  ha="center", va="center", fontsize=FONT_PT - 1, fontweight="bold")


def _arrows(axes: Axes, place: dict[tuple[int, int], tuple[float, float, float]],
            width: float) -> None:
    def arrow(start: tuple[float, float], end: tuple[float, float]) -> None:
        axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=7,
                                       linewidth=0.6, color=style.INK, shrinkA=0, shrinkB=0))

    for main, side in ((1, 2), (3, 4)):
        down = sorted(row for column, row in place if column == main)
        for upper, lower in itertools.pairwise(down):
            left, top, tall = place[(main, upper)]
            arrow((left + width / 2, top + tall), (left + width / 2, place[(main, lower)][1]))
        for row in down:
            if (side, row) in place:
                left, top, tall = place[(main, row)]
                arrow((left + width, top + tall / 2),
                      (place[(side, row)][0], top + tall / 2))
    # Other methods and previous studies lead to the included box.
    target = next((place[(1, row)] for row in (4, 5) if (1, row) in place), None)
    if target is None:
        return
    left, top, tall = target
    others = sorted(row for column, row in place if column == 3)
    if others and others[-1] < 4:
        o_left, o_top, o_tall = place[(3, others[-1])]
        arrow((o_left + width / 2, o_top + o_tall), (left + width, top + tall / 2))
    if (0, 0) in place:
        total = place.get((1, 5), target)
        p_left, p_top, p_tall = place[(0, 0)]
        arrow((p_left + width / 2, p_top + p_tall), (total[0], total[1] + total[2] / 2))
