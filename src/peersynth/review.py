"""A validated review as the reports read it: plain frozen records, no validation machinery.

`peersynth.models` says what the files may hold and checks them; once they pass,
their content lives here. The split lets a run answered from the cache of
validated reviews skip importing pydantic altogether, which would otherwise be
the largest part of its start-up. The records mirror the files: same names, same
fields, in the same order (a test holds the two side by side).

The `*_from` functions build records from either a validated model or the JSON
form `review_to_json` writes (objects of fields by name, studies as rows of
STUDY_FIELDS), so the validator and the cache share one way in. On the way in
from a model, text is cleaned (`peersynth.matching.clean`: Unicode NFC, no
surrounding whitespace): labels, titles, authors, countries, design, quality,
attribute names and text values, vocabulary names and entries. The cache stores
records made that way, so its JSON needs no cleaning when read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import compress, filterfalse
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from peersynth.confidence.records import FindingsFile, findings_from, findings_to_json
from peersynth.matching import clean, field_key, preferred_spellings

if TYPE_CHECKING:
    from peersynth.index import CodingIndex

DEFAULT_VOCABULARIES: dict[str, list[str]] = {
    "design": ["qualitative", "quantitative", "mixed-methods"],
    "quality": ["good", "fair", "poor"],
}


@dataclass(frozen=True)
class FlowPart:
    """One source of a box of records identified, or one reason of a box of reports
    excluded, with its count."""

    name: str
    n: int


@dataclass(frozen=True)
class Flow:
    """PRISMA 2020 flow counts; all optional. A box of sources or reasons holds a count
    or a list of FlowParts (`peersynth.flow` reads them)."""

    previous_studies: int | None = None
    previous_reports: int | None = None
    records_identified: int | None = None
    database_results: int | list[FlowPart] | None = None
    register_results: int | list[FlowPart] | None = None
    website_results: int | None = None
    organisation_results: int | None = None
    citations_results: int | None = None
    duplicates_removed: int | None = None
    duplicates: int | None = None
    excluded_automatic: int | None = None
    excluded_other: int | None = None
    records_screened: int | None = None
    records_excluded: int | None = None
    reports_sought: int | None = None
    dbr_sought_reports: int | None = None
    reports_not_retrieved: int | None = None
    dbr_notretrieved_reports: int | None = None
    full_text_assessed: int | None = None
    dbr_assessed: int | None = None
    reports_excluded: int | list[FlowPart] | None = None
    dbr_excluded: int | list[FlowPart] | None = None
    other_sought_reports: int | None = None
    other_notretrieved_reports: int | None = None
    other_assessed: int | None = None
    other_excluded: int | list[FlowPart] | None = None
    new_studies: int | None = None
    new_reports: int | None = None
    included: int | None = None
    total_studies: int | None = None
    total_reports: int | None = None


def _flow_from(value: Any) -> Flow:
    """From a validated model (parts are FlowSource or FlowReason) or from JSON (parts
    are [name, n] pairs)."""
    found = dict(_fields(value))
    for name, box in found.items():
        if isinstance(box, list):
            found[name] = [FlowPart(part[0], part[1]) if type(part) is list
                           else FlowPart(clean(getattr(part, "source", None)
                                               or part.reason), part.n)
                           for part in box]
    return Flow(**found)


def _flow_to_json(flow: Flow) -> dict[str, Any]:
    return {name: [[part.name, part.n] for part in box] if isinstance(box, list) else box
            for name, box in vars(flow).items()}


@dataclass(frozen=True)
class ReviewInfo:
    """The review's own title, DOI, flow counts, and the bibliography file it names."""

    title: str | None = None
    doi: str | None = None
    flow: Flow | None = None
    bibliography: str | None = None


@dataclass(frozen=True)
class Study:
    """One included study: its metadata and quality appraisal."""

    id: str
    ref: int | None = None
    key: str | None = None
    doi: str | None = None
    authors: list[str] | None = None
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    countries: list[str] | None = None
    design: str | None = None
    quality: str | None = None
    attributes: dict[str, str | int] = field(default_factory=dict)
    note: str | None = None
    # JBI checklist answers by question ("q2": "yes"); YAML's true and false as yes and no.
    appraisal: dict[str, str] | None = None


@dataclass(frozen=True)
class StudiesFile:
    """studies.yaml."""

    review: ReviewInfo | None
    vocabularies: dict[str, list[str]]
    studies: list[Study]

    @cached_property
    def all_vocabularies(self) -> dict[str, list[str]]:
        """The defaults, with any declared vocabulary replacing the default of its name."""
        return {**DEFAULT_VOCABULARIES, **self.vocabularies}


