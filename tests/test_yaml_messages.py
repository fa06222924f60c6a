"""YAML syntax errors in a reviewer's terms: what is wrong, what to do, at the right character.

Every expected position is counted by hand from the text: columns are 1-based code points
of the line as written.
"""

from __future__ import annotations

import pytest
import yaml

from peersynth.loading import explain_syntax, parse_text

S = "studies:\n  - id: s1\n"

# (name, text, (line, column), the message, a part of the hint)
CASES = [
    # "    title: " is 11 characters, "Peer work" 12-20: the ':' that breaks is column 21.
    ("colon in a value", S + "    title: Peer work: a study\n", (3, 21),
     "a ': ' inside an unquoted value ends the key",
     'put the whole value in quotes: title: "Peer work: a study"'),
    # The fix keeps a value's own double quotes by using single ones, and drops the comment.
    ("colon in a value holding quotes", "studies:\n  - title: Peer work: \"a\" study  # x\n",
     (2, 21), "a ': ' inside an unquoted value ends the key",
     "put the whole value in quotes: title: 'Peer work: \"a\" study'"),
    # Reported where the quote opens (line 3, after "    title: "), not at the end of the file.
    ("unclosed quote", S + '    title: "Peer work\n  - id: s2\n    ref: 1\n', (3, 12),
     'this quote (") is never closed',
     'add the closing " where the value ends'),
    ("unclosed single quote", S + "    title: 'Peer work\n", (3, 12),
     "this quote (') is never closed", "a ' inside the value is written ''"),
    # A later quote closes it: the parser stops at line 5, the mistake is on line 3.
    ("unclosed quote before another", S + '    title: "Peer work\n  - id: s2\n'
     '    title: "Other"\n', (3, 12),
     'this quote (") is not closed on its line, so the value runs on to the " at line 5',
     'add the closing "'),
    ("tab indenting a key", "studies:\n  - id: smith2020\n\t  ref: 1\n", (3, 1),
     "a tab is used for indentation here; YAML indents with spaces only",
     "replace the tab with spaces"),
    ("tab indenting an item", "studies:\n\t- id: s1\n", (2, 1),
     "a tab is used for indentation here; YAML indents with spaces only",
     "replace the tab with spaces"),
    ("key without a colon", S + "    title\n    ref: 1\n", (3, 5),
     "'title' has no ':' after it, so it is neither a key nor a value",
     "write it as 'key: value'"),
    # ' year' (column 2) lines up with neither 'studies' (1) nor the item's keys (5).
    ("key at no mapping's indentation", S + "    ref: 1\n year: 2\n", (4, 2),
     "this line's indentation matches no mapping above it", "(its first key is at line 1)"),
    # "  - title: " is 11 characters, '"Peer"' 12-17: 'work' starts at column 19.
    ("text after a closing quote", 'studies:\n  - title: "Peer" work\n', (2, 19),
     "text follows the closing quote of a value",
     "put the whole value in one pair of quotes: title: '\"Peer\" work'"),
    # 'ref' at column 3 is where the list's '-' is: a key of the item needs column 5.
    ("key at the list's indentation", S + "  ref: 1\n", (3, 3),
     "this line is at the indentation of the list that starts at line 2 but is not an item "
     "('- ')", "start a new item with '- '"),
    ("key between the list and its item's keys", S + "   ref: 1\n", (3, 4),
     "this line's indentation matches neither the list that starts at line 2 nor the keys "
     "of its items", "line up with the keys of the item above"),
    ("item at no list's indentation", S + "    countries:\n    - NO\n   - SE\n", (5, 4),
     "this item's '-' lines up with no list above it",
     "indent it exactly as the other items of its list"),
    # "studies: " is 9 characters: '[' is column 10; the next key shows it never closes.
    ("unclosed flow list", "studies: [a, b\nthemes: 1\n", (1, 10),
     "this '[' is never closed with ']'", "add ']' after the last item of the list"),
    # Nothing follows the '[' before the file ends: the end is no closing bracket.
    ("flow list open at the end of the file", "studies: [\n", (1, 10),
     "this '[' is never closed with ']'", "add ']' after the last item of the list"),
    ("flow mapping open at the end of the file", "studies: [{\n", (1, 11),
     "this '{' is never closed with '}'", "add '}' after the last item of the mapping"),
    ("unclosed flow mapping", "a: {b: 1, c: 2\n", (1, 4),
     "this '{' is never closed with '}'", "add '}' after the last item of the mapping"),
    # "y: 2\n  z" is one plain value '2 z': its ':' at column 4 of line 3 is where the
    # parser sees that a ',' is missing.
    ("missing comma in a flow mapping", "a: {x: 1,\n  y: 2\n  z: 3}\n", (3, 4),
     "expected ',' between items, or '}' to close the mapping opened at line 1",
     "separate items with ', '"),
    # "  - id: " is 8 characters: the character is column 9.
    ("value starting with @", "studies:\n  - id: @smith\n", (2, 9),
     "a value cannot start with '@' (it is reserved in YAML)",
     'put the whole value in quotes: id: "@smith"'),
    ("value starting with a backtick", "studies:\n  - id: `smith`\n", (2, 9),
     "a value cannot start with '`' (it is reserved in YAML)",
     'put the whole value in quotes: id: "`smith`"'),
    # "    note: " is 10 characters.
    ("value starting with %", S + "    note: %done\n", (3, 11),
     "a value cannot start with '%'", 'put the whole value in quotes: note: "%done"'),
    # "    countries: " is 15 characters: the '-' is column 16.
    ("list on its key's line", S + "    countries: - Norway\n", (3, 16),
     "a list cannot start on the same line as its key",
     "write countries: [Norway], or put '- Norway' on a line of its own below"),
    ("anchor without a name", "a: & x\n", (1, 4),
     "'&' at the start of a value begins an anchor and must be followed by its name",
     "to write text that starts with '&', put it in quotes"),
    ("alias without a name", "a: * stars\n", (1, 4),
     "'*' at the start of a value begins an alias and must be followed by its name",
     "put it in quotes"),
    # 'a: "bad ' is 8 characters: the backslash is column 9.
    ("unknown escape", 'a: "bad \\q escape"\n', (1, 9),
     "'\\q' is not an escape sequence YAML knows inside double quotes",
     "put the value in single quotes"),
    ("closing bracket alone", "a: ]\n", (1, 4), "a closing ']' with no opening one",
     "remove it"),
    ("text after a block scalar indicator", "a: |x\n  b\n", (1, 5),
     "only a comment may follow '|' or '>' on the line that starts a block of text",
     "move the text to the lines below"),
    ("directive", "%YAML 2.0\n---\na: 1\n", (1, 1),
     "a line starting with '%' is a YAML directive that peersynth does not read",
     "remove the line"),
    ("undefined tag handle", "a: !x!y 1\n", (1, 4), "'!x!y' is not a tag peersynth reads",
     "remove the tag"),
    # 'b' continues the text 'Peer' of the line above, where ':' may not appear.
    ("key indented deeper than its mapping", S + "    title: Peer\n      more: x\n", (4, 7),
     "YAML reads this line as more of the text on the line above, where no ': ' may appear",
     "indent it exactly as the other keys of its mapping"),
    ("text after the only value", "'a' b\n", (1, 5), "text follows the file's only value",
     "top-level key"),
    ("undefined alias", "a: *x\n", (1, 4), "alias '*x' names no anchor defined before it",
     "define '&x' earlier in the file"),
]


