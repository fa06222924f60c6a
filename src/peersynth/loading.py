"""Read one YAML file into plain Python values, keeping the position of every key and value.

PyYAML's own constructors are not used: they silently keep the last of two equal
keys, read ``NO`` as ``False`` and ``0123`` as 83, build arbitrary objects for
some tags, and expand aliases without bound. Instead the parser's event stream
(libyaml's C parser where present) is turned into values here, iteratively, so
that duplicate keys, tags, nesting depth and alias expansion are all checked in
one pass and no input can recurse or grow without limit. Every key and text value
is read in Unicode NFC, so the composed and decomposed spellings of 'Côte' are one
value, and two keys equal in NFC are a duplicate; positions still count the code
points of the text as written.

What an alias costs is what it expands to, not one node: every anchor records the
nodes and the characters (a scalar's length; a collection's keys and values summed,
aliases inside it included) of its value, and each alias adds both to running totals,
in constant time. The nodes aliases repeat may not exceed ``max_alias_nodes``, and the
characters they repeat may not exceed ``max_file_bytes``: the document written out
may hold no more text than a file of the size limit could. Nor may they exceed
``ALIAS_TEXT_FACTOR`` times the file's own text (at least ``ALIAS_TEXT_FLOOR``), so a
250 KB file cannot stand for 26 MB of text and print that much. Any breach is an
``alias-limit`` error at the alias that crosses it. The values themselves are shared,
not copied, so reading costs no more; the bound is for what is built from them
(reports, cache entries) later.
"""

from __future__ import annotations

import re
import string
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from yaml import events

from peersynth.diagnostics import Diagnostic, make
from peersynth.files import ALIAS_TEXT_FACTOR as ALIAS_TEXT_FACTOR
from peersynth.files import ALIAS_TEXT_FLOOR as ALIAS_TEXT_FLOOR
from peersynth.files import LIMIT_VARIABLES as LIMIT_VARIABLES
from peersynth.files import Limits as Limits
from peersynth.files import alias_budget
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


# Lists longer than this are validated in parts (see peersynth.validate), so the reader
# names the mappings that hold one (Document.holds_long_list): never validated whole, a
# million broken entries never become a million errors at once.
LONG_LIST: Final = 1000

# A node's position packed into one integer, the line above the low 32 bits and the column
# in them, so that the positions of a container's children take 8 bytes each in an array.
# (A column past 2**32 would need a single line of 4 GiB.)
_LINE_SHIFT: Final = 32
_COLUMN_MASK: Final = (1 << _LINE_SHIFT) - 1
# Aliases may repeat at most ALIAS_TEXT_FACTOR times the file's own characters, or
# ALIAS_TEXT_FLOOR when that is more (peersynth.files, where the cache bounds by them too).

# Set on the position of an alias: nothing under it has a place of its own.
_ALIAS: Final = 1 << 63
_LINE_MASK: Final = (1 << (63 - _LINE_SHIFT)) - 1


def _unpack(packed: int) -> Position:
    return (packed >> _LINE_SHIFT) & _LINE_MASK, packed & _COLUMN_MASK


# Every character a plain scalar read as a boolean, null or number can hold; such a
# scalar's source text is the run of them where it starts.
_PLAIN_CHARS: Final = frozenset("+-.~0123456789" + string.ascii_letters)
_PLAIN_RUN: Final = re.compile(r"[-+.~0-9A-Za-z]*")
_OTHER_SCALARS: Final = (bool, int, float)
# Mappings with more keys than this get a key index, built when a path first goes through.
_SCAN_KEYS: Final = 32


