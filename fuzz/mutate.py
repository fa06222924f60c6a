"""Seeded mutations of valid reviews: the inputs of the fuzz run.

Each input is a pair of files (studies.yaml, themes.yaml) made from one of the
valid reviews (the shipped one and those under tests/data/valid/) by one to four
mutations of one file or both. The same (seed, index) always gives the same
input, so any finding can be replayed with ``python fuzz/run.py --seed S --only I``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Files beside the two a review folder may name (the shipped review's bibliography): put
# into every input's folder, unmutated, so a review that names one still finds it.
BESIDE: dict[str, bytes] = {"references.bib": (ROOT / "data" / "references.bib").read_bytes()}
FILES = ("studies.yaml", "themes.yaml")
FINDINGS = "findings.yaml"
# How often an input whose review has a findings.yaml gets that file mutated too.
MUTATE_FINDINGS = 0.3

Mutator = Callable[[random.Random, bytes], bytes]
# A mutation that would make a file larger than this is not applied.
MAX_FILE_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Review:
    """One input: the bytes of both files (and of findings.yaml, when the review it was
    made from has one), and what was done to make them."""

    studies: bytes
    themes: bytes
    steps: tuple[str, ...] = ()
    findings: bytes | None = None

    def files(self) -> dict[str, bytes]:
        both = {"studies.yaml": self.studies, "themes.yaml": self.themes}
        return both if self.findings is None else {**both, FINDINGS: self.findings}

    @property
    def size(self) -> int:
        return len(self.studies) + len(self.themes) + len(self.findings or b"")


def seed_reviews(root: Path = ROOT) -> list[Review]:
    """The valid reviews every input starts from, in a fixed order."""
    folders = [root / "data", *sorted(p for p in (root / "tests/data/valid").iterdir()
                                      if p.is_dir())]
    return [Review((folder / FILES[0]).read_bytes(), (folder / FILES[1]).read_bytes(),
                   findings=(folder / FINDINGS).read_bytes()
                   if (folder / FINDINGS).is_file() else None)
            for folder in folders if all((folder / name).is_file() for name in FILES)]


# ----------------------------------------------------------------------------- helpers


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines)


def _line_index(rng: random.Random, lines: list[bytes]) -> int:
    return rng.randrange(len(lines)) if lines else 0


def _insert_at(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    where = rng.randint(0, len(data))
    return data[:where] + piece + data[where:]


_VALUE = re.compile(rb"(:[ ]+|-[ ]+)([^\n]*)")


def _value_spans(data: bytes) -> list[tuple[int, int]]:
    """Start and end of the text after every `key: ` and `- ` (a scalar or a flow node)."""
    return [(m.start(2), m.end(2)) for m in _VALUE.finditer(data) if m.end(2) > m.start(2)]


def _replace_value(rng: random.Random, data: bytes, new: bytes) -> bytes:
    spans = _value_spans(data)
    if not spans:
        return _insert_at(rng, data, new)
    start, end = rng.choice(spans)
    return data[:start] + new + data[end:]


def _prefix_value(rng: random.Random, data: bytes, prefix: bytes) -> bytes:
    spans = _value_spans(data)
    if not spans:
        return prefix + data
    start, _end = rng.choice(spans)
    return data[:start] + prefix + data[start:]


# ----------------------------------------------------------------------------- bytes


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where = rng.randint(0, len(out))
        out[where:where] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
    return bytes(out)


def delete_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 40):]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randint(0, len(data))]


def interesting_bytes(rng: random.Random, data: bytes) -> bytes:
    piece = rng.choice([b"\x00", b"\xff", b"\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80",
                        b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\r", b"\t",
                        b"\x1b[31m", b"\x7f", b"\x85", b"\xc2\x85", b"\x0b", b"\x0c"])
    return _insert_at(rng, data, piece)


# ----------------------------------------------------------------------------- lines


def delete_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    start = _line_index(rng, lines)
    del lines[start:start + rng.choice([1, 1, 1, 2, 3, 10])]
    return _join(lines)


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    start = _line_index(rng, lines)
    block = lines[start:start + rng.choice([1, 1, 2, 5])]
    times = rng.choice([1, 1, 2, 10, 200])
    lines[start:start] = block * times
    return _join(lines)


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) > 1:
        a, b = _line_index(rng, lines), _line_index(rng, lines)
        lines[a], lines[b] = lines[b], lines[a]
    return _join(lines)


def move_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if lines:
        line = lines.pop(_line_index(rng, lines))
        lines.insert(rng.randint(0, len(lines)), line)
    return _join(lines)


def reindent(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 3)):
        index = _line_index(rng, lines)
        if not lines:
            break
        line = lines[index]
        body = line.lstrip(b" \t")
        indent = len(line) - len(body)
        choice = rng.randrange(5)
        if choice == 0:
            lines[index] = b" " * max(0, indent + rng.choice([-4, -2, -1, 1, 2, 4])) + body
        elif choice == 1:
            lines[index] = b"\t" + line
        elif choice == 2:
            lines[index] = line.replace(b"  ", b"\t", 1)
        elif choice == 3:
            lines[index] = body
        else:  # swap the indentation of two lines
            other = _line_index(rng, lines)
            body2 = lines[other].lstrip(b" \t")
            lines[index] = lines[other][:len(lines[other]) - len(body2)] + body
            lines[other] = line[:indent] + body2
    return _join(lines)


def line_endings(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return data.replace(b"\n", b"\r\n")
    if choice == 1:
        return data.replace(b"\n", b"\r")
    if choice == 2:
        return data.rstrip(b"\n")
    sep = rng.choice(["\u2028", "\u2029", "\x85", "\r", "\x0c"]).encode()
    lines = _lines(data)
    index = _line_index(rng, lines)
    if lines:
        lines[index] = lines[index] + sep + lines[(index + 1) % len(lines)]
    return _join(lines)


def splice_other(rng: random.Random, data: bytes, other: bytes) -> bytes:
    """Lines of the other file pasted in (a study in themes.yaml, or the reverse)."""
    lines, theirs = _lines(data), _lines(other)
    start = _line_index(rng, theirs)
    lines[_line_index(rng, lines):0] = theirs[start:start + rng.randint(1, 8)]
    return _join(lines)


# ----------------------------------------------------------------------------- YAML


TAGS = [b"!!python/object/apply:os.system ['true'] ", b"!!python/name:os.system ",
        b"!!binary ", b"!!str ", b"!!int ", b"!!float ", b"!!bool ", b"!!null ", b"!!set ",
        b"!!omap ", b"!!timestamp ", b"!!map ", b"!!seq ", b"!foo ", b"! ", b"!<tag:x> ",
        b"!e!tag%21 ", b"!!merge ", b"!!python/object/new:tuple "]


def inject_tag(rng: random.Random, data: bytes) -> bytes:
    tag = rng.choice(TAGS)
    if rng.random() < 0.2:
        directive = rng.choice([b"%TAG !e! tag:example.com,2000:\n---\n", b"%YAML 1.1\n---\n",
                                b"%YAML 1.2\n---\n", b"%YAML 2.0\n---\n", b"%FOO bar\n---\n"])
        data = directive + data
    return _prefix_value(rng, data, tag)


def anchors_and_aliases(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(6)
    name = rng.choice([b"a", b"b", b"x1", b"ref"])
    if choice == 0:  # an anchor on one value, an alias as another
        data = _prefix_value(rng, data, b"&" + name + b" ")
        return _replace_value(rng, data, b"*" + name)
    if choice == 1:  # an alias with no anchor
        return _replace_value(rng, data, b"*" + name)
    if choice == 2:  # a merge key
        lines = _lines(data)
        index = _line_index(rng, lines)
        if lines:
            line = lines[index]
            indent = line[:len(line) - len(line.lstrip(b" -"))].replace(b"-", b" ")
            lines.insert(index + 1, indent + b"<<: *" + name)
        return _prefix_value(rng, _join(lines), b"&" + name + b" ")
    if choice == 3:  # billion laughs, at the top or as a value
        levels = rng.randint(2, 12)
        lines = [b"l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        lines += [b"l%d: &l%d [%s]" % (n, n, b", ".join([b"*l%d" % (n - 1)] * 10))
                  for n in range(1, levels)]
        if rng.random() < 0.5:
            return _join(lines) + b"\n" + data
        return _replace_value(rng, data, b"[" + b", ".join(
            [b"&l0 [lol, lol]"] + [b"&l%d [*l%d, *l%d, *l%d]" % (n, n - 1, n - 1, n - 1)
                                   for n in range(1, levels)]) + b"]")
    if choice == 4:  # an alias as a key, or an anchor on a key
        return _insert_at(rng, data, rng.choice([b"*a : x\n", b"&k id: x\n", b"? *a\n"]))
    # an alias inside its own anchor
    return _replace_value(rng, data, b"&" + name + b" [1, *" + name + b"]")


SCALARS = [b"yes", b"No", b"on", b"OFF", b"y", b"n", b"~", b"null", b"", b"''", b'""',
           b"0", b"-1", b"007", b"0o17", b"0x1F", b"0b101", b"1_000", b"1:30", b"190:20:30",
           b"1e5", b"1.5e+3", b".5", b"1.", b"-.inf", b".NaN", b"2024-01-01",
           b"2001-12-14t21:59:43.10-05:00", b"+12", b"-0", b"12.0", b"1" * 700,
           b"9" * 4301, b"-" + b"8" * 5000, b"1" * 400 + b".0", b"1e400", b"ref4", b"Ref44",
           b"ref44 ", b"ref-", b"a--b", b"\"ref33\"", b"[ref33, ref33]", b"[]", b"{}",
           b"{study: ref33}", b"[1, [2, [3]]]", b"{a: 1, a: 2}", b"- x", b"'it''s'",
           b"\"\\u0000\"", b"\"\\x85\\u2028\"", b"\"a\\nb\"", b"|\n  block\n  text",
           b">-\n  folded", b"\"\\", b"'", b"@x", b"`x", b"%x", b"x: y", b"x #c", b"#c",
           b"? x", b"*", b"&", b"!", b"\"\\uD800\"", b"\"\\U0010FFFF\"", b"\"\\U00110000\"",
           b"\"\\e[31mred\\e[0m\"", b"\"x\\r\\n::error::x\"", b"\"\\t\\a\\b\\v\\f\\0\"",
           b"\"\\N\\_\\L\\P\"", b"'a\n\n  b'", b"\"\\x1b]8;;x\\x07\""]


def replace_value(rng: random.Random, data: bytes) -> bytes:
    return _replace_value(rng, data, rng.choice(SCALARS))


def copy_value(rng: random.Random, data: bytes) -> bytes:
    """One value copied over another: duplicate ids, refs and codings."""
    spans = _value_spans(data)
    if not spans:
        return data
    start, end = rng.choice(spans)
    return _replace_value(rng, data, data[start:end])


def rename_key(rng: random.Random, data: bytes) -> bytes:
    # Bounded, so that a long run of letters (a huge scalar) costs linear time.
    keys = list(re.finditer(rb"\b([A-Za-z_]{1,40}):", data))
    if not keys:
        return data
    m = rng.choice(keys)
    key = m.group(1)
    choice = rng.randrange(4)
    if choice == 0 and len(key) > 1:
        i = rng.randrange(len(key) - 1)
        new = key[:i] + key[i + 1:i + 2] + key[i:i + 1] + key[i + 2:]
    elif choice == 1:
        new = key.upper()
    elif choice == 2:
        new = rng.choice([b"studies", b"themes", b"id", b"subthemes", b"attributes",
                          b"vocabularies", b"review", b"flow", b"<<", b"study", b"?"])
    else:
        new = key + rng.choice([b"s", b"_", b" x", b"\xc3\xa9"])
    return data[:m.start(1)] + new + data[m.end(1):]


def yaml_tokens(rng: random.Random, data: bytes) -> bytes:
    token = rng.choice([b"---\n", b"...\n", b"--- ", b"? ", b": ", b"- ", b"|", b">", b"\"",
                        b"'", b"#", b"{", b"}", b"[", b"]", b",", b"&", b"*", b"!", b"%",
                        b"@", b"`", b"\t", b"\n", b" ", b"\\", b": |-\n", b"- - -", b"?\n",
                        b"{[", b"]}", b"&a *a", b"<<: *a\n", b"\"\\", b"'\n'"])
    return _insert_at(rng, data, token)


# ----------------------------------------------------------------------------- sizes


def huge_scalar(rng: random.Random, data: bytes) -> bytes:
    size = rng.choice([1_000, 10_000, 100_000, 1_000_000, 3_000_000])
    piece = rng.choice([b"x", b"1", b"ab", b"\xc3\xa9", b"\xf0\x9f\x98\x80", b" ", b"a-"])
    body = piece * (size // len(piece))
    wrap = rng.randrange(4)
    if wrap == 1:
        body = b'"' + body + b'"'
    elif wrap == 2:
        body = b"'" + body + b"'"
    elif wrap == 3:
        body = b"|\n" + b"\n".join(b"    " + body[i:i + 80] for i in range(0, len(body), 80))
    if rng.random() < 0.2:  # as a key
        return _insert_at(rng, data, b"\n" + body[:200_000] + b": 1\n")
    return _replace_value(rng, data, body)


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([30, 63, 64, 65, 200, 999, 1000, 1001, 5000, 100_000])
    choice = rng.randrange(5)
    if choice == 0:
        node = b"[" * depth + b"]" * depth
    elif choice == 1:
        node = b"{a: " * depth + b"1" + b"}" * depth
    elif choice == 2:
        node = b"[" * depth  # never closed
    elif choice == 3:
        node = b"- " * min(depth, 3000) + b"x"
    else:
        depth = min(depth, 1200)
        return data + b"\n" + b"".join(b" " * i + b"k%d:\n" % i for i in range(depth))
    return _replace_value(rng, data, node)


def many_items(rng: random.Random, data: bytes) -> bytes:
    """A long list, in flow or block form, where one value was."""
    count = rng.choice([100, 1_000, 20_000])
    item = rng.choice([b"ref33", b"1", b"{}", b"[]", b"{study: ref33}", b"x"])
    if rng.random() < 0.5:
        return _replace_value(rng, data, b"[" + b", ".join([item] * count) + b"]")
    lines = _lines(data)
    index = _line_index(rng, lines)
    lines[index:index] = [b"  - " + item] * count
    return _join(lines)


# ----------------------------------------------------------------------------- unicode


def _random_char(rng: random.Random) -> str:
    pool = rng.randrange(6)
    if pool == 0:
        return chr(rng.randrange(0x20))
    if pool == 1:
        return rng.choice(["\x7f", "\x85", "\xa0", "\u200b", "\u200e", "\u202e", "\u2028",
                           "\u2029", "\ufeff", "\ufffe", "\uffff", "\u0301", "\u3000"])
    if pool == 2:
        return chr(rng.randrange(0x80, 0x800))
    if pool == 3:
        return chr(rng.randrange(0x800, 0xD800))
    if pool == 4:
        return chr(rng.randrange(0x10000, 0x110000))
    return chr(rng.randrange(0xE000, 0x10000))


def random_unicode(rng: random.Random, data: bytes) -> bytes:
    text = "".join(_random_char(rng) for _ in range(rng.randint(1, 12)))
    encoded = text.encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.5:
        return _replace_value(rng, data, encoded)
    return _insert_at(rng, data, encoded)


def unicode_in_value(rng: random.Random, data: bytes) -> bytes:
    """A unicode character inside an existing value, where it is legal YAML more often."""
    spans = _value_spans(data)
    if not spans:
        return data
    start, end = rng.choice(spans)
    where = rng.randint(start, end)
    return data[:where] + _random_char(rng).encode("utf-8", errors="surrogatepass") + \
        data[where:]


# ----------------------------------------------------------------------------- amplifiers
#
# Small files that cost much to read, check or print: each adds, at the end of a
# file (so that most land inside the `studies:` or `themes:` list of a seed), or in
# its vocabularies, content whose size grows by far more than its text does. They
# change both files at once (codings must name studies), so they are not Mutators.

Amplifier = Callable[[random.Random, bytes, bytes], tuple[bytes, bytes]]


def _eol(data: bytes) -> bytes:
    """`data` ending in a line break, so that a block can be appended."""
    return data if not data or data.endswith((b"\n", b"\r")) else data + b"\n"


def _long_scalar(rng: random.Random) -> bytes:
    size = rng.choice([10_000, 100_000, 1_000_000])
    piece = rng.choice([b"x", b"ab ", b"\xc3\xa9", b"\\u001b[31m", b"\\n::error::x "])
    body = piece * (size // len(piece))
    return b'"' + body + b'"'


def alias_long_scalar(rng: random.Random, studies: bytes,
                      themes: bytes) -> tuple[bytes, bytes]:
    """One long scalar anchored once and aliased thousands of times: a title or note of
    many studies, the authors of one study, or the label of many themes."""
    count = rng.choice([1_000, 5_000, 9_999])
    scalar = _long_scalar(rng)
    form = rng.randrange(3)
    if form == 0:  # many studies share one long title or note
        name = rng.choice([b"title", b"note"])
        block = [b"  - id: amp0\n    countries: [Chile]\n    %s: &long %s\n" % (name, scalar)]
        block += [b"  - id: amp%d\n    %s: *long\n" % (i, name) for i in range(1, count)]
        return _eol(studies) + b"".join(block), themes
    if form == 1:  # one study whose authors are the long scalar, thousands of times
        authors = b", ".join([b"&long " + scalar] + [b"*long"] * (count - 1))
        study = b"  - id: amp0\n    year: 2020\n    authors: [%s]\n" % authors
        return _eol(studies) + study, _eol(themes) + (
            b"  - id: amp-theme\n    label: Amplified\n    studies: [amp0]\n")
    # many themes share one long label, each coding the same new study
    lines = [b"  - {id: amp0, label: &long %s, studies: [amp]}\n" % scalar]
    lines += [b"  - {id: amp%d, label: *long, studies: [amp]}\n" % i for i in range(1, count)]
    return _eol(studies) + b"  - id: amp\n    countries: [Chile]\n", \
        _eol(themes) + b"".join(lines)


def _with_vocabulary(studies: bytes, line: bytes) -> bytes:
    """`studies` with one more vocabulary line, under its `vocabularies:` or a new one."""
    found = re.search(rb"^vocabularies:[ \t]*\r?\n", studies, re.M)
    if found:
        return studies[:found.end()] + line + studies[found.end():]
    start = 3 if studies.startswith(b"\xef\xbb\xbf") else 0
    return studies[:start] + b"vocabularies:\n" + line + studies[start:]


def huge_vocabulary(rng: random.Random, studies: bytes,
                    themes: bytes) -> tuple[bytes, bytes]:
    """A vocabulary of thousands of values, and studies whose value is not among them."""
    size = rng.choice([1_000, 5_000, 20_000])
    width = rng.choice([1, 10, 40])
    key = rng.choice([b"setting", b"countries", b"design", b"amp_field"])
    values = b", ".join(b"v%d-%s" % (i, b"w" * width) for i in range(size))
    studies = _with_vocabulary(studies, b"  %s: [%s]\n" % (key, values))
    outside = rng.choice([1, 100, 2_000])
    if key == b"countries":
        value = b"countries: [Atlantis%d]"
    elif key == b"design":
        value = b"design: other%d"
    else:
        value = b"attributes: {" + key + b": v%dx}"
    block = b"".join(b"  - id: amp%d\n    %s\n" % (i, value % i) for i in range(outside))
    return _eol(studies) + block, themes


def many_unknown_ids(rng: random.Random, studies: bytes,
                     themes: bytes) -> tuple[bytes, bytes]:
    """A theme coding thousands of study ids that no study has."""
    count = rng.choice([1_000, 10_000, 100_000])
    ids = b", ".join(b"zz%xq" % (i * 2654435761 % 2**32) for i in range(count))
    return studies, _eol(themes) + (
        b"  - id: amp-unknown\n    label: Unknown\n    studies: [%s]\n" % ids)


def near_miss_ids(rng: random.Random, studies: bytes,
                  themes: bytes) -> tuple[bytes, bytes]:
    """Thousands of studies, and a theme coding ids one edit away from theirs: each
    unknown id has many close candidates for its did-you-mean suggestion."""
    count = rng.choice([1_000, 5_000, 10_000])
    misses = rng.choice([100, 1_000, 10_000])
    new = b"".join(b"  - {id: study-%05d, countries: [Chile]}\n" % i for i in range(count))
    edits = [b"studi-%05d", b"study-%05dx", b"stdy-%05d", b"study_%05d"]
    coded = b", ".join(rng.choice(edits) % rng.randrange(count) for _ in range(misses))
    return _eol(studies) + new, _eol(themes) + (
        b"  - id: amp-near\n    label: Near misses\n    studies: [study-00000, %s]\n" % coded)


def million_items(rng: random.Random, studies: bytes,
                  themes: bytes) -> tuple[bytes, bytes]:
    """About a million short list items, within the size limit: a study's authors, a
    theme's codings of one study (a million duplicates), or a list no field takes."""
    count = rng.choice([300_000, 1_000_000])
    form = rng.randrange(3)
    if form == 0:
        items = b", ".join([b"A"] * count)
        return _eol(studies) + b"  - id: amp0\n    authors: [%s]\n" % items, themes
    if form == 1:
        # A block sequence may sit at its key's indentation: 8 bytes an item.
        block = rng.random() < 0.5
        items = b"".join([b"    - a\n"] * count) if block \
            else b"[" + b",".join([b"a"] * count) + b"]\n"
        return _eol(studies) + b"  - id: a\n    countries: [Chile]\n", \
            _eol(themes) + b"  - id: amp-many\n    label: Many\n    studies:" + \
            (b"\n" + items if block else b" " + items)
    return b"extra: [" + b",".join([b"1"] * count) + b"]\n" + studies, themes


