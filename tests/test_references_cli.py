"""`references`, `cite --style pandoc|latex`, and the CSL styles citeproc-py renders.

The two styles under tests/data/csl/ are real ones from the CSL style repository
(BioMed Central, numeric; APA 7th edition, author-date; CC BY-SA 3.0). Where the
expected text is a style's, it is what citeproc-py itself renders for the same items
(computed in the test), not output copied from peersynth.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import peersynth.cli.references  # noqa: F401 - registers the command
from peersynth.references.numbering import cited_order
from peersynth.references.styles import CslStyle, csl_item
from peersynth.review import Study
from reviewkit import DATA, run, small, write_review

CSL = Path(__file__).parent / "data" / "csl"

KEYED_STUDIES = """\
studies:
  - id: a
    ref: 7
    key: berry2011
    authors: [Berry C, Hayward M, Chandler R]
    year: 2011
    title: Service user involvement
    journal: Journal of Mental Health
  - id: b
    ref: 3
    key: byrne2021
    authors: [Byrne L, Roennfeldt H]
    year: 2021
  - id: c
    ref: 5
"""
KEYED_THEMES = """\
themes:
  - id: t
    label: Theme
    studies: [a, b, c]
"""


def keyed(tmp_path: Path) -> Path:
    return write_review(tmp_path / "keyed", KEYED_STUDIES, KEYED_THEMES)


def citeproc_alone(style: str, items: list[dict[str, object]], keys: list[str]
                   ) -> tuple[str, list[str]]:
    """What citeproc-py renders by itself: one citation of `keys`, and the list."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    bibliography = CitationStylesBibliography(
        CitationStylesStyle(str(CSL / style), validate=False), CiteProcJSON(items),
        formatter.plain)
    citation = Citation([CitationItem(key) for key in keys])
    bibliography.register(citation)
    text = str(bibliography.cite(citation, lambda _item: None))
    bibliography.sort()
    return text, [str(entry) for entry in bibliography.bibliography()]


def test_pandoc_and_latex_styles_cite_by_key_else_id(tmp_path: Path) -> None:
    folder = keyed(tmp_path)
    # Reference order: b (ref 3), c (ref 5), a (ref 7); c has no key, so its id.
    result = run("cite", "t", "--data", folder, "--style", "pandoc", "--no-cache")
    assert result.exit_code == 0
    assert result.stdout == "Theme (3/3): [@byrne2021; @c; @berry2011]\n"
    result = run("cite", "t", "--data", folder, "--style", "latex", "--no-cache")
    assert result.stdout == "Theme (3/3): \\cite{byrne2021,c,berry2011}\n"


def test_pandoc_keys_that_would_end_early_are_braced() -> None:
    from peersynth.analysis import pandoc_key

    assert pandoc_key(Study("a", key="Berry:2011.x")) == "@Berry:2011.x"
    assert pandoc_key(Study("a", key="berry 2011")) == "@{berry 2011}"
    assert pandoc_key(Study("a", key="berry2011.")) == "@{berry2011.}"  # would lose the dot


def test_csl_items_carry_only_what_the_study_gives() -> None:
    assert csl_item(Study("a", key="k", authors=["van der Berg JP", "Mancini"], year=2019,
                          title="T", journal="J", doi="10.1/x")) == {
        "id": "k", "type": "article-journal", "title": "T", "container-title": "J",
        "DOI": "10.1/x", "issued": {"date-parts": [[2019]]},
        "author": [{"family": "van der Berg", "given": "JP"}, {"family": "Mancini"}]}
    # Nothing to cite it by: its id stands in the author's place, as a literal name.
    assert csl_item(Study("b", year=2020)) == {
        "id": "b", "type": "article-journal", "issued": {"date-parts": [[2020]]},
        "author": [{"literal": "b"}]}


@pytest.mark.parametrize("style", ["biomed-central.csl", "apa.csl"])
def test_csl_styles_render_as_citeproc_does_when_numbered_in_order(style: str) -> None:
    studies = [Study("a", key="berry2011", authors=["Berry C", "Hayward M", "Chandler R"],
                     year=2011, title="Service user involvement",
                     journal="Journal of Mental Health"),
               Study("b", key="byrne2021", authors=["Byrne L", "Roennfeldt H"], year=2021)]
    numbers = {"a": 1, "b": 2}
    csl = CslStyle(CSL / style)
    ours = csl.cite([studies], studies, numbers)
    listed = csl.references(studies, numbers)
    alone, entries = citeproc_alone(style, [csl_item(s) for s in studies],
                                    ["berry2011", "byrne2021"])
    assert ours == [alone]
    assert [r.text for r in listed] == entries
    assert csl.numeric is (style == "biomed-central.csl")


