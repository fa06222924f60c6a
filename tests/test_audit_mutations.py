"""One figure, number word, denominator, cited number or author changed in the Results
section: exactly one new error (a warning for a study cited under a theme it is not
coded to), at the line and column of what was changed."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from audit_kit import RESULTS_TEXT, audit_json

THIN = "\u2009"  # the text writes "(n = 7)" with thin spaces


class Mutation(NamedTuple):
    line: int
    old: str
    new: str
    at: str  # where in `new` the finding must point
    severity: str
    code: str
    kind: str


def n_is(value: str) -> str:
    return f"(n{THIN}={THIN}{value})"


MUTATIONS = [
    # flow figures
    Mutation(3, "5191 records", "5190 records", "5190", "error", "flow-mismatch", "flow"),
    Mutation(3, "154 full-text", "145 full-text", "145", "error", "flow-mismatch", "flow"),
    Mutation(3, "inclusion of 16 studies", "inclusion of 17 studies", "17", "error",
             "flow-mismatch", "flow"),
    Mutation(5, "From the 16 included", "From the 15 included", "15", "error",
             "flow-mismatch", "flow"),
    # characteristics
    Mutation(3, "United States " + n_is("7"), "United States " + n_is("6"), "6", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "Australia " + n_is("3"), "Australia " + n_is("4"), "4", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "United Kingdom " + n_is("2"), "United Kingdom " + n_is("1"), "1", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "Finland and Singapore", "Finland and Australia", "Australia", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "Two studies were conducted across", "Three studies were conducted across",
             "Three", "error", "count-mismatch", "characteristic"),
    Mutation(3, "qualitative " + n_is("13"), "qualitative " + n_is("12"), "12", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "inquiries " + n_is("3"), "inquiries " + n_is("4"), "4", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "good quality " + n_is("11"), "good quality " + n_is("10"), "10", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "fair quality " + n_is("5"), "fair quality " + n_is("6"), "6", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "poor quality " + n_is("0"), "poor quality " + n_is("1"), "1", "error",
             "count-mismatch", "characteristic"),
    Mutation(3, "5 main countries", "6 main countries", "6", "error", "count-mismatch",
             "characteristic"),
    Mutation(5, "four overarching", "five overarching", "five", "error", "count-mismatch",
             "characteristic"),
    # theme counts: figures, number words, denominators
    Mutation(9, "12 of the 16", "13 of the 16", "13", "error", "count-mismatch", "count"),
    Mutation(9, "12 of the 16", "12 of the 15", "15", "error", "denominator-mismatch",
             "denominator"),
    Mutation(27, "Twelve studies", "Thirteen studies", "Thirteen", "error", "count-mismatch",
             "count"),
    Mutation(27, "Twelve studies", "Twenty-two studies", "Twenty-two", "error",
             "count-mismatch", "count"),
    Mutation(41, "8 of the 16", "9 of the 16", "9", "error", "count-mismatch", "count"),
    Mutation(41, "8 of the 16", "8 of the 61", "61", "error", "denominator-mismatch",
             "denominator"),
    Mutation(45, "by all studies", "by fifteen studies", "fifteen", "error", "count-mismatch",
             "count"),
    Mutation(55, "Eleven of the sixteen", "Ten of the sixteen", "Ten", "error",
             "count-mismatch", "count"),
    Mutation(55, "Eleven of the sixteen", "Twelve of the sixteen", "Twelve", "error",
             "count-mismatch", "count"),
    Mutation(55, "Eleven of the sixteen", "Eleven of the seventeen", "seventeen", "error",
             "denominator-mismatch", "denominator"),
    Mutation(69, "the fourteen articles", "the thirteen articles", "thirteen", "error",
             "count-mismatch", "count"),
    # percents and citation lists after a count: the text states neither, so these add one
    # that is wrong (12/16 is 75%, 11/16 68.75%; supervision is coded to 33-35, 38, 41,
    # 42, 45, 46)
    Mutation(9, "16 included articles for", "16 included articles (70%) for", "70", "error",
             "percent-mismatch", "percent"),
    Mutation(55, "sixteen included articles", "sixteen included articles (68.7%)", "68.7",
             "error", "percent-mismatch", "percent"),
    Mutation(41, "16 articles included", "16 articles [33\u201335, 38, 41, 42, 45, 47] included",
             "[", "error", "citation-mismatch", "citation"),
    # authors: the name of another study's first author
    Mutation(11, "Byrne, Roennfeldt [38]", "Berry, Roennfeldt [38]", "Berry", "error",
             "author-mismatch", "author"),
    Mutation(59, "Berry, Hayward [44]", "Byrne, Hayward [44]", "Byrne", "error",
             "author-mismatch", "author"),
    # cited numbers: a study cited under a theme it is not coded to
    Mutation(11, "[34, 37]", "[34, 47]", "47", "warning", "cited-not-coded", "citation"),
    Mutation(27, "[34, 35, 45]", "[34, 35, 46]", "46", "warning", "cited-not-coded",
             "citation"),
    Mutation(41, "[42, 45]", "[42, 47]", "47", "warning", "cited-not-coded", "citation"),
    Mutation(55, "[34, 43]", "[34, 45]", "45", "warning", "cited-not-coded", "citation"),
]


def mutated(mutation: Mutation) -> tuple[str, int]:
    """The text with the mutation made on its line, and the column it must be reported at."""
    lines = RESULTS_TEXT.split("\n")
    line = lines[mutation.line - 1]
    where = line.find(mutation.old)
    assert line.count(mutation.old) == 1, mutation
    lines[mutation.line - 1] = line.replace(mutation.old, mutation.new)
    return "\n".join(lines), where + mutation.new.index(mutation.at) + 1


def test_there_are_at_least_25_mutations_covering_every_kind() -> None:
    assert len(MUTATIONS) >= 25
    assert {m.kind for m in MUTATIONS} == {"count", "percent", "denominator", "flow",
                                           "characteristic", "citation", "author"}


@pytest.mark.parametrize(("line", "old", "new"), [
    (9, "16 included articles for", "16 included articles (75%) for"),
    (55, "sixteen included articles", "sixteen included articles (68.8%)"),
    (41, "16 articles included", "16 articles [33\u201335, 38, 41, 42, 45, 46] included"),
])
def test_a_right_percent_or_list_added_is_no_finding(tmp_path: Path, line: int, old: str,
                                                      new: str) -> None:
    """The added percents and lists above are wrong only in the figure changed."""
    text, _ = mutated(Mutation(line, old, new, new[-1], "", "", ""))
    manuscript = tmp_path / "results.txt"
    manuscript.write_text(text, encoding="utf-8")
    code, body = audit_json(manuscript)
    assert code == 0
    assert [f for f in body["findings"] if f["severity"] != "info"] == []
    assert body["summary"]["inconsistent"] == 0


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.line}:{m.new}")
def test_one_changed_figure_gives_exactly_one_new_finding(tmp_path: Path,
                                                          mutation: Mutation) -> None:
    text, column = mutated(mutation)
    manuscript = tmp_path / "results.txt"
    manuscript.write_text(text, encoding="utf-8")
    code, body = audit_json(manuscript)
    raised = [(f["line"], f["column"], f["severity"], f["code"], f["kind"])
              for f in body["findings"] if f["severity"] != "info"]
    # The unchanged text has no errors or warnings (test_audit_results).
    assert raised == [(mutation.line, column, mutation.severity, mutation.code, mutation.kind)]
    assert code == (1 if mutation.severity == "error" else 0)
    assert body["summary"]["inconsistent"] == 1
