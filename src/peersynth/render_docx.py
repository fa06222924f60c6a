"""The reporting commands' grids as a Word document (.docx), for journals that take Word.

`document` takes a sequence of parts, each a `Grid` (the same object `peersynth.render`
draws as a table, markdown or latex) or a `Paragraph`, and returns the file's bytes. Each
grid becomes a real Word table: its heading row marked to repeat at the top of every page
the table runs onto (`w:tblHeader`), numbers right-aligned, a row's first cell indented
by its depth (subthemes under their theme), heading rows (a theme above its codings, a
group above its studies) bold across the whole width, a totals row bold. Other outputs
(a reference list, a summary-of-findings table) plug in as more parts.

python-docx is imported only here, and only when a document is made, so no other format
pays for it. Cells hold the grid's text, already escaped (`Grid` escapes every cell), so
no control character reaches the XML.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peersynth.render import Grid

if TYPE_CHECKING:
    from docx.document import Document

INDENT_POINTS = 12  # a level of depth, as Word indents a list level by about this much
# Wider tables than this many columns are laid out on landscape pages.
_PORTRAIT_COLUMNS = 6


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text in a Word paragraph style ("Normal", "Heading 1", "Caption")."""

    text: str
    style: str = "Normal"


Part = Grid | Paragraph


def document(parts: Sequence[Part]) -> bytes:
    """A .docx holding `parts` in order, as bytes."""
    import docx

    doc = docx.Document()
    if any(isinstance(part, Grid) and len(part.headers) > _PORTRAIT_COLUMNS for part in parts):
        _landscape(doc)
    for part in parts:
        if isinstance(part, Grid):
            _table(doc, part)
        else:
            doc.add_paragraph(part.text, style=part.style)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _landscape(doc: Document) -> None:
    from docx.enum.section import WD_ORIENT

    section = doc.sections[-1]
    width, height = section.page_width, section.page_height
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = height, width


def _table(doc: Document, grid: Grid) -> None:
    from docx.oxml import parse_xml

    table = doc.add_table(rows=0, cols=len(grid.headers))
    table.style = "Table Grid"
    # The rows are written as XML text and parsed at once: building them cell by cell
    # through python-docx's objects takes a second for every thousand rows.
    rows = [_row(grid, grid.headers, bold=True, head=True)]
    for index, cells in enumerate(grid.rows):
        depth = grid.depths[index] if index < len(grid.depths) else 0
        heading = index in grid.headings
        rows.append(_row(grid, cells, depth, bold=heading, span=heading))
    if grid.totals is not None:
        rows.append(_row(grid, grid.totals, bold=True))
    parsed = parse_xml(f'<w:tbl xmlns:w="{_W}">{"".join(rows)}</w:tbl>')
    table._tbl.extend(list(parsed))


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_JUSTIFY = {"l": "", "r": '<w:jc w:val="right"/>', "c": '<w:jc w:val="center"/>'}
# What XML 1.0 cannot hold at all (U+FFFE, U+FFFF; controls the grid has escaped already).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(text: str) -> str:
    text = _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _row(grid: Grid, cells: Sequence[str], depth: int = 0, *, bold: bool = False,
         head: bool = False, span: bool = False) -> str:
    """A <w:tr>: `head` marks it to repeat at the top of each page the table runs onto;
    `span` makes its first cell the whole width."""
    properties = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if head else ""
    shown = cells[:1] if span else cells
    run = "<w:rPr><w:b/></w:rPr>" if bold else ""
    out = []
    for index, text in enumerate(shown):
        indent = f'<w:ind w:left="{INDENT_POINTS * 20 * depth}"/>' if index == 0 and depth \
            else ""
        jc = "" if span else _JUSTIFY[grid.align[index]]
        paragraph = f"<w:pPr>{indent}{jc}</w:pPr>" if indent or jc else ""
        words = (f'<w:r>{run}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'
                 if text else "")
        cell = f'<w:tcPr><w:gridSpan w:val="{len(grid.headers)}"/></w:tcPr>' if span else ""
        out.append(f"<w:tc>{cell}<w:p>{paragraph}{words}</w:p></w:tc>")
    return f"<w:tr>{properties}{''.join(out)}</w:tr>"