AMPLIFIERS: dict[str, Amplifier] = {
    "alias-long-scalar": alias_long_scalar,
    "huge-vocabulary": huge_vocabulary,
    "many-unknown-ids": many_unknown_ids,
    "near-miss-ids": near_miss_ids,
    "million-items": million_items,
}
# The share of inputs that start with an amplifier: they are few, because each costs
# up to a second or two a run where another input costs milliseconds.
AMPLIFY = 0.001


MUTATORS: dict[str, Mutator] = {
    "flip-bits": flip_bits,
    "random-bytes": random_bytes,
    "delete-bytes": delete_bytes,
    "truncate": truncate,
    "interesting-bytes": interesting_bytes,
    "delete-lines": delete_lines,
    "duplicate-lines": duplicate_lines,
    "swap-lines": swap_lines,
    "move-line": move_line,
    "reindent": reindent,
    "line-endings": line_endings,
    "inject-tag": inject_tag,
    "anchors-aliases": anchors_and_aliases,
    "replace-value": replace_value,
    "copy-value": copy_value,
    "rename-key": rename_key,
    "yaml-tokens": yaml_tokens,
    "huge-scalar": huge_scalar,
    "deep-nesting": deep_nesting,
    "many-items": many_items,
    "random-unicode": random_unicode,
    "unicode-in-value": unicode_in_value,
}
# How often each is picked: cheap, structure-aware ones more often than the costly ones.
WEIGHTS: dict[str, int] = dict.fromkeys(MUTATORS, 4) | {
    "huge-scalar": 1, "deep-nesting": 2, "many-items": 1, "truncate": 2,
    "replace-value": 8, "copy-value": 5, "reindent": 6, "rename-key": 5}


