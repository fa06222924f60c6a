"""Read a review folder completely: both files, their shape, and every cross-reference.

Never prints and never exits: the result is a `Report` whose diagnostics are
sorted by file and position, and which holds the review when it has no errors.

A problem never hides another. When a file does not pass the schema as a whole,
each study and each theme (without its subthemes, which are read on their own)
is validated by itself; a broken field is left out of its item, not the item out
of the review, so every check still runs on everything that can be judged. Only
a judgement that the broken part makes unreliable is withheld: a study is not
called uncoded, nor a theme empty or its `reported` count wrong, when a coding
that could not be read names that study or lies under that theme.

Cost stays bounded whatever the input: at most `MAX_PROBLEMS` diagnostics are
built per file (the rest are counted, and the report says how many, and those past
the shown ones are not even placed in the file when their order is known), items
and the entries of an item's long list are validated in chunks so that pydantic
never holds the errors of a whole file or list, and a hint that needs a search
(did you mean) is worked out only for what is shown.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from peersynth.checks import CHECKS, Context, run_checks
from peersynth.confidence.models import FindingsFile as FindingsModel
from peersynth.confidence.models import model_at as findings_model_at
from peersynth.confidence.read import FindingsRead, read_findings
from peersynth.diagnostics import Diagnostic, Severity, make
from peersynth.files import (
    FINDINGS_FILE,
    STUDIES_FILE,
    THEMES_FILE,
    ReviewFiles,
    display_name,
    read_review,
)
from peersynth.loading import (
    LONG_LIST,
    REJECTED,
    Document,
    Implicit,
    Limits,
    YamlPath,
    parse_bytes,
)
from peersynth.models import (
    LONG_FORM,
    SHORT_FORM,
    SLUG_PATTERN,
    Coding,
    Flow,
    ReviewInfo,
    StudiesFile,
    Study,
    Theme,
    ThemesFile,
)
from peersynth.references.link import filled
from peersynth.references.load import Loaded
from peersynth.references.load import load as load_bibliography
from peersynth.report import Omitted
from peersynth.report import Report as Report
from peersynth.review import StudiesFile as StudiesRecord
from peersynth.review import Theme as ThemeRecord
from peersynth.review import studies_file_from, theme_from
from peersynth.suggest import closest

_display = display_name

MAX_PROBLEMS: Final = 100
"""Diagnostics shown per file by default; the rest are counted and summed up in one line.
0 shows them all."""

MAX_THEME_LEVELS: Final = 100
"""Levels of subthemes a theme tree may hold."""

# Items validated at once: a chunk that fails is validated again item by item, so
# pydantic never holds more than this many items' errors. The entries of an item's long
# list (a theme's million codings) are validated in chunks of the same size, and an item
# that holds one is never validated whole (see Document.holds_long_list).
_CHUNK: Final = LONG_LIST
# Errors of one chunk turned into Python at once; past this, its broken items are found
# one at a time, and their long lists validated a chunk at a time.
_MAX_ERRORS: Final = 10 * _CHUNK
# How often one item is validated again with its broken fields left out.
_SALVAGE_ROUNDS: Final = 4


# What each mapping in the files may hold, for "did you mean" on unknown fields.
def _model_at(root: type[BaseModel], path: YamlPath) -> type[BaseModel] | None:
    names = [part for part in path if isinstance(part, str)]
    if root is FindingsModel:
        return findings_model_at(names)
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
_FLOW_FIELDS: Final = frozenset(Flow.model_fields)
# An example of a good value, for hints on fields that take a whole number.
_EXAMPLES: Final = {"year": "2021", "ref": "12"}


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


def _bound_message(name: str, error: Any, value: Any) -> tuple[str, str | None]:
    """A number out of its range, in the reviewer's terms."""
    if name == "year":
        return (f"'year' must be a four-digit year such as 2021; {value} is not",
                "write the year of publication in four digits")
    if name == "ref":
        return (f"'ref' must be 1 or more, the study's number in the manuscript's reference "
                f"list; {value} is not", "write the number the reference list gives the study")
    if name in _FLOW_FIELDS:
        return (f"'{name}' must be a count of 0 or more; {value} is not",
                "write the number from the PRISMA flow diagram")
    context = error.get("ctx") or {}
    if "ge" in context:
        return f"'{name}' must be {context['ge']} or more; {value} is not", None
    return f"'{name}' must be {context.get('le')} or less; {value} is not", None