def test_a_numeric_csl_style_numbers_by_ref_not_by_registration() -> None:
    studies = [Study("a", key="berry2011", authors=["Berry C"], year=2011),
               Study("b", key="byrne2021", authors=["Byrne L"], year=2021)]
    csl = CslStyle(CSL / "biomed-central.csl")
    numbers = {"a": 44, "b": 38}
    assert csl.cite([[studies[0]], [studies[1], studies[0]]], studies, numbers) == [
        "[44]", "[38, 44]"]
    listed = csl.references(studies, numbers)
    assert [(r.study, r.number) for r in listed] == [("b", 38), ("a", 44)]
    assert listed[0].text.startswith("38. Byrne L. 2021")


def test_references_on_the_shipped_review_lists_every_study_by_ref() -> None:
    result = run("references", "--data", DATA, "--no-cache")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 16
    assert [line.split(".", 1)[0] for line in lines] == [str(n) for n in range(33, 49)]
    # Ref 38: the authors and year the article's Table 1 gives; BioMed Central lists six
    # authors, then "et al.".
    assert lines[5] == ("38. Byrne L, Roennfeldt H, Wolf J, Linfoot A, Foglesong D, "
                        "Davidson L, et al. 2021.")
    assert lines[0] == "33. ref33."
    # The 11 studies the text does not identify are cited by their id, and a note says so.
    assert "11 study(ies) with no authors, title, journal or DOI" in result.stderr
    # The names the text gives, from the shipped bibliography.
    assert lines[3] == "36. Mancini."
    assert lines[4] == "37. Gillard, Edwards."
    assert lines[11] == "44. Berry C, Hayward M, Chandler R. 2011."


def test_references_formats(tmp_path: Path) -> None:
    folder = keyed(tmp_path)
    body = json.loads(run("references", "--data", folder, "--format", "json",
                          "--no-cache").stdout)
    assert body["style"] == "biomed-central.csl"
    assert body["numbering"] == "ref"
    assert [(r["number"], r["study"]) for r in body["references"]] == [
        (3, "b"), (5, "c"), (7, "a")]
    markdown = run("references", "--data", folder, "--format", "markdown",
                   "--no-cache").stdout
    # The number is escaped so Markdown does not renumber the list from 1.
    assert markdown.splitlines()[0] == "3\\. Byrne L, Roennfeldt H. 2021."
    assert markdown.split("\n\n")[2].startswith("7\\. Berry C")
    csv_lines = run("references", "--data", folder, "--format", "csv",
                    "--no-cache").stdout.splitlines()
    assert csv_lines[0] == "number,study,reference"
    assert csv_lines[2] == "5,c,5. c."


def test_author_date_style_orders_as_the_style_sorts(tmp_path: Path) -> None:
    result = run("references", "--data", keyed(tmp_path), "--csl", CSL / "apa.csl",
                 "--no-cache")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Berry, C., Hayward, M., & Chandler, R. (2011).")
    assert lines[1].startswith("Byrne, L., & Roennfeldt, H. (2021).")


def test_numbering_in_order_of_first_citation_in_a_manuscript(tmp_path: Path) -> None:
    folder = keyed(tmp_path)
    manuscript = tmp_path / "m.md"
    manuscript.write_text("# Results\n\nAs [@berry2011] found, and [3].\n", encoding="utf-8")
    result = run("references", "--data", folder, "--numbering", "order", "--manuscript",
                 manuscript, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    # a first (by key), then b (ref 3); c is never cited: it follows, and a note says so.
    assert [(r["number"], r["study"]) for r in body["references"]] == [
        (1, "a"), (2, "b"), (3, "c")]
    assert "1 study(ies) the manuscript never cites" in result.stderr
    assert ": c" in result.stderr


def test_cited_order_reads_numeric_pandoc_and_latex_citations() -> None:
    studies = [Study("a", ref=33, key="berry2011"), Study("b", ref=34, key="byrne2021"),
               Study("c", ref=35), Study("d", ref=36, key="x:y")]
    text = ("As shown [35] and by @byrne2021 (see [@berry2011; @{x:y}]), also "
            "\\citep[p.~3]{berry2011,c}.")
    assert cited_order(studies, [text, "[33-36]"]) == ["c", "b", "a", "d"]
    # An e-mail address is no citation; numbers inside one citation keep their order.
    assert cited_order(studies, ["write to a@byrne2021 [34, 33]"]) == ["b", "a"]


def test_a_file_that_is_no_csl_style_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csl"
    bad.write_text("<html>not a style</html>", encoding="utf-8")
    result = run("references", "--data", small(tmp_path), "--csl", bad, "--no-cache")
    assert result.exit_code == 2
    assert "is not a CSL style" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run("references", "--data", small(tmp_path), "--csl", tmp_path / "none.csl",
                  "--no-cache")
    assert missing.exit_code == 2
    assert "cannot read the CSL style" in missing.stderr


def test_a_dependent_style_names_its_parent(tmp_path: Path) -> None:
    dependent = tmp_path / "bmc-psychiatry.csl"
    dependent.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text">'
        '<info><title>BMC Psychiatry</title><id>x</id>'
        '<link href="http://www.zotero.org/styles/biomed-central" rel="independent-parent"/>'
        '<updated>2020-01-01T00:00:00+00:00</updated></info></style>', encoding="utf-8")
    result = run("references", "--data", small(tmp_path), "--csl", dependent, "--no-cache")
    assert result.exit_code == 2
    assert "dependent CSL style" in result.stderr


