"""The exchange model (what a REFI-QDA codebook or project holds that a review can say) and
the mapping between it and a review, both ways. No XML here: `refi` reads and writes it.

Export: every theme a code (its GUID stable: `refi_guid` if the theme has one, else a
uuid5 of the review's identity and the theme id), every study a case and a text source
whose text is its reference and the evidence of its codings, one selection per coding.
Import: codes become themes, cases (or, in a project without cases, sources) studies,
variables characteristics or attributes, and a coding anywhere in a study's case or
sources the study x theme coding, counted once.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from peersynth.diagnostics import Diagnostic
from peersynth.exchange.problems import problem
from peersynth.matching import field_key
from peersynth.review import DEFAULT_VOCABULARIES, Coding, Review, Study, Theme

Value = str | int | float | bool


@dataclass(frozen=True)
class Code:
    guid: str
    name: str
    codable: bool = True
    description: str | None = None
    color: str | None = None
    children: tuple[Code, ...] = ()
    line: int = 0

    def walk(self) -> Iterator[Code]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Variable:
    guid: str
    name: str
    kind: str  # REFI's typeOfVariable: Text, Integer, Float, Boolean, Date, DateTime
    line: int = 0


@dataclass(frozen=True)
class VariableValue:
    variable: str  # the Variable's GUID
    value: Value
    line: int = 0


@dataclass(frozen=True)
class Selection:
    guid: str
    start: int
    end: int
    codes: tuple[str, ...]
    description: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Source:
    guid: str
    name: str
    text: str | None = None
    selections: tuple[Selection, ...] = ()
    # Codings on the source itself, and inside selections that are not text (PDF, picture,
    # audio, video): they count, without evidence.
    codes: tuple[str, ...] = ()
    values: tuple[VariableValue, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Case:
    guid: str
    name: str
    codes: tuple[str, ...] = ()
    values: tuple[VariableValue, ...] = ()
    sources: tuple[str, ...] = ()
    selections: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Project:
    name: str
    codes: tuple[Code, ...]
    variables: tuple[Variable, ...] = ()
    cases: tuple[Case, ...] = ()
    sources: tuple[Source, ...] = ()
    user: str | None = None
    origin: str = ""


def guid_key(guid: str) -> str:
    """What two GUIDs are compared by: braces and case do not matter."""
    return guid.strip().strip("{}").lower()


# ---------------------------------------------------------------------------
# Export: a review as the exchange model

_ROOT: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:peersynth:review")
# Okabe-Ito: told apart with any colour vision; one per top-level theme, its subthemes alike.
PALETTE: Final = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                  "#CC79A7", "#999999")


class Guids:
    """GUIDs that are the same on every run and machine for the same review: uuid5 of the
    review's identity (its DOI, else its title, else its study ids) and the item's name."""

    def __init__(self, review: Review) -> None:
        info = review.studies_file.review
        identity = (info.doi if info is not None and info.doi else
                    info.title if info is not None and info.title else
                    "studies:" + ",".join(sorted(study.id for study in review.studies)))
        self.namespace = uuid.uuid5(_ROOT, identity)

    def __call__(self, kind: str, *names: str) -> str:
        return str(uuid.uuid5(self.namespace, "\x1f".join((kind, *names))))

    def theme(self, theme: Theme) -> str:
        return theme.refi_guid or self("theme", theme.id)


def codebook(review: Review, guids: Guids | None = None) -> tuple[Code, ...]:
    """The theme tree as codes: a parent with no codings of its own is not codable."""
    guids = guids or Guids(review)

    def code(theme: Theme, color: str) -> Code:
        return Code(guids.theme(theme), theme.label, bool(theme.studies) or not theme.subthemes,
                    theme.description or None, color,
                    tuple(code(sub, color) for sub in theme.subthemes))

    return tuple(code(theme, PALETTE[index % len(PALETTE)])
                 for index, theme in enumerate(review.themes))


def reference_line(study: Study) -> str:
    """The study as a reference: '[44] Berry C, Hayward M. 2011. Title. Journal. doi:...'."""
    parts = [", ".join(study.authors) if study.authors else study.id]
    parts += [str(value) for value in (study.year, study.title, study.journal) if value]
    if study.doi:
        parts.append(f"doi:{study.doi}")
    text = ". ".join(part.rstrip(".") for part in parts) + "."
    return f"[{study.ref}] {text}" if study.ref is not None else text


# The study fields a project carries as variables, in this order, and their REFI types.
FIELD_VARIABLES: Final = (("ref", "Integer"), ("authors", "Text"), ("year", "Integer"),
                          ("title", "Text"), ("journal", "Text"), ("doi", "Text"),
                          ("key", "Text"), ("country", "Text"), ("design", "Text"),
                          ("quality", "Text"), ("note", "Text"))
ATTRIBUTE_PREFIX: Final = "attribute:"  # for an attribute named like a field


def _field_value(study: Study, name: str) -> Value | None:
    if name == "country":
        return "; ".join(study.countries) if study.countries else None
    if name == "authors":
        return "; ".join(study.authors) if study.authors else None
    value: Value | None = getattr(study, name)
    return value if value not in (None, "") else None


def _attribute_variables(review: Review) -> list[tuple[str, str, str]]:
    """(attribute name, variable name, type) for every attribute some study has."""
    names: dict[str, bool] = {}
    for study in review.studies:
        for name, value in study.attributes.items():
            names[name] = names.get(name, True) and type(value) is int
    fields = {field_key(name) for name, _ in FIELD_VARIABLES} | {"countries"}
    return [(name, ATTRIBUTE_PREFIX + name if field_key(name) in fields else name,
             "Integer" if numeric else "Text") for name, numeric in names.items()]


_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with each character XML 1.0 cannot hold (most control characters, a lone
    surrogate) as U+FFFD, so that positions counted in it hold in the file written."""
    return _NOT_XML.sub("\ufffd", text)