@pytest.mark.parametrize(("text", "position", "message", "hint"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_syntax_error_says_what_is_wrong_and_what_to_do(
        text: str, position: tuple[int, int], message: str, hint: str) -> None:
    doc, diagnostics = parse_text(text, "f.yaml")
    assert doc is None
    assert [(d.line, d.column, d.code) for d in diagnostics] == [(*position, "yaml-syntax")]
    assert diagnostics[0].message == message
    assert diagnostics[0].hint is not None
    assert hint in diagnostics[0].hint


@pytest.mark.parametrize(("text", "position"), [
    # "  - title: " is 11 characters; 'Côte' is 4 code points (12-15): ':' is column 16.
    ("studies:\n  - title: C\u00f4te: x\n", (2, 16)),
    # Decomposed, 'Co' + combining circumflex + 'te' is 5 code points: ':' is column 17.
    ("studies:\n  - title: Co\u0302te: x\n", (2, 17)),
    # An astral character is one code point: ':' is column 13.
    ("studies:\n  - title: \U0001f600: x\n", (2, 13)),
])
def test_columns_count_code_points_of_the_text_as_written(
        text: str, position: tuple[int, int]) -> None:
    _doc, diagnostics = parse_text(text, "f.yaml")
    assert [(d.line, d.column) for d in diagnostics] == [position]


def test_the_fix_for_a_colon_keeps_non_ascii_text() -> None:
    _doc, diagnostics = parse_text("studies:\n  - title: C\u00f4te: x\n", "f.yaml")
    assert diagnostics[0].hint == 'put the whole value in quotes: title: "C\u00f4te: x"'


def test_a_value_too_long_to_show_is_not_written_out_in_the_hint() -> None:
    _doc, diagnostics = parse_text("a: b: " + "x" * 500 + "\n", "f.yaml")
    assert diagnostics[0].hint == "put the whole value in quotes"


def test_no_message_is_the_parsers_sentence_alone() -> None:
    raw = {"mapping values are not allowed in this context", "found unexpected end of stream",
           "did not find expected key", "did not find expected '-' indicator",
           "could not find expected ':'", "found character that cannot start any token",
           "did not find expected ',' or ']'", "did not find expected ',' or '}'",
           "block sequence entries are not allowed in this context"}
    for _name, text, *_ in CASES:
        _doc, diagnostics = parse_text(text, "f.yaml")
        assert diagnostics[0].message not in raw


def test_an_unrecognised_parser_error_keeps_its_sentence_beside_a_plain_one() -> None:
    mark = yaml.Mark("f.yaml", 3, 0, 3, None, None)  # type: ignore[arg-type]
    error = yaml.MarkedYAMLError("while doing something", mark, "found something new", mark)
    position, message, hint = explain_syntax(error, "a: b\n", lambda m: (m.line + 1,
                                                                           m.column + 1))
    assert position is None
    assert message == ("YAML cannot read the file from here (while doing something: found "
                       "something new)")
    assert hint == "check the indentation and the quotes of this line and the one before it"


# --------------------------------------------------------------------------- Unicode as read

NFC = "C\u00f4te d'Ivoire"
NFD = "Co\u0302te d'Ivoire"


def test_values_and_keys_are_read_in_one_unicode_form() -> None:
    doc, diagnostics = parse_text(f"a: {NFD}\nb: \"{NFD}\"\n{NFD}: [{NFD}]\nc: {NFC}\n",
                                  "f.yaml")
    assert diagnostics == []
    assert doc is not None
    assert doc.data == {"a": NFC, "b": NFC, NFC: [NFC], "c": NFC}
    assert NFD not in doc.data


def test_two_keys_equal_in_nfc_are_a_duplicate_at_the_second() -> None:
    # "a: {" is 4 characters; the decomposed key is 14 code points (5-18), then ": 1, "
    # (19-23): the second key starts at column 24.
    _doc, diagnostics = parse_text(f"a: {{{NFD}: 1, {NFC}: 2}}\n", "f.yaml")
    assert [(d.line, d.column, d.code) for d in diagnostics] == [(1, 24, "duplicate-key")]
    assert diagnostics[0].message == f"key '{NFC}' appears twice in this mapping"


def test_positions_of_decomposed_keys_count_the_code_points_as_written() -> None:
    # The decomposed key is 14 code points, ": " two more: the value starts at column 17.
    doc, _diagnostics = parse_text(f"{NFD}: x\nb: y\n", "f.yaml")
    assert doc is not None
    assert doc.position((NFC,)) == (1, 17)
    assert doc.position((NFC,), key=True) == (1, 1)
    assert doc.position(("b",)) == (2, 4)


def test_an_anchor_and_its_alias_hold_the_same_normal_form() -> None:
    doc, _diagnostics = parse_text(f"a: &x {NFD}\nb: *x\n", "f.yaml")
    assert doc is not None
    assert doc.data == {"a": NFC, "b": NFC}
