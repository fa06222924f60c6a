"""`peersynth report`: the review as one self-contained HTML page.

The page holds the PRISMA 2020 flow diagram, Table 1, the tally with its citations, the
study-by-theme heat map, quality, and validation's warnings. Figures are the SVG that
`peersynth.figures` draws, inlined; tables come from `peersynth.tables` and
`peersynth.analysis`. Nothing is fetched: no scripts, fonts or images from anywhere, and
a Content-Security-Policy that would stop the browser if anything tried.

Jinja2 (autoescaping on) fills the template in this package; it and matplotlib are
imported by this module only, which only the `report` command imports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Final

from peersynth import analysis
from peersynth import flow as boxes
from peersynth.diagnostics import Diagnostic, Severity
from peersynth.escape import visible
from peersynth.render import Grid, show_percent

if TYPE_CHECKING:
    from peersynth.review import Review

# What the page allows itself: its own inline styles and data: images (matplotlib
# embeds the heat map's cells as a PNG); nothing else, from anywhere.
CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
TEMPLATE: Final = "report.html.j2"
# The bar chart of themes is drawn up to this many themes: past it, the table above it
# says the same more readably (and drawing a hundred bars' labels is a second's work).
TALLY_CHART_MAX: Final = 40
# The heat maps whose every cell, filled or not, names its study and theme.
ALL_CELLS: Final = 5_000

# The XML prolog and DOCTYPE go (they are not allowed inside HTML), and so does the
# RDF metadata, whose only content is the title the page gives itself.
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^")]+)')
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


@dataclass(frozen=True, slots=True)
class Table:
    """A Grid as the template draws it: a header row, and rows whose first cell heads
    the row (th scope=row)."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str
    depths: tuple[int, ...]
    headings: frozenset[int]


def table(caption: str, grid: Grid) -> Table:
    depths = tuple(grid.depths) if grid.depths else (0,) * len(grid.rows)
    return Table(caption, tuple(grid.headers), tuple(tuple(row) for row in grid.rows),
                 grid.align, depths, grid.headings)


def inline_svg(svg: bytes, prefix: str, title: str) -> str:
    """A figure's SVG made fit to sit in an HTML page beside others: no prolog, its ids
    made unique to it (matplotlib numbers `figure_1`, `axes_1`, ... in each figure),
    a <title> screen readers and tooltips read, and a size set by the page's CSS."""
    text = _METADATA.sub("", _PROLOG.sub("", svg.decode("utf-8"), count=1), count=1)
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    opening = _SVG_OPEN.search(text)
    if opening is None:
        raise ValueError("not an SVG document")
    head = _SIZE.sub("", opening.group(0))[:-1]
    head += f' role="img" aria-labelledby="{prefix}-title" class="figure">'
    return (text[:opening.start()] + head + f'<title id="{prefix}-title">{_escape(title)}'
            "</title>" + text[opening.end():])


def _shown(value: object) -> object:
    """Each value the template prints, with control and bidi characters as visible
    escapes, as every output shows them (markup built here is escaped already)."""
    from markupsafe import Markup

    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) \
        else value