def project(review: Review) -> Project:
    guids = Guids(review)
    codes = codebook(review, guids)
    variables: list[Variable] = []
    readers: list[tuple[str, Any]] = []
    for name, kind in FIELD_VARIABLES:
        if any(_field_value(study, name) is not None for study in review.studies):
            variables.append(Variable(guids("variable", name), name, kind))
            readers.append((variables[-1].guid,
                            lambda study, name=name: _field_value(study, name)))
    for attribute, name, kind in _attribute_variables(review):
        variables.append(Variable(guids("variable", name), name, kind))
        readers.append((variables[-1].guid,
                        lambda study, attribute=attribute, kind=kind:
                        _attribute_value(study, attribute, kind)))
    walked = [theme for theme, _ in review.themes_file.walk()]
    cases: list[Case] = []
    sources: list[Source] = []
    for study in review.in_reference_order:
        values = tuple(VariableValue(guid, value) for guid, read in readers
                       if (value := read(study)) is not None)
        text, selections = _source_text(study, walked, guids)
        source = Source(guids("source", study.id), study.id, text, selections)
        sources.append(source)
        cases.append(Case(guids("case", study.id), study.id, values=values,
                          sources=(source.guid,)))
    info = review.studies_file.review
    name = info.title if info is not None and info.title else "peersynth review"
    return Project(xml_text(name), codes, tuple(variables), tuple(cases), tuple(sources),
                   guids("user"))


def _attribute_value(study: Study, attribute: str, kind: str) -> Value | None:
    value = study.attributes.get(attribute)
    if value is None:
        return None
    return value if kind == "Integer" else str(value)


def _source_text(study: Study, themes: Sequence[Theme],
                 guids: Guids) -> tuple[str, tuple[Selection, ...]]:
    """The study's plain text (its reference, then a paragraph per coding: the theme's
    label and the evidence) and a selection per coding over its evidence, or over the
    label where it has none. Positions are code points from 0, the end exclusive."""
    text = xml_text(reference_line(study)) + "\n"
    selections: list[Selection] = []
    for theme in themes:
        coding = _coding_of(theme, study.id)
        if coding is None:
            continue
        label = xml_text(theme.label)
        evidence = xml_text(coding.evidence.strip()) if coding.evidence else ""
        text += "\n"
        if evidence:
            text += f"{label}: "
            start = len(text)
            text += evidence
        else:
            start = len(text)
            text += label
        end = len(text)
        text += "\n"
        selections.append(Selection(guids("selection", study.id, theme.id), start, end,
                                    (guids.theme(theme),),
                                    xml_text(coding.note) if coding.note else None))
    return text, tuple(selections)


def _coding_of(theme: Theme, study: str) -> Coding | None:
    if study not in theme.study_ids:
        return None
    return next(coding for coding in theme.codings if coding.study == study)