@dataclass(slots=True)
class Document:
    """One file's values; the 1-based position of any value or key by its path.

    Positions are kept while the file is read, compactly: per container, an array of its
    children's packed positions (a mapping's keys and values in turn), found by the
    container's identity. A path is looked up by walking the values, so a position costs
    the depth of its path, and keeping them costs 8 bytes a node, not an index of paths.
    """

    file: str
    data: Any
    text: str = ""
    limits: Limits = field(default_factory=Limits)
    # The root's packed position; None until the text is read for positions.
    _root: int | None = None
    _slots: dict[int, Any] = field(default_factory=dict)
    # Of plain scalars read as bool, null or number whose source text is not the run of
    # plain characters at their position, that text; None for a tagged one.
    _plain: dict[int, str | None] = field(default_factory=dict)
    _orders: dict[int, dict[str, int]] = field(default_factory=dict)
    _lines: _Lines | None = None
    # Mappings with a list of more than LONG_LIST entries somewhere under them.
    _long: set[int] = field(default_factory=set)

    @property
    def has_long_lists(self) -> bool:
        return bool(self._long)

    def holds_long_list(self, value: Any) -> bool:
        """Whether `value` is a mapping of this document with a list of more than
        LONG_LIST entries in it, at any depth."""
        return id(value) in self._long

    def _order(self, mapping: dict[str, Any], name: Any) -> int | None:
        """The place of key `name` among the keys of `mapping`."""
        if name not in mapping:
            return None
        if len(mapping) <= _SCAN_KEYS:
            return list(mapping).index(name)
        order = self._orders.get(id(mapping))
        if order is None:
            order = self._orders[id(mapping)] = {k: n for n, k in enumerate(mapping)}
        return order[name]

    def _find(self, path: YamlPath, key: bool) -> tuple[int | None, Any, bool]:
        """The packed position of `path`, or of its nearest enclosing node that has one;
        the value there; and whether that is `path` itself, read where it is written
        (not through an alias)."""
        found = self._root
        if found is None:  # made without its text: no positions
            return None, None, False
        node: Any = self.data
        last = len(path) - 1
        for depth, part in enumerate(path):
            slots = self._slots.get(id(node))
            if slots is None:
                return found, node, False
            if isinstance(node, dict):
                number = self._order(node, part)
                if number is None:
                    return found, node, False
                if key and depth == last:
                    return slots[2 * number], None, True
                found = slots[2 * number + 1]
            elif type(part) is int and 0 <= part < len(node):
                found = slots[part]
            else:
                return found, node, False
            node = node[part]
            if found & _ALIAS:  # the alias is the place; it has no text of its own
                return found & ~_ALIAS, None, False
        return found, node, True

    def position(self, path: YamlPath, *, key: bool = False) -> Position:
        """Where `path` is, or its nearest enclosing node that has a position."""
        found, _value, _exact = self._find(path, key)
        return _unpack(found) if found is not None else (1, 1)

    def plain_text(self, path: YamlPath) -> str | None:
        """The source text of an unquoted scalar at `path` read as a boolean, null or number."""
        found, value, exact = self._find(path, False)
        if found is None or not exact or isinstance(value, str | dict | list) \
                or value is REJECTED:
            return None
        if isinstance(value, Implicit):
            return value.text
        if found in self._plain:
            return self._plain[found]
        if self._lines is None:
            self._lines = _Lines(self.text)
        line, column = _unpack(found)
        if line > len(self._lines.starts):
            return None
        run = _PLAIN_RUN.match(self.text, self._lines.starts[line - 1] + column - 1)
        source = run.group() if run is not None else ""
        # The run is the scalar (checked when it was read); should the two ever differ,
        # no text is better than another value's.
        back = resolve_plain(source)
        return source if type(back) is type(value) and back == value else None


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
    __slots__ = ("anchor", "container", "is_key", "is_map", "kept", "key", "seen", "slots",
                 "start_chars", "start_count")

    def __init__(self, is_map: bool, container: Any, anchor: str | None, start_count: int,
                 is_key: bool, start_chars: int = 0) -> None:
        self.is_map = is_map
        self.container = container  # None: the node is being skipped, nothing under it is kept
        self.kept = container is not None
        self.anchor = anchor
        self.start_count = start_count
        self.start_chars = start_chars
        self.is_key = is_key
        self.key: Any = _NO_KEY
        # Packed position of each key, until the mapping ends, to name the first of two.
        self.seen: dict[str, int] | None = None
        # Packed positions of the children kept: a mapping's keys and values in turn.
        self.slots = array("Q")


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


_SCALAR: Final = events.ScalarEvent
_MAPPING_START: Final = events.MappingStartEvent
_SEQUENCE_START: Final = events.SequenceStartEvent
_MAPPING_END: Final = events.MappingEndEvent
_SEQUENCE_END: Final = events.SequenceEndEvent


