"""Table 1: one row per included study, in reference order, with the columns asked for.

A column is a study field (`study`, `id`, `ref`, `authors`, `year`, `title`,
`journal`, `doi`, `country`, `design`, `quality`, `note`) or an attribute
(`attribute:NAME`, or NAME alone when no field has that name). Names match as
`--by` and `--where` match fields: case, spacing and '-' for '_' do not matter.
A value the study does not report is None; nothing is filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from peersynth import analysis
from peersynth.errors import UsageError
from peersynth.matching import field_key
from peersynth.review import Review, Study
from peersynth.suggest import closest

ATTRIBUTE: Final = "attribute:"

Value = str | int | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # as --columns names it, e.g. "year" or "attribute:setting"
    title: str  # its heading
    numeric: bool  # drawn right-aligned
    # The field of `analysis` it reads, for grouping (country, design, an attribute...).
    field: str | None = None


# Built-in columns in the order the help lists them: heading, numeric, and how a study's
# value is read (the author-year label is looked up per review, so `study` is apart).
_FIELDS: Final[dict[str, tuple[str, bool, Callable[[Study], Value]]]] = {
    "study": ("Study", False, lambda s: s.id),
    "id": ("Id", False, lambda s: s.id),
    "ref": ("Ref", True, lambda s: s.ref),
    "authors": ("Authors", False, lambda s: tuple(s.authors) if s.authors else None),
    "year": ("Year", True, lambda s: s.year),
    "title": ("Title", False, lambda s: s.title),
    "journal": ("Journal", False, lambda s: s.journal),
    "doi": ("DOI", False, lambda s: s.doi),
    "country": ("Country", False, lambda s: tuple(s.countries) if s.countries else None),
    "design": ("Design", False, lambda s: s.design),
    "quality": ("Quality", False, lambda s: s.quality),
    "note": ("Note", False, lambda s: s.note or None),
}
_ALIASES: Final = {"countries": "country", "author": "authors", "reference": "ref"}
# Default columns, each shown only when some study reports it, then every attribute.
_DEFAULT: Final = ("study", "ref", "year", "country", "design", "quality")


@dataclass(frozen=True, slots=True)
class StudyRow:
    id: str
    ref: int | None
    values: tuple[Value, ...]  # one a column; None where the study does not report it


@dataclass(frozen=True, slots=True)
class StudyGroup:
    """The rows under one value of --group-by (value None: the table is not grouped)."""

    value: str | None
    rows: tuple[StudyRow, ...]


@dataclass(frozen=True, slots=True)
class StudyTable:
    columns: tuple[Column, ...]
    groups: tuple[StudyGroup, ...]
    group_by: str | None
    where: tuple[analysis.Condition, ...]
    N: int  # studies in the table


def _attribute_fields(review: Review) -> list[str]:
    """Every attribute field by its shown name (built-in fields excluded)."""
    return analysis.available_fields(review)[len(analysis.BUILTIN_FIELDS):]


def valid_columns(review: Review) -> list[str]:
    """What --columns accepts for this review, as the help and the did-you-mean list it."""
    return [*_FIELDS, *(ATTRIBUTE + name for name in _attribute_fields(review))]


def _attribute_column(review: Review, name: str) -> Column | None:
    key = field_key(name)
    for shown in _attribute_fields(review):
        if field_key(shown) == key:
            return Column(ATTRIBUTE + shown, analysis._title(shown), False, shown)
    return None


def _builtin_column(key: str) -> Column:
    title, numeric, _ = _FIELDS[key]
    field = key if key in analysis.BUILTIN_FIELDS else None
    return Column(key, title, numeric, field)


def resolve_column(review: Review, name: str) -> Column:
    """The column `name` stands for; an unknown name is a usage error naming the nearest."""
    text = name.strip()
    if text.casefold().startswith(ATTRIBUTE):
        found = _attribute_column(review, text[len(ATTRIBUTE):])
    else:
        key = field_key(text)
        key = _ALIASES.get(key, key)
        found = _builtin_column(key) if key in _FIELDS else _attribute_column(review, text)
    if found is not None:
        return found
    valid = valid_columns(review)
    near = closest(text, [*valid, *_ALIASES, *_attribute_fields(review)], limit=3)
    shown = dict.fromkeys(_ALIASES.get(n, n) if n in _ALIASES or n in valid else ATTRIBUTE + n
                          for n in near)
    hint = ("did you mean " + " or ".join(f"'{n}'" for n in shown) + "? ") if shown else ""
    raise UsageError(f"unknown column '{name}'", hint + "columns: " + ", ".join(valid))


def parse_columns(review: Review, texts: Sequence[str]) -> list[Column]:
    """--columns as given (each option may list several, comma-separated), in order,
    each column once."""
    names = [part for text in texts for part in text.split(",")]
    if not any(part.strip() for part in names):
        raise UsageError("--columns names no column",
                         "for example --columns study,year,country; columns: "
                         + ", ".join(valid_columns(review)))
    columns = [resolve_column(review, name) for name in names if name.strip()]
    return list({column.key: column for column in columns}.values())


def default_columns(review: Review, group_by: str | None = None) -> list[Column]:
    """The study, then each field some study reports, then every attribute; the field the
    table is grouped by is left out (its value heads each group)."""
    columns = [_builtin_column(key) for key in _DEFAULT
               if key == "study" or any(_FIELDS[key][2](s) is not None for s in review.studies)]
    columns += [column for name in _attribute_fields(review)
                if (column := _attribute_column(review, name)) is not None]
    return [c for c in columns if group_by is None or c.field != group_by]


def _reader(review: Review, column: Column,
            labels: dict[str, str]) -> Callable[[Study], Value]:
    if column.key == "study":
        return lambda study: labels[study.id]
    if column.key in _FIELDS:
        return _FIELDS[column.key][2]
    assert column.field is not None  # an attribute column
    # The reader `study_values` makes for each study, made once for all of them.
    read = analysis._reader(review, column.field)
    return lambda study: ", ".join(read(study)) or None


def study_table(review: Review, columns: Sequence[Column] | None = None, *,
                where: Sequence[tuple[str, str]] = (), group_by: str | None = None,
                ) -> StudyTable:
    """The studies `where` keeps, in reference order (those without a ref after them, in
    file order), one row each; grouped under each value of `group_by` in the order
    `analysis.group_studies` gives (a vocabulary's, numeric, or most studies first)."""
    field = analysis.resolve_field(review, group_by) if group_by is not None else None
    chosen = list(columns) if columns is not None else default_columns(review, field)
    kept = analysis.reference_order(analysis.filter_studies(review, where))
    labels = analysis.study_labels(review) if any(
        column.key == "study" for column in chosen) else {}
    readers = [_reader(review, column, labels) for column in chosen]
    rows = {study.id: StudyRow(study.id, study.ref, tuple(read(study) for read in readers))
            for study in kept}
    groups: tuple[StudyGroup, ...]
    if field is None:
        groups = (StudyGroup(None, tuple(rows.values())),)
    else:
        groups = tuple(StudyGroup(group.value, tuple(rows[i] for i in group.studies))
                       for group in analysis.group_studies(review, kept, field)
                       if group.studies)
    return StudyTable(tuple(chosen), groups, field, analysis.conditions(review, where),
                      len(rows))