def _empty_message(path: YamlPath, kind: str) -> tuple[str, str]:
    """An empty text or an empty list, where something must be written."""
    name = path[-1] if path else ""
    if isinstance(name, int):  # an entry of a list
        owner = path[-2] if len(path) > 1 else ""
        if len(path) > 2 and path[0] == "vocabularies":
            return f"an entry of the '{owner}' vocabulary is empty", "remove the empty entry"
        return f"an entry of '{owner}' is empty", "remove the empty entry"
    if kind == "too_short":
        if name == "countries":
            return ("'countries' lists no country",
                    "name the study's countries, or remove 'countries:' if it reports none")
        return f"'{name}' is an empty list", f"add at least one entry, or remove '{name}:'"
    if name == "label":
        return "'label' is empty", "write the theme's label as the manuscript gives it"
    return f"'{name}' is empty", f"write the {name}, or remove '{name}:'"


@dataclass
class _Shown:
    """The diagnostics to show: per file at most `cap` (0: all), the first in position
    order; every one found is counted, shown or not."""

    cap: int
    shown: dict[str, list[Diagnostic]] = field(default_factory=dict)
    # Per file, once `cap` are kept: the sort key of the last one; nothing after it shows.
    threshold: dict[str, tuple[str, int, int, str, str]] = field(default_factory=dict)
    counts: dict[str, list[int]] = field(default_factory=dict)

    def count(self, file: str, severity: Severity, number: int = 1) -> None:
        counts = self.counts.setdefault(file, [0, 0])
        counts[severity is Severity.WARNING] += number

    def shows(self, file: str, line: int, column: int) -> bool:
        """Whether a diagnostic at this place could still be shown."""
        limit = self.threshold.get(file)
        return limit is None or (line, column) <= limit[1:3]

    def add(self, diagnostic: Diagnostic) -> None:
        self.count(diagnostic.file, diagnostic.severity)
        limit = self.threshold.get(diagnostic.file)
        if limit is not None and diagnostic.sort_key() >= limit:
            return
        kept = self.shown.setdefault(diagnostic.file, [])
        kept.append(diagnostic)
        if self.cap and len(kept) >= 2 * self.cap:
            self._trim(diagnostic.file)

    def _trim(self, file: str) -> None:
        kept = self.shown[file]
        kept.sort(key=Diagnostic.sort_key)
        if self.cap and len(kept) >= self.cap:
            del kept[self.cap:]
            self.threshold[file] = kept[-1].sort_key()

    def result(self, files: Iterable[str]) -> tuple[list[Diagnostic], list[Omitted]]:
        shown: list[Diagnostic] = []
        omitted: list[Omitted] = []
        for file in dict.fromkeys([*files, *self.counts]):
            self.shown.setdefault(file, [])
            self._trim(file)
            kept = self.shown[file]
            errors, warnings = self.counts.get(file, [0, 0])
            errors -= sum(d.severity is Severity.ERROR for d in kept)
            warnings -= sum(d.severity is Severity.WARNING for d in kept)
            shown.extend(kept)
            if errors or warnings:
                omitted.append(Omitted(file, errors, warnings))
        shown.sort(key=Diagnostic.sort_key)
        return shown, omitted


_LINE_BREAK: Final = re.compile(r"\r\n?|\n")
_SLUG: Final = re.compile(SLUG_PATTERN)


