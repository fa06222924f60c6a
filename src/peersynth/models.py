"""What studies.yaml and themes.yaml may hold: the schema the validator checks. No I/O here.

Models are strict: unknown fields are errors, and no value is coerced (a YAML
``NO`` never becomes the text "False", nor ``"12"`` the number 12). Once the files
pass, their content is turned into the plain records of `peersynth.review`, which
is what the checks and the reports read.
"""

from __future__ import annotations

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
# Surrounding spaces are dropped first (records are cleaned so anyway): "  " is empty text.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[int, Field(ge=0)]

# Tags of the short and long coding forms; they appear in validation error paths.
SHORT_FORM = "short-form"
LONG_FORM = "long-form"


class _Model(BaseModel):
    # defer_build: the validators are built on first validation, not when imported.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class FlowSource(_Model):
    """Records identified from one database or register."""

    source: Text
    n: Count


class FlowReason(_Model):
    """Reports excluded for one reason."""

    reason: Text
    n: Count


def _count_form(value: Any) -> str:
    # A box is a count (the short form) or a list of its parts (the long form). The
    # tags are the codings' own, which error paths leave out.
    return LONG_FORM if isinstance(value, list) else SHORT_FORM


Sources = Annotated[
    Annotated[Count, Tag(SHORT_FORM)] | Annotated[list[FlowSource], Tag(LONG_FORM)],
    Discriminator(_count_form),
]
Reasons = Annotated[
    Annotated[Count, Tag(SHORT_FORM)] | Annotated[list[FlowReason], Tag(LONG_FORM)],
    Discriminator(_count_form),
]


class Flow(_Model):
    """PRISMA 2020 flow counts; all optional. Names are the PRISMA2020 R package's data
    keys; the earlier names (records_identified ... included) name the same boxes (see
    `peersynth.flow`). In the order of the diagram."""

    previous_studies: Count | None = None
    previous_reports: Count | None = None
    records_identified: Count | None = None
    database_results: Sources | None = None
    register_results: Sources | None = None
    website_results: Count | None = None
    organisation_results: Count | None = None
    citations_results: Count | None = None
    duplicates_removed: Count | None = None
    duplicates: Count | None = None
    excluded_automatic: Count | None = None
    excluded_other: Count | None = None
    records_screened: Count | None = None
    records_excluded: Count | None = None
    reports_sought: Count | None = None
    dbr_sought_reports: Count | None = None
    reports_not_retrieved: Count | None = None
    dbr_notretrieved_reports: Count | None = None
    full_text_assessed: Count | None = None
    dbr_assessed: Count | None = None
    reports_excluded: Reasons | None = None
    dbr_excluded: Reasons | None = None
    other_sought_reports: Count | None = None
    other_notretrieved_reports: Count | None = None
    other_assessed: Count | None = None
    other_excluded: Reasons | None = None
    new_studies: Count | None = None
    new_reports: Count | None = None
    included: Count | None = None
    total_studies: Count | None = None
    total_reports: Count | None = None


class ReviewInfo(_Model):
    title: Text | None = None
    doi: Text | None = None
    flow: Flow | None = None
    # The reference manager's export, relative to the review folder.
    bibliography: Text | None = None


AttributeValue = str | int


class Study(_Model):
    id: Slug
    ref: Annotated[int, Field(ge=1)] | None = None
    # Its entry in the bibliography: by citation key, or by DOI.
    key: Text | None = None
    doi: Text | None = None
    authors: list[Text] | None = None
    year: Annotated[int, Field(ge=1000, le=9999)] | None = None
    title: Text | None = None
    journal: Text | None = None
    countries: Annotated[list[Text], Field(min_length=1)] | None = None
    design: Text | None = None
    quality: Text | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    note: str | None = None
    # JBI checklist for qualitative research, by question (q1 ... q10): yes, no, unclear
    # or not-applicable (YAML's bare yes and no read as true and false, and count so).
    appraisal: dict[str, Text | bool] | None = None


class StudiesFile(_Model):
    review: ReviewInfo | None = None
    vocabularies: dict[str, list[Text]] = Field(default_factory=dict)
    studies: list[Study]


class Coding(_Model):
    study: Slug
    evidence: str | None = None
    note: str | None = None


def _coding_form(value: Any) -> str:
    # Called for every coding each time a list of them is validated: text first, the
    # usual form, and a tuple of types rather than a union built on each call.
    if type(value) is str:
        return SHORT_FORM
    return LONG_FORM if isinstance(value, (dict, Coding)) else SHORT_FORM


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
    # The GUID a QDA program gave this code (REFI-QDA import), written back on export.
    refi_guid: Text | None = None


class ThemesFile(_Model):
    themes: list[Theme]
