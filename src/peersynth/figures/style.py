"""What every figure shares: palette, fonts, sizes, label wrapping, and saving to bytes
that are the same for the same input.

matplotlib is imported here and by the figure modules only, so no other command pays
for its import. Figures are built on `matplotlib.figure.Figure`, never pyplot: no
global state, no GUI backend.
"""

from __future__ import annotations

import io
import re
import textwrap
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from peersynth import analysis
from peersynth.escape import say, visible

if TYPE_CHECKING:
    from pathlib import Path

# Okabe and Ito's palette, told apart with every common colour-vision deficiency.
BLUE: Final = "#0072B2"
ORANGE: Final = "#E69F00"
GREEN: Final = "#009E73"
SKY: Final = "#56B4E9"
VERMILION: Final = "#D55E00"
PURPLE: Final = "#CC79A7"
YELLOW: Final = "#F0E442"
PALETTE: Final = (BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW)
INK: Final = "#1a1a1a"
PAPER: Final = "#ffffff"
EMPTY: Final = "#eeeeee"

MM_PER_INCH: Final = 25.4
# A journal page (two columns) is about 170-180 mm wide, one column about 85 mm.
PAGE_MM: Final = 174.0
COLUMN_MM: Final = 85.0
PNG_DPI: Final = 300
FORMATS: Final = ("svg", "pdf", "png")

_RC: Final[dict[Any, Any]] = {
    # DejaVu Sans ships with matplotlib and carries the accents of the review's names.
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "text.color": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    # SVG text stays text (a report can be searched, a screen reader reads it); its ids
    # come from a fixed salt rather than a random one.
    "svg.fonttype": "none",
    "svg.hashsalt": "peersynth",
    # PDF fonts embedded as TrueType: every accent, and text that can be selected.
    "pdf.fonttype": 42,
    "pdf.compression": 6,
}


@contextmanager
def drawing() -> Iterator[None]:
    """matplotlib's settings for one figure, put back afterwards."""
    with matplotlib.rc_context(_RC):
        yield


def new_figure(width_mm: float, height_mm: float) -> Figure:
    return Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH),
                  facecolor=PAPER, layout="constrained")


def wrap(text: str, width: int) -> str:
    """A label broken between words into lines of at most `width` characters (a longer
    word keeps its line)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False,
                                   break_on_hyphens=False)) or text


def theme_label(label: str, depth: int, width: int) -> str:
    """A theme's label for an axis: wrapped, a subtheme indented under its parent."""
    indent = "    " * depth
    lines = wrap(label, max(width - len(indent), 12)).split("\n")
    return "\n".join(indent + ("\u2013 " if depth and n == 0 else "  " if depth else "") + line
                     for n, line in enumerate(lines))


def format_of(path: Path | None) -> str:
    """The figure format a file name asks for by its suffix; SVG when there is no file."""
    if path is None:
        return "svg"
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else ""


def _lines_visible(text: str) -> str:
    """`visible` line by line: a figure's line breaks are those `wrap` made, and a line
    break drawn cannot start a line of a terminal or a log."""
    return "\n".join(visible(line) for line in text.split("\n"))


def _shown_by(label_of: Any) -> Any:
    def shown(x: float, pos: int | None = None) -> str:
        return _lines_visible(str(label_of(x, pos)))
    return shown


def _show_escapes(figure: Figure) -> None:
    """Every text of `figure` with control and bidi characters as visible escapes, as
    every output shows them: SVG (XML) cannot hold most of them, and no font draws them.
    Tick labels are drawn from their axis's formatter, so its labels are changed too."""
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    for text in figure.findobj(Text):
        shown = _lines_visible(text.get_text())
        if shown != text.get_text():
            text.set_text(shown)
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for formatter in (axis.get_major_formatter(), axis.get_minor_formatter()):
                # Labels given to set_ticks: a list in a FixedFormatter before
                # matplotlib 3.10, a FuncFormatter over it since.
                if isinstance(formatter, FixedFormatter):
                    formatter.seq = [_lines_visible(str(label)) for label in formatter.seq]
                elif isinstance(formatter, FuncFormatter):
                    formatter.func = _shown_by(formatter.func)