class _Shape:
    """Validates one file's values against its schema, as finely as it must."""

    def __init__(self, doc: Document, root: type[BaseModel], shown: _Shown) -> None:
        self.doc = doc
        self.root = root
        self.shown = shown
        self._line_starts: list[int] | None = None
        # Diagnostics built so far, and whether errors are only to be counted.
        self.built = 0
        self.counting = False

    # Diagnostics.

    def _quoted(self, line: int, column: int) -> bool:
        """Whether the value written at this place opens with a quote."""
        if self._line_starts is None:
            text = self.doc.text
            self._line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        if line > len(self._line_starts):
            return False
        offset = self._line_starts[line - 1] + column - 1
        return self.doc.text[offset:offset + 1] in ("'", '"')

    def report(self, errors: list[Any], base: YamlPath) -> None:
        """A diagnostic for each place with errors; one per place, since a union's
        branches each report the same value. Only those that can be shown are built."""
        places: dict[YamlPath, Any] = {}
        for error in errors:
            if error.get("input") is not REJECTED:
                places.setdefault((*base, *_error_path(error)), error)
        file = self.doc.file
        if self.counting:
            self.shown.count(file, Severity.ERROR, len(places))
            return
        for path, error in places.items():
            kind = error["type"]
            if kind == "extra_forbidden":
                line, column = self.doc.position(path, key=True)
            else:
                line, column = self.doc.position(path[:-1] if kind == "missing" else path)
            if self.shown.shows(file, line, column):
                code, message, hint = self._describe(error, path, line, column)
                self.shown.add(make(code, file, line, column, message, hint))
                self.built += 1
            else:
                self.shown.count(file, Severity.ERROR)

    def _describe(self, error: Any, path: YamlPath, line: int,
                  column: int) -> tuple[str, str, str | None]:
        value = error.get("input")
        kind: str = error["type"]
        name = str(path[-1]) if path else ""
        if kind == "extra_forbidden":
            model = _model_at(self.root, path[:-1])
            fields = list(model.model_fields) if model is not None else []
            near = closest(name, fields) if fields else []
            if near:
                hint: str | None = f"did you mean '{near[0]}'?"
            elif model is Study:
                hint = "reviewer-defined fields go under 'attributes:'"
            else:
                hint = "allowed: " + ", ".join(fields) if fields else None
            return "unknown-field", f"unknown field '{name}'", hint
        if kind == "missing":
            return "missing-field", f"'{name}' is required", f"add '{name}:'"
        if not path and kind in _TYPE_NAMES:
            top = {StudiesFile: "studies", FindingsModel: "findings"}.get(self.root, "themes")
            return ("wrong-shape", f"the file holds {_describe(value)}, not a mapping",
                    f"start the file with '{top}:'")
        if kind in _TYPE_NAMES:
            return self._wrong_type(kind, name, value, path, line, column)
        if kind == "string_pattern_mismatch":
            return ("invalid-id", f"'{value}' is not a lowercase slug",
                    "use lowercase letters, digits and single '-' or '_', e.g. 'ref44'")
        if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            message, hint = _bound_message(name, error, value)
            return "invalid-value", message, hint
        if kind in ("string_too_short", "too_short"):
            message, hint = _empty_message(path, kind)
            return "invalid-value", message, hint
        # No other kind of error can come from the schema; said plainly should one appear.
        return ("invalid-value", f"'{name}' has a value peersynth cannot read" if name
                else "a value peersynth cannot read", "see `peersynth schema` for what it takes")

    def _wrong_type(self, kind: str, name: str, value: Any, path: YamlPath, line: int,
                    column: int) -> tuple[str, str, str | None]:
        wanted = _TYPE_NAMES[kind]
        source = self.doc.plain_text(path)
        shown = value.text if isinstance(value, Implicit) else source
        if kind == "string_type" and shown is not None:
            return ("unquoted-string", f"'{shown}' is read as {_describe(value)}, not text",
                    f"write it in quotes: \"{shown}\"")
        if shown is None and isinstance(value, str):
            shown = value
        detail = f"'{shown}' is {_describe(value)}" if shown is not None \
            else f"got {_describe(value)}"
        hint = None
        if isinstance(value, Implicit) and value.kind == "number":
            hint = "write a plain decimal number"
        elif isinstance(value, str) and kind in ("int_type", "float_type"):
            # Quotes are only worth removing when they are there and hold a number.
            if self._quoted(line, column) and re.fullmatch(r"[-+]?[0-9]+(\.[0-9]*)?", value):
                hint = "remove the quotes"
            else:
                hint = f"write the number in digits, e.g. {_EXAMPLES.get(name, '12')}"
        elif isinstance(value, str) and kind == "list_type":
            hint = f"write it as a list: [{value}]"
        if path and isinstance(path[-1], int):  # an entry of a list
            owner = path[-2] if len(path) > 1 else ""
            what = {"studies": "study", "themes": "theme", "subthemes": "subtheme"}.get(
                str(owner), "entry")
            if kind in ("model_type", "dict_type") and what != "entry":
                hint = f"write each {what} as a mapping, starting '- id: ...'"
            return ("wrong-type", f"each entry of '{owner}' must be {wanted}; {detail}", hint)
        return ("wrong-type", f"'{name}' must be {wanted}; {detail}" if name
                else f"expected {wanted}; {detail}", hint)

    # Validation that keeps what is sound.

    def salvage(self, model: type[BaseModel] | TypeAdapter[Any], item: Any, base: YamlPath,
                drop: Callable[[YamlPath], tuple[YamlPath, Any] | None]) -> Any:
        """`item` validated, its errors reported, and the model of what is sound in it:
        each broken part left out (or, where the item cannot do without it, replaced
        by a stand-in) as `drop` says; None when the item cannot be read at all."""
        validate = model.model_validate if isinstance(model, type) else model.validate_python
        current = self._long_lists(model, item, base, drop) \
            if isinstance(model, type) and isinstance(item, dict) else item
        for round_ in range(_SALVAGE_ROUNDS):
            try:
                return validate(current)
            except ValidationError as exc:
                errors = exc.errors(include_url=False)
            if round_ == 0:
                self.report(errors, base)
            if not isinstance(current, dict):
                return None
            changes: list[tuple[YamlPath, Any]] = []
            for error in errors:
                where = drop(_error_path(error))
                if where is None:
                    return None
                changes.append(where)
            current = _replace(current, changes)
        return None  # pragma: no cover - each round leaves out every broken part

    def _long_lists(self, model: type[BaseModel], item: dict[str, Any], base: YamlPath,
                    drop: Callable[[YamlPath], tuple[YamlPath, Any] | None]) -> dict[str, Any]:
        """`item` with the broken entries of each of its long lists left out (or replaced)
        as `drop` says, their errors reported: such a list is validated a chunk at a time,
        so pydantic never turns the errors of all its entries into Python at once."""
        copy: dict[str, Any] | None = None
        copied: set[int] = set()
        for name, values in item.items():
            if not (isinstance(values, list) and len(values) > _CHUNK
                    and name in model.model_fields):
                continue
            adapter = _field_adapter(model, name)
            outer, before = self.counting, self.built
            try:
                for start in range(0, len(values), _CHUNK):
                    broken = self._broken_entries(adapter, values, start, (*base, name))
                    # Entries are in file order: once as many as are shown were built from
                    # this list, the errors of later ones are only counted.
                    self.counting = outer or (self.shown.cap > 0
                                              and self.built - before >= self.shown.cap)
                    changes = [where for where in map(drop, ((name, n) for n in broken))
                               if where is not None]
                    if changes:
                        if copy is None:
                            copy = dict(item)
                            copied.add(id(copy))
                        _apply(copy, copied, changes)
            finally:
                self.counting = outer
        return item if copy is None else copy

    def _broken_entries(self, adapter: TypeAdapter[Any], values: list[Any], start: int,
                        base: YamlPath) -> list[int]:
        """The index of each broken entry of the chunk of `values` from `start`, its errors
        reported."""
        try:
            adapter.validate_python(values[start:start + _CHUNK])
            return []
        except ValidationError as exc:
            errors = [error for error in exc.errors(include_url=False) if error["loc"]]
        if self.counting:  # as report() would, without the paths in the file
            self.shown.count(self.doc.file, Severity.ERROR, len(
                {_error_path(error) for error in errors if error.get("input") is not REJECTED}))
        else:
            self.report([{**error, "loc": (start + int(error["loc"][0]), *error["loc"][1:])}
                         for error in errors], base)
        return [start + int(number) for number in dict.fromkeys(
            error["loc"][0] for error in errors)]


