"""Read one YAML file into plain Python values, keeping the position of every key and value.

PyYAML's own constructors are not used: they silently keep the last of two equal
keys, read ``NO`` as ``False`` and ``0123`` as 83, build arbitrary objects for
some tags, and expand aliases without bound. Instead the parser's event stream
(libyaml's C parser where present) is turned into values here, iteratively, so
that duplicate keys, tags, nesting depth and alias expansion are all checked in
one pass and no input can recurse or grow without limit.

What an alias costs is what it expands to, not one node: every anchor records the
nodes and the characters (a scalar's length; a collection's keys and values summed,
aliases inside it included) of its value, and each alias adds both to running totals,
in constant time. The nodes aliases repeat may not exceed ``max_alias_nodes``, and the
characters they repeat may not exceed ``max_file_bytes``: the document written out
may hold no more text than a file of the size limit could. Either breach is an
``alias-limit`` error at the alias that crosses it. The values themselves are shared,
not copied, so reading costs no more; the bound is for what is built from them
(reports, cache entries) later.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from yaml import events

from peersynth.diagnostics import Diagnostic, make
from peersynth.files import LIMIT_VARIABLES as LIMIT_VARIABLES
from peersynth.files import Limits as Limits
from peersynth.files import read_bytes as read_bytes

try:
    from yaml import CSafeLoader as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

YamlPath = tuple[str | int, ...]
Position = tuple[int, int]


class Implicit:
    """A plain scalar that YAML 1.1 reads as a date or an unusual number form.

    It is kept as its source text in this wrapper so that neither a text field
    nor a number field accepts it silently.
    """

    __slots__ = ("kind", "text")

    def __init__(self, text: str, kind: str) -> None:
        self.text = text
        self.kind = kind

    def __repr__(self) -> str:
        return f"Implicit({self.text!r}, {self.kind!r})"


class _Rejected:
    """Stands in for a value already reported (a rejected tag), so it is not reported twice."""

    def __repr__(self) -> str:
        return "<rejected>"


REJECTED: Final = _Rejected()


@dataclass(slots=True)
class Document:
    """One file's values; the 1-based position of any value or key by its path.

    Positions are only needed to report a problem, and indexing every node of a large
    review would cost more memory than its values, so the first `position()` call
    reads the text again to build the index.
    """

    file: str
    data: Any
    text: str = ""
    limits: Limits = field(default_factory=Limits)
    _values: dict[YamlPath, Position] | None = None
    _keys: dict[YamlPath, Position] = field(default_factory=dict)
    # Source text of plain scalars read as bool, null or number, for "quote it" hints.
    _plain: dict[YamlPath, str] = field(default_factory=dict)

    def _index(self) -> dict[YamlPath, Position]:
        if self._values is None:
            builder = _Builder(self.file, self.limits, self.text, record=True)
            _run(builder, self.text)
            self._values = builder.values
            self._keys = builder.keys
            self._plain = builder.plain
        return self._values

    def position(self, path: YamlPath, *, key: bool = False) -> Position:
        """Where `path` is, or its nearest enclosing node that has a position."""
        values = self._index()
        if key and path in self._keys:
            return self._keys[path]
        while path:
            found = values.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return values.get((), (1, 1))

    def plain_text(self, path: YamlPath) -> str | None:
        """The source text of an unquoted scalar at `path` read as a boolean, null or number."""
        self._index()
        return self._plain.get(path)


_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS: Final = {
    **dict.fromkeys(["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True),
    **dict.fromkeys(["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False),
}
_DECIMAL: Final = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT: Final = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?\Z")
# The YAML 1.1 forms PyYAML resolves to int or float beyond the plain decimal ones.
_OTHER_NUMBER: Final = re.compile(
    r"""[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
    |[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)""",
    re.X,
)
_TIMESTAMP: Final = re.compile(
    r"""[0-9]{4}-[0-9]{2}-[0-9]{2}
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?""",
    re.X,
)
_MAYBE_TYPED: Final = frozenset("-+.0123456789~nNyYtTfFoO")
# Longer decimal integers are read as floats: Python refuses to convert integers of more
# than sys.get_int_max_str_digits() digits (at least 640) to or from text.
_MAX_INT_CHARS: Final = 600

_TAG: Final = "tag:yaml.org,2002:"
_PLAIN_TAGS: Final = frozenset({None, "!"})


def resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar, by YAML 1.1 rules, without building dates."""
    if text in _NULLS:
        return None
    if text[0] not in _MAYBE_TYPED:
        return text
    if text in _BOOLS:
        return _BOOLS[text]
    if _DECIMAL.match(text):
        return int(text) if len(text) <= _MAX_INT_CHARS else float(text)
    if _FLOAT.match(text) and any(ch.isdigit() for ch in text):
        return float(text)
    if _TIMESTAMP.fullmatch(text):
        return Implicit(text, "date")
    if _OTHER_NUMBER.fullmatch(text) and any(ch.isdigit() for ch in text[:3] + text[-1:]):
        return Implicit(text, "number")
    if text.lstrip("+-") in {".inf", ".Inf", ".INF"} or text in {".nan", ".NaN", ".NAN"}:
        return Implicit(text, "number")
    return text


class _Abort(Exception):
    """Reading this file cannot go on; the reason is already a diagnostic."""


class _Frame:
    __slots__ = ("anchor", "container", "is_key", "is_map", "key", "path", "seen", "start_chars",
                 "start_count")

    def __init__(self, is_map: bool, container: dict[str, Any] | list[Any] | None,
                 path: YamlPath | None, anchor: str | None, start_count: int,
                 is_key: bool, start_chars: int = 0) -> None:
        self.is_map = is_map
        self.container = container
        self.path = path  # None: the node is being skipped, nothing under it is kept
        self.anchor = anchor
        self.start_count = start_count
        self.start_chars = start_chars
        self.is_key = is_key
        self.key: Any = _NO_KEY
        self.seen: dict[str, Position] = {}


_NO_KEY: Final = object()
_DISCARD: Final = object()

# YAML 1.1 (and libyaml's marks) also break lines at NEL, LS and PS; editors, diffs and
# CI annotations do not, so positions in a text holding one are counted from offsets.
_UNUSUAL_BREAKS: Final = ("\x85", "\u2028", "\u2029")
_LINE_BREAK: Final = re.compile(r"\r\n?|\n")


class _Lines:
    """1-based line and column of a character offset, lines ending at CR LF, LF or CR."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        self.starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def at(self, offset: int) -> Position:
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


class _Builder:
    def __init__(self, file: str, limits: Limits, text: str, *, record: bool = False) -> None:
        self.file = file
        # Whether to index every node's position (see Document): only when asked.
        self.record = record
        self.values: dict[YamlPath, Position] = {}
        self.keys: dict[YamlPath, Position] = {}
        self.plain: dict[YamlPath, str] = {}
        self.limits = limits
        self.text = text
        # None: libyaml's own line and column are right for this text.
        self.lines = _Lines(text) if any(ch in text for ch in _UNUSUAL_BREAKS) else None
        # libyaml puts the end of a text that has no final line break on a line of its own,
        # one past the last; a mark there is given the end of the last line instead.
        self.size = len(text) if text.endswith(("\n", "\r")) else len(text) - 1
        self.diagnostics: list[Diagnostic] = []
        self.stack: list[_Frame] = []
        # An anchor's value, and the nodes and characters it expands to.
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.nodes = 0
        self.alias_nodes = 0
        # Characters of every scalar so far, keys included, aliases counted as expanded.
        self.chars = 0
        self.alias_chars = 0
        self.documents = 0
        self.root: Any = None

    def report(self, code: str, pos: Position, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(make(code, self.file, pos[0], pos[1], message, hint))

    def where(self, mark: Any) -> Position:
        """1-based line and column of a parser mark."""
        if mark.index > self.size:
            return self.end()
        if self.lines is not None:
            return self.lines.at(mark.index)
        return mark.line + 1, mark.column + 1

    def end(self) -> Position:
        """The position just past the last character."""
        lines = self.lines or _Lines(self.text)
        return lines.at(len(self.text))

    def _slot(self) -> tuple[_Frame | None, YamlPath | None, bool]:
        """The enclosing frame, the path of the next node (None: not kept), and whether
        the next node is a mapping key."""
        if not self.stack:
            return None, (), False
        top = self.stack[-1]
        if top.is_map and top.key is _NO_KEY:
            return top, None, True
        if top.path is None or top.key is _DISCARD:
            return top, None, False
        if top.is_map:
            return top, (*top.path, top.key), False
        assert isinstance(top.container, list)
        return top, (*top.path, len(top.container)), False

    def _store(self, top: _Frame | None, path: YamlPath | None, value: Any, pos: Position) -> None:
        if top is None:
            self.root = value
            if self.record:
                self.values[()] = pos
            return
        if path is not None:
            if top.is_map:
                assert isinstance(top.container, dict)
                top.container[top.key] = value
            else:
                assert isinstance(top.container, list)
                top.container.append(value)
            if self.record:
                self.values[path] = pos
        if top.is_map:
            top.key = _NO_KEY

    def _take_key(self, top: _Frame, key: str, pos: Position) -> None:
        if top.path is None:
            top.key = _DISCARD
            return
        first = top.seen.get(key)
        if first is not None:
            self.report("duplicate-key", pos, f"key '{key}' appears twice in this mapping",
                        f"first at line {first[0]}; YAML would keep only the last")
            top.key = _DISCARD
            return
        if key == "<<":
            self.report("yaml-tag", pos, "merge keys ('<<') are not supported",
                        "write the keys out in full")
            top.key = _DISCARD
            return
        top.seen[key] = pos
        top.key = key
        if self.record:
            self.keys[(*top.path, key)] = pos

    def _scalar(self, ev: events.ScalarEvent, pos: Position) -> Any:
        tag = ev.tag
        text = ev.value
        if tag is None or tag == "!":
            if tag is None and ev.implicit[0]:
                return resolve_plain(text)
            return text
        if not tag.startswith(_TAG):
            self.report("yaml-tag", pos, f"tag '{tag}' is not read by peersynth",
                        "remove the tag and write a plain value")
            return REJECTED
        kind = tag[len(_TAG):]
        if kind == "str":
            return text
        value = resolve_plain(text) if text else None
        if (kind == "int" and type(value) is int) or (kind == "bool" and type(value) is bool) \
                or (kind == "null" and value is None):
            return value
        if kind == "float" and type(value) in (int, float):
            return float(text)  # float(value) overflows on a long integer
        self.report("yaml-tag", pos, f"tag '!!{kind}' on {text!r} is not read by peersynth",
                    "remove the tag and write a plain value")
        return REJECTED

    def feed(self, ev: events.Event) -> None:
        mark = ev.start_mark
        assert mark is not None  # the parser marks every event
        pos = (mark.line + 1, mark.column + 1) if self.lines is None \
            and mark.index <= self.size else self.where(mark)
        kind = type(ev)
        if kind is events.ScalarEvent:
            self._on_scalar(ev, pos)  # type: ignore[arg-type]
        elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
            self._on_start(ev, pos, kind is events.MappingStartEvent)  # type: ignore[arg-type]
        elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
            self._on_end()
        elif kind is events.AliasEvent:
            self._on_alias(ev, pos)  # type: ignore[arg-type]
        elif kind is events.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                self.report("multiple-documents", pos, "a second YAML document starts here",
                            "each file holds one document; remove the extra '---'")
                raise _Abort

    def _on_scalar(self, ev: events.ScalarEvent, pos: Position) -> None:
        self.nodes += 1
        self.chars += len(ev.value)
        top, path, is_key = self._slot()
        if is_key:
            assert top is not None
            if ev.tag not in _PLAIN_TAGS and ev.tag != _TAG + "str":
                self.report("yaml-tag", pos, f"tag '{ev.tag}' on a key is not read by peersynth",
                            "remove the tag")
            self._take_key(top, ev.value, pos)
            if ev.anchor is not None:
                self.anchors[ev.anchor] = (ev.value, 1, len(ev.value))
            return
        value = self._scalar(ev, pos)
        if self.record and path is not None and ev.tag is None and ev.implicit[0] \
                and not isinstance(value, str):
            self.plain[path] = ev.value
        self._store(top, path, value, pos)
        if ev.anchor is not None:
            self.anchors[ev.anchor] = (value, 1, len(ev.value))

    def _on_start(self, ev: events.CollectionStartEvent, pos: Position, mapping: bool) -> None:
        self.nodes += 1
        if len(self.stack) >= self.limits.max_depth:
            self.report("too-deep", pos,
                        f"nesting deeper than {self.limits.max_depth} levels",
                        "flatten the structure, or raise PEERSYNTH_MAX_DEPTH")
            raise _Abort
        top, path, is_key = self._slot()
        if is_key:
            assert top is not None
            if top.path is not None:
                self.report("yaml-tag", pos,
                            "a mapping or sequence used as a key is not supported",
                            "use a plain text key")
        elif ev.tag not in _PLAIN_TAGS and ev.tag != _TAG + ("map" if mapping else "seq"):
            self.report("yaml-tag", pos, f"tag '{ev.tag}' is not read by peersynth",
                        "remove the tag")
            self._store(top, path, REJECTED, pos)
            path = None
        container: dict[str, Any] | list[Any] | None = None
        if path is not None:
            container = {} if mapping else []
            self._store(top, path, container, pos)
        elif top is not None and top.is_map and not is_key:
            top.key = _DISCARD  # keep the parent's key slot closed until this node ends
        self.stack.append(_Frame(mapping, container, path, ev.anchor, self.nodes, is_key,
                                 self.chars))

    def _on_end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None and frame.container is not None:
            self.anchors[frame.anchor] = (frame.container, self.nodes - frame.start_count + 1,
                                          self.chars - frame.start_chars)
        if self.stack:
            parent = self.stack[-1]
            if parent.is_map:
                # After a complex key its value is skipped; after a skipped value, the next key.
                parent.key = _DISCARD if frame.is_key else _NO_KEY if frame.path is None \
                    else parent.key

    def _on_alias(self, ev: events.AliasEvent, pos: Position) -> None:
        anchor = ev.anchor or ""
        found = self.anchors.get(anchor)
        if found is None:
            self.report("yaml-syntax", pos, f"alias '*{anchor}' names no anchor defined before it",
                        "define '&" + anchor + "' earlier in the file")
            raise _Abort
        value, size, chars = found
        self.alias_nodes += size
        self.nodes += size
        self.alias_chars += chars
        self.chars += chars
        if self.alias_nodes > self.limits.max_alias_nodes:
            self.report("alias-limit", pos,
                        f"aliases expand to more than {self.limits.max_alias_nodes} nodes",
                        "write the values out, or raise PEERSYNTH_MAX_ALIAS_NODES")
            raise _Abort
        if self.alias_chars > self.limits.max_file_bytes:
            self.report("alias-limit", pos,
                        f"aliases here repeat {self.alias_chars:,} characters of text, more "
                        f"than the {_size(self.limits.max_file_bytes)} a file may hold",
                        "write the text out once instead of repeating a long value through "
                        "aliases, or raise PEERSYNTH_MAX_FILE_BYTES")
            raise _Abort
        top, path, is_key = self._slot()
        if is_key:
            assert top is not None
            if isinstance(value, str):
                self._take_key(top, value, pos)
            else:
                self.report("yaml-tag", pos, "an alias to a non-text value used as a key",
                            "use a plain text key")
                top.key = _DISCARD
            return
        self._store(top, path, value, pos)


def _size(limit: int) -> str:
    """A size limit as people set it: whole mebibytes as such, anything else in bytes."""
    mib = 1024 * 1024
    return f"{limit // mib:,} MiB" if limit % mib == 0 else f"{limit:,} bytes"


def _byte_position(data: bytes, offset: int) -> Position:
    before = data[:offset].decode("utf-8", errors="replace")
    return _Lines(before).at(len(before))


# libyaml's own ceiling on nesting; past it the parser stops with its own error.
_PARSER_MAX_DEPTH: Final = 1000
_PARSER_TOO_DEEP: Final = "exceeded maximum nesting depth"


def parse_text(text: str, file: str, limits: Limits | None = None) -> tuple[Document | None,
                                                                             list[Diagnostic]]:
    """Values and positions of one YAML document given as text."""
    limits = limits or Limits()
    builder = _Builder(file, limits, text)
    if not _run(builder, text):
        return None, builder.diagnostics
    if builder.documents == 0 or builder.root is None:
        builder.report("empty-file", (1, 1), "the file holds no YAML document",
                       "add the file's top-level key")
        return None, builder.diagnostics
    return Document(file, builder.root, text, limits), builder.diagnostics


def _run(builder: _Builder, text: str) -> bool:
    """Feed the parser's events to `builder`; False when the text cannot be read on
    (the reason is among the builder's diagnostics)."""
    limits = builder.limits
    loader = _Parser(text)
    try:
        while True:
            ev = loader.get_event()
            if ev is None or isinstance(ev, events.StreamEndEvent):
                break
            builder.feed(ev)
    except _Abort:
        return False
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = builder.where(mark) if mark is not None else (1, 1)
        if exc.problem == _PARSER_TOO_DEEP:
            # libyaml looks ahead along a line of '[[[[...', so it can meet its own ceiling
            # before the events reach ours.
            depth = min(limits.max_depth, _PARSER_MAX_DEPTH)
            builder.report("too-deep", pos, f"nesting deeper than {depth} levels",
                           "flatten the structure, or raise PEERSYNTH_MAX_DEPTH"
                           if depth < _PARSER_MAX_DEPTH else "flatten the structure")
            return False
        problem = exc.problem or exc.context or "invalid YAML"
        context = f"{exc.context} at line {builder.where(exc.context_mark)[0]}" if (
            exc.context and exc.context_mark is not None and exc.problem) else None
        builder.report("yaml-syntax", pos, problem, context)
        return False
    except yaml.reader.ReaderError as exc:
        character = exc.character
        if isinstance(character, str):  # the pure-Python reader: a character offset
            offset = exc.position
        else:  # libyaml: a byte offset into the UTF-8 text, and the code point
            offset = len(text.encode("utf-8")[:exc.position].decode("utf-8", errors="ignore"))
            character = chr(character) if isinstance(character, int) and \
                0 <= character <= 0x10FFFF else None
        builder.report("yaml-syntax", _Lines(text).at(offset),
                       f"character {character!r} is not allowed in YAML"
                       if character is not None else exc.reason,
                       "remove the control character")
        return False
    except yaml.YAMLError as exc:  # pragma: no cover - every parser error above is marked
        builder.report("yaml-syntax", (1, 1), str(exc))
        return False
    finally:
        loader.dispose()
    return True


def parse_bytes(data: bytes, file: str, limits: Limits | None = None) -> tuple[
        Document | None, list[Diagnostic]]:
    """Decode a file's bytes as UTF-8 (a byte-order mark is dropped) and parse them."""
    limits = limits or Limits()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        return None, [make("not-utf8", file, line, column,
                           f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                           "save the file as UTF-8")]
    return parse_text(text, file, limits)


def read_document(path: Path, file: str, limits: Limits | None = None) -> tuple[
        Document | None, list[Diagnostic]]:
    """Read and parse one file. Missing or unreadable files stop the tool (PeersynthError)."""
    limits = limits or Limits()
    data = read_bytes(path, file, limits)
    if isinstance(data, list):
        return None, data
    return parse_bytes(data, file, limits)