@dataclass(frozen=True)
class Coding:
    """A study coded to a theme, in the long form (with evidence or a note)."""

    study: str
    evidence: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Theme:
    """A theme, its codings and its subthemes."""

    id: str
    label: str
    description: str | None = None
    # Short forms (a bare study id) stay text; long forms are Codings.
    studies: list[str | Coding] = field(default_factory=list)
    reported: int | None = None
    subthemes: list[Theme] = field(default_factory=list)
    refi_guid: str | None = None

    @cached_property
    def codings(self) -> list[Coding]:
        """This theme's own codings, short forms made long."""
        return [Coding(entry) if isinstance(entry, str) else entry for entry in self.studies]

    def coded_ids(self) -> Iterator[str]:
        """The study id of each of this theme's codings, in file order, without building
        a Coding for each short form (a large review has hundreds of thousands)."""
        return (entry if isinstance(entry, str) else entry.study for entry in self.studies)

    @cached_property
    def study_ids(self) -> frozenset[str]:
        """Studies coded to this theme directly."""
        # Short forms, then the long forms' studies, each picked out in C.
        short = cast("frozenset[str]", frozenset(filter(str.__instancecheck__, self.studies)))
        if len(short) == len(self.studies):
            return short
        longs: Iterable[Coding] = filterfalse(str.__instancecheck__, self.studies)  # type: ignore[arg-type]
        return short.union(map(attrgetter("study"), longs))

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


@dataclass(frozen=True)
class ThemesFile:
    """themes.yaml."""

    themes: list[Theme]

    def walk(self) -> Iterator[tuple[Theme, int]]:
        for theme in self.themes:
            yield from theme.walk()