_LEAVE_OUT: Final = object()


def _replace(mapping: dict[str, Any], changes: list[tuple[YamlPath, Any]]) -> dict[str, Any]:
    """A copy of `mapping` with the value at each place left out (or replaced by its
    stand-in). Each container on the way is copied once, however many places it holds:
    a list with a hundred thousand broken items is not copied for each of them."""
    copy = dict(mapping)
    _apply(copy, {id(copy)}, changes)
    return copy


def _apply(mapping: dict[str, Any], copied: set[int], changes: list[tuple[YamlPath, Any]],
           ) -> None:
    """Make `changes` in `mapping`, copying each container on the way not yet `copied`."""
    for place, stand_in in changes:
        container: Any = mapping
        for part in place[:-1]:
            inner = container.get(part) if isinstance(container, dict) else None
            if not isinstance(inner, dict | list):
                break
            if id(inner) not in copied:
                inner = dict(inner) if isinstance(inner, dict) else list(inner)
                copied.add(id(inner))
                container[part] = inner
            container = inner
        else:
            last = place[-1]
            if isinstance(container, dict):
                if stand_in is not _LEAVE_OUT:
                    container[last] = stand_in  # also where it is missing
                elif last in container:
                    del container[last]
            elif isinstance(container, list) and isinstance(last, int) and last < len(container):
                container[last] = stand_in


def _study_drop(loc: YamlPath) -> tuple[YamlPath, Any] | None:
    if not loc or loc[0] == "id":
        return None  # a study without a readable id cannot be judged by itself
    if loc[0] == "attributes" and len(loc) > 1:
        return loc[:2], _LEAVE_OUT
    return loc[:1], _LEAVE_OUT


def _studies_root_drop(broken_vocabularies: set[str]) -> Callable[
        [YamlPath], tuple[YamlPath, Any] | None]:
    def drop(loc: YamlPath) -> tuple[YamlPath, Any] | None:
        if not loc:
            return None
        if loc[:2] == ("review", "flow") and len(loc) > 2:
            return loc[:3], _LEAVE_OUT
        if loc[0] == "review" and len(loc) > 1:
            return loc[:2], _LEAVE_OUT
        if loc[0] == "vocabularies":
            # A vocabulary with a broken entry is not used at all: its entries' places
            # must stay those of the file, and a smaller list would reject good values.
            broken_vocabularies.add(str(loc[1]) if len(loc) > 1 else "")
            return loc[:2], _LEAVE_OUT
        return loc[:1], [] if loc[0] == "studies" else _LEAVE_OUT
    return drop


