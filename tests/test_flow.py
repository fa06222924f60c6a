"""The PRISMA 2020 flow: its arithmetic (each rule, with the lines of the numbers it
names), the earlier names, and the PRISMA2020 package's CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peersynth import flow
from peersynth.cli import app, register
from peersynth.validate import validate_folder
from validation_cases import DATA, VALID

register()
runner = CliRunner()
TEMPLATE_CSV = DATA / "prisma2020" / "PRISMA.csv"
STUDIES = (VALID / "minimal" / "studies.yaml").read_text()

# Every box, adding up: 100 + 10 identified - 30 removed = 80 screened; 80 - 70 = 10
# sought, 2 not retrieved, 8 assessed, 7 excluded; other methods 10 identified, 9 sought,
# 1 not retrieved, 8 assessed, 7 excluded; new reports (8 - 7) + (8 - 7) = 2; one new
# study, one previous: 2 in total (the 2 studies listed), 3 reports.
LINES = """\
review:
  flow:
    previous_studies: 1
    previous_reports: 1
    database_results: 100
    register_results: 10
    website_results: 5
    organisation_results: 3
    citations_results: 2
    duplicates: 20
    excluded_automatic: 5
    excluded_other: 5
    records_screened: 80
    records_excluded: 70
    dbr_sought_reports: 10
    dbr_notretrieved_reports: 2
    dbr_assessed: 8
    dbr_excluded: 7
    other_sought_reports: 9
    other_notretrieved_reports: 1
    other_assessed: 8
    other_excluded: 7
    new_studies: 1
    new_reports: 2
    total_studies: 2
    total_reports: 3
