"""A review that names its bibliography: validation, what studies take from it, the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peersynth.analysis import author_year_labels
from peersynth.cache import cached_review, entry_path
from reviewkit import DATA, load, run, write_review

THEMES = """\
themes:
  - id: t
    label: Theme
    studies: [a, b]
"""
STUDIES = """\
review:
  bibliography: {name}
studies:
  - id: a
    ref: 1
    key: berry2011
  - id: b
    ref: 2
    doi: 10.1000/BYRNE
"""
BIB = """\
@article{berry2011,
  author = {Berry, Christopher and Hayward, Mark and Chandler, Ruth},
  title = {Service user involvement},
  journal = {Journal of Mental Health},
  year = {2011},
}

@article{byrne2021,
  author = {Byrne, Louise and Roennfeldt, Helena},
  year = {2021},
  doi = {https://doi.org/10.1000/byrne},
}
"""
RIS = ("TY  - JOUR\r\nID  - berry2011\r\nAU  - Berry, C.\r\nAU  - Hayward, M.\r\n"
       "AU  - Chandler, R.\r\nPY  - 2011///\r\nTI  - Service user involvement\r\nER  - \r\n\r\n"
       "TY  - JOUR\r\nAU  - Byrne, L.\r\nAU  - Roennfeldt, H.\r\nPY  - 2021\r\n"
       "DO  - 10.1000/byrne\r\nER  - \r\n")
CSL_JSON = json.dumps([
    {"id": "berry2011", "type": "article-journal", "title": "Service user involvement",
     "author": [{"family": "Berry", "given": "C."}, {"family": "Hayward", "given": "M."},
                {"family": "Chandler", "given": "R."}],
     "issued": {"date-parts": [[2011]]}},
    {"id": "byrne2021", "type": "article-journal", "DOI": "10.1000/byrne",
     "author": [{"family": "Byrne", "given": "L."}, {"family": "Roennfeldt", "given": "H."}],
     "issued": {"date-parts": [[2021]]}},
], indent=2)


def review(tmp_path: Path, name: str = "refs.bib", text: str = BIB) -> Path:
    folder = write_review(tmp_path / "r", STUDIES.format(name=name), THEMES)
    (folder / name).write_bytes(text.encode("utf-8"))
    return folder


@pytest.mark.parametrize(("name", "text"), [("refs.bib", BIB), ("refs.ris", RIS),
                                            ("refs.json", CSL_JSON)])
def test_studies_take_authors_and_year_from_their_entry_in_every_format(
        tmp_path: Path, name: str, text: str) -> None:
    folder = review(tmp_path, name, text)
    loaded = load(folder)
    a, b = loaded.studies
    assert a.authors == ["Berry C", "Hayward M", "Chandler R"]
    assert (a.year, a.title) == (2011, "Service user involvement")
    assert (b.authors, b.year) == (["Byrne L", "Roennfeldt H"], 2021)
    # b named its entry by DOI (another case, no link): its key comes from the entry
    # where the entry has one (RIS records without an ID have none).
    assert b.key == (None if name.endswith(".ris") else "byrne2021")
    result = run("cite", "t", "--data", folder, "--style", "author-year", "--no-cache")
    assert result.stdout == "Theme (2/2): (Berry et al. 2011; Byrne & Roennfeldt 2021)\n"


def test_a_study_value_that_differs_is_used_and_warned_about(tmp_path: Path) -> None:
    folder = review(tmp_path)
    studies = (folder / "studies.yaml").read_text(encoding="utf-8")
    (folder / "studies.yaml").write_text(
        studies.replace("    key: berry2011\n", "    key: berry2011\n    year: 2012\n"),
        encoding="utf-8")
    result = run("validate", folder)
    assert result.exit_code == 0  # a warning
    assert (f"{folder.as_posix()}/studies.yaml:7:11: warning[reference-mismatch] year '2012' "
            f"here, '2011' in {folder.as_posix()}/refs.bib entry 'berry2011' (line 1)"
            ) in result.stdout
    assert load(folder).studies[0].year == 2012


def test_the_cache_serves_no_answer_made_with_another_bibliography(tmp_path: Path) -> None:
    folder = review(tmp_path)
    cache = tmp_path / "cache"
    first = cached_review(folder, directory=cache)
    assert first.extras[0][0] == "refs.bib"
    assert first.review is not None
    assert cached_review(folder, directory=cache).review == first.review  # a hit
    header = json.loads(entry_path(folder, cache).read_bytes().split(b"\n", 1)[0])
    assert header["extras"] == [list(first.extras[0])]
    # Another year in the bibliography: the entry is not used, the new year is read.
    (folder / "refs.bib").write_text(BIB.replace("year = {2011}", "year = {2010}"),
                                     encoding="utf-8")
    changed = cached_review(folder, directory=cache)
    assert changed.review is not None
    assert changed.review.studies[0].year == 2010
    # The bibliography removed: the entry is not used, and the review has an error.
    (folder / "refs.bib").unlink()
    gone = cached_review(folder, directory=cache)
    assert gone.review is None
    assert [d.code for d in gone.diagnostics] == ["bibliography-unreadable"]


def test_an_entry_whose_recorded_extras_are_damaged_is_a_miss(tmp_path: Path) -> None:
    folder = review(tmp_path)
    cache = tmp_path / "cache"
    cached_review(folder, directory=cache)
    path = entry_path(folder, cache)
    head, body = path.read_bytes().split(b"\n", 1)
    header = json.loads(head)
    header["extras"] = [["refs.bib", 7]]
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    # Read again from the files, and right.
    again = cached_review(folder, directory=cache)
    assert again.review is not None
    assert again.review.studies[0].year == 2011


def test_a_bibliography_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    folder = review(tmp_path)
    monkeypatch.setenv("PEERSYNTH_MAX_FILE_BYTES", "400")  # the YAML files are smaller
    (folder / "refs.bib").write_text(BIB + "%" * 400 + "\n", encoding="utf-8")
    result = run("validate", folder, "--format", "json")
    codes = [(d["file"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert codes == [(f"{folder.as_posix()}/refs.bib", "file-too-large")]
    assert result.exit_code == 1


def test_a_bibliography_that_is_not_utf8(tmp_path: Path) -> None:
    folder = review(tmp_path)
    (folder / "refs.bib").write_bytes(BIB.encode("utf-8").replace(b"Ruth", b"R\xfcth"))
    result = run("validate", folder)
    assert result.exit_code == 1
    # The byte written for the "u" of "Ruth": line 2, column 65.
    assert f"{folder.as_posix()}/refs.bib:2:65: error[not-utf8]" in result.stdout
    # A file that cannot be read at all is one error, not also one per study naming it.
    assert "unknown-reference" not in result.stdout


def test_no_bibliography_named_means_no_parser_is_imported(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = write_review(tmp_path / "plain", "studies:\n  - id: a\n    key: k\n",
                          "themes:\n  - id: t\n    label: T\n    studies: [a]\n")
    code = ("import sys; from pathlib import Path; from peersynth.validate import "
            "validate_folder; assert validate_folder(Path(sys.argv[1])).review; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('bibtexparser', 'rispy', 'citeproc')))")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_shipped_review_takes_the_names_the_article_gives_from_its_bibliography() -> None:
    shipped = load(DATA)
    labels = {study: label.label for study, label in author_year_labels(shipped).items()}
    # FACTS.md: the text names Mancini [36], Gillard and Edwards [37], Byrne et al. [38]
    # (2021, Table 1), Berry et al. [44] (2011, Table 1) and Gates and Mandiberg [47].
    assert labels["ref36"] == "Mancini n.d."
    assert labels["ref37"] == "Gillard & Edwards n.d."
    assert labels["ref38"] == "Byrne et al. 2021"
    assert labels["ref44"] == "Berry et al. 2011"
    assert labels["ref47"] == "Gates & Mandiberg n.d."
    # The other eleven have nothing invented: no authors, no year.
    bare = [s.id for s in shipped.studies if not s.authors]
    assert len(bare) == 11
    assert all(s.year is None for s in shipped.studies if not s.authors)
    by_id = shipped.study_by_id
    assert by_id["ref38"].authors == ["Byrne L", "Roennfeldt H", "Wolf J", "Linfoot A",
                                      "Foglesong D", "Davidson L", "Bellamy C"]
    assert by_id["ref44"].authors == ["Berry C", "Hayward M", "Chandler R"]