def _strings(value: Any, into: set[str]) -> None:
    """Every text in a value that could not be read, iteratively."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            into.add(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_STAND_IN: Final = "x"


@dataclass
class _Themes:
    """What could be read of themes.yaml."""

    roots: list[ThemeRecord] = field(default_factory=list)
    nodes: list[tuple[ThemeRecord, YamlPath]] = field(default_factory=list)
    coding_index: dict[YamlPath, list[int]] = field(default_factory=dict)
    unreadable: dict[YamlPath, frozenset[str]] = field(default_factory=dict)
    no_id: set[YamlPath] = field(default_factory=set)


def _theme_drop(holes: list[int], broken: list[YamlPath]) -> Callable[
        [YamlPath], tuple[YamlPath, Any] | None]:
    def drop(loc: YamlPath) -> tuple[YamlPath, Any] | None:
        if not loc:
            return None
        if loc[0] in ("id", "label"):
            broken.append(loc[:1])
            return loc[:1], _STAND_IN
        if loc[0] == "studies" and len(loc) > 1 and isinstance(loc[1], int):
            holes.append(loc[1])
            return loc[:2], _STAND_IN
        broken.append(loc[:1])
        return loc[:1], _LEAVE_OUT
    return drop


def _read_theme(shape: _Shape, node: Any, path: YamlPath, out: _Themes, *,
                whole: bool = True) -> tuple[ThemeRecord | None, frozenset[str]]:
    """One theme node and its subtree; also the texts of its subtree that could not be read
    (a coding whose study is among them may be missing from the counts)."""
    if path.count("subthemes") >= MAX_THEME_LEVELS:
        # Deeper trees would exhaust the recursion of the schema and of the reports.
        line, column = shape.doc.position(path)
        shape.shown.add(make("too-deep", shape.doc.file, line, column,
                             f"subthemes nested more than {MAX_THEME_LEVELS} levels deep",
                             "flatten the theme tree"))
        deep: set[str] = set()
        _strings(node, deep)
        return None, frozenset(deep)
    # `whole`: the subtree may be sound (the usual case), so it is tried at once first.
    sound = _quiet(Theme, node) if whole and not shape.doc.holds_long_list(node) else None
    if sound is not None:
        record = theme_from(sound)
        _walk(record, path, out)
        return record, frozenset()
    holes: list[int] = []
    broken: list[YamlPath] = []
    subthemes = node.get("subthemes") if isinstance(node, dict) else None
    own = {k: v for k, v in node.items() if k != "subthemes"} \
        if isinstance(node, dict) and isinstance(subthemes, list) else node
    model = shape.salvage(Theme, own, path, _theme_drop(holes, broken))
    unreadable: set[str] = set()
    if model is None:
        _strings(node, unreadable)
        return None, frozenset(unreadable)
    raw_codings = node.get("studies")
    _strings([raw_codings[hole] for hole in holes], unreadable)
    if ("studies",) in broken:
        _strings(raw_codings, unreadable)
    if ("subthemes",) in broken:
        _strings(subthemes, unreadable)
    record = theme_from(model)
    left_out = set(holes)
    kept = [index for index in range(len(record.studies)) if index not in left_out]
    changes: dict[str, Any] = {}
    if holes:
        changes["studies"] = [record.studies[index] for index in kept]
        out.coding_index[path] = kept
    if ("label",) in broken:
        changes["label"] = ""
    if ("id",) in broken:
        changes["id"] = ""
        out.no_id.add(path)
    position = len(out.nodes)
    out.nodes.append((record, path))  # replaced below, once the subthemes are read
    children: list[ThemeRecord] = []
    for number, sub in enumerate(subthemes if isinstance(subthemes, list) else ()):
        child, lost = _read_theme(shape, sub, (*path, "subthemes", number), out)
        unreadable |= lost
        if child is not None:
            children.append(child)
    changes["subthemes"] = children
    record = dataclasses.replace(record, **changes)
    out.nodes[position] = (record, path)
    if unreadable:
        out.unreadable[path] = frozenset(unreadable)
    return record, frozenset(unreadable)


def _walk(record: ThemeRecord, path: YamlPath, out: _Themes) -> None:
    stack = [(record, path)]
    while stack:
        theme, where = stack.pop()
        out.nodes.append((theme, where))
        stack.extend((sub, (*where, "subthemes", number))
                     for number, sub in reversed(list(enumerate(theme.subthemes))))


def _quiet(model: type[BaseModel], value: Any) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _without(data: dict[str, Any], items: str) -> dict[str, Any]:
    """The file's mapping with its main list emptied, to validate the rest on its own."""
    return {**data, items: []} if isinstance(data.get(items), list) else data


