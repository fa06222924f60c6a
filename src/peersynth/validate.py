"""Read a review folder completely: both files, their shape, and every cross-reference.

Never prints and never exits: the result is a `Report` whose diagnostics are
sorted by file and position, and which holds the review when it has no errors.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from peersynth.checks import Context, run_checks
from peersynth.diagnostics import Diagnostic, Severity, make
from peersynth.files import STUDIES_FILE, THEMES_FILE, ReviewFiles, display_name, read_review
from peersynth.loading import REJECTED, Document, Implicit, Limits, YamlPath, parse_bytes
from peersynth.models import (
    LONG_FORM,
    SHORT_FORM,
    Coding,
    Flow,
    ReviewInfo,
    StudiesFile,
    Study,
    Theme,
    ThemesFile,
)
from peersynth.report import Report as Report
from peersynth.review import Review, studies_file_from, themes_file_from
from peersynth.suggest import closest

_display = display_name


# What each mapping in the files may hold, for "did you mean" on unknown fields.
def _model_at(root: type[BaseModel], path: YamlPath) -> type[BaseModel] | None:
    names = [part for part in path if isinstance(part, str)]
    if root is StudiesFile:
        shapes: dict[tuple[str, ...], type[BaseModel]] = {
            (): StudiesFile, ("review",): ReviewInfo, ("review", "flow"): Flow,
            ("studies",): Study}
        return shapes.get(tuple(names))
    if not names or names[0] != "themes":
        return ThemesFile if not names else None
    rest = names[1:]
    while rest[:1] == ["subthemes"]:
        rest = rest[1:]
    shapes = {(): Theme, ("studies",): Coding}
    return shapes.get(tuple(rest))


_TYPE_NAMES = {
    "string_type": "text", "int_type": "a whole number", "float_type": "a number",
    "bool_type": "true or false", "list_type": "a list", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping",
}
_READ_AS = {bool: "a boolean", int: "a number", float: "a number", type(None): "empty (null)"}


def _describe(value: Any) -> str:
    if isinstance(value, Implicit):
        return "a date" if value.kind == "date" else "a number in a non-decimal form"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    return _READ_AS.get(type(value), type(value).__name__)


def _error_path(error: Any) -> YamlPath:
    """The error's place in the file, without the names pydantic gives union branches."""
    return tuple(part for part in error["loc"] if part not in (SHORT_FORM, LONG_FORM, "str", "int"))


def _shape_diagnostic(doc: Document, root: type[BaseModel], error: Any,
                      path: YamlPath) -> Diagnostic | None:
    value = error.get("input")
    if value is REJECTED:
        return None
    kind: str = error["type"]
    file = doc.file

    def at(code: str, message: str, hint: str | None = None, *, key: bool = False) -> Diagnostic:
        line, column = doc.position(path, key=key)
        return make(code, file, line, column, message, hint)

    name = str(path[-1]) if path else ""
    if kind == "extra_forbidden":
        model = _model_at(root, path[:-1])
        fields = list(model.model_fields) if model is not None else []
        hint = None
        near = closest(name, fields) if fields else []
        if near:
            hint = f"did you mean '{near[0]}'?"
        elif model is Study:
            hint = "reviewer-defined fields go under 'attributes:'"
        return at("unknown-field", f"unknown field '{name}'", hint or
                  ("allowed: " + ", ".join(fields) if fields else None), key=True)
    if kind == "missing":
        where = path[:-1]
        line, column = doc.position(where)
        return make("missing-field", file, line, column, f"'{name}' is required",
                    f"add '{name}:'")
    if not path and kind in _TYPE_NAMES:
        top = "studies" if root is StudiesFile else "themes"
        return at("wrong-shape", f"the file holds {_describe(value)}, not a mapping",
                  f"start the file with '{top}:'")
    if kind in _TYPE_NAMES:
        wanted = _TYPE_NAMES[kind]
        source = doc.plain_text(path)
        shown = value.text if isinstance(value, Implicit) else source
        if kind == "string_type" and shown is not None:
            return at("unquoted-string",
                      f"'{shown}' is read as {_describe(value)}, not text",
                      f"write it in quotes: \"{shown}\"")
        detail = f"'{shown}' is {_describe(value)}" if shown is not None \
            else f"got {_describe(value)}"
        hint = None
        if isinstance(value, Implicit) and value.kind == "number":
            hint = "write a plain decimal number"
        elif isinstance(value, str) and kind in ("int_type", "float_type"):
            hint = "remove the quotes"
        return at("wrong-type", f"'{name}' must be {wanted}; {detail}" if name else
                  f"expected {wanted}; {detail}", hint)
    if kind == "string_pattern_mismatch":
        return at("invalid-id", f"'{value}' is not a lowercase slug",
                  "use lowercase letters, digits and single '-' or '_', e.g. 'ref44'")
    return at("invalid-value", f"'{name}': {error['msg'].lower()}" if name else error["msg"])


