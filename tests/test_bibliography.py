"""Reading bibliography files as reference managers export them.

The fixtures under tests/data/bibliography/ follow the shape of real exports: Zotero's
Better BibTeX (BibLaTeX fields, double braces, LaTeX accents), EndNote's RIS (CRLF line
ends, `PY  - 2011///`, ID numbers), and Zotero's CSL-JSON (`issued.date-parts`). Their
references are made up; expected values are read off the fixture text by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from peersynth.references.bibliography import (
    Entry,
    format_of,
    name_from_text,
    normal_doi,
    parse,
    year_of,
)

DATA = Path(__file__).parent / "data" / "bibliography"


def read(name: str) -> list[Entry]:
    kind = format_of(name)
    assert kind is not None
    found = parse((DATA / name).read_bytes(), name, kind)
    assert found.problems == []
    found.full(range(len(found.entries)))
    return found.entries


def test_better_bibtex_export_maps_every_field_and_decodes_latex() -> None:
    doe, roe = read("zotero-bbt.bib")
    assert doe.key == "doeServiceUserInvolvement2011"
    assert (doe.line, doe.column) == (3, 1)  # after the @comment block and a blank line
    # {\"u} is ü, {\'O} is Ó, {\dh} is ð, a braced "{van der Berg}" stays one family name
    # and "Karl-Heinz" gives the initials K-H.
    assert doe.authors == ("Doe J", "Müller K-H", "Ólafsdóttir S", "van der Berg JP")
    assert doe.year == 2011  # BibLaTeX `date = {2011-05}`
    assert doe.title == ("Service User Involvement in NHS Mental Health Care: "
                         "A Qualitative Study")
    assert doe.journal == "Journal of Mental Health"  # BibLaTeX journaltitle
    assert doe.doi == "10.1000/jmh.2011.001"  # DOIs ignore case
    assert roe.year == 2019
    assert roe.journal == "Psychiatric Services"
    assert roe.title == "Peer Work & Supervision: 50% of Services in Ontario"
    assert roe.doi == "10.1000/ps.2019.77"  # the https://doi.org/ link is dropped
    assert roe.line == 18


def test_endnote_ris_with_crlf() -> None:
    doe, roe = read("endnote.ris")
    assert doe.key == "1021"
    assert roe.key == "1022"
    assert doe.authors == ("Doe J", "Müller K-H")
    assert doe.year == 2011  # PY  - 2011///
    assert doe.journal == "Journal of Mental Health"  # T2 before the abbreviation in JO
    assert doe.doi == "10.1000/jmh.2011.001"
    assert (doe.line, roe.line) == (1, 16)
    # A1, Y1, T1 and JF, the older tags.
    assert roe.authors == ("Roe R",)
    assert roe.year == 2019
    assert roe.title == "Peer work & supervision"
    assert roe.journal == "Psychiatric Services"


def test_zotero_csl_json() -> None:
    doe, roe = read("zotero.json")
    assert doe.key == "doeServiceUserInvolvement2011"
    assert doe.line == 2
    assert doe.authors == ("Doe J", "Müller K-H", "van der Berg JP")
    assert doe.year == 2011
    assert doe.journal == "Journal of Mental Health"
    assert roe.key == "roe2019"
    assert roe.line == 18
    assert roe.authors == ("Peer Workforce Collaborative",)  # a literal name stays whole
    assert roe.year == 2019
    assert roe.journal is None
    assert roe.doi is None


@pytest.mark.parametrize(("name", "kind"), [
    ("refs.bib", "bibtex"), ("REFS.BIB", "bibtex"), ("a.b.ris", "ris"),
    ("export.json", "csl-json"), ("refs.txt", None), ("refs", None),
])
def test_format_of(name: str, kind: str | None) -> None:
    assert format_of(name) == kind


@pytest.mark.parametrize(("text", "doi"), [
    ("10.1/AB", "10.1/ab"), ("https://doi.org/10.1/x", "10.1/x"),
    ("http://dx.doi.org/10.1/x", "10.1/x"), ("doi: 10.1/x", "10.1/x"), (" 10.1/x ", "10.1/x"),
])
def test_normal_doi(text: str, doi: str) -> None:
    assert normal_doi(text) == doi


def test_small_readers() -> None:
    assert year_of("2011///") == 2011
    assert year_of("c. 1999-05") == 1999
    assert year_of("12345") is None
    assert year_of(2020) == 2020
    assert year_of(20) is None
    assert name_from_text("Berry, Christopher") == "Berry C"
    assert name_from_text("Gates") == "Gates"


def problems(text: bytes, name: str) -> list[tuple[str, int, int]]:
    kind = format_of(name)
    assert kind is not None
    return [(p.code, p.line, p.column) for p in parse(text, name, kind).problems]


def test_broken_bibtex_entry_is_reported_at_its_line_and_the_others_kept(
        capsys: pytest.CaptureFixture[str]) -> None:
    text = b"@article{a, title={x}}\n\n@article{a, title={y}}\n@article{bad, title = {x\n"
    found = parse(text, "refs.bib", "bibtex")
    assert [(p.code, p.line, p.column) for p in found.problems] == [
        ("duplicate-reference-key", 3, 1), ("bibliography-unreadable", 4, 1)]
    assert [e.key for e in found.entries] == ["a"]
    assert "'a'" in found.problems[0].message
    # The parser's own warnings are not printed: the problems say it with positions.
    assert capsys.readouterr() == ("", "")


def test_ris_record_without_end_and_file_without_records() -> None:
    assert problems(b"TY  - JOUR\nTI  - x\nER  - \nTY  - JOUR\nTI  - y\n", "r.ris") == [
        ("bibliography-unreadable", 4, 1)]
    assert problems(b"just some text\n", "r.ris") == [("bibliography-unreadable", 1, 1)]


def test_csl_json_syntax_error_position_and_wrong_shape() -> None:
    # At the "}" the comma leaves without a name.
    assert problems(b'[\n  {"id": "a",}\n]', "c.json") == [("bibliography-unreadable", 2, 14)]
    assert problems(b'{"id": "a"}', "c.json") == [("bibliography-unreadable", 1, 1)]
    assert problems(b'[{"id": "a"},\n 7]', "c.json") == [("bibliography-unreadable", 2, 2)]


def test_not_utf8_is_reported_where_the_bad_byte_is() -> None:
    assert problems(b"@article{a,\n  title = {caf\xe9}}\n", "refs.bib") == [
        ("not-utf8", 2, 15)]


def test_a_byte_order_mark_is_fine() -> None:
    found = parse(b"\xef\xbb\xbf@article{a, year={2020}}\n", "refs.bib", "bibtex")
    found.full([0])
    assert found.problems == []
    assert found.entries[0].year == 2020


def test_bibtex_fields_are_decoded_only_for_the_entries_asked_for() -> None:
    # A library exported whole may hold thousands of entries; a review cites a few dozen.
    text = b"@article{a, title={Caf{\\'e}}, doi={10.1/A\\_B}}\n@article{b, title={{\\\"O}l}}\n"
    found = parse(text, "refs.bib", "bibtex")
    assert [e.doi for e in found.entries] == ["10.1/a_b", None]  # matched before decoding
    assert found.entries[0].title is None
    assert set(found.undecoded) == {0, 1}
    found.full([1])
    assert found.entries[1].title == "Öl"
    assert found.entries[0].title is None
    assert set(found.undecoded) == {0}
    found.full([0, 1])
    assert found.entries[0].title == "Café"
    assert found.undecoded == {}


def test_a_key_used_twice_in_ris_or_csl_json_is_reported_at_the_second() -> None:
    ris = b"TY  - JOUR\nID  - 7\nER  - \n\nTY  - JOUR\nID  - 7\nER  - \n"
    assert problems(ris, "r.ris") == [("duplicate-reference-key", 5, 1)]
    assert problems(b'[{"id": "a"},\n  {"id": "a"}]', "c.json") == [
        ("duplicate-reference-key", 2, 3)]


def test_a_braced_name_stays_one_name_and_escapes_in_names_are_decoded() -> None:
    # BibTeX keeps a braced name whole: "{World Health Organization}" is one family name,
    # not the given names W H O and a family name, and "{Barnes and Noble, Inc.}" one
    # author, its "and" and comma inside the braces. Read off the text by hand.
    text = (b"@article{k, author = {{World Health Organization} and M{\\\"u}ller, J{\\\"o}rg"
            b" and {Barnes and Noble, Inc.} and de la Fontaine, Jean}, year = {2020}}\n")
    found = parse(text, "refs.bib", "bibtex")
    assert found.problems == []
    found.full([0])
    assert found.entries[0].authors == (
        "World Health Organization", "M\u00fcller J", "Barnes and Noble, Inc.",
        "de la Fontaine J")


@pytest.mark.parametrize(("author", "names"), [
    # A sole corporate author, braced inside the field's own braces: one family name.
    ("{World Health Organization}", ("World Health Organization",)),
    ("{Barnes and Noble, Inc.}", ("Barnes and Noble, Inc.",)),
    ("{WHO} and {UNICEF}", ("WHO", "UNICEF")),
    # Escapes that hold a space or a tie are decoded before names are split.
    ("Pe\\~{n}a, Juan", ("Pe\u00f1a J",)),
    ("Ord{\\'o}\\~nez, Luis", ("Ord\u00f3\u00f1ez L",)),
    ("Jo\\~{a}o Silva", ("Silva J",)),
    ("Fran\\c cois Truffaut", ("Truffaut F",)),
    ("Nowak, \\L ukasz", ("Nowak \u0141",)),
    # Several given names in one braced group, or joined by ties: an initial each.
    ("Smith, {J. R.}", ("Smith JR",)),
    ("J.~R.~R. Tolkien", ("Tolkien JRR",)),
    ("M{\\\"u}ller, K.-H.", ("M\u00fcller K-H",)),
])
def test_bibtex_names_as_bibtex_reads_them(author: str, names: tuple[str, ...]) -> None:
    text = "@article{k, author = {" + author + "}, year = {2020}}\n"
    found = parse(text.encode(), "refs.bib", "bibtex")
    assert found.problems == []
    found.full([0])
    assert found.entries[0].authors == names