_LISTS: dict[type[BaseModel], TypeAdapter[Any]] = {}
_FIELDS: dict[tuple[type[BaseModel], str], TypeAdapter[Any]] = {}


def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """Validates a value, or part of a list, as field `name` of `model` would."""
    key = (model, name)
    if key not in _FIELDS:
        info = model.model_fields[name]
        kind: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata \
            else info.annotation
        _FIELDS[key] = TypeAdapter(kind, config=ConfigDict(strict=True))
    return _FIELDS[key]


def _list_of(model: type[BaseModel]) -> TypeAdapter[Any]:
    if model not in _LISTS:
        _LISTS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return _LISTS[model]


def _chunks(shape: _Shape, model: type[BaseModel], items: list[Any], name: str,
            broken: Callable[[int, Any], None]) -> Iterator[tuple[int, Any]]:
    """(index, model) of each sound item of the file's main list, in file order; each
    broken item's index and value go to `broken` (which reports it), sound ones' errors
    need no second look. A chunk is validated at once, so pydantic never holds the errors
    of more than one chunk."""
    adapter = _list_of(model)
    before = shape.built
    for start in range(0, len(items), _CHUNK):
        chunk = items[start:start + _CHUNK]
        errors: list[Any] | None = None
        if not (shape.doc.has_long_lists and any(map(shape.doc.holds_long_list, chunk))):
            try:
                yield from enumerate(adapter.validate_python(chunk), start)
                continue
            except ValidationError as exc:
                if exc.error_count() <= _MAX_ERRORS:
                    errors = list(exc.errors(include_url=False))
        by_item: dict[int, list[Any]] = {}
        for error in errors or ():
            by_item.setdefault(int(error["loc"][0]), []).append(error)
        if errors is None:
            # An item with a long list is among them, or many errors: every mapping is
            # salvaged (which a sound one passes as it is); anything else is one error.
            for number, item in enumerate(chunk):
                if isinstance(item, dict):
                    by_item[number] = []
                    continue
                try:
                    model.model_validate(item)
                except ValidationError as one:
                    by_item[number] = [{**error, "loc": (number, *error["loc"])}
                                       for error in one.errors(include_url=False)]
        sound = [number for number in range(len(chunk)) if number not in by_item]
        models = iter(adapter.validate_python([chunk[number] for number in sound]))
        counted = 0  # errors of items that only need counting, counted together
        for number, item in enumerate(chunk):
            index = start + number
            if number not in by_item:
                yield index, next(models)
                continue
            # Items are in file order and each one's errors lie within it: once as many
            # as are shown were built from earlier items, later ones are only counted.
            shape.counting = shape.shown.cap > 0 and shape.built - before >= shape.shown.cap
            if isinstance(item, dict):
                broken(index, item)
            elif shape.counting:  # nothing in it to keep, nor to show: only counted
                errors = by_item[number]
                counted += (errors[0].get("input") is not REJECTED) if len(errors) == 1 \
                    else len({_error_path(error) for error in errors
                              if error.get("input") is not REJECTED})
                broken(index, None)
            else:  # nothing in it to keep: its errors are reported as they are
                shape.report([{**error, "loc": error["loc"][1:]} for error in by_item[number]],
                             (name, index))
                broken(index, None)
        shape.counting = False
        if counted:
            shape.shown.count(shape.doc.file, Severity.ERROR, counted)


@dataclass
class _Studies:
    """What could be read of studies.yaml."""

    record: StudiesRecord
    kept: list[int]
    broken_vocabularies: frozenset[str]


def _read_studies(doc: Document, shown: _Shown) -> _Studies | None:
    shape = _Shape(doc, StudiesFile, shown)
    data = doc.data
    if not isinstance(data, dict):
        shape.salvage(StudiesFile, data, (), lambda loc: None)
        return None
    broken: set[str] = set()
    root = shape.salvage(StudiesFile, _without(data, "studies"), (),
                            _studies_root_drop(broken))
    items = data.get("studies")
    models: list[Study] = []
    kept: list[int] = []

    def salvage(index: int, item: Any) -> None:
        if item is not None:
            model = shape.salvage(Study, item, ("studies", index), _study_drop)
            if model is not None:
                models.append(model)
                kept.append(index)

    if isinstance(items, list):
        for index, model in _chunks(shape, Study, items, "studies", salvage):
            models.append(model)
            kept.append(index)
    review = root.review if root is not None else None
    vocabularies = root.vocabularies if root is not None else {}
    if root is None and isinstance(data.get("vocabularies"), dict):
        broken.update(str(name) for name in data["vocabularies"])
    record = studies_file_from({"review": review, "vocabularies": vocabularies,
                                "studies": models})
    return _Studies(record, kept, frozenset(broken))