def to_bytes(figure: Figure, fmt: str, *, dpi: int = PNG_DPI, title: str = "") -> bytes:
    """The figure in `fmt`, the same bytes for the same figure: no dates in the metadata,
    and SVG ids from a fixed salt (see `_RC`)."""
    metadata: dict[str, str | None]
    if fmt == "svg":
        metadata = {"Date": None, "Creator": "peersynth", "Title": visible(title) or None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None, "ModDate": None, "Creator": "peersynth",
                    "Producer": "peersynth", "Title": title or None}
    else:
        metadata = {"Software": "peersynth", "Title": title or None}
    metadata = {key: value for key, value in metadata.items()
                if value is not None or key in ("Date", "CreationDate", "ModDate")}
    _show_escapes(figure)
    out = io.BytesIO()
    with drawing(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(out, format=fmt, dpi=dpi if fmt == "png" else "figure",
                       metadata=metadata, facecolor=PAPER)
    _warn_once([str(warning.message) for warning in caught])
    return out.getvalue()


_MISSING_GLYPH: Final = re.compile(r"Glyph (\d+) .*missing from font\(s\) (.+?)\.?$")


def _warn_once(messages: list[str]) -> None:
    """matplotlib's warnings as one line each on stderr, not with its source line; the
    characters the font cannot draw (once per glyph and text drawn) together in one."""
    missing: dict[str, str] = {}
    others: list[str] = []
    for message in messages:
        glyph = _MISSING_GLYPH.match(message)
        if glyph is not None:
            missing.setdefault(chr(int(glyph.group(1))), glyph.group(2))
        elif message not in others:
            others.append(message)
    if missing:
        fonts = ", ".join(sorted(set(missing.values())))
        listed = ", ".join(f"'{char}' (U+{ord(char):04X})" for char in missing)
        others.insert(0, f"the figure's font ({fonts}) cannot draw {listed}: each is drawn "
                      "as an empty box")
    for message in others:
        say(f"peersynth: warning: {message}")


def bar_chart(rows: list[tuple[str, int]], total: int, width_mm: float, *, xlabel: str,
              colour: str = BLUE, label_width: int = 40) -> Figure:
    """Horizontal bars, first row on top, each with its count and percent of `total`."""
    lines = sum(label.count("\n") + 1 for label, _ in rows)
    height = max(30.0, 12.0 + 4.2 * max(lines, len(rows)) + 2.0 * len(rows))
    figure = new_figure(width_mm, height)
    axes = figure.add_subplot()
    places = list(range(len(rows)))[::-1]
    counts = [n for _, n in rows]
    axes.barh(places, counts, color=colour, height=0.7)
    axes.set_yticks(places, [label for label, _ in rows])
    for label in axes.get_yticklabels():
        label.set_horizontalalignment("left")
    axes.tick_params(axis="y", length=0, pad=0)
    # Left-aligned labels: shift them left by the widest one once laid out.
    axes.yaxis.set_tick_params(pad=_label_pad(rows, label_width))
    top = max([*counts, 1])
    for place, n in zip(places, counts, strict=True):
        # Rounded halves up, as every table of the review is (analysis.percent).
        share = f" ({analysis.percent(n, total)}%)" if total else ""
        axes.text(n + top * 0.01, place, f"{n}{share}", va="center", ha="left")
    axes.set_xlim(0, top * 1.22)
    axes.set_xlabel(xlabel)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _label_pad(rows: list[tuple[str, int]], label_width: int) -> float:
    # Points: about 4.4 per character at 8 pt.
    widest = max((len(line) for label, _ in rows for line in label.split("\n")), default=0)
    return 4.4 * min(widest, label_width) + 4
