"""Which entry each study is, what it takes from it, and where the two disagree."""

from __future__ import annotations

from peersynth.references.bibliography import Bibliography, Entry, parse
from peersynth.references.link import filled, link, mismatches
from peersynth.review import Study

BIB = b"""@article{berry2011,
  author = {Berry, Christopher and Hayward, Mark and Chandler, Ruth},
  title = {Service user involvement},
  journal = {Journal of Mental Health},
  year = {2011},
  doi = {10.1000/JMH.1}
}
@article{byrne2021,
  author = {Byrne, Louise and Roennfeldt, Helena},
  year = {2021}
}
@article{mancini, author = {Mancini, Michael A.}}
"""


def bibliography() -> Bibliography:
    return parse(BIB, "refs.bib", "bibtex")


def test_a_study_takes_what_it_leaves_out_from_the_entry_named_by_key_or_doi() -> None:
    studies = [Study("a", key="berry2011"), Study("b", doi="https://doi.org/10.1000/jmh.1"),
               Study("c", key="byrne2021", year=2020, authors=["Byrne L"]), Study("d")]
    links = link(studies[:1] + studies[2:], bibliography())
    first, third, fourth = filled(studies[:1] + studies[2:], links)
    assert first.authors == ["Berry C", "Hayward M", "Chandler R"]
    assert (first.year, first.title, first.journal, first.doi) == (
        2011, "Service user involvement", "Journal of Mental Health", "10.1000/jmh.1")
    # The study's own values stand; what it leaves out (none here but the key) is taken.
    assert (third.year, third.authors, third.key) == (2020, ["Byrne L"], "byrne2021")
    assert fourth == Study("d")
    # By DOI: the key comes from the entry, so pandoc and LaTeX styles can cite it.
    (by_doi,) = filled([studies[1]], link([studies[1]], bibliography()))
    assert by_doi.key == "berry2011"
    assert by_doi.year == 2011


def test_a_key_or_doi_that_matches_nothing_is_a_miss() -> None:
    links = link([Study("a", key="berry2012"), Study("b", doi="10.9/none")], bibliography())
    assert [(m.index, m.by, m.value) for m in links.misses] == [
        (0, "key", "berry2012"), (1, "doi", "10.9/none")]
    assert links.matches == []


def test_the_key_wins_over_the_doi_and_a_second_study_naming_an_entry_is_reported() -> None:
    studies = [Study("a", key="byrne2021", doi="10.1000/jmh.1"), Study("b", key="berry2011"),
               Study("c", doi="10.1000/JMH.1")]
    links = link(studies, bibliography())
    assert [(m.index, m.entry.key) for m in links.matches] == [(0, "byrne2021"),
                                                               (1, "berry2011")]
    assert [(t.index, t.by, t.first) for t in links.twice] == [(2, "doi", "b")]
    # byrne2021 gives no DOI, so the one beside its key has nothing to differ from.
    assert list(mismatches(studies, links)) == []
    # A DOI beside a key is checked against the entry the key names.
    other = [Study("a", key="berry2011", doi="doi:10.1000/OTHER")]
    assert [(m.name, m.ours, m.theirs) for m in mismatches(other, link(other, bibliography()))
            ] == [("doi", "doi:10.1000/OTHER", "10.1000/jmh.1")]


def test_mismatches_name_both_values_and_compare_as_the_reports_do() -> None:
    studies = [
        # Same family names in another form, title with another case and a full stop,
        # journal with other spacing: all the same.
        Study("a", key="berry2011", authors=["Berry, C.", "Hayward M", "Chandler R"],
              title="Service User Involvement.", journal="Journal of  mental health"),
        Study("b", key="byrne2021", authors=["Byrne L"], year=2012),
        Study("c", key="mancini", authors=["Manzini M"], title="A title"),
    ]
    found = [(m.index, m.name, m.ours, m.theirs)
             for m in mismatches(studies, link(studies, bibliography()))]
    assert found == [
        (1, "authors", "Byrne L", "Byrne L, Roennfeldt H"),
        (1, "year", "2012", "2021"),
        (2, "authors", "Manzini M", "Mancini MA"),
    ]


def test_only_matched_entries_are_decoded() -> None:
    bib = bibliography()
    link([Study("a", key="mancini")], bib)
    assert sorted(bib.undecoded) == [0, 1]
    assert bib.entries[2] == Entry("mancini", 12, 1, authors=("Mancini MA",))