# ---------------------------------------------------------------------------
# Import: the exchange model as review files


def slug(text: str, fallback: str) -> str:
    """A lowercase slug for an id: accents dropped, every other run of characters '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    made = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return made or fallback


class _Ids:
    """Unique slugs: a second 'Role clarity' becomes role-clarity-2."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def __call__(self, text: str, fallback: str) -> str:
        base = slug(text, fallback)
        made, number = base, 1
        while made in self.taken:
            number += 1
            made = f"{base}-{number}"
        self.taken.add(made)
        return made


# Variable names (compared by field_key) read as a study field; the rest are attributes.
FIELD_NAMES: Final = {field_key(alias): name for name, aliases in {
    "ref": ("ref", "reference", "reference number", "ref no", "ref number"),
    "authors": ("authors", "author"),
    "year": ("year", "publication year", "year of publication", "pub year"),
    "title": ("title", "study title"),
    "journal": ("journal",),
    "doi": ("doi",),
    "key": ("key", "citation key", "bibtex key"),
    "countries": ("country", "countries", "country of study", "study country"),
    "design": ("design", "study design", "study type", "methodology"),
    "quality": ("quality", "quality appraisal", "quality rating", "quality assessment"),
    "note": ("note", "notes"),
}.items() for alias in aliases}


@dataclass
class Imported:
    """What an import makes: the review files' data, what was read, the problems."""

    studies: dict[str, Any] | None = None
    themes: dict[str, Any] | None = None
    summary: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class StudyFields:
    """One study's fields as read, before they are written out."""

    id: str
    values: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, str | int] = field(default_factory=dict)


class FieldReader:
    """Turns named values (a project's variables, a sheet's columns) into study fields,
    recording the mapping once per name and the vocabulary values met, and reporting a
    value a field cannot hold (it is then kept as an attribute, never dropped)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.mapping: dict[str, str] = {}
        self.extra: dict[str, list[str]] = {}
        self.diagnostics: list[Diagnostic] = []

    def target(self, name: str) -> str:
        bare = name[len(ATTRIBUTE_PREFIX):] if name.startswith(ATTRIBUTE_PREFIX) else name
        found = None if bare != name else FIELD_NAMES.get(field_key(name))
        self.mapping.setdefault(name, found or f"attribute {bare}")
        return found or ATTRIBUTE_PREFIX + bare

    def put(self, study: StudyFields, name: str, value: Value, line: int = 0,
            column: int = 0, where: str = "") -> None:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return
        target = self.target(name)
        made = self._field(target, value)
        if target.startswith(ATTRIBUTE_PREFIX) or made is None:
            if made is None and not target.startswith(ATTRIBUTE_PREFIX):
                self.diagnostics.append(problem(
                    "bad-value", self.file, line, column,
                    f"{where}{name!r} = {value!r} is not a {target} peersynth can read; "
                    f"kept as attribute {name!r}"))
            study.attributes[name if made is None else target[len(ATTRIBUTE_PREFIX):]] = \
                _attribute(value)
            return
        study.values[target] = made

    def _field(self, target: str, value: Value) -> Any:
        if target.startswith(ATTRIBUTE_PREFIX):
            return value
        if target in ("ref", "year"):
            number = _whole(value)
            low, high = (1, None) if target == "ref" else (1000, 9999)
            if number is None or number < low or (high is not None and number > high):
                return None
            return number
        text = _text(value)
        if target in ("authors", "countries"):
            parts = [part.strip() for part in re.split(";" if ";" in text else
                                                       ("," if target == "countries"
                                                        else ";"), text)]
            return [part for part in parts if part] or None
        if target in DEFAULT_VOCABULARIES:
            return self._in_vocabulary(target, text)
        return text

    def _in_vocabulary(self, name: str, text: str) -> str:
        known = {field_key(entry): entry for entry in DEFAULT_VOCABULARIES[name]}
        found = known.get(field_key(text))
        if found is not None:
            return found
        extras = self.extra.setdefault(name, [])
        for seen in extras:
            if field_key(seen) == field_key(text):
                return seen
        extras.append(text)
        return text

    def vocabularies(self) -> dict[str, list[str]]:
        """Each default vocabulary with the values met outside it, when there are some."""
        return {name: [*DEFAULT_VOCABULARIES[name], *extras]
                for name, extras in self.extra.items() if extras}

    def report(self) -> list[str]:
        lines = [f"{name!r} -> {target}" for name, target in self.mapping.items()]
        found = ["mapped: " + ", ".join(lines)] if lines else []
        found += [f"{name} values outside the default vocabulary, declared in "
                  f"vocabularies.{name}: " + ", ".join(map(repr, extras))
                  for name, extras in self.extra.items() if extras]
        return found


def _whole(value: Value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d(?:[T ].*)?", text):  # a date where a year is wanted
        return int(text[:4])
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _attribute(value: Value) -> str | int:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else str(value)
    return value


def study_entry(study: StudyFields) -> dict[str, Any]:
    """A study as studies.yaml writes it, fields in the format's order."""
    entry: dict[str, Any] = {"id": study.id}
    for name in ("ref", "key", "doi", "authors", "year", "title", "journal", "countries",
                 "design", "quality"):
        if name in study.values:
            entry[name] = study.values[name]
    if study.attributes:
        entry["attributes"] = dict(study.attributes)
    if "note" in study.values:
        entry["note"] = study.values["note"]
    return entry