@dataclass(frozen=True)
class Review:
    """A validated review: both files, read together, and findings.yaml when it has one."""

    studies_file: StudiesFile
    themes_file: ThemesFile
    findings_file: FindingsFile | None = None

    @property
    def studies(self) -> list[Study]:
        return self.studies_file.studies

    @cached_property
    def study_by_id(self) -> dict[str, Study]:
        return {study.id: study for study in self.studies}

    @property
    def themes(self) -> list[Theme]:
        return self.themes_file.themes

    @cached_property
    def in_reference_order(self) -> list[Study]:
        """The studies by reference number; those without one after them, in file order."""
        return sorted(self.studies, key=lambda s: (s.ref is None, s.ref or 0))

    @cached_property
    def index(self) -> CodingIndex:
        """Every theme's codings as places in reference order (see `peersynth.index`)."""
        from peersynth.index import build

        return build(self)

    @cached_property
    def attribute_names(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Each attribute field by its `field_key`: the name it is shown with (a
        vocabulary's if one is declared, else the most frequent spelling) and every
        spelling the studies and vocabularies use, first met first."""
        pairs = [(field_key(name), name) for study in self.studies for name in study.attributes]
        declared = {field_key(name): name for name in reversed(self.studies_file.vocabularies)}
        shown = {**preferred_spellings(pairs), **declared}
        spellings: dict[str, dict[str, None]] = {}
        for key, name in [*pairs, *((field_key(n), n) for n in self.studies_file.vocabularies)]:
            spellings.setdefault(key, {})[name] = None
        return {key: (shown[key], tuple(names)) for key, names in spellings.items()}


# Records from a validated model or from their JSON form, and back to JSON.

STUDY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Study))
_study_row = attrgetter(*STUDY_FIELDS)


def _fields(value: Any) -> Mapping[str, Any]:
    """A record's fields by name: a JSON object as it is, a model's attributes otherwise."""
    return value if type(value) is dict else vars(value)


def _study(values: dict[str, Any]) -> Study:
    """A Study holding `values` (every field, by name), made without calling its __init__:
    the values were validated already, and a large review has tens of thousands of studies."""
    study = object.__new__(Study)
    object.__setattr__(study, "__dict__", values)
    return study


def _coding(values: dict[str, Any]) -> Coding:
    """A Coding holding `values` (study, evidence, note), made as `_study` makes a Study:
    a large review has tens of thousands of long forms."""
    coding = object.__new__(Coding)
    object.__setattr__(coding, "__dict__", values)
    return coding


def _cleaned_study(values: dict[str, Any]) -> dict[str, Any]:
    """A validated model's study fields, their text cleaned: what the records hold."""
    for name in ("key", "doi", "title", "journal", "design", "quality"):
        text = values[name]
        if text is not None:
            values[name] = clean(text)
    for name in ("authors", "countries"):
        items = values[name]
        if items is not None:
            values[name] = list(map(clean, items))
    attributes = values["attributes"]
    values["attributes"] = dict(zip(_cleaned_keys(attributes), [
        clean(value) if type(value) is str else value for value in attributes.values()],
        strict=True)) if attributes else {}
    appraisal = values["appraisal"]
    if appraisal is not None:
        values["appraisal"] = {clean(question): ("yes" if answer else "no")
                               if type(answer) is bool else clean(answer)
                               for question, answer in appraisal.items()}
    return values


def _cleaned_keys(mapping: Mapping[str, Any]) -> list[str]:
    """The mapping's keys cleaned, or as written when cleaning would make two of them one
    (' setting' and 'setting'): no value is lost, and the near-duplicate check reports them."""
    names = list(map(clean, mapping))
    return names if len(set(names)) == len(names) else list(mapping)


def _cleaned_vocabularies(vocabularies: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return dict(zip(_cleaned_keys(vocabularies),
                    [[clean(entry) for entry in entries] for entries in vocabularies.values()],
                    strict=True))


def theme_from(value: Any) -> Theme:
    found = _fields(value)
    # Short forms, most of a large review's codings, are used as they are.
    entries = found["studies"]
    if found is value:
        # JSON, the cache's own list, checked to hold text and objects of exactly a
        # Coding's fields: the long forms, found in C, are made Codings in place.
        codings = entries
        for at in compress(range(len(entries)), map(dict.__instancecheck__, entries)):
            codings[at] = _coding(entries[at])
    elif all(map(str.__instancecheck__, entries)):
        codings = entries  # all short: no long form to build, the list as it is
    else:
        codings = [entry if type(entry) is str else Coding(**vars(entry))
                   for entry in entries]
    return Theme(found["id"], clean(found["label"]), found["description"], codings,
                 found["reported"], [theme_from(sub) for sub in found["subthemes"]],
                 found.get("refi_guid"))


def studies_file_from(value: Any) -> StudiesFile:
    """From a validated model, or from JSON where each study is a row of STUDY_FIELDS."""
    found = _fields(value)
    info = found["review"]
    if info is not None:
        info_fields = dict(_fields(info))
        flow = info_fields["flow"]
        info_fields["flow"] = None if flow is None else _flow_from(flow)
        if info_fields["title"] is not None:
            info_fields["title"] = clean(info_fields["title"])
        info = ReviewInfo(**info_fields)
    # Rows come from the cache, whose records were cleaned before they were written.
    return StudiesFile(info, _cleaned_vocabularies(found["vocabularies"]), [
        _study(dict(zip(STUDY_FIELDS, study, strict=True)) if type(study) is list
               else _cleaned_study(dict(vars(study))))
        for study in found["studies"]])


def themes_file_from(value: Any) -> ThemesFile:
    return ThemesFile([theme_from(theme) for theme in _fields(value)["themes"]])


def review_from(value: Any) -> Review:
    found = _fields(value)
    findings = found["findings_file"]
    return Review(studies_file_from(found["studies_file"]),
                  themes_file_from(found["themes_file"]),
                  None if findings is None else findings_from(findings))


def review_to_json(review: Review) -> dict[str, Any]:
    """The JSON form `review_from` reads back; studies are rows of STUDY_FIELDS, which
    JSON reads back much faster than objects."""
    def theme(item: Theme) -> dict[str, Any]:
        return {"id": item.id, "label": item.label, "description": item.description,
                "studies": [entry if isinstance(entry, str) else vars(entry)
                            for entry in item.studies],
                "reported": item.reported,
                "subthemes": [theme(sub) for sub in item.subthemes],
                "refi_guid": item.refi_guid}

    info = review.studies_file.review
    return {
        "studies_file": {
            "review": None if info is None else {
                "title": info.title, "doi": info.doi,
                "flow": None if info.flow is None else _flow_to_json(info.flow),
                "bibliography": info.bibliography},
            "vocabularies": review.studies_file.vocabularies,
            "studies": [_study_row(study) for study in review.studies],
        },
        "themes_file": {"themes": [theme(item) for item in review.themes]},
        "findings_file": None if review.findings_file is None
        else findings_to_json(review.findings_file),
    }