def _shape_errors(doc: Document, root: type[BaseModel], exc: ValidationError,
                  ) -> list[Diagnostic]:
    found: dict[YamlPath, Diagnostic] = {}
    for error in exc.errors(include_url=False):
        path = _error_path(error)
        diagnostic = _shape_diagnostic(doc, root, error, path)
        if diagnostic is not None:
            # One problem per place: a union's branches each report the same value.
            found.setdefault(path, diagnostic)
    return list(found.values())


@dataclass(frozen=True)
class Shaped:
    """A file's model, kept even when some items of its main list are broken.

    `kept` are the indices, in the file, of the items the model holds, so that
    cross-file checks can still run on the sound items and point at the right lines.
    """

    model: Any
    kept: list[int]
    diagnostics: list[Diagnostic]


def _validate_shape(doc: Document, root: type[BaseModel], items: str) -> Shaped:
    try:
        model = root.model_validate(doc.data)
        return Shaped(model, list(range(len(getattr(model, items)))), [])
    except ValidationError as exc:
        diagnostics = _shape_errors(doc, root, exc)
        locs = [error["loc"] for error in exc.errors(include_url=False)]
    data = doc.data
    if not (isinstance(data, dict) and isinstance(data.get(items), list)
            and all(len(loc) > 1 and loc[0] == items for loc in locs)):
        return Shaped(None, [], diagnostics)
    broken = {loc[1] for loc in locs}
    kept = [index for index in range(len(data[items])) if index not in broken]
    try:
        model = root.model_validate({**data, items: [data[items][i] for i in kept]})
    except ValidationError:  # pragma: no cover - the kept items each validated above
        return Shaped(None, [], diagnostics)
    return Shaped(model, kept, diagnostics)


def _read(data: bytes | list[Diagnostic], file: str, root: type[BaseModel], items: str,
          limits: Limits) -> tuple[Document | None, Shaped]:
    if isinstance(data, list):  # the file could not be read within the limits
        return None, Shaped(None, [], data)
    doc, diagnostics = parse_bytes(data, file, limits)
    if doc is None:
        return None, Shaped(None, [], diagnostics)
    shaped = _validate_shape(doc, root, items)
    return doc, Shaped(shaped.model, shaped.kept, diagnostics + shaped.diagnostics)


def _raw_ids(doc: Document) -> frozenset[str]:
    """Ids of every study written in the file, sound or not, so that a coding to a
    study with some other problem is not also reported as unknown."""
    studies = doc.data.get("studies") if isinstance(doc.data, dict) else None
    if not isinstance(studies, list):
        return frozenset()
    return frozenset(item["id"] for item in studies
                     if isinstance(item, dict) and isinstance(item.get("id"), str))


def validate_folder(folder: Path, limits: Limits | None = None,
                    files: ReviewFiles | None = None) -> Report:
    """Everything wrong with the review in `folder`, and the review itself when it is sound.

    `files`: the folder's files as already read (`read_review`), so that a caller that
    keys anything on their bytes (the cache) gets the report of those very bytes.
    """
    # Reading allocates millions of small objects, none of them in reference cycles, so
    # the cyclic collector would only rescan them again and again: it waits until the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        limits = limits or Limits.from_env()
        return _validate_folder(folder, limits, files or read_review(folder, limits))
    finally:
        if collecting:
            gc.enable()


def _validate_folder(folder: Path, limits: Limits, files: ReviewFiles) -> Report:
    studies_doc, studies = _read(files.studies, _display(folder, STUDIES_FILE), StudiesFile,
                                 "studies", limits)
    themes_doc, themes = _read(files.themes, _display(folder, THEMES_FILE), ThemesFile,
                               "themes", limits)
    found = studies.diagnostics + themes.diagnostics
    # What passed the schema, as the plain records the checks and the reports read.
    studies_file = None if studies.model is None else studies_file_from(studies.model)
    themes_file = None if themes.model is None else themes_file_from(themes.model)
    if studies_file is not None and studies_doc is not None:
        found.extend(run_checks(Context(
            studies_file, studies_doc, studies.kept, _raw_ids(studies_doc),
            themes_file, themes_doc, themes.kept,
            complete=not studies.diagnostics and not themes.diagnostics)))
    diagnostics = tuple(sorted(found, key=Diagnostic.sort_key))
    has_errors = any(d.severity is Severity.ERROR for d in diagnostics)
    review = None if has_errors or studies_file is None or themes_file is None else Review(
        studies_file, themes_file)
    return Report(folder, (_display(folder, STUDIES_FILE), _display(folder, THEMES_FILE)),
                  diagnostics, review)
