"""Manuscripts as paragraphs with positions: Markdown, plain text and Word.

A position is `line:column`, both from 1. In .md and .txt the line is the line of
the file; in .docx it is the paragraph's number in the document body (empty
paragraphs count), and the column is the character within that paragraph.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from peersynth.errors import PeersynthError
from peersynth.files import Limits, read_bytes

# Plain-text heading lines such as "Theme 1: education and training" or "Subtheme 3:
# professional supervision". No word boundary before the word: text copied from a web
# page runs a table caption into the heading ("...subthemesTheme 1: education").
THEME_HEADING: Final = re.compile(
    r"(?P<kind>sub-?theme|theme)\s*(?P<number>\d{1,3})\s*[:.\u2013\u2014-]\s*(?P<topic>\S.*)$",
    re.IGNORECASE)
_MARKDOWN_HEADING: Final = re.compile(r"^ {0,3}(?P<marks>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_FENCE: Final = re.compile(r"^ {0,3}(```|~~~)")
# A heading line is short and is not a sentence.
_HEADING_WORDS: Final = 16


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph (or heading) of a manuscript and where each of its lines starts."""

    text: str
    # (offset in text, line number) of each line the paragraph spans.
    lines: tuple[tuple[int, int], ...]
    # Heading level (1 for the highest), or None for body text.
    heading: int | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """The line and column (from 1) of the character at `offset`."""
        index = bisect.bisect_right(self.lines, offset, key=lambda pair: pair[0]) - 1
        start, line = self.lines[max(index, 0)]
        return line, offset - start + 1


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    paragraphs: tuple[Paragraph, ...]


def text_heading_level(line: str) -> int | None:
    """The level of a plain-text heading line ("Theme 2: ..." 1, "Subtheme 1: ..." 2)."""
    stripped = line.strip()
    if not stripped or stripped.endswith(".") or len(stripped.split()) > _HEADING_WORDS:
        return None
    found = THEME_HEADING.search(stripped)
    if found is None:
        return None
    return 2 if found.group("kind").lower().startswith("sub") else 1


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[:error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise PeersynthError(
            f"{name}:{line}:{column}: not UTF-8 text (byte 0x{data[error.start]:02x})",
            "save the manuscript as UTF-8, or as .docx") from None
    return text.removeprefix("\ufeff")


def text_paragraphs(text: str, *, markdown: bool) -> tuple[Paragraph, ...]:
    """Paragraphs of plain text or Markdown: runs of non-blank lines; heading lines
    (Markdown `#`, or "Theme 1: ..." lines) each stand alone."""
    paragraphs: list[Paragraph] = []
    lines: list[tuple[int, str]] = []

    def close() -> None:
        if lines:
            offsets, parts, at = [], [], 0
            for number, line in lines:
                offsets.append((at, number))
                parts.append(line)
                at += len(line) + 1
            paragraphs.append(Paragraph("\n".join(parts), tuple(offsets)))
            lines.clear()

    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if markdown and _FENCE.match(line):
            close()
            fenced = not fenced  # code is not prose: nothing in it is a claim
            continue
        if fenced:
            continue
        if not line.strip():
            close()
            continue
        heading = _MARKDOWN_HEADING.match(line) if markdown else None
        if heading is not None:
            close()
            start = heading.start("text")
            paragraphs.append(Paragraph(heading.group("text"), ((-start, number),),
                                        len(heading.group("marks"))))
            continue
        level = text_heading_level(line)
        if level is not None:
            close()
            # Below any Markdown heading level: plain heading lines nest as Theme > Subtheme.
            paragraphs.append(Paragraph(line, ((0, number),), level + (6 if markdown else 0)))
            continue
        lines.append((number, line))
    close()
    return tuple(paragraphs)


_DOCUMENT_XML: Final = "word/document.xml"
_MAX_ZIP_ENTRIES: Final = 10_000


def _docx_paragraphs(data: bytes, name: str, limits: Limits) -> tuple[Paragraph, ...]:
    not_word = PeersynthError(f"{name}: not a Word document (.docx)",
                              "save it from Word as .docx, or as .txt or .md")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_word from None
    with archive:
        infos = archive.infolist()
        if _DOCUMENT_XML not in {info.filename for info in infos}:
            raise PeersynthError(f"{name}: not a Word document (.docx): the archive has no "
                                 f"{_DOCUMENT_XML}", "save it from Word as .docx")
        # A zip states each member's size, and zipfile never inflates past it: bounding
        # the stated sizes bounds what reading can cost (a zip bomb stops here).
        unpacked = sum(info.file_size for info in infos)
        if len(infos) > _MAX_ZIP_ENTRIES or unpacked > limits.max_file_bytes:
            raise PeersynthError(
                f"{name}: the document unpacks to {unpacked} bytes in {len(infos)} parts, "
                f"over the limit of {limits.max_file_bytes} bytes",
                "raise PEERSYNTH_MAX_FILE_BYTES if the document is meant to be this large")
    import docx  # only here: most runs audit text and never pay for the import

    try:
        document = docx.Document(io.BytesIO(data))
        found: list[Paragraph] = []
        for number, paragraph in enumerate(document.paragraphs, start=1):
            text = paragraph.text
            if not text.strip():
                continue
            style = paragraph.style.name if paragraph.style is not None else ""
            level = _style_level(style or "")
            if level is None:
                level = text_heading_level(text)
                level = None if level is None else level + 9
            found.append(Paragraph(text, ((0, number),), level))
    # python-docx and lxml raise many kinds of error for a damaged package; all mean
    # the same to the user.
    except Exception:
        raise not_word from None
    return tuple(found)


def _style_level(style: str) -> int | None:
    """Heading level of a Word paragraph style: "Title" 0, "Heading 2" 2."""
    if style == "Title":
        return 0
    found = re.fullmatch(r"Heading\s*(\d)", style)
    return int(found.group(1)) if found else None


def read_document(path: Path, limits: Limits) -> Document:
    """The manuscript at `path` as paragraphs; PeersynthError (exit 3) when it cannot be
    read, is too large, is not UTF-8 text or a real .docx, or holds no text."""
    name = path.as_posix()
    if not path.exists():
        raise PeersynthError(f"{name} does not exist", "check the manuscript's path")
    if path.is_dir():
        raise PeersynthError(f"{name} is a folder, not a manuscript",
                             "give the .md, .txt or .docx file itself")
    try:
        data = read_bytes(path, name, limits)
    except PeersynthError as error:
        if "regular file" in error.message:  # a device or a pipe: the hint names YAML
            error.hint = "give the manuscript file itself"
        raise
    if isinstance(data, list):
        raise PeersynthError(f"{name}: {data[0].message}", data[0].hint)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        paragraphs = _docx_paragraphs(data, name, limits)
    else:
        paragraphs = text_paragraphs(_decode(data, name),
                                     markdown=suffix in (".md", ".markdown"))
    if not paragraphs:
        raise PeersynthError(f"{name}: the manuscript is empty", "nothing to audit")
    return Document(name, paragraphs)
