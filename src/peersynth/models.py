"""The review's data model: what studies.yaml and themes.yaml may hold. No I/O here.

Models are strict: unknown fields are errors, and no value is coerced (a YAML
``NO`` never becomes the text "False", nor ``"12"`` the number 12).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]
Count = Annotated[int, Field(ge=0)]

DEFAULT_VOCABULARIES: dict[str, list[str]] = {
    "design": ["qualitative", "quantitative", "mixed-methods"],
    "quality": ["good", "fair", "poor"],
}
# Tags of the short and long coding forms; they appear in validation error paths.
SHORT_FORM = "short-form"
LONG_FORM = "long-form"


class _Model(BaseModel):
    # defer_build: the validators are built on first validation, so that a run that
    # reads the review from the cache never pays for building them.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Flow(_Model):
    """PRISMA 2020 flow counts; all optional."""

    records_identified: Count | None = None
    duplicates_removed: Count | None = None
    records_screened: Count | None = None
    records_excluded: Count | None = None
    reports_sought: Count | None = None
    reports_not_retrieved: Count | None = None
    full_text_assessed: Count | None = None
    reports_excluded: Count | None = None
    included: Count | None = None


class ReviewInfo(_Model):
    title: Text | None = None
    doi: Text | None = None
    flow: Flow | None = None


AttributeValue = str | int


class Study(_Model):
    id: Slug
    ref: Annotated[int, Field(ge=1)] | None = None
    authors: list[Text] | None = None
    year: Annotated[int, Field(ge=1000, le=9999)] | None = None
    title: Text | None = None
    countries: Annotated[list[Text], Field(min_length=1)] | None = None
    design: Text | None = None
    quality: Text | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    note: str | None = None


class StudiesFile(_Model):
    review: ReviewInfo | None = None
    vocabularies: dict[str, list[Text]] = Field(default_factory=dict)
    studies: list[Study]

    @cached_property
    def all_vocabularies(self) -> dict[str, list[str]]:
        """The defaults, with any declared vocabulary replacing the default of its name."""
        return {**DEFAULT_VOCABULARIES, **self.vocabularies}


class Coding(_Model):
    study: Slug
    evidence: str | None = None
    note: str | None = None


def _coding_form(value: Any) -> str:
    return LONG_FORM if isinstance(value, dict | Coding) else SHORT_FORM


CodingEntry = Annotated[
    Annotated[Slug, Tag(SHORT_FORM)] | Annotated[Coding, Tag(LONG_FORM)],
    Discriminator(_coding_form),
]


class Theme(_Model):
    id: Slug
    label: Text
    description: str | None = None
    studies: list[CodingEntry] = Field(default_factory=list)
    reported: Count | None = None
    subthemes: list[Theme] = Field(default_factory=list)

    @cached_property
    def codings(self) -> list[Coding]:
        """This theme's own codings, short forms made long."""
        return [Coding(study=entry) if isinstance(entry, str) else entry for entry in self.studies]

    def coded_ids(self) -> Iterator[str]:
        """The study id of each of this theme's codings, in file order, without building
        a Coding for each short form (a large review has hundreds of thousands)."""
        return (entry if isinstance(entry, str) else entry.study for entry in self.studies)

    @cached_property
    def study_ids(self) -> frozenset[str]:
        """Studies coded to this theme directly."""
        return frozenset(self.coded_ids())

    @cached_property
    def rolled_up_ids(self) -> frozenset[str]:
        """Studies coded to this theme or to any theme below it."""
        if not self.subthemes:
            return self.study_ids
        return self.study_ids.union(*(sub.rolled_up_ids for sub in self.subthemes))

    def walk(self, depth: int = 0) -> Iterator[tuple[Theme, int]]:
        """This theme and every subtheme below it, in tree order, with their depth."""
        yield self, depth
        for sub in self.subthemes:
            yield from sub.walk(depth + 1)


class ThemesFile(_Model):
    themes: list[Theme]

    def walk(self) -> Iterator[tuple[Theme, int]]:
        for theme in self.themes:
            yield from theme.walk()


class Review(BaseModel):
    """A validated review: both files, read together."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    studies_file: StudiesFile
    themes_file: ThemesFile

    @property
    def studies(self) -> list[Study]:
        return self.studies_file.studies

    @cached_property
    def study_by_id(self) -> dict[str, Study]:
        return {study.id: study for study in self.studies}

    @property
    def themes(self) -> list[Theme]:
        return self.themes_file.themes