def test_cite_in_a_csl_style_and_renumbered_by_a_manuscript(tmp_path: Path) -> None:
    folder = keyed(tmp_path)
    apa = run("cite", "t", "--data", folder, "--csl", CSL / "apa.csl", "--no-cache")
    assert apa.exit_code == 0, apa.stderr
    # APA sorts by author; c has nothing but its id to be cited by.
    assert apa.stdout == "Theme (3/3): (Berry et al., 2011; Byrne & Roennfeldt, 2021; c, n.d.)\n"
    assert "cited by their id: c" in apa.stderr
    body = json.loads(run("cite", "--data", folder, "--csl", CSL / "biomed-central.csl",
                          "--format", "json", "--no-cache").stdout)
    assert body["style"] == f"csl:{(CSL / 'biomed-central.csl').as_posix()}"
    assert body["themes"][0]["citation"] == "[3, 5, 7]"
    manuscript = tmp_path / "m.md"
    manuscript.write_text("Berry [7] came before Byrne [3].\n", encoding="utf-8")
    ordered = run("cite", "t", "--data", folder, "--numbering", "order", "-m", manuscript,
                  "--no-cache")
    # a is cited first (1), b second (2), c never (3): "1-3" as a range.
    assert ordered.stdout == "Theme (3/3): [1\u20133]\n"


@pytest.mark.skipif(shutil.which("pandoc") is None,
                    reason="pandoc is not installed (CI installs it: apt-get install pandoc)")
def test_the_pandoc_style_is_what_pandoc_citeproc_resolves(tmp_path: Path) -> None:
    folder = keyed(tmp_path)
    (tmp_path / "refs.bib").write_text(
        "@article{berry2011,\n  author = {Berry, C. and Hayward, M. and Chandler, R.},\n"
        "  year = {2011},\n}\n@article{byrne2021,\n  author = {Byrne, L. and Roennfeldt, H.},"
        "\n  year = {2021},\n}\n@article{c,\n  author = {Cole, A.},\n  year = {2019},\n}\n",
        encoding="utf-8")
    cited = run("cite", "t", "--data", folder, "--style", "pandoc", "--no-cache").stdout
    citation = cited.split(": ", 1)[1].strip()
    manuscript = tmp_path / "m.md"
    manuscript.write_text(f"Theme {citation}.\n", encoding="utf-8")
    done = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", str(tmp_path / "refs.bib"), "-t", "plain",
         "--columns", "1000", str(manuscript)],
        capture_output=True, text=True, check=True)
    # Every key resolved (pandoc warns and prints "key?" otherwise), in its default
    # Chicago author-date style.
    assert "not found" not in done.stderr
    assert done.stdout.splitlines()[0] == (
        "Theme (Byrne and Roennfeldt 2021; Cole 2019; Berry, Hayward, and Chandler 2011).")


def test_references_as_a_word_file_read_back(tmp_path: Path) -> None:
    import docx

    target = tmp_path / "refs.docx"
    result = run("references", "--data", keyed(tmp_path), "--format", "docx", "--output",
                 target, "--no-cache")
    assert result.exit_code == 0, result.stderr
    paragraphs = [(p.style.name if p.style else None, p.text)
                  for p in docx.Document(str(target)).paragraphs]
    assert paragraphs == [
        ("Heading 1", "References"),
        ("Normal", "3. Byrne L, Roennfeldt H. 2021."),
        ("Normal", "5. c."),
        ("Normal", "7. Berry C, Hayward M, Chandler R. Service user involvement. Journal of "
                   "Mental Health. 2011."),
    ]
    # Never over an existing file without --force, and never to stdout.
    again = run("references", "--data", keyed(tmp_path), "--format", "docx", "--output",
                target, "--no-cache")
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert run("references", "--data", keyed(tmp_path), "--format", "docx",
               "--no-cache").exit_code == 2