def _read_themes(doc: Document, shown: _Shown) -> _Themes | None:
    shape = _Shape(doc, ThemesFile, shown)
    data = doc.data
    if not isinstance(data, dict):
        shape.salvage(ThemesFile, data, (), lambda loc: None)
        return None
    shape.salvage(ThemesFile, _without(data, "themes"), (), lambda loc: (
        loc[:1], [] if loc[0] == "themes" else _LEAVE_OUT) if loc else None)
    items = data.get("themes")
    if not isinstance(items, list):
        return None
    out = _Themes()

    def salvage(index: int, item: Any) -> None:
        path: YamlPath = ("themes", index)
        if item is None:  # not a mapping: only its texts are kept, as possible codings
            lost: set[str] = set()
            _strings(items[index], lost)
            if lost:
                out.unreadable[path] = frozenset(lost)
            return
        record, texts = _read_theme(shape, item, path, out, whole=False)
        if record is not None:
            out.roots.append(record)
        elif texts:
            out.unreadable[path] = texts

    for index, model in _chunks(shape, Theme, items, "themes", salvage):
        record = theme_from(model)
        _walk(record, ("themes", index), out)
        out.roots.append(record)
    return out


def _parse(data: bytes | list[Diagnostic], file: str, limits: Limits,
           shown: _Shown) -> Document | None:
    if isinstance(data, list):  # the file could not be read within the limits
        for diagnostic in data:
            shown.add(diagnostic)
        return None
    doc, diagnostics = parse_bytes(data, file, limits)
    for diagnostic in diagnostics:
        shown.add(diagnostic)
    return doc


def _unread_studies(doc: Document | None) -> int:
    """How many study items have no id that is a slug."""
    studies = doc.data.get("studies") if doc is not None and isinstance(doc.data, dict) \
        else None
    if not isinstance(studies, list):
        return 0
    return sum(not (isinstance(item, dict) and isinstance(item.get("id"), str)
                    and _SLUG.fullmatch(item["id"])) for item in studies)


def _raw_ids(doc: Document | None) -> frozenset[str]:
    """Ids of every study written in the file, sound or not, so that a coding to a
    study with some other problem is not also reported as unknown."""
    studies = doc.data.get("studies") if doc is not None and isinstance(doc.data, dict) \
        else None
    if not isinstance(studies, list):
        return frozenset()
    return frozenset(item["id"] for item in studies
                     if isinstance(item, dict) and isinstance(item.get("id"), str))


def validate_folder(folder: Path, limits: Limits | None = None,
                    files: ReviewFiles | None = None, max_problems: int = MAX_PROBLEMS,
                    ) -> Report:
    """Everything wrong with the review in `folder`, and the review itself when it is sound.

    `files`: the folder's files as already read (`read_review`), so that a caller that
    keys anything on their bytes (the cache) gets the report of those very bytes.
    `max_problems`: diagnostics shown per file (0: all); the report counts the rest.
    """
    # Reading allocates millions of small objects, none of them in reference cycles, so
    # the cyclic collector would only rescan them again and again: it waits until the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        limits = limits or Limits.from_env()
        return _validate_folder(folder, limits, files or read_review(folder, limits),
                                max(0, max_problems))
    finally:
        if collecting:
            gc.enable()


