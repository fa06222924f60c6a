"""Judging claims against a small review: subjects, denominators, percents, citation lists,
authors, and what --list adds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peersynth.audit.documents import Document, text_paragraphs
from peersynth.audit.judge import Audit, Finding, audit
from reviewkit import load, small

# The small review (tests/reviewkit.py): five studies, refs 1, 2, 3, 5 and one without.
# Access to care 3/5 (alpha; Cost: beta, gamma; Insurance cover: gamma, beta), Trust 5/5,
# Stigma 1/5 (delta). Authors: alpha Ångström, beta and gamma Byrne, delta Müller.


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return load(small(tmp_path_factory.mktemp("review")))


def run(review, text: str, *, markdown: bool = True, listing: bool = False) -> Audit:  # type: ignore[no-untyped-def]
    document = Document("m.md", text_paragraphs(text, markdown=markdown))
    return audit(review, [document], listing=listing)


def raised(result: Audit) -> list[tuple[int, int, str, str]]:
    return [(f.line, f.column, f.severity, f.code) for f in result.findings
            if f.severity != "info"]


def only(result: Audit, code: str) -> list[Finding]:
    return [f for f in result.findings if f.code == code]


# subjects


def test_markdown_heading_names_the_theme(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "# Results\n\n## Access to care\n\nIt appeared in 3 of 5 studies.\n")
    assert raised(result) == []
    assert result.summary.consistent == 1


def test_a_wrong_count_under_a_heading(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\nIt appeared in 2 of 5 studies.\n")
    [finding] = only(result, "count-mismatch")
    assert (finding.line, finding.column, finding.subject) == (3, 16, "Stigma")
    assert (finding.stated, finding.actual) == ("2", "1")
    assert finding.message == "the review has 1/5"


def test_heading_matched_as_cite_matches_a_theme(review) -> None:  # type: ignore[no-untyped-def]
    # A unique beginning and a small typo, as `peersynth cite` allows.
    result = run(review, "## 3.1 Insurance\n\nTwo studies noted it.\n\n"
                 "## Stigmaa\n\nOne study noted it.\n")
    assert raised(result) == []
    assert result.summary.consistent == 2


def test_plain_text_theme_heading_lines(review) -> None:  # type: ignore[no-untyped-def]
    text = "Theme 1: access to care\n\nin 3 of 5 studies\n\nSubtheme 1: cost\n\n2/5 studies\n"
    result = run(review, text, markdown=False)
    assert raised(result) == []
    assert result.summary.consistent == 2


def test_a_theme_named_in_the_sentence(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Results\n\nStigma was reported in 2 of 5 studies.\n")
    [finding] = only(result, "count-mismatch")
    assert finding.subject == "Stigma"


def test_the_sentence_beats_the_heading(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Access to care\n\nTrust, by contrast, was in all studies.\n")
    assert raised(result) == []


def test_no_subject_is_unattributed_never_guessed(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Results\n\nThis appeared in 2 of 5 studies.\n\n"
                 "Stigma and Trust were in 3 of 5 studies.\n")
    assert [(f.line, f.severity, f.code) for f in result.findings] == [
        (3, "info", "unattributed"), (5, "info", "unattributed")]
    assert result.summary.unattributed == 2
    assert result.passed(strict=True)


def test_a_count_of_the_studies_its_sentence_cites(review) -> None:  # type: ignore[no-untyped-def]
    # Access to care is coded to refs 1, 2, 3: "one study [1]" counts study 1, not the theme.
    result = run(review, "## Access to care\n\nOne study reported burnout [1].\n\n"
                 "Two studies [1, 2] went further.\n")
    assert raised(result) == []
    assert [(f.line, f.column, f.code) for f in only(result, "unattributed")] == [
        (3, 1, "unattributed"), (5, 1, "unattributed")]
    assert result.summary.unattributed == 2
    # The lists are still checked as citations under the heading.
    assert result.summary.consistent == 2
    warned = run(review, "## Access to care\n\nOne study reported burnout [5].\n")
    assert raised(warned) == [(3, 29, "warning", "cited-not-coded")]


def test_a_count_citing_the_themes_own_studies_is_its_count(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "## Access to care\n\nThree studies [1, 2, 3] found it.\n")) == []
    # Citing as many studies as it counts does not excuse a wrong denominator or percent.
    result = run(review, "## Access to care\n\nIn 1 of 5 studies it was burnout [1].\n")
    assert raised(result) == [(3, 4, "error", "count-mismatch")]


def test_the_list_after_an_unattributed_count_is_still_a_citation(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Results\n\nThis appeared in 2 of 5 studies [1, 2].\n",
                 listing=True)
    assert [(f.column, f.code, f.kind) for f in result.findings] == [
        (18, "unattributed", "count"), (33, "consistent", "citation")]
    assert result.summary.claims == 2


def test_a_value_no_field_has_is_unattributed(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\nCanada (n = 2) was rare, as was Peru (n = 1).\n")
    assert raised(result) == []
    assert [(f.column, f.code, f.kind, f.stated) for f in result.findings] == [
        (8, "unattributed", "characteristic", "2"), (38, "unattributed", "characteristic", "1")]
    assert "Canada" in result.findings[0].message
    # A place no study is in, named with a count.
    placed = run(review, "## Stigma\n\nTwo studies were conducted in Canada.\n")
    assert [(f.code, f.kind) for f in placed.findings] == [("unattributed", "characteristic")]


def test_n_equals_after_studies_or_a_pronoun_is_the_themes(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "## Stigma\n\nSeveral studies (n = 2) said so.\n")) == [
        (3, 22, "error", "count-mismatch")]
    assert raised(run(review, "## Stigma\n\nStudies reported it (n = 2).\n")) == [
        (3, 26, "error", "count-mismatch")]
    assert raised(run(review, "## Stigma\n\nThis was noted (n = 1).\n")) == []


def test_one_of_the_themes_is_no_count(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\nOne of the three main themes was stigma.\n")
    assert result.findings == ()
    assert result.summary.claims == 0


def test_an_unmatched_heading_ends_the_section(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\ntext\n\n## Discussion\n\nin 2 of 5 studies\n")
    assert only(result, "unattributed") != []


def test_a_deeper_heading_keeps_its_parent_theme(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\n### What studies said\n\nin 2 of 5 studies\n")
    assert [f.subject for f in only(result, "count-mismatch")] == ["Stigma"]


# denominators, percents, shares


def test_denominator(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\nin 1 of the 6 included studies\n")
    assert raised(result) == [(3, 13, "error", "denominator-mismatch")]
    assert only(result, "denominator-mismatch")[0].kind == "denominator"


@pytest.mark.parametrize(("text", "ok"), [
    ("3 of 5 studies (60%)", True),
    ("3 of 5 studies (61%)", False),
    ("3 of 5 studies (60.0%)", True),
    ("3/5 (60.00%)", True),
    ("3 studies (60%)", True),
    ("(n = 3, 60%)", True),
    ("(n = 3, 59%)", False),
])
def test_percent_against_the_review(review, text: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    result = run(review, f"## Access to care\n\n{text}\n")
    assert raised(result) == ([] if ok else [(3, text.index("%") - 1, "error",
                                               "percent-mismatch")])


def test_percent_rounds_halves_up_as_tally_does(tmp_path: Path) -> None:
    # 1 of 8 is 12.5%: tally shows 13%.
    studies = "studies:\n" + "".join(f"  - id: s{i}\n    ref: {i}\n" for i in range(1, 9))
    themes = "themes:\n  - id: t\n    label: Tea\n    studies: [s1]\n"
    from reviewkit import write_review

    folder = load(write_review(tmp_path / "eight", studies, themes))
    assert raised(run(folder, "## Tea\n\n1 of 8 studies (13%)\n")) == []
    assert raised(run(folder, "## Tea\n\n1 of 8 studies (12%)\n")) != []
    assert raised(run(folder, "## Tea\n\n1 of 8 studies (12.5%)\n")) == []


def test_a_percent_following_a_wrong_count_is_one_error(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\n2 of 5 studies (40%)\n")
    assert [f.code for f in result.findings] == ["count-mismatch"]


def test_all_and_half(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "## Trust\n\nall 5 studies\n")) == []
    assert raised(run(review, "## Stigma\n\nall studies\n")) == [(3, 1, "error",
                                                                  "count-mismatch")]
    assert raised(run(review, "## Cost\n\nhalf of the studies\n")) == []  # 2 of 5
    assert raised(run(review, "## Stigma\n\nhalf of the studies\n")) != []


# characteristics and flow


def test_characteristic_values(review) -> None:  # type: ignore[no-untyped-def]
    text = ("Studies came from Denmark (n = 2) and Australia (n = 1); designs were "
            "qualitative (n = 3) and quantitative (n = 1), of good quality (n = 3).\n")
    assert raised(run(review, text)) == []
    wrong = run(review, "Studies came from Denmark (n = 3).\n")
    assert [(f.code, f.subject, f.actual) for f in wrong.findings] == [
        ("count-mismatch", "country: Denmark", "2")]


def test_an_attribute_value_with_a_count(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "in community settings (n = 3)\n")) == []
    assert raised(run(review, "in inpatient settings (n = 2)\n")) != []


def test_flow_not_stated_in_the_review(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "A total of 900 records were screened.\n")
    assert [(f.code, f.severity) for f in result.findings] == [("unattributed", "info")]
    # The number included is the number of studies when the review states no flow.
    assert raised(run(review, "inclusion of 5 studies\n")) == []
    assert raised(run(review, "inclusion of 4 studies\n")) == [(1, 14, "error",
                                                                "flow-mismatch")]


def test_flow_given_under_the_prisma2020_package_keys(tmp_path: Path) -> None:
    folder = small(tmp_path)
    studies = (folder / "studies.yaml").read_text(encoding="utf-8")
    (folder / "studies.yaml").write_text(
        "review:\n  flow:\n    records_screened: 900\n    dbr_assessed: 154\n"
        "    dbr_excluded:\n      - {reason: wrong population, n: 100}\n"
        "      - {reason: no peer workers, n: 49}\n" + studies, encoding="utf-8")
    review = load(folder)
    assert raised(run(review, "154 full-text articles were assessed for eligibility.\n")) == []
    wrong = run(review, "153 full-text articles were assessed for eligibility.\n")
    assert [(f.code, f.actual) for f in wrong.findings] == [("flow-mismatch", "154")]


# citations


def test_citation_list_after_a_count_must_be_the_theme(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "## Access to care\n\nin 3 of 5 studies [1\u20133]\n")) == []
    result = run(review, "## Access to care\n\nin 3 of 5 studies [1, 2, 5]\n")
    [finding] = [f for f in result.findings if f.severity != "info"]
    assert (finding.line, finding.column, finding.code, finding.kind) == (
        3, 19, "citation-mismatch", "citation")
    assert finding.message == ("the studies coded to Access to care are 1\u20133: missing 3; "
                               "not coded to it 5")


def test_cited_under_a_theme_not_coded_to_it(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Stigma\n\nas found [5, 1].\n")
    assert raised(result) == [(3, 14, "warning", "cited-not-coded")]
    assert result.passed(strict=False)
    assert not result.passed(strict=True)


def test_a_subtheme_study_counts_under_its_parent(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "## Access to care\n\nas found [3].\n")) == []


def test_a_number_no_study_has(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "as found [4, 4].\n")
    assert [(f.column, f.code, f.severity) for f in result.findings] == [
        (11, "not-included", "info")]


def test_author_of_another_study(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "Müller et al. [1] found it.\n")
    [finding] = only(result, "author-mismatch")
    assert (finding.line, finding.column, finding.kind) == (1, 1, "author")
    assert finding.message == "Müller is the first author of [5], not of [1] (whose first " \
        "author is Ångström)"


def test_author_right_or_unknown(review) -> None:  # type: ignore[no-untyped-def]
    assert raised(run(review, "Byrne et al. [3] and Ångström and Nguyễn [1] found it.\n")) == []
    # Nobody in the review: perhaps no name at all.
    assert raised(run(review, "Denmark [1] and Smith [2].\n")) == []


def test_list_shows_consistent_claims_and_uncited_studies(review) -> None:  # type: ignore[no-untyped-def]
    result = run(review, "## Trust\n\nIn all studies. As found [1, 2].\n", listing=True)
    assert [(f.line, f.code) for f in result.findings] == [
        (1, "uncited"), (3, "consistent"), (3, "consistent")]
    uncited = result.findings[0]
    assert uncited.message == "coded to this theme but not cited under its heading: " \
        "3, 5 (no ref: epsilon)"
    quiet = run(review, "## Trust\n\nIn all studies. As found [1, 2].\n")
    assert quiet.findings == ()


def test_the_code_registry_is_every_code_the_judge_writes() -> None:
    """Each finding is made with a literal severity and code: together they must be CODES."""
    from peersynth.audit import judge

    source = Path(judge.__file__).read_text(encoding="utf-8")
    written = set(re.findall(r', "(error|warning|info)", "(?!info")([a-z-]+)"', source))
    assert written == {(severity, code) for code, severity in judge.CODES.items()}