def limits_for(seed: int, index: int) -> dict[str, int]:
    """Tight limits for one input in ten (so that their diagnostics are fuzzed too), else none."""
    rng = random.Random(f"limits:{seed}:{index}")
    if rng.random() >= 0.1:
        return {}
    return {name: value for name, value in (
        ("max_file_bytes", rng.choice([1, 100, 1_000, 5_000, 10**6])),
        ("max_depth", rng.choice([1, 2, 3, 5, 1_000, 10**6])),
        ("max_alias_nodes", rng.choice([1, 5, 100, 10**6])),
    ) if rng.random() < 0.6}


def mutate(seeds: list[Review], seed: int, index: int) -> Review:
    """Input number `index` of the run seeded with `seed`."""
    rng = random.Random(f"{seed}:{index}")
    base = seeds[rng.randrange(len(seeds))]
    files = [base.studies, base.themes]
    steps: list[str] = []
    # Drawn from a generator of its own, so that adding amplifiers changed no other input.
    amplify = random.Random(f"amplify:{seed}:{index}")
    if amplify.random() < AMPLIFY:
        name = amplify.choice(sorted(AMPLIFIERS))
        studies, themes = AMPLIFIERS[name](amplify, files[0], files[1])
        if max(len(studies), len(themes)) <= MAX_FILE_BYTES:
            files = [studies, themes]
            steps.append(name)
    names = list(MUTATORS)
    weights = [WEIGHTS[name] for name in names]
    rounds = rng.choice([1, 1, 1, 2, 2, 3, 4])
    if steps and amplify.random() < 0.5:
        rounds = 0  # half the amplified inputs stay whole, to reach the checks and reports
    for _ in range(rounds):
        which = rng.randrange(2)
        if rng.random() < 0.05:
            mutated = splice_other(rng, files[which], files[1 - which])
            if len(mutated) <= MAX_FILE_BYTES:
                files[which] = mutated
                steps.append(f"splice-other:{FILES[which]}")
            continue
        name = rng.choices(names, weights)[0]
        mutated = MUTATORS[name](rng, files[which])
        if len(mutated) <= MAX_FILE_BYTES:
            files[which] = mutated
            steps.append(f"{name}:{FILES[which]}")
    # findings.yaml from a generator of its own, so the two files' mutations are those
    # of the runs made before the file was fuzzed.
    findings = base.findings
    other = random.Random(f"findings:{seed}:{index}")
    if findings is not None and other.random() < MUTATE_FINDINGS:
        for _ in range(other.choice([1, 1, 2, 3])):
            name = other.choices(names, weights)[0]
            mutated = MUTATORS[name](other, findings)
            if len(mutated) <= MAX_FILE_BYTES:
                findings = mutated
                steps.append(f"{name}:{FINDINGS}")
    return Review(files[0], files[1], tuple(steps), findings)