def coding_entry(study: str, evidence: str | None, note: str | None) -> str | dict[str, str]:
    if evidence is None and note is None:
        return study
    entry = {"study": study}
    if evidence is not None:
        entry["evidence"] = evidence
    if note is not None:
        entry["note"] = note
    return entry


def theme_entries(codes: Sequence[Code], codings: dict[str, list[Any]],
                  kept: dict[str, Theme] | None = None,
                  ids: _Ids | None = None) -> list[dict[str, Any]]:
    """Codes as themes.yaml's theme tree. `codings` holds each code's coding entries by
    GUID key; `kept` the themes of an earlier themes.yaml by GUID key, whose id, codings
    and reported count carry over to the code of the same GUID."""
    kept = kept or {}
    ids = ids or _Ids(theme.id for theme in kept.values())

    def entry(code: Code) -> dict[str, Any]:
        old = kept.get(guid_key(code.guid))
        made: dict[str, Any] = {"id": old.id if old is not None else ids(code.name, "theme"),
                                "label": code.name}
        if code.description:
            made["description"] = code.description
        studies = list(codings.get(guid_key(code.guid), []))
        if old is not None:
            studies = [entry if isinstance(entry, str) else
                       coding_entry(entry.study, entry.evidence, entry.note)
                       for entry in old.studies]
            if old.reported is not None:
                made["reported"] = old.reported
        if studies:
            made["studies"] = studies
        if code.children:
            made["subthemes"] = [entry(child) for child in code.children]
        made["refi_guid"] = code.guid
        return made

    return [entry(code) for code in codes]


