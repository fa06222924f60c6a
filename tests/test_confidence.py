"""findings.yaml, GRADE-CERQual and JBI ConQual, and `peersynth findings` (issue 15).

Expected values are worked out by hand from the published rules (Munn et al. 2014 for
ConQual; the CERQual guidance's rule that each serious concern lowers confidence at
least one level from high), never copied from the program's output.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from peersynth.cache import cached_review
from peersynth.cli import app, register
from peersynth.confidence import rules
from peersynth.confidence.records import Credibility
from peersynth.confidence.table import rows
from peersynth.review import Study
from peersynth.validate import validate_folder

register()
ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "tests" / "data" / "valid" / "findings"
LEVELS = ("high", "moderate", "low", "very-low")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def copy_review(into: Path, source: Path = VALID) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for name in ("studies.yaml", "themes.yaml", "findings.yaml"):
        if (source / name).exists():
            shutil.copyfile(source / name, into / name)
    return into


def diagnostics(folder: Path) -> list[str]:
    return [f"{Path(d.file).name}:{d.line}:{d.column}: {d.code}"
            for d in validate_folder(folder).diagnostics]


# -- JBI ConQual against the published tables ------------------------------------------

# Munn et al. 2014: "yes" answers to questions 2, 3, 4, 6, 7 -> levels down.
DEPENDABILITY = {5: 0, 4: 0, 3: 1, 2: 1, 1: 2, 0: 2}
# The five credibility rows of the paper's table -> levels down.
CREDIBILITY = {
    "unequivocal": (Credibility(unequivocal=4), 0),
    "unequivocal+credible": (Credibility(unequivocal=3, credible=1), 1),
    "credible": (Credibility(credible=2), 2),
    "credible+unsupported": (Credibility(credible=1, unsupported=1), 3),
    "unsupported": (Credibility(unsupported=2), 4),
}
# The score for a qualitative finding, written out by hand: rows are the dependability
# downgrade (0, 1, 2), columns the credibility rows in the order above.
SCORES = {
    0: ("high", "moderate", "low", "very-low", "very-low"),
    1: ("moderate", "low", "very-low", "very-low", "very-low"),
    2: ("low", "very-low", "very-low", "very-low", "very-low"),
}


def study(number: int, yes: int) -> Study:
    """A study answering `yes` of the five dependability questions yes, the rest no."""
    answers = {q: "yes" if i < yes else "no"
               for i, q in enumerate(rules.DEPENDABILITY_QUESTIONS)}
    return Study(f"s{number}", ref=number, appraisal=answers)


@pytest.mark.parametrize("yes", range(6))
def test_dependability_of_one_study(yes: int) -> None:
    assert rules.dependability_downgrade(yes) == DEPENDABILITY[yes]


@pytest.mark.parametrize("yes", range(6))
@pytest.mark.parametrize("mix", list(CREDIBILITY))
def test_every_combination_scores_as_the_published_table(yes: int, mix: str) -> None:
    credibility, down = CREDIBILITY[mix]
    assert rules.credibility_downgrade(credibility) == down
    score = rules.conqual("qualitative", [study(1, yes)], credibility)
    assert score.score == SCORES[DEPENDABILITY[yes]][list(CREDIBILITY).index(mix)]
    assert score.dependability == DEPENDABILITY[yes]
    assert score.credibility == down
    # Text and opinion starts two levels lower: low, then down from there.
    opinion = rules.conqual("text-and-opinion", [study(1, yes)], credibility)
    assert opinion.start == "low"
    assert opinion.score == LEVELS[min(3, 2 + DEPENDABILITY[yes] + down)]


def test_unnamed_mixes_go_down_as_credible_and_unsupported() -> None:
    for credibility in (Credibility(unequivocal=1, unsupported=1),
                        Credibility(unequivocal=1, credible=1, unsupported=1)):
        assert rules.credibility_downgrade(credibility) == 3
        assert not rules.credibility_named(credibility)
        score = rules.conqual("qualitative", [study(1, 5)], credibility)
        assert score.score == "very-low"
        assert "does not name" in score.explanation()
    assert rules.credibility_downgrade(Credibility()) is None


@pytest.mark.parametrize(("yes_answers", "down"), [
    ([5, 5, 0], 0),      # two of three unchanged
    ([3, 2, 5], 1),      # two of three down one
    ([1, 1, 3], 2),      # two of three down two
    ([1, 3, 5], 1),      # one each: two of three down one or more
    ([1, 5], 0),         # one of two is not more than half
    ([1, 2], 1),
    ([0], 2),
])
def test_the_finding_takes_the_majority_of_its_studies(yes_answers: list[int],
                                                       down: int) -> None:
    studies = [study(n, yes) for n, yes in enumerate(yes_answers, 1)]
    assert rules.conqual("qualitative", studies, Credibility(unequivocal=1)).dependability \
        == down


def test_a_study_without_every_dependability_answer_has_no_yes_count() -> None:
    assert rules.study_yes(Study("a", appraisal={"q2": "yes", "q3": "yes"})) is None
    assert rules.study_yes(Study("a")) is None
    # Unclear and not applicable are not yes.
    assert rules.study_yes(Study("a", appraisal={"q2": "yes", "q3": "unclear", "q4": "yes",
                                                  "q6": "not-applicable", "q7": "no"})) == 2


# -- GRADE-CERQual's consistency rule --------------------------------------------------


@pytest.mark.parametrize(("confidence", "serious", "flagged"), [
    ("high", 0, False), ("high", 1, True), ("moderate", 1, False), ("moderate", 2, True),
    ("low", 2, False), ("low", 3, True), ("very-low", 3, False), ("very-low", 4, False),
    ("low", 4, True), ("high", 4, True),
])
def test_each_serious_concern_lowers_confidence_a_level(confidence: str, serious: int,
                                                        flagged: bool) -> None:
    assert rules.inconsistent_with_concerns(confidence, serious) is flagged


ASSESSED = """\
findings:
  - id: training-helps
    finding: Training helps.
    themes: [training]
    assessment:
      methodological_limitations: {{concern: {ml}, explanation: a}}
      coherence: {{concern: {co}, explanation: b}}
      adequacy: {{concern: {ad}, explanation: c}}
      relevance: {{concern: minor, explanation: d}}
      confidence: {confidence}
      explanation: e