class _Builder:
    def __init__(self, file: str, limits: Limits, text: str) -> None:
        self.file = file
        # Where each node is (see Document): the positions of the children of every
        # container that has any, by the container's identity, and the root's.
        self.slots: dict[int, array[int]] = {}
        self.root_at: int | None = None
        self.plain: dict[int, str | None] = {}
        self.long: set[int] = set()
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
        # What aliases may repeat besides the size limit: a multiple of the file's own
        # text, so that what a small file stands for (and every report printed from it)
        # stays in proportion to it.
        self.own_budget = alias_budget(len(text))
        self.documents = 0
        self.root: Any = None
        # The latest scalar: a syntax error just after a quoted one that ran over lines is
        # most likely a quote left open where that value began.
        self.last_scalar: events.ScalarEvent | None = None

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

    def _slot(self) -> tuple[_Frame | None, bool, bool]:
        """The enclosing frame, whether the next node is kept, and whether it is a
        mapping key."""
        if not self.stack:
            return None, True, False
        top = self.stack[-1]
        if top.is_map and top.key is _NO_KEY:
            return top, False, True
        return top, top.kept and top.key is not _DISCARD, False

    def _store(self, top: _Frame | None, kept: bool, value: Any, at: int) -> None:
        """Put a value, read at the packed position `at`, in its place."""
        if top is None:
            self.root = value
            self.root_at = at
            return
        if kept:
            if top.is_map:
                top.container[top.key] = value
            else:
                top.container.append(value)
            top.slots.append(at)
        if top.is_map:
            top.key = _NO_KEY

    def _take_key(self, top: _Frame, key: str, at: int) -> None:
        if not top.kept:
            top.key = _DISCARD
            return
        if top.seen is None:
            top.seen = {}
        first = top.seen.get(key)
        if first is not None:
            self.report("duplicate-key", _unpack(at), f"key '{key}' appears twice in this "
                        f"mapping", f"first at line {_unpack(first)[0]}; YAML would keep only "
                        "the last")
            top.key = _DISCARD
            return
        if key == "<<":
            self.report("yaml-tag", _unpack(at), "merge keys ('<<') are not supported",
                        "write the keys out in full")
            top.key = _DISCARD
            return
        top.seen[key] = at
        top.key = key
        top.slots.append(at)

    def _note_plain(self, ev: events.ScalarEvent, at: int) -> None:
        """Keep what `Document.plain_text` cannot find again in the text: the source of a
        scalar read as bool, null or number, when it may not be the run of plain characters
        where the scalar starts (an anchor before it; an empty one, placed where the next
        token is), and that a tagged one has none."""
        if ev.tag is not None:
            self.plain[at] = None
            return
        source = ev.value
        if ev.anchor is None and source:
            return  # starts where it is written, and ends at a character it cannot hold
        start = ev.start_mark.index  # type: ignore[union-attr]
        end = start + len(source)
        if not self.text.startswith(source, start) or (
                end < len(self.text) and self.text[end] in _PLAIN_CHARS):
            self.plain[at] = source

    def _scalar(self, ev: events.ScalarEvent, text: str, at: int) -> Any:
        tag = ev.tag
        if tag is None or tag == "!":
            if tag is None and ev.implicit[0]:
                return resolve_plain(text)
            return text
        if not tag.startswith(_TAG):
            self.report("yaml-tag", _unpack(at), f"tag '{tag}' is not read by peersynth",
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
        self.report("yaml-tag", _unpack(at), f"tag '!!{kind}' on {text!r} is not read by peersynth",
                    "remove the tag and write a plain value")
        return REJECTED

    def feed(self, ev: events.Event) -> None:
        mark = ev.start_mark
        assert mark is not None  # the parser marks every event
        if self.lines is None and mark.index <= self.size:
            at = (mark.line + 1) << _LINE_SHIFT | (mark.column + 1)
        else:
            line, column = self.where(mark)
            at = line << _LINE_SHIFT | column
        kind = type(ev)
        if kind is _SCALAR:
            self._on_scalar(ev, at)  # type: ignore[arg-type]
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            self._on_start(ev, at, kind is _MAPPING_START)  # type: ignore[arg-type]
        elif kind is _MAPPING_END or kind is _SEQUENCE_END:
            self._on_end()
        elif kind is events.AliasEvent:
            self._on_alias(ev, at)  # type: ignore[arg-type]
        elif kind is events.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                self.report("multiple-documents", _unpack(at),
                            "a second YAML document starts here",
                            "each file holds one document; remove the extra '---'")
                raise _Abort

    def _on_scalar(self, ev: events.ScalarEvent, at: int) -> None:
        self.nodes += 1
        self.last_scalar = ev
        text = ev.value
        self.chars += len(text)
        # One spelling of every text: NFC and NFD forms of 'Côte' are one key or value, and
        # two keys equal in NFC are a duplicate. ASCII text is NFC already.
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        stack = self.stack
        top = stack[-1] if stack else None
        if top is not None and top.is_map and top.key is _NO_KEY:
            if ev.tag not in _PLAIN_TAGS and ev.tag != _TAG + "str":
                self.report("yaml-tag", _unpack(at),
                            f"tag '{ev.tag}' on a key is not read by peersynth", "remove the tag")
            self._take_key(top, text, at)
            if ev.anchor is not None:
                self.anchors[ev.anchor] = (text, 1, len(ev.value))
            return
        # A plain scalar that cannot be a boolean, null or number is its text (most are):
        # decided here, since this runs for every value of the file.
        if ev.tag is None and (not ev.implicit[0] or (text and text[0] not in _MAYBE_TYPED)):
            value: Any = text
        else:
            value = self._scalar(ev, text, at)
        # _slot and _store, written out for the same reason.
        if top is None:
            kept = True
            self.root = value
            self.root_at = at
        else:
            kept = top.kept and top.key is not _DISCARD
            if kept:
                if top.is_map:
                    top.container[top.key] = value
                else:
                    top.container.append(value)
                top.slots.append(at)
            if top.is_map:
                top.key = _NO_KEY
        if kept and type(value) is not str and (value is None or type(value) in _OTHER_SCALARS):
            self._note_plain(ev, at)
        if ev.anchor is not None:
            self.anchors[ev.anchor] = (value, 1, len(ev.value))

    def _on_start(self, ev: events.CollectionStartEvent, at: int, mapping: bool) -> None:
        self.nodes += 1
        if len(self.stack) >= self.limits.max_depth:
            self.report("too-deep", _unpack(at),
                        f"nesting deeper than {self.limits.max_depth} levels",
                        "flatten the structure, or raise PEERSYNTH_MAX_DEPTH")
            raise _Abort
        top = self.stack[-1] if self.stack else None
        is_key = top is not None and top.is_map and top.key is _NO_KEY
        kept = top is None or (not is_key and top.kept and top.key is not _DISCARD)
        if is_key:
            assert top is not None
            if top.kept:
                self.report("yaml-tag", _unpack(at),
                            "a mapping or sequence used as a key is not supported",
                            "use a plain text key")
        elif ev.tag not in _PLAIN_TAGS and ev.tag != _TAG + ("map" if mapping else "seq"):
            self.report("yaml-tag", _unpack(at), f"tag '{ev.tag}' is not read by peersynth",
                        "remove the tag")
            self._store(top, kept, REJECTED, at)
            kept = False
        container: dict[str, Any] | list[Any] | None = None
        if kept:
            container = {} if mapping else []
            self._store(top, kept, container, at)
        elif top is not None and top.is_map and not is_key:
            top.key = _DISCARD  # keep the parent's key slot closed until this node ends
        self.stack.append(_Frame(mapping, container, ev.anchor, self.nodes, is_key, self.chars))

    def _on_end(self) -> None:
        frame = self.stack.pop()
        if frame.slots:
            self.slots[id(frame.container)] = frame.slots
            if not frame.is_map and len(frame.slots) > LONG_LIST:
                self.long.update(id(outer.container) for outer in self.stack
                                 if outer.is_map and outer.container is not None)
        if frame.anchor is not None and frame.container is not None:
            self.anchors[frame.anchor] = (frame.container, self.nodes - frame.start_count + 1,
                                          self.chars - frame.start_chars)
        if self.stack:
            parent = self.stack[-1]
            if parent.is_map:
                # After a complex key its value is skipped; after a skipped value, the next key.
                parent.key = _DISCARD if frame.is_key else _NO_KEY if not frame.kept \
                    else parent.key

    def _on_alias(self, ev: events.AliasEvent, at: int) -> None:
        pos = _unpack(at)
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
        if self.alias_chars > self.own_budget:
            self.report("alias-limit", pos,
                        f"aliases here repeat {self.alias_chars:,} characters of text, more "
                        f"than {ALIAS_TEXT_FACTOR} times the file's own {len(self.text):,} "
                        f"(or {_size(ALIAS_TEXT_FLOOR)}, whichever is more)",
                        "write the text out once instead of repeating a long value through "
                        "aliases")
            raise _Abort
        top, kept, is_key = self._slot()
        if is_key:
            assert top is not None
            if isinstance(value, str):
                self._take_key(top, value, at)
            else:
                self.report("yaml-tag", pos, "an alias to a non-text value used as a key",
                            "use a plain text key")
                top.key = _DISCARD
            return
        self._store(top, kept, value, at | _ALIAS)


# ----------------------------------------------------------------- syntax errors in plain words

# Longer values are not written out in a hint: it would not fit a line anyway.
_MAX_FIX_CHARS: Final = 200
_COMMENT: Final = re.compile(r"[ \t]#")
# The start of a line up to its first 'key: ' (after any '- ' of list items).
_KEY_PREFIX: Final = re.compile(r"[ \t]*(?:-[ \t]+)*([^\s#:][^:#]*?|\"[^\"]*\"|'[^']*'):[ \t]")
_CLOSING: Final = {"[": "]", "{": "}"}
_LIST_DASHES: Final = re.compile(r"^(?:-[ \t]+)+")


def _source_line(text: str, index: int) -> tuple[str, int]:
    """The source line holding character `index`, and the index's offset within it."""
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    ends = [end for end in (text.find("\n", index), text.find("\r", index)) if end >= 0]
    return text[start:min(ends, default=len(text))], index - start


def _plain_value(raw: str) -> str:
    """The text of a value as written to the end of its line, without a trailing comment."""
    comment = _COMMENT.search(raw)
    return (raw[:comment.start()] if comment else raw).strip()


def _quoted(value: str) -> str:
    """`value` in the quotes that need no escapes inside: double unless it holds '"' or '\\'."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _fix(prefix: str, value: str) -> str | None:
    """`prefix` and `value` quoted, as a line to paste; None when too long to show."""
    if not value or len(prefix) + len(value) > _MAX_FIX_CHARS:
        return None
    return f"{prefix} {_quoted(value)}".strip()


def _open_flow(text: str) -> Any:
    """Where the innermost '[' or '{' still open when the parser stops begins; None when
    none is. Parsed again only on this error, so reading a good file keeps no marks."""
    opened: list[Any] = []
    loader = _Parser(text)
    try:
        while (ev := loader.get_event()) is not None:
            if isinstance(ev, events.CollectionStartEvent):
                opened.append(ev.start_mark if ev.flow_style else None)
            elif isinstance(ev, events.CollectionEndEvent) and opened:
                opened.pop()
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    mark = opened[-1] if opened else None
    return mark if mark is not None and text[mark.index:mark.index + 1] in ("[", "{") else None


def explain_syntax(exc: yaml.MarkedYAMLError, text: str, where: Any,
                   last: events.ScalarEvent | None = None) -> tuple[Position | None, str,
                                                                   str | None]:
    """What a parser error means in a reviewer's terms, where to look, and what to do.

    `where` turns a parser mark into a position; `last` is the scalar read last. The
    parser's own sentence names the grammar rule it was in ("did not find expected key");
    the problems people meet are few, and each is recognised from that sentence and the
    source text around it.
    Returns None as the position when the parser's problem mark is the right place.
    """
    problem = exc.problem or exc.context or "invalid YAML"
    context = exc.context or ""
    pm, cm = exc.problem_mark, exc.context_mark
    index = pm.index if pm is not None else 0
    line, col = _source_line(text, index)
    char = text[index] if index < len(text) else ""

    if last is not None and last.style in ("'", '"') and pm is not None:
        opened, closed = last.start_mark, last.end_mark
        if opened is not None and closed is not None and opened.line < closed.line == pm.line:
            quote = text[opened.index] if opened.index < len(text) else last.style
            return where(opened), f"this quote ({quote}) is not closed on its line, so the " \
                f"value runs on to the {quote} at line {where(closed)[0]}", \
                f"add the closing {quote} where the value ends"
    if context == "while scanning a quoted scalar" and cm is not None and problem in (
            "found unexpected end of stream", "found unexpected document indicator"):
        quote = text[cm.index] if cm.index < len(text) else '"'
        inside = "''" if quote == "'" else '\\"'
        return where(cm), f"this quote ({quote}) is never closed", (
            f"add the closing {quote} where the value ends; a {quote} inside the value is "
            f"written {inside}")
    if problem.startswith("found a tab character") or (
            problem == "found character that cannot start any token" and char == "\t"):
        return None, "a tab is used for indentation here; YAML indents with spaces only", \
            "replace the tab with spaces"
    if problem.startswith("mapping values are not allowed"):
        key = _KEY_PREFIX.match(line)
        if key is not None and key.end() <= col:
            fix = _fix(key.group(1) + ":", _plain_value(line[key.end():]))
            return None, "a ': ' inside an unquoted value ends the key", (
                f"put the whole value in quotes: {fix}" if fix else
                "put the whole value in quotes")
        if len(line[:col].strip()) > 1024:
            return None, "a key longer than 1,024 characters", "shorten the key"
        first = len(line) - len(line.lstrip())
        at = where(pm)
        return (at[0], at[1] + first - col), (
            "YAML reads this line as more of the text on the line above, where no ': ' may "
            "appear"), (
            "if this is a key, indent it exactly as the other keys of its mapping and check "
            "that the line above has its ':'; if it continues that text, quote the whole text")
    if problem.startswith("found unknown escape character"):
        return None, f"'{text[index:index + 2]}' is not an escape sequence YAML knows inside " \
            "double quotes", "write a backslash as '\\\\', or put the value in single quotes, " \
            "where a backslash is an ordinary character"
    if problem == "found character that cannot start any token":
        reserved = " (it is reserved in YAML)" if char in "@`" else ""
        before = _LIST_DASHES.sub("", line[:col].strip())
        fix = None if before.endswith(("[", "{", ",")) else _fix(before, _plain_value(line[col:]))
        return None, f"a value cannot start with '{char}'{reserved}", (
            f"put the whole value in quotes: {fix}" if fix else "put the value in quotes")
    if problem == "could not find expected ':'" and cm is not None:
        start, offset = _source_line(text, cm.index)
        word = _plain_value(start[offset:])
        named = f"'{word}'" if len(word) <= _MAX_FIX_CHARS else "this line"
        return where(cm), f"{named} has no ':' after it, so it is neither a key nor a value", \
            "write it as 'key: value', or, if it continues the text above, put that whole " \
            "text in quotes"
    if problem == "did not find expected key":
        before = line[:col].rstrip()
        key = _KEY_PREFIX.match(line)
        if before.endswith(("'", '"')) and key is not None and key.end() <= col:
            fix = _fix(key.group(1) + ":", _plain_value(line[key.end():]))
            return None, "text follows the closing quote of a value", (
                f"put the whole value in one pair of quotes: {fix}" if fix else
                "put the whole value in one pair of quotes")
        if not before.strip():
            start = f" (its first key is at line {where(cm)[0]})" if cm is not None else ""
            return None, "this line's indentation matches no mapping above it", (
                f"indent it exactly as the other keys of the mapping it belongs to{start}")
        return None, f"'{char}' is not expected after a complete value", \
            "remove it, or put the whole value in quotes"
    if problem == "did not find expected '-' indicator":
        started = f" that starts at line {where(cm)[0]}" if cm is not None else ""
        if char == "-":
            return None, "this item's '-' lines up with no list above it", \
                "indent it exactly as the other items of its list"
        content = len(line) - len(line.lstrip())
        if cm is not None and content == where(cm)[1] - 1:
            return None, f"this line is at the indentation of the list{started} but is not an " \
                "item ('- ')", "indent it to line up with the keys of the item above, or " \
                "start a new item with '- '"
        return None, f"this line's indentation matches neither the list{started} nor the keys " \
            "of its items", "indent it to line up with the keys of the item above"
    if problem in ("did not find expected ',' or ']'", "did not find expected ',' or '}'") \
            and cm is not None:
        opener = text[cm.index] if cm.index < len(text) else "["
        close = _CLOSING.get(opener, problem[-2])
        kind = "list" if close == "]" else "mapping"
        open_line, _ = _source_line(text, cm.index)
        indent = len(open_line) - len(open_line.lstrip())
        content = len(line) - len(line.lstrip())
        if index >= len(text.rstrip()) or (where(pm)[0] > where(cm)[0] and content <= indent):
            return where(cm), f"this '{opener}' is never closed with '{close}'", \
                f"add '{close}' after the last item of the {kind}"
        return None, f"expected ',' between items, or '{close}' to close the {kind} opened at " \
            f"line {where(cm)[0]}", (
            "separate items with ', ', and put an item that holds ': ', ',', '[' or '{' in "
            "quotes")
    if problem.startswith("block sequence entries are not allowed"):
        before = line[:col].strip()
        item = _plain_value(line[col + 1:])
        if before.endswith(":") and item and len(line) <= _MAX_FIX_CHARS:
            return None, "a list cannot start on the same line as its key", (
                f"write {before} [{item}], or put '- {item}' on a line of its own below, "
                "indented")
        return None, "a list item ('- ') cannot start here", \
            "put each item on a line of its own, indented under its key"
    if problem == "did not find expected alphabetic or numeric character" and cm is not None \
            and context in ("while scanning an anchor", "while scanning an alias"):
        mark = text[cm.index] if cm.index < len(text) else "&"
        what = "an anchor" if mark == "&" else "an alias"
        return where(cm), f"'{mark}' at the start of a value begins {what} and must be " \
            "followed by its name", f"to write text that starts with '{mark}', put it in quotes"
    if problem == "did not find expected node content":
        opened = _open_flow(text) if not char else None
        if opened is not None:
            # The file ends inside a '[' or '{': the opener is what needs fixing.
            opener = text[opened.index]
            close = _CLOSING.get(opener, "]")
            kind = "list" if close == "]" else "mapping"
            return where(opened), f"this '{opener}' is never closed with '{close}'", \
                f"add '{close}' after the last item of the {kind}"
        if char and char in "]}":
            return None, f"a closing '{char}' with no opening one", "remove it, or quote the value"
        return None, f"no value can start with '{char}' here", \
            "put the value in quotes, or remove the stray character"
    if context == "while scanning a block scalar":
        return None, "only a comment may follow '|' or '>' on the line that starts a block of " \
            "text", "move the text to the lines below, indented, or put the value in quotes"
    if context == "while scanning a directive" or problem == "found incompatible YAML document":
        return None, "a line starting with '%' is a YAML directive that peersynth does not read", \
            "remove the line, or put a value that starts with '%' in quotes"
    if problem == "did not find expected <document start>":
        return None, "text follows the file's only value", \
            "a file starts with its top-level key, e.g. 'studies:', and holds one mapping"
    if problem == "found undefined tag handle":
        return None, f"'{_plain_value(line[col:]).split(' ')[0]}' is not a tag peersynth " \
            "reads", "remove the tag; to write text that starts with '!', put it in quotes"
    raw = f"{context}: {problem}" if context and context != problem else problem
    return None, f"YAML cannot read the file from here ({raw})", \
        "check the indentation and the quotes of this line and the one before it"


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
    return Document(file, builder.root, text, limits, builder.root_at, builder.slots,
                    builder.plain, _long=builder.long), builder.diagnostics


def _run(builder: _Builder, text: str) -> bool:
    """Feed the parser's events to `builder`; False when the text cannot be read on
    (the reason is among the builder's diagnostics)."""
    limits = builder.limits
    loader = _Parser(text)
    get, feed, end = loader.get_event, builder.feed, events.StreamEndEvent
    try:
        while True:
            ev = get()
            if ev is None or type(ev) is end:
                break
            feed(ev)
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
        at, message, hint = explain_syntax(exc, text, builder.where, builder.last_scalar)
        builder.report("yaml-syntax", at or pos, message, hint)
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