def _escape(text: str) -> str:
    text = visible(text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def matrix_svg(review: Review, width_mm: float) -> str:
    """The heat map of `peersynth figure matrix`, with a transparent cell laid over each
    of its cells, whose <title> (a tooltip; read by screen readers) names the study,
    the theme, and whether the study is coded to it."""
    from peersynth.figures import matrix, style

    result = analysis.matrix(review, rollup=True)
    with style.drawing():
        figure = matrix.draw(review, width_mm)
        svg = style.to_bytes(figure, "svg", title="Studies by theme")
    page = inline_svg(svg, "matrix", f"Heat map of the {len(result.rows)} included studies "
                      f"(across) by the {len(result.themes)} themes (down); a filled cell "
                      "is a study coded to the theme or a subtheme of it")
    if not result.rows or not result.themes:
        return page
    # The layout is settled by the save: the axes' place in figure fractions, and the
    # image fills the axes exactly (imshow's extent, aspect "auto").
    width_pt, height_pt = (size * 72 for size in figure.get_size_inches())
    box = figure.axes[0].get_position()
    cell_w = (box.x1 - box.x0) * width_pt / len(result.rows)
    cell_h = (box.y1 - box.y0) * height_pt / len(result.themes)
    left, top = box.x0 * width_pt, (1 - box.y1) * height_pt
    # Past ALL_CELLS cells, only the filled ones get a tooltip: a 1,000-study review
    # has 100,000 cells, which would make the page some 13 MB.
    every = len(result.rows) * len(result.themes) <= ALL_CELLS
    cells = []
    for x, row in enumerate(result.rows):
        study = f"[{row.ref}] {row.label}" if row.ref is not None else row.label
        for y, head in enumerate(result.themes):
            if not (every or row.cells[y]):
                continue
            state = "coded" if row.cells[y] else "not coded"
            cells.append(f'<rect x="{_number(left + x * cell_w)}" '
                         f'y="{_number(top + y * cell_h)}" width="{_number(cell_w)}" '
                         f'height="{_number(cell_h)}"><title>{_escape(study)} \u00d7 '
                         f"{_escape(head.label)}: {state}</title></rect>")
    overlay = '<g class="cells">' + "".join(cells) + "</g>"
    end = page.rindex("</svg>")
    return page[:end] + overlay + page[end:]


def figure_svg(review: Review, kind: str, title: str, width_mm: float) -> str:
    from peersynth.figures import Kind, render

    return inline_svg(render(Kind(kind), review, "svg", width_mm=width_mm), kind, title)


@dataclass(frozen=True, slots=True)
class FlowLine:
    label: str
    count: int | None
    parts: tuple[tuple[str, int], ...]


def flow_lines(review: Review) -> list[FlowLine]:
    """The boxes the review's flow states, in the diagram's order: the diagram's text."""
    info = review.studies_file.review
    counts = info.flow if info is not None else None
    if counts is None:
        return []
    return [FlowLine(boxes.LABELS[name], boxes.count(value), tuple(boxes.parts(value)))
            for name, value in vars(counts).items() if value is not None]


def citation_table(review: Review) -> Table:
    """Each theme in tree order: its studies as n/N and percent, and its citation."""
    result = analysis.citations(review)
    return table("Themes: how many studies support each, and which", Grid(
        ["Theme", "n/N", "%", "Citation"],
        [[row.label, f"{row.n}/{row.N}", show_percent(analysis.percent(row.n, row.N)),
          row.citation.display()] for row in result.rows],
        "lrrl", [row.depth for row in result.rows]))


def quality_table(review: Review) -> Table:
    groups = analysis.group_studies(review, review.studies, "quality")
    total = len(review.studies)
    return table("Quality appraisal of the included studies", Grid(
        ["Quality", "n", f"% of {total}"],
        [[group.value, str(len(group.studies)),
          show_percent(analysis.percent(len(group.studies), total))] for group in groups],
        "lrr"))


def build(review: Review, diagnostics: Sequence[Diagnostic] = (), *,
          width_mm: float | None = None) -> str:
    """The report of a validated review, with the warnings validation gave it."""
    import jinja2
    from markupsafe import Markup

    from peersynth.figures import style
    from peersynth.tables.characteristics import study_table
    from peersynth.tables.render import study_table_grid

    width = width_mm if width_mm is not None else style.PAGE_MM
    info = review.studies_file.review
    lines = flow_lines(review)
    themes = sum(1 for _ in review.themes_file.walk())
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("peersynth.report_html", "."),
        # Every value the review gives (labels, titles, authors) is escaped.
        autoescape=True, undefined=jinja2.StrictUndefined, finalize=_shown,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    page = environment.get_template(TEMPLATE)
    return page.render(
        csp=CSP,
        title=(info.title if info is not None and info.title else "Systematic review"),
        doi=info.doi if info is not None else None,
        n=len(review.studies),
        themes=themes,
        flow_lines=lines,
        flow_svg=Markup(figure_svg(
            review, "flow", "PRISMA 2020 flow diagram: " + "; ".join(
                f"{line.label} (n = {line.count})" for line in lines), width))
        if lines else None,
        characteristics=table("Table 1. Characteristics of the included studies",
                              study_table_grid(study_table(review))),
        citations=citation_table(review),
        tally_svg=Markup(figure_svg(
            review, "tally", "Bar chart of the number of studies per theme", width))
        if themes <= TALLY_CHART_MAX else None,
        matrix_svg=Markup(matrix_svg(review, width)),
        quality=quality_table(review),
        quality_svg=Markup(figure_svg(
            review, "quality", "Bar chart of the studies by quality appraisal", width)),
        warnings=[d.text() for d in diagnostics if d.severity is Severity.WARNING],
    )


def template_text() -> str:
    """The template's source (for tests that check it fetches nothing)."""
    return resources.files(__package__).joinpath(TEMPLATE).read_text(encoding="utf-8")