"""


def test_two_serious_concerns_allow_low_not_moderate(tmp_path: Path) -> None:
    folder = copy_review(tmp_path)
    (folder / "findings.yaml").write_text(ASSESSED.format(
        ml="serious", co="serious", ad="minor", confidence="moderate"))
    report = validate_folder(folder)
    [warning] = report.diagnostics
    assert warning.text().endswith(
        "findings.yaml:10:19: warning[confidence-inconsistent] confidence 'moderate' with "
        "serious concerns about methodological limitations, coherence: each serious "
        "concern should lower confidence at least one level from high, to 'low' or lower "
        "(lower the confidence, or explain why these concerns do not lower it; the "
        "judgement is kept as written)")
    # The judgement is kept as written.
    assert report.review is not None
    assert rows(report.review)[0].confidence == "moderate"
    (folder / "findings.yaml").write_text(ASSESSED.format(
        ml="serious", co="serious", ad="minor", confidence="low"))
    assert diagnostics(folder) == []


def test_judged_confidence_needs_all_four_components(tmp_path: Path) -> None:
    folder = copy_review(tmp_path)
    text = ASSESSED.format(ml="minor", co="minor", ad="minor", confidence="high")
    (folder / "findings.yaml").write_text(
        "\n".join(line for line in text.splitlines() if "coherence" not in line
                  and "adequacy" not in line) + "\n")
    report = validate_folder(folder)
    assert [d.text().split(": ", 1)[1] for d in report.diagnostics] == [
        "error[missing-field] 'coherence', 'adequacy' are required once confidence is "
        "judged ('high') (add 'coherence', 'adequacy')"]
    assert (report.diagnostics[0].line, report.diagnostics[0].column) == (6, 7)


def test_placeholders_need_nothing_more_and_warn_of_nothing(tmp_path: Path) -> None:
    folder = copy_review(tmp_path)
    (folder / "findings.yaml").write_text(
        "findings:\n  - id: a\n    finding: A.\n    themes: [training]\n    method: conqual\n"
        "    assessment: {confidence: not-assessed, explanation: not assessed}\n"
        "  - id: b\n    finding: B.\n    themes: [support]\n"
        "    assessment: {confidence: not-assessed}\n  - id: c\n    finding: C.\n"
        "    themes: [support]\n")
    assert diagnostics(folder) == ["findings.yaml:10:30: missing-explanation",
                                   "findings.yaml:11:5: missing-field"]


def test_conqual_takes_no_typed_judgement(tmp_path: Path) -> None:
    folder = copy_review(tmp_path)
    (folder / "findings.yaml").write_text(
        "findings:\n  - id: a\n    finding: A.\n    themes: [support]\n    method: conqual\n"
        "    assessment:\n      confidence: high\n      coherence: {concern: minor, "
        "explanation: x}\n      credibility: {unequivocal: 1}\n"
        "  - id: b\n    finding: B.\n    themes: [support]\n    method: conqal\n"
        "    assessment: {confidence: not-assessed, explanation: x, research: qualitative}\n")
    assert diagnostics(folder) == ["findings.yaml:7:19: unknown-judgement",
                                   "findings.yaml:8:7: unknown-field",
                                   "findings.yaml:13:13: unknown-judgement"]


# -- contributing studies, and the cache -----------------------------------------------


def test_contributing_studies_follow_the_coding_and_a_cached_run_equals_a_fresh_one(
        tmp_path: Path) -> None:
    folder = copy_review(tmp_path / "r")
    fresh = validate_folder(folder)
    assert cached_review(folder) == fresh
    cached = cached_review(folder)
    assert cached == fresh
    assert cached.review is not None
    # By hand: training rolls up smith2020, jones2021 (peer-training) and lee2022.
    assert [row.studies for row in rows(cached.review)] == [
        ("smith2020", "jones2021", "lee2022"), ("smith2020", "lee2022", "kim2023"),
        ("jones2021", "lee2022")]
    # Recode kim2023 to peer-training: two findings change, through the cache too.
    themes = (folder / "themes.yaml").read_text()
    (folder / "themes.yaml").write_text(themes.replace("[jones2021, lee2022]",
                                                       "[jones2021, lee2022, kim2023]"))
    again = cached_review(folder)
    assert again == validate_folder(folder)
    assert again.review is not None
    assert next(row.studies for row in rows(again.review)) == \
        ("smith2020", "jones2021", "lee2022", "kim2023")
    assert [row.studies for row in rows(again.review)][2] == ("jones2021", "lee2022", "kim2023")


def test_changing_adding_or_removing_findings_yaml_is_a_cache_miss(tmp_path: Path) -> None:
    folder = copy_review(tmp_path / "r")
    first = cached_review(folder)
    assert first.review is not None
    assert first.review.findings_file is not None
    text = (folder / "findings.yaml").read_text()
    (folder / "findings.yaml").write_text(text.replace("confidence: moderate",
                                                       "confidence: hihg"))
    broken = cached_review(folder)
    assert broken.review is None
    assert [d.code for d in broken.diagnostics] == ["unknown-judgement"]
    (folder / "findings.yaml").unlink()
    gone = cached_review(folder)
    assert gone.review is not None
    assert gone.review.findings_file is None
    (folder / "findings.yaml").write_text(text)
    back = cached_review(folder)
    assert back == validate_folder(folder)
    assert back.review is not None
    assert back.review.findings_file == first.review.findings_file


# -- the command ------------------------------------------------------------------------


def test_the_soqf_table_of_the_example(tmp_path: Path) -> None:
    result = run("findings", VALID, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "id,finding,method,confidence,explanation,citation,studies"
    assert lines[1].startswith("training-helps,Training for the whole team")
    assert lines[1].endswith(",moderate,\"moderate concerns about adequacy, minor about "
                             "methods and relevance\",[1\u20133],smith2020; jones2021; lee2022")
    # smith2020 3 yes, lee2022 2 yes (down one each), kim2023 5 yes: down one by the
    # majority; unequivocal and credible: down one more. High -> low.
    assert ",conqual,low," in lines[2]
    assert lines[3].endswith(",cerqual,not-assessed,not assessed yet,\"[2, 3]\","
                             "jones2021; lee2022")


def test_json_shape_and_author_year_citations() -> None:
    result = run("findings", VALID, "--format", "json", "--style", "author-year")
    body = json.loads(result.stdout)
    assert list(body) == ["version", "findings"]
    assert body["version"] == 1
    first, second, _ = body["findings"]
    assert list(first) == ["id", "finding", "themes", "studies", "citation", "method",
                           "confidence", "explanation", "components", "evidence"]
    # Alphabetical, as `cite --style author-year` orders them.
    assert first["citation"] == "(Jones & Brown 2021; Lee 2022; Smith 2020)"
    assert first["evidence"] == {"n": 3, "quality": {"good": 2, "fair": 1},
                                 "design": {"qualitative": 2, "mixed-methods": 1},
                                 "countries": {"Australia": 1, "Finland": 1,
                                               "Multiple countries": 1}}
    assert second["components"] == {
        "research": "qualitative", "start": "high",
        "dependability": {"downgrade": 1, "studies": {"4-5": 1, "2-3": 2, "0-1": 0}},
        "credibility": {"downgrade": 1, "unequivocal": 3, "credible": 2, "unsupported": 0}}


def test_docx_reads_back_and_needs_output(tmp_path: Path) -> None:
    import docx

    assert run("findings", VALID, "--format", "docx").exit_code == 2
    out = tmp_path / "soqf.docx"
    assert run("findings", VALID, "--format", "docx", "--output", out).exit_code == 0
    [table] = docx.Document(io.BytesIO(out.read_bytes())).tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == ["Summarised review finding", "Confidence", "Explanation",
                        "Contributing studies"]
    assert cells[2][1] == "Low"
    assert cells[3][1:] == ["Not assessed", "not assessed yet",
                                                      "[2, 3]"]
    assert run("findings", VALID, "--format", "docx", "--output", out).exit_code == 2
    profile = tmp_path / "profile.docx"
    assert run("findings", VALID, "--profile", "-f", "docx", "-o", profile).exit_code == 0
    texts = [row.cells[0].text for row in docx.Document(str(profile)).tables[0].rows]
    assert texts[1:7] == ["Training for the whole team helped colleagues accept the peer "
                          "role.", "Methodological limitations", "Coherence", "Adequacy",
                          "Relevance", "Overall confidence"]


def test_a_review_without_findings_exits_3(tmp_path: Path) -> None:
    folder = copy_review(tmp_path / "r")
    (folder / "findings.yaml").unlink()
    result = run("findings", folder)
    assert result.exit_code == 3
    assert "findings.yaml does not exist" in result.stderr


def test_the_shipped_review_cites_each_themes_studies() -> None:
    result = run("findings", ROOT / "data", "--format", "json")
    body = json.loads(result.stdout)["findings"]
    # One finding per top-level theme, cited as `cite` cites the theme (FACTS.md: 12 for
    # Education and training; the others all coded by the rules of the README).
    assert [(f["id"], f["evidence"]["n"], f["citation"], f["confidence"]) for f in body] == [
        ("education-and-training", 12, "[33\u201344]", "not-assessed"),
        ("organisational-readiness", 16, "[33\u201348]", "not-assessed"),
        ("structural-adjustments", 11, "[33\u201335, 38, 39, 41, 42, 44\u201347]", "not-assessed"),
        ("demonstrated-commitment", 16, "[33\u201348]", "not-assessed")]
    assert {f["explanation"] for f in body} == {"Not assessed in the article."}
    assert validate_folder(ROOT / "data").diagnostics == ()


# -- the docs, against the program -----------------------------------------------------


def _fenced(text: str, after: str) -> str:
    return text.split(after, 1)[1].split("```", 1)[0]


def test_the_docs_example_is_valid_and_prints_what_the_doc_shows(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "confidence.md").read_text(encoding="utf-8")
    folder = copy_review(tmp_path / "r")
    (folder / "findings.yaml").write_text(_fenced(page, "```yaml\n"), encoding="utf-8")
    assert diagnostics(folder) == []
    shown = _fenced(page, "$ peersynth findings tests/data/valid/findings --format markdown\n")
    result = run("findings", folder, "--format", "markdown")
    assert result.stdout == shown


def test_the_readme_shows_the_shipped_soqf_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = _fenced(readme, "$ peersynth findings --format markdown\n")
    assert run("findings", ROOT / "data", "--format", "markdown").stdout == shown


def test_the_docs_tables_are_the_rules() -> None:
    page = (ROOT / "docs" / "confidence.md").read_text(encoding="utf-8")
    dependability = dict(re.findall(r"^\s*\| (\d-\d) \| (unchanged|down \d levels?) \|$",
                                    page, flags=re.M))
    assert dependability == {"4-5": "unchanged", "2-3": "down 1 level", "0-1": "down 2 levels"}
    for span, text in dependability.items():
        for yes in map(int, span.split("-")):
            assert rules.dependability_downgrade(yes) == (0 if text == "unchanged"
                                                          else int(text.split()[1]))
    credibility = re.findall(r"^\s*\| ([a-z ]+) \| (\d) levels? \|$", page, flags=re.M)
    names = {"unequivocal only": "unequivocal", "unequivocal and credible":
             "unequivocal+credible", "credible only": "credible",
             "credible and unsupported": "credible+unsupported",
             "unsupported only": "unsupported"}
    assert len(credibility) == 5
    for row, down in credibility:
        assert CREDIBILITY[names[row]][1] == int(down)


# -- properties of generated findings --------------------------------------------------

IDS = [f"s{n}" for n in range(1, 7)]


@st.composite
def reviews(draw: st.DrawFn) -> tuple[str, str, str]:
    """studies.yaml, themes.yaml and findings.yaml of a small random review."""
    answers = st.sampled_from(["yes", "no", "unclear", "not-applicable"])
    studies = ["studies:"]
    for number, sid in enumerate(IDS, 1):
        given_answers = ", ".join(f"{q}: {draw(answers)}"
                                  for q in rules.DEPENDABILITY_QUESTIONS)
        studies.append(f"  - id: {sid}\n    ref: {number}\n    quality: "
                       f"{draw(st.sampled_from(['good', 'fair', 'poor']))}\n"
                       f"    appraisal: {{{given_answers}}}")
    codes = [draw(st.lists(st.sampled_from(IDS), unique=True, min_size=1)) for _ in range(3)]
    themes = (f"themes:\n  - id: t0\n    label: T0\n    studies: [{', '.join(codes[0])}]\n"
              f"    subthemes:\n      - id: t1\n        label: T1\n"
              f"        studies: [{', '.join(codes[1])}]\n"
              f"  - id: t2\n    label: T2\n    studies: [{', '.join(codes[2])}]\n")
    findings = ["findings:"]
    for number in range(draw(st.integers(1, 4))):
        chosen = draw(st.lists(st.sampled_from(["t0", "t1", "t2"]), unique=True, min_size=1))
        listed = draw(st.none() | st.lists(st.sampled_from(IDS), unique=True, min_size=1))
        credibility = {name: draw(st.integers(0, 2))
                       for name in ("unequivocal", "credible", "unsupported")}
        if not any(credibility.values()):
            credibility["credible"] = 1
        counts = ", ".join(f"{k}: {v}" for k, v in credibility.items())
        findings.append(
            f"  - id: f{number}\n    finding: F{number}.\n    themes: [{', '.join(chosen)}]\n"
            + (f"    studies: [{', '.join(listed)}]\n" if listed else "")
            + f"    method: conqual\n    assessment:\n      research: "
            f"{draw(st.sampled_from(['qualitative', 'text-and-opinion']))}\n"
            f"      credibility: {{{counts}}}")
    return "\n".join(studies) + "\n", themes, "\n".join(findings) + "\n"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reviews())
def test_generated_findings(tmp_path: Path, files: tuple[str, str, str]) -> None:
    folder = tmp_path / "g"
    folder.mkdir(exist_ok=True)
    for name, text in zip(("studies.yaml", "themes.yaml", "findings.yaml"), files,
                          strict=True):
        (folder / name).write_text(text)
    report = validate_folder(folder)
    assert report.errors == 0, [d.text() for d in report.diagnostics]
    review = report.review
    assert review is not None
    assert review.findings_file is not None
    by_id = {theme.id: theme for theme, _ in review.themes_file.walk()}
    body = json.loads(run("findings", folder, "--format", "json", "--no-cache").stdout)
    for row, shown in zip(rows(review), body["findings"], strict=True):
        finding = row.finding
        held = frozenset().union(*(by_id[t].rolled_up_ids for t in finding.themes))
        # Derived studies are always among the themes' rolled-up coded studies.
        assert set(row.studies) <= held
        if finding.studies is None:
            assert set(row.studies) == held
        else:
            assert set(row.studies) == held & set(finding.studies)
        # Never above where ConQual starts.
        assert row.conqual is not None
        assert LEVELS.index(row.confidence) >= LEVELS.index(row.conqual.start)
        assert shown["studies"] == list(row.studies)
        assert shown["evidence"]["n"] == len(row.studies)
        assert sum(shown["evidence"]["quality"].values()) == len(row.studies)
        assert shown["confidence"] in LEVELS
    # A study listed outside its finding's themes is warned about, never an error.
    assert {d.code for d in report.diagnostics} <= {"study-not-in-themes", "uncoded-study"}
