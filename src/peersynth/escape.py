"""Text from a review made safe to print: the one escaping every output goes through.

A quoted YAML value can hold any character. Printed raw, a control character drives
the terminal (ESC starts a colour or retitles the window, BEL rings), a line break
lets a value start a line of its own (a GitHub Actions ``::error`` command in a CI
log), and a bidi override shows text in another order than it is stored. `visible`
turns each of them into an escape that prints as ordinary characters; `json_safe`
does the same inside JSON text with JSON's own escapes, and `xml_safe` inside XML text
with character references, so values read back exactly.
"""

from __future__ import annotations

import contextlib
import re
import sys

# C0 controls, DEL and C1 controls; Unicode's line and paragraph separators; the bidi
# embeddings, overrides and isolates (the "Trojan Source" characters); lone surrogates,
# which stand for undecodable bytes in a path and cannot be written as UTF-8.
# Right-to-left letters themselves are printable text and stay as written.
_BEYOND_C0 = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
# Inside JSON, json.dumps has already escaped C0; the rest it leaves raw.
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")

# XML 1.0 holds these, but printed raw they would reach the terminal; a tab or carriage
# return in text is also kept exact only as a reference (a reader turns a raw CR into LF).
_UNSAFE_IN_XML = re.compile(f"[\t\r{_BEYOND_C0}]")

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or f"\\u{ord(char):04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def visible(text: str) -> str:
    """`text` with every unsafe character shown as an escape: a line feed as ``\\n``,
    ESC as ``\\u001b``, U+202E as ``\\u202e``. Printable text is returned unchanged."""
    # isprintable() is true for far more text than needs no escaping, and runs in C:
    # a large table's cells nearly all take this path.
    if text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)


def json_safe(text: str) -> str:
    """JSON text with the characters json.dumps leaves raw written as ``\\uXXXX``.

    They can only occur inside strings, where the escape reads back as the same
    character, so the document's values are unchanged."""
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


def xml_safe(text: str) -> str:
    """Serialised XML with each character `visible` would escape, that XML 1.0 can hold,
    written as a character reference (``&#x202e;``): the values read back unchanged.

    Such characters occur only in text and attribute values, where a reference means
    the character itself. Those XML 1.0 cannot hold must be gone already."""
    return _UNSAFE_IN_XML.sub(lambda m: f"&#x{ord(m.group()):x};", text)


def has_unsafe(text: str) -> bool:
    """Whether `visible` would change `text`."""
    return not text.isprintable() and _UNSAFE.search(text) is not None


def say(message: str) -> None:
    """A message for people, on stderr; dropped when there is no stderr to write to
    (closed, or full): a message must never be what makes a run fail."""
    stream = sys.stderr
    if stream is None:
        return
    # MemoryError: a message that cannot be made for lack of memory is dropped.
    with contextlib.suppress(OSError, ValueError, MemoryError):
        # Any control character the message quotes is shown escaped.
        stream.write(visible(message) + "\n")
        stream.flush()