def review_of(project: Project, file: str,
              text_of: dict[str, str | None] | None = None) -> Imported:
    """A project as review files: studies from its cases (or, without cases, its
    sources), themes from its codes, each study x code coding once."""
    out = Imported()
    reader = FieldReader(file)
    codes_by_key: dict[str, Code] = {}
    for top in project.codes:
        for code in top.walk():
            codes_by_key.setdefault(guid_key(code.guid), code)
    variables = {guid_key(variable.guid): variable for variable in project.variables}
    sources = {guid_key(source.guid): source for source in project.sources}
    selections = {guid_key(selection.guid): (source, selection)
                  for source in project.sources for selection in source.selections}

    # Each study: a case, with the sources it names; or, without cases, a source.
    units: list[tuple[str, int, list[Source], list[str], list[VariableValue]]] = []
    if project.cases:
        linked: set[str] = set()
        for case in project.cases:
            own = [sources[guid_key(ref)] for ref in case.sources if guid_key(ref) in sources]
            for ref in case.sources:
                if guid_key(ref) not in sources:
                    out.diagnostics.append(problem(
                        "unknown-reference", file, case.line, 1,
                        f"Case {case.name!r} names source {ref}, which the project does "
                        "not hold; left out"))
            linked.update(guid_key(source.guid) for source in own)
            codes = list(case.codes)
            for ref in case.selections:
                selected = selections.get(guid_key(ref))
                if selected is None:
                    out.diagnostics.append(problem(
                        "unknown-reference", file, case.line, 1,
                        f"Case {case.name!r} names selection {ref}, which the project "
                        "does not hold; left out"))
                else:
                    codes.extend(selected[1].codes)
            values = list(case.values)
            for source in own:
                values.extend(source.values)
            units.append((case.name, case.line, own, codes, values))
        for source in project.sources:
            coded = source.codes or any(selection.codes for selection in source.selections)
            if guid_key(source.guid) not in linked and coded:
                out.diagnostics.append(problem(
                    "unlinked-source", file, source.line, 1,
                    f"TextSource {source.name!r} belongs to no Case: its codings are not "
                    "counted", "add the source to its study's case in the QDA program"))
    else:
        units = [(source.name, source.line, [source], [], list(source.values))
                 for source in project.sources]

    ids = _Ids()
    studies: list[StudyFields] = []
    codings: dict[str, list[Any]] = {}
    counted = 0
    for name, line, own, codes, values in units:
        study = StudyFields(ids(name, "study"))
        studies.append(study)
        seen_values: set[str] = set()
        for value in values:
            variable = variables.get(guid_key(value.variable))
            if variable is None:
                out.diagnostics.append(problem(
                    "unknown-reference", file, value.line, 1,
                    f"VariableValue of {name!r} names variable {value.variable}, which the "
                    "project does not declare; left out"))
                continue
            if variable.name in seen_values:
                continue  # a case's own value comes first; its sources' after it
            seen_values.add(variable.name)
            reader.put(study, variable.name, value.value, value.line, 1,
                       where=f"VariableValue of {name!r}: ")
        found = _codings_of(name, line, own, codes, codes_by_key, text_of or {}, file,
                            out.diagnostics, project.origin.startswith("peersynth"))
        for key, (evidences, notes) in found.items():
            counted += 1
            codings.setdefault(key, []).append(coding_entry(
                study.id, " [...] ".join(evidences) or None, "; ".join(notes) or None))

    reader.diagnostics, out.diagnostics = [], out.diagnostics + reader.diagnostics
    head: dict[str, Any] = {}
    if project.name.strip():
        head["review"] = {"title": project.name.strip()}
    vocabularies = reader.vocabularies()
    if vocabularies:
        head["vocabularies"] = vocabularies
    out.studies = {**head, "studies": [study_entry(study) for study in studies]}
    out.themes = {"themes": theme_entries(project.codes, codings)}
    source_word = "cases" if project.cases else "sources"
    out.summary.append(f"read {len(studies)} studies (from {source_word}), "
                       f"{len(codes_by_key)} codes, {counted} study x theme codings")
    out.summary += reader.report()
    return out


def _codings_of(name: str, line: int, own: Sequence[Source], codes: Sequence[str],
                codes_by_key: dict[str, Code], text_of: dict[str, str | None], file: str,
                diagnostics: list[Diagnostic],
                ours: bool) -> dict[str, tuple[list[str], list[str]]]:
    """One study's codings by code GUID key: the evidence and notes of each, every code
    once however often it is coded in the study's case and sources."""
    found: dict[str, tuple[list[str], list[str]]] = {}

    def add(code: str, evidence: str | None, note: str | None, at: int) -> None:
        key = guid_key(code)
        if key not in codes_by_key:
            diagnostics.append(problem(
                "unknown-reference", file, at, 1,
                f"a coding of {name!r} names code {code}, which the codebook does not "
                "hold; not counted"))
            return
        evidences, notes = found.setdefault(key, ([], []))
        if evidence and evidence not in evidences:
            evidences.append(evidence)
        if note and note not in notes:
            notes.append(note)

    for code in codes:
        add(code, None, None, line)
    for source in own:
        for code in source.codes:
            add(code, None, None, source.line)
        text = text_of.get(guid_key(source.guid), source.text)
        for selection in source.selections:
            evidence = _selected(text, selection, file, diagnostics)
            for code in selection.codes:
                shown = codes_by_key.get(guid_key(code))
                # A selection over just the code's name is how peersynth writes a coding
                # without evidence: it carries none back.
                kept = None if ours and shown is not None and evidence == shown.name \
                    else evidence
                add(code, kept, selection.description, selection.line)
    return found


def _selected(text: str | None, selection: Selection, file: str,
              diagnostics: list[Diagnostic]) -> str | None:
    if text is None:
        return None
    if not 0 <= selection.start <= selection.end <= len(text):
        diagnostics.append(problem(
            "bad-position", file, selection.line, 1,
            f"PlainTextSelection {selection.start}-{selection.end} lies outside its source's "
            f"{len(text)} characters: the coding counts, without evidence"))
        return None
    return " ".join(text[selection.start:selection.end].split()) or None