def _validate_folder(folder: Path, limits: Limits, files: ReviewFiles,
                     max_problems: int) -> Report:
    names = (_display(folder, STUDIES_FILE), _display(folder, THEMES_FILE))
    shown = _Shown(max_problems)
    studies_doc = _parse(files.studies, names[0], limits, shown)
    themes_doc = _parse(files.themes, names[1], limits, shown)
    studies = None if studies_doc is None else _read_studies(studies_doc, shown)
    themes = None if themes_doc is None else _read_themes(themes_doc, shown)
    findings = _findings(files, _display(folder, FINDINGS_FILE), limits, shown)
    bibliography = Loaded()
    if studies is not None and studies_doc is not None and studies.record.review is not None \
            and studies.record.review.bibliography is not None:
        # The parsers themselves are imported only for a review that names a bibliography.
        bibliography = load_bibliography(files, limits, studies.record.review,
                                          studies.record.studies, studies_doc)
        for diagnostic in bibliography.problems:
            shown.add(diagnostic)
    # Every check runs on what could be read; those that need a file it could not read
    # at all are skipped.
    ctx = Context(
        studies.record if studies is not None else StudiesRecord(None, {}, []),
        studies_doc if studies_doc is not None else Document(names[0], {}),
        studies.kept if studies is not None else [],
        _raw_ids(studies_doc),
        None if themes is None else _themes_record(themes),
        themes_doc,
        themes.nodes if themes is not None else [],
        studies_read=studies is not None,
        broken_vocabularies=studies.broken_vocabularies if studies is not None else frozenset(),
        coding_index=themes.coding_index if themes is not None else {},
        unreadable=themes.unreadable if themes is not None else {},
        unread_studies=_unread_studies(studies_doc),
        no_id=frozenset(themes.no_id) if themes is not None else frozenset(),
        gate=shown,
        bibliography=bibliography.bibliography,
        links=bibliography.links,
        findings=findings)
    for diagnostic in run_checks(ctx):
        shown.add(diagnostic)
    diagnostics, omitted = shown.result(names)
    # Hints that need a search are worked out only now, for what is shown.
    diagnostics = [ctx.finish(d) for d in diagnostics]
    has_errors = any(d.severity is Severity.ERROR for d in diagnostics) or any(
        o.errors for o in omitted)
    review = None
    if not has_errors and studies is not None and themes is not None:
        from peersynth.review import Review
        record = studies.record
        if bibliography.links is not None:
            # What a study leaves out comes from its bibliography entry.
            record = dataclasses.replace(record,
                                         studies=filled(record.studies, bibliography.links))
        review = Review(record, _themes_record(themes),
                        findings.record if findings is not None else None)
    extras = tuple((name, hashlib.sha256(data).hexdigest())
                   for name, data in files.extras.items() if isinstance(data, bytes))
    return Report(folder, names, tuple(diagnostics), review, tuple(omitted), extras)


def _findings(files: ReviewFiles, name: str, limits: Limits,
              shown: _Shown) -> FindingsRead | None:
    """findings.yaml as read, when the folder has one and it parses."""
    if files.findings is None:
        return None
    doc = _parse(files.findings, name, limits, shown)
    return None if doc is None else read_findings(_Shape(doc, FindingsModel, shown))


def _themes_record(themes: _Themes) -> Any:
    from peersynth.review import ThemesFile as ThemesRecord
    return ThemesRecord(themes.roots)


# -- one file in the themes.yaml format, on its own (a coder's file) -------------------

# The checks of themes.yaml that judge one file by itself and the study ids: ids used
# twice, unknown studies (with did-you-mean) and studies coded twice to one theme.
_THEMES_CHECKS = ("duplicate-theme-id", "unknown-study")


@dataclass(frozen=True)
class ThemesReport:
    diagnostics: tuple[Diagnostic, ...]  # those shown, sorted by position
    omitted: tuple[Omitted, ...]
    themes: Any  # review.ThemesFile, or None when the file could not be read at all
    nodes: tuple[tuple[ThemeRecord, YamlPath], ...]  # every theme held, in tree order


def validate_themes_file(data: bytes | list[Diagnostic], file: str,
                         study_ids: frozenset[str], *, limits: Limits | None = None,
                         max_problems: int = MAX_PROBLEMS,
                         extra: Sequence[Callable[[Context], Iterable[Diagnostic]]] = (),
                         ) -> ThemesReport:
    """A file in the themes.yaml format (its bytes, or why it could not be read), read
    as themes.yaml is, with the checks that need no studies.yaml but `study_ids`, and
    `extra` checks run on the same context (positions, and the cap on problems shown)."""
    limits = limits or Limits.from_env()
    shown = _Shown(max(0, max_problems))
    doc = _parse(data, file, limits, shown)
    themes = None if doc is None else _read_themes(doc, shown)
    record = None if themes is None else _themes_record(themes)
    if themes is not None and doc is not None:
        ctx = Context(
            StudiesRecord(None, {}, []), Document(file, {}), [], study_ids, record, doc,
            themes.nodes, coding_index=themes.coding_index, unreadable=themes.unreadable,
            no_id=frozenset(themes.no_id), gate=shown)
        for check in [*(CHECKS[name] for name in _THEMES_CHECKS), *extra]:
            for diagnostic in check(ctx):
                shown.add(diagnostic)
        diagnostics, omitted = shown.result([file])
        diagnostics = [ctx.finish(d) for d in diagnostics]
    else:
        diagnostics, omitted = shown.result([file])
    return ThemesReport(tuple(diagnostics), tuple(omitted), record,
                        tuple(themes.nodes) if themes is not None else ())