""".splitlines()


def _found(tmp_path: Path, lines: list[str]) -> list[tuple[int, int, str, str]]:
    folder = tmp_path / "review"
    folder.mkdir(parents=True)
    (folder / "studies.yaml").write_text("\n".join(lines) + "\n" + STUDIES)
    (folder / "themes.yaml").write_text((VALID / "minimal" / "themes.yaml").read_text())
    report = validate_folder(folder)
    return [(d.line, d.column, d.code, d.message) for d in report.diagnostics]


def _with(changes: dict[int, str | None]) -> list[str]:
    """LINES with line n (1-based) replaced, or removed when None."""
    out = []
    for number, text in enumerate(LINES, 1):
        if number in changes:
            if changes[number] is not None:
                out.append(str(changes[number]))
        else:
            out.append(text)
    return out


def test_a_flow_that_adds_up_has_no_diagnostics(tmp_path: Path) -> None:
    assert _found(tmp_path, LINES) == []


SEVERAL = "; a study can have several reports, so fewer studies may be included, never more"
FEWER = "; fewer may be sought, never more"


@pytest.mark.parametrize(("changes", "expected"), [
    # records screened = identified (databases + registers) - removed before screening
    ({13: "    records_screened: 81"}, [
        (13, "records_screened (line 13) is 81 but database_results 100 (line 5) plus "
             "register_results 10 (line 6) minus duplicates 20 (line 10) minus "
             "excluded_automatic 5 (line 11) minus excluded_other 5 (line 12) is 80")]),
    # reports sought <= screened - excluded; reports assessed = sought - not retrieved
    ({15: "    dbr_sought_reports: 11"}, [
        (15, "dbr_sought_reports (line 15) is 11 but records_screened 80 (line 13) minus "
             f"records_excluded 70 (line 14) is 10{FEWER}"),
        (17, "dbr_assessed (line 17) is 8 but dbr_sought_reports 11 (line 15) minus "
             "dbr_notretrieved_reports 2 (line 16) is 9")]),
    # other methods: sought <= identified; assessed = sought - not retrieved
    ({19: "    other_sought_reports: 11"}, [
        (19, "other_sought_reports (line 19) is 11 but website_results 5 (line 7) plus "
             f"organisation_results 3 (line 8) plus citations_results 2 (line 9) is 10{FEWER}"),
        (21, "other_assessed (line 21) is 8 but other_sought_reports 11 (line 19) minus "
             "other_notretrieved_reports 1 (line 20) is 10")]),
    # new reports = assessed - excluded, summed over both columns; totals add previous
    ({24: "    new_reports: 3"}, [
        (24, "new_reports (line 24) is 3 but dbr_assessed 8 (line 17) plus other_assessed 8 "
             "(line 21) minus dbr_excluded 7 (line 18) minus other_excluded 7 (line 22) is 2"),
        (26, "total_reports (line 26) is 3 but new_reports 3 (line 24) plus previous_reports "
             "1 (line 4) is 4")]),
    # new studies <= new reports; total studies = new + previous
    ({23: "    new_studies: 3"}, [
        (23, f"new_studies (line 23) is 3 but new_reports 2 (line 24){SEVERAL}"),
        (25, "total_studies (line 25) is 2 but new_studies 3 (line 23) plus previous_studies "
             "1 (line 3) is 4")]),
    # without new_reports: new studies <= assessed - excluded over both columns
    ({23: "    new_studies: 3", 24: None, 26: None}, [
        (23, "new_studies (line 23) is 3 but dbr_assessed 8 (line 17) plus other_assessed 8 "
             f"(line 21) minus dbr_excluded 7 (line 18) minus other_excluded 7 (line 22) is 2"
             f"{SEVERAL}"),
        (24, "total_studies (line 24) is 2 but new_studies 3 (line 23) plus previous_studies "
             "1 (line 3) is 4")]),
])
def test_each_rule_names_every_number_and_its_line(
        tmp_path: Path, changes: dict[int, str | None], expected: list[tuple[int, str]]) -> None:
    found = _found(tmp_path, _with(changes))
    assert [(line, message) for line, _, code, message in found
            if code == "flow-arithmetic"] == expected
    # Placed at the number on the left of the rule: its line, the column of its value.
    for line, column, _, _ in found:
        text = _with(changes)[line - 1]
        assert column == text.index(":") + 3


def test_records_identified_is_the_sum_of_databases_and_registers(tmp_path: Path) -> None:
    lines = [*LINES[:4], "    records_identified: 111", *LINES[4:]]
    assert [(line, message) for line, _, _, message in _found(tmp_path, lines)] == [
        (5, "records_identified (line 5) is 111 but database_results 100 (line 6) plus "
            "register_results 10 (line 7) is 110"),
        (14, "records_screened (line 14) is 80 but records_identified 111 (line 5) minus "
             "duplicates 20 (line 11) minus excluded_automatic 5 (line 12) minus "
             "excluded_other 5 (line 13) is 81")]


def test_total_studies_must_be_the_studies_listed(tmp_path: Path) -> None:
    found = _found(tmp_path, _with({25: "    total_studies: 3"}))
    assert [(line, code, message) for line, _, code, message in found] == [
        (25, "flow-arithmetic", "total_studies (line 25) is 3 but new_studies 1 (line 23) "
                                "plus previous_studies 1 (line 3) is 2"),
        (25, "flow-mismatch", "flow.total_studies is 3 but 2 studies are listed")]


def test_the_earlier_names_keep_their_rule_for_studies_included(tmp_path: Path) -> None:
    lines = ["review:", "  flow:", "    full_text_assessed: 154", "    reports_excluded: 152",
             "    included: 3"]
    assert [(line, code, message) for line, _, code, message in _found(tmp_path, lines)] == [
        (5, "flow-arithmetic", "included (line 5) is 3 but full_text_assessed 154 (line 3) "
                               f"minus reports_excluded 152 (line 4) is 2{SEVERAL}"),
        (5, "flow-mismatch", "flow.included is 3 but 2 studies are listed")]


def test_a_column_given_in_part_is_not_summed(tmp_path: Path) -> None:
    # Without other_excluded the other column's reports included are unknown.
    assert _found(tmp_path, _with({22: None, 24: "    new_reports: 5",
                                   26: "    total_reports: 6"})) == []


def test_an_earlier_name_and_its_package_key_must_agree(tmp_path: Path) -> None:
    lines = [*LINES[:17], "    full_text_assessed: 9", *LINES[17:]]
    found = _found(tmp_path, lines)
    assert [(line, message) for line, _, _, message in found] == [
        (18, "full_text_assessed (line 18) is 9 but dbr_assessed (line 17), the same box, "
             "is 8")]
    assert _found(tmp_path / "same", [*LINES[:17], "    full_text_assessed: 8",
                                      *LINES[17:]]) == []


REASONS = ["    dbr_excluded:", "      - {reason: Wrong population, n: 4}",
           "      - {reason: 'Wrong design, or no outcome', n: 3}"]


def test_reasons_add_up_to_the_reports_excluded(tmp_path: Path) -> None:
    lines = [*LINES[:17], *REASONS, *LINES[18:]]
    assert _found(tmp_path, lines) == []
    stated = [*LINES[:17], *REASONS, "    reports_excluded: 6", *LINES[18:]]
    assert [(line, message) for line, _, _, message in _found(tmp_path / "b", stated)] == [
        (21, "reports_excluded (line 21) is 6 but dbr_excluded (line 18), the same box, is 7 "
             "(the sum of its 2 reasons)")]
    # The reasons' sum is the number the other rules use: 4 + 4 = 8 excluded. The three
    # lines of reasons move what follows down by two.
    more = [*LINES[:17], REASONS[0], REASONS[1], "      - {reason: Other, n: 4}",
            *LINES[18:]]
    assert [(line, message) for line, _, _, message in _found(tmp_path / "c", more)] == [
        (26, "new_reports (line 26) is 2 but dbr_assessed 8 (line 17) plus other_assessed 8 "
             "(line 23) minus dbr_excluded 8 (line 18) minus other_excluded 7 (line 24) is 1")]


def test_a_bad_reason_is_reported_at_its_place(tmp_path: Path) -> None:
    lines = [*LINES[:17], REASONS[0], "      - {reason: Other, n: -1}", *LINES[18:]]
    found = _found(tmp_path, lines)
    assert [(line, column, code) for line, column, code, _ in found] == [
        (19, 28, "invalid-value")]  # the "-1": column 28


def test_the_shipped_valid_case_with_every_box_passes() -> None:
    report = validate_folder(VALID / "prisma2020-flow")
    assert list(report.diagnostics) == []
    assert report.review is not None
    info = report.review.studies_file.review
    assert info is not None
    assert info.flow is not None
    assert flow.count(info.flow.database_results) == 100
    assert flow.parts(info.flow.dbr_excluded) == [("Wrong population", 4),
                                                  ("Wrong design, or no outcome", 3)]


def test_every_field_has_a_label_and_follows_the_diagram() -> None:
    from peersynth import models

    assert list(flow.LABELS) == list(models.Flow.model_fields)
    keys = {row[0] for row in flow.TEMPLATE} - {"NA", "identification", "screening",
                                                "included"}
    # Every package key is a field, and every earlier name names a package key.
    assert keys <= set(models.Flow.model_fields)
    assert set(flow.SAME_BOX.values()) <= keys


# --------------------------------------------------------------------------- the CSV


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_the_package_templates_columns_and_rows() -> None:
    template = TEMPLATE_CSV.read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(template)))
    assert tuple(header) == flow.CSV_COLUMNS
    expected = [{k: v for k, v in row.items() if k != "n"} for row in _rows(template)]
    written = _rows(flow.prisma_csv(None))
    assert [{k: v for k, v in row.items() if k != "n"} for row in written] == expected


def _as_the_package_reads(text: str) -> dict[str, object]:
    """The numbers of a CSV as PRISMA_data() reads them: `n` of each data row; the two
    boxes of reports excluded split on '; ' into a reason (up to the first comma) and a
    count (after the last)."""
    found: dict[str, object] = {}
    for row in _rows(text):
        key, n = row["data"], row["n"]
        if key in ("NA", "identification", "screening", "included") or n == "NA":
            continue
        if key in ("dbr_excluded", "other_excluded") and "," in n:
            found[key] = [(part.split(",")[0], int(part.rsplit(",", 1)[1]))
                          for part in n.split("; ")]
        else:
            found[key] = int(n)
    return found


def test_the_csv_round_trips_every_box(tmp_path: Path) -> None:
    lines = [*LINES[:17], *REASONS, *LINES[18:]]
    folder = tmp_path / "review"
    folder.mkdir()
    (folder / "studies.yaml").write_text("\n".join(lines) + "\n" + STUDIES)
    (folder / "themes.yaml").write_text((VALID / "minimal" / "themes.yaml").read_text())
    result = runner.invoke(app, ["flow", str(folder), "--format", "csv", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert _as_the_package_reads(result.stdout) == {
        "previous_studies": 1, "previous_reports": 1, "database_results": 100,
        "register_results": 10, "website_results": 5, "organisation_results": 3,
        "citations_results": 2, "duplicates": 20, "excluded_automatic": 5,
        "excluded_other": 5, "records_screened": 80, "records_excluded": 70,
        "dbr_sought_reports": 10, "dbr_notretrieved_reports": 2, "dbr_assessed": 8,
        # The package parts a reason from its count at a comma: the reason's own goes.
        "dbr_excluded": [("Wrong population", 4), ("Wrong design - or no outcome", 3)],
        "other_sought_reports": 9, "other_notretrieved_reports": 1, "other_assessed": 8,
        "other_excluded": 7, "new_studies": 1, "new_reports": 2, "total_studies": 2,
        "total_reports": 3}


def test_the_shipped_review_as_csv_states_its_three_numbers_by_package_key() -> None:
    result = runner.invoke(app, ["flow", "--data", "data", "--format", "csv", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert _as_the_package_reads(result.stdout) == {
        "records_screened": 5191, "dbr_assessed": 154, "total_studies": 16}
    # A box the review does not state is NA, which the package leaves out of the diagram.
    assert {row["data"]: row["n"] for row in _rows(result.stdout)}["duplicates"] == "NA"


def test_records_identified_alone_fills_the_databases_box() -> None:
    from peersynth.review import Flow

    assert flow.package_boxes(Flow(records_identified=40, records_screened=30)) == {
        "database_results": 40, "records_screened": 30}


def test_flow_as_text_lists_each_box_stated(tmp_path: Path) -> None:
    result = runner.invoke(app, ["flow", "--data", "data", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Records screened: 5191\nReports assessed for eligibility: 154\n"
                             "Studies included in review: 16\n")


def test_flow_csv_to_a_file_is_never_written_over(tmp_path: Path) -> None:
    target = tmp_path / "PRISMA.csv"
    target.write_text("kept")
    result = runner.invoke(app, ["flow", "--data", "data", "--format", "csv",
                                 "--output", str(target)])
    assert result.exit_code == 2
    assert target.read_text() == "kept"
    forced = runner.invoke(app, ["flow", "--data", "data", "--format", "csv",
                                 "--output", str(target), "--force"])
    assert forced.exit_code == 0
    assert target.read_text().startswith("data,node,box,description")
