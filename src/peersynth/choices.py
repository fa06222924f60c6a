"""The choices of the reporting commands' options, apart from the code that acts on
them, so that naming an option does not import the reports."""

from __future__ import annotations

from enum import Enum


class Order(str, Enum):
    tree = "tree"
    by_count = "count"  # not `count`, which str already has


class Style(str, Enum):
    numeric = "numeric"
    author_year = "author-year"
    pandoc = "pandoc"
    latex = "latex"
    id = "id"


class TableFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    latex = "latex"
    docx = "docx"  # written to --output only


class CiteFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"
