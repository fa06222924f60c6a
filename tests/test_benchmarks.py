"""The benchmark generator and the runner's arithmetic (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from peersynth.validate import validate_folder

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import generate
import run


def test_the_generator_is_deterministic() -> None:
    assert generate.generate(40) == generate.generate(40)
    assert generate.generate(40) != generate.generate(40, seed=1)


@pytest.mark.parametrize("size", [16, 300])
def test_generated_reviews_validate_cleanly(tmp_path: Path, size: int) -> None:
    report = validate_folder(generate.write_review(tmp_path, size))
    assert report.diagnostics == ()
    assert report.review is not None
    assert len(report.review.studies) == size
    depths = {depth for _theme, depth in report.review.themes_file.walk()}
    assert depths in ({0, 1}, {0, 1, 2})
    themes = generate.themes_for(size)
    codings = sum(len(theme.studies) for theme, _ in report.review.themes_file.walk())
    assert size * themes * 0.08 <= codings <= size * themes * 0.12 + themes


def T(*times: float, rss: int = 100) -> run.Timing:
    return run.Timing(tuple(times), rss, True)


def S(median: float, low: float, high: float, rounds: int) -> run.Spread:
    return run.Spread(median, low, high, rounds)


def test_a_ratio_is_worked_out_in_each_round_then_summarised() -> None:
    # Rounds 1/2, 2/2, 3/4: 0.5, 1.0, 0.75. The ratio of the medians (2/2) would be 1.0.
    found = run.ratio(T(1.0, 2.0, 3.0), T(2.0, 2.0, 4.0))
    assert found == S(0.75, 0.5, 1.0, 3)
    assert run.ratio(None, T(1.0)) is None
    assert run.ratio(T(1.0), None) is None
    # A floor of 0 s gives no figure for its round; the other rounds still count.
    assert run.ratio(T(1.0, 3.0), T(0.0, 2.0)) == S(1.5, 1.5, 1.5, 1)
    # Only the rounds both were timed in.
    assert run.ratio(T(1.0, 2.0, 9.0), T(1.0, 1.0)) == S(1.5, 1.0, 2.0, 2)


def test_work_beyond_start_up_and_a_ratio_to_a_sum_are_per_round() -> None:
    # (0.30-0.10)/2.0 = 0.1, (0.25-0.10)/2.5 = 0.06, (0.40-0.20)/2.0 = 0.1
    found = run.excess(T(0.30, 0.25, 0.40), T(0.10, 0.10, 0.20), T(2.0, 2.5, 2.0))
    assert found is not None
    assert (found.median, found.low, found.high) == pytest.approx((0.1, 0.06, 0.1))
    # 3/(1+0.5), 4/(1+1), 7/(1+2.5)
    assert run.over_sum(T(3.0, 4.0, 7.0), T(1.0, 1.0, 1.0), T(0.5, 1.0, 2.5)) == S(2, 2, 2, 3)
    assert run.memory_ratio(T(1.0, rss=300), T(1.0, rss=200)) == S(1.5, 1.5, 1.5, 1)


def test_a_ratio_shows_its_median_and_range() -> None:
    x, dash = run.X, "\u2013"
    assert run.fmt_ratio(S(0.78, 0.74, 0.83, 3)) == f"0.78{x} (0.74{dash}0.83)"
    assert run.fmt_ratio(S(0.045, 0.03, 0.061, 5)) == f"0.045{x} (0.030{dash}0.061)"
    assert run.fmt_ratio(S(0.78, 0.74, 0.83, 3), with_range=False) == f"0.78{x}"
    assert run.fmt_ratio(S(2.5, 2.5, 2.5, 1)) == f"2.50{x}"  # one round: no range
    assert run.fmt_ratio(None) == dash
    assert run.fmt_range(S(0.78, 0.74, 0.83, 3)) == f"0.74{dash}0.83{x}"


FAKE: run.Results = {
    "shipped": {run.PASS: T(0.01, 0.01, 0.01), run.VERSION: T(0.10, 0.12, 0.10),
                run.VALIDATE: T(0.2, 0.2, 0.2), run.TALLY: T(0.12, 0.18, 0.12),
                run.CITE: T(0.11, 0.11, 0.11), run.JSONSCHEMA: T(0.6, 0.6, 0.6),
                run.YAMLLINT: T(0.1, 0.1, 0.1), run.PLAIN: T(0.04, 0.05, 0.04),
                run.IMPORT_ADAPTERS: T(0.08, 0.09, 0.08)},
    "10000": {run.VERSION: T(0.10, 0.10, 0.12), run.FLOOR: T(2.0, 2.0, 2.5, rss=100_000),
              run.EVENTS: T(1.0, 1.2, 1.0), run.VALIDATE: T(1.5, 1.7, 2.0, rss=140_000),
              run.TALLY: T(0.18, 0.22, 0.20), run.MATRIX: T(1.2, 1.1, 1.0),
              run.PLAIN: T(2.0, 2.0, 2.5), run.JSONSCHEMA: T(14.0, 14.0, 14.0),
              run.IMPORT_ADAPTERS: T(0.14, 0.15, 0.16)},
    "50000": {run.FLOOR: T(10.0, 11.0, 12.0), run.CITE: T(0.9, 1.2, 1.2)},
    run.GROWTH: {run.growth_name(10_000): T(2.0, 2.2, 2.5),
                 run.growth_name(50_000): T(10.0, 12.1, 12.0)},
}


def test_targets_from_fake_timings() -> None:
    found = {target.text: target for target in run.targets(FAKE)}
    verdicts = {text: target.met for text, target in found.items()}
    le = "\u2264"
    x = run.X
    # Each median worked out by hand from the rounds above.
    assert verdicts == {
        f"shipped review: validate / check-jsonschema (both files) {le} 0.4{x}": True,  # 0.33
        # 1.2, 1.5, 1.2: median 1.2
        f"shipped review: repeated tally / peersynth --version {le} 1.3{x}": True,
        f"shipped review: repeated tally / yamllint {le} 1{x}": False,  # 1.2, 1.8, 1.2
        f"shipped review: repeated cite of every theme / yamllint {le} 1{x}": False,  # 1.1
        "shipped review: repeated tally / plain-script tally": None,  # 3, 3.6, 3: reported
        "shipped review: peersynth --version / python -c \"import typer\"": None,  # unmeasured
        f"shipped review: {run.IMPORT_ADAPTERS} / peersynth --version": None,  # 0.8, 0.75, 0.8
        f"shipped review: repeated tally / {run.IMPORT_ADAPTERS}": None,  # 1.5, 2.0, 1.5
        f"10,000: validate / fair parse floor {le} 0.8{x}": True,  # 0.75, 0.85, 0.8
        f"10,000: validate / event-stream floor {le} 1.6{x}": True,  # 1.5, 1.417, 2.0
        # (0.18-0.10)/2.0 = 0.04, (0.22-0.10)/2.0 = 0.06, (0.20-0.12)/2.5 = 0.032
        f"10,000: (repeated tally - peersynth --version) / fair parse floor {le} 0.05{x}": True,
        "10,000: repeated tally / fair parse floor": None,  # 0.09, 0.11, 0.08
        # (0.18-0.14)/2.0 = 0.02, (0.22-0.15)/2.0 = 0.035, (0.20-0.16)/2.5 = 0.016
        f"10,000: (repeated tally - {run.IMPORT_ADAPTERS}) / fair parse floor": None,
        f"10,000: matrix, plain / fair parse floor {le} 0.5{x}": False,  # 0.6, 0.55, 0.4
        "10,000: validate / plain-script tally": None,
        f"10,000: check-jsonschema / validate (speed-up) \u2265 5{x}": True,  # 9.3, 8.2, 7
        f"10,000: validate peak memory / fair parse floor's {le} 1.3{x}": False,  # 1.4
        f"50,000: repeated cite of every theme / fair parse floor {le} 0.1{x}": True,  # .09 .109 .1
        f"growth: validate at 50,000 / at 10,000 {le} 5.2{x}": True,  # 5.0, 5.5, 4.8
    }
    matrix = found[f"10,000: matrix, plain / fair parse floor {le} 0.5{x}"].value
    assert matrix is not None
    assert (matrix.median, matrix.low, matrix.high) == pytest.approx((0.55, 0.4, 0.6))
    beyond = found[f"10,000: (repeated tally - peersynth --version) / fair parse floor "
                   f"{le} 0.05{x}"].value
    assert beyond is not None
    assert (beyond.median, beyond.low, beyond.high) == pytest.approx((0.04, 0.032, 0.06))
    growth = found[f"growth: validate at 50,000 / at 10,000 {le} 5.2{x}"].value
    assert growth is not None
    assert (growth.median, growth.low, growth.high) == pytest.approx((5.0, 4.8, 5.5))
    own = found[f"10,000: (repeated tally - {run.IMPORT_ADAPTERS}) / fair parse floor"].value
    assert own is not None
    assert (own.median, own.low, own.high) == pytest.approx((0.02, 0.016, 0.035))
    coercion = found[f"shipped review: {run.IMPORT_ADAPTERS} / peersynth --version"].value
    assert coercion is not None
    assert (coercion.median, coercion.low, coercion.high) == pytest.approx((0.8, 0.75, 0.8))
    unmeasured = found["shipped review: peersynth --version / python -c \"import typer\""]
    assert unmeasured.value is None


def test_growth_between_other_sizes_is_reported_without_a_target() -> None:
    found = [t for t in run.targets({run.GROWTH: {run.growth_name(1000): T(0.5, 0.5, 0.5),
                                                  run.growth_name(16): T(0.25, 0.2, 0.25)}})
             if t.text.startswith("growth")]
    assert [(t.text, t.limit) for t in found] == [
        (f"growth: validate at 50,000 / at 10,000 \u2264 5.2{run.X}", 5.2),
        ("growth: validate at 1,000 / at 16", None)]
    assert found[0].value is None  # not measured: neither met nor missed
    assert found[0].met is None
    assert found[1].value == S(2.0, 2.0, 2.5, 3)


def test_growth_times_the_two_largest_sizes(tmp_path: Path) -> None:
    plan = [("shipped", tmp_path / "s", 0), ("50000", tmp_path / "b", 50_000),
            ("16", tmp_path / "a", 16), ("10000", tmp_path / "c", 10_000)]
    found = run.growth_commands(plan, {})
    assert [c.name for c in found] == [run.growth_name(10_000), run.growth_name(50_000)]
    assert found[0].argvs[0][1:] == ["validate", str(tmp_path / "c")]
    assert run.growth_commands(plan[:2], {}) == []  # the shipped review does not count


def test_commands_are_timed_in_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    seconds = {"a": [9.0, 1.0, 3.0, 2.0], "b": [9.0, 5.0, 4.0, 6.0]}

    def fake_run(command: run.Command) -> tuple[float, int, bool]:
        calls.append(command.name)
        return seconds[command.name].pop(0), 100, True

    monkeypatch.setattr(run, "run_once", fake_run)
    done: list[int] = []
    found = run.measure([run.Command("a", []), run.Command("b", [])], 3, run.warm_all,
                        done.append)
    assert calls == ["a", "b", "a", "b", "a", "b", "a", "b"]  # warm-ups, then rounds
    assert done == [1, 2, 3]
    assert found["a"] == run.Timing((1.0, 3.0, 2.0), 100, True)  # the warm-up's 9.0 is not
    assert found["b"] == run.Timing((5.0, 4.0, 6.0), 100, True)  # counted; rounds in order
    assert found["a"].seconds == 2.0
    assert found["b"].rounds == 3
    calls.clear()
    seconds.update({"a": [1.0, 1.0], run.CITE: [7.0, 2.0, 2.0]})
    run.measure([run.Command("a", []), run.Command(run.CITE, [])], 2, run.warmup_for(50_000))
    assert calls == [run.CITE, "a", run.CITE, "a", run.CITE]  # only the repeat is warmed
    assert run.warmup_for(1_000) is run.warm_all
    assert run.warmup_for(0) is run.warm_all  # the shipped review


def test_unmeasured_targets_are_listed_neither_met_nor_failed() -> None:
    found = run.targets({"10000": {run.VALIDATE: T(1.0)}})
    assert {target.met for target in found} == {None}
    assert {target.value for target in found} == {None}
    # The fair floors' targets are listed whatever was measured: 8 on the shipped review
    # (4 with a limit), 8 at 10,000 (5), one at 50,000 and the growth: 18, 11 with a limit.
    assert len(found) == 18
    assert sum(target.limit is not None for target in found) == 11
    assert "not measured" in run.markdown({})


def test_the_table_shows_every_command_and_target() -> None:
    table = run.markdown(FAKE, ["a note"])
    x, dash = run.X, "\u2013"
    # validate at 10,000: 1.5/2.0, 1.7/2.0, 2.0/2.5 = 0.75, 0.85, 0.8 of the floor;
    # 1.5/1.0, 1.7/1.2, 2.0/1.0 = 1.5, 1.417, 2.0 of the event stream; 14/1.5 ... of
    # check-jsonschema: 0.107, 0.121, 0.143 (two decimals from 0.1 on); memory 140,000 kB /
    # 100,000 kB.
    assert (f"| 10000 | peersynth validate | 1.700 s | 1.500{dash}2.000 s "
            f"| 0.80{x} (0.75{dash}0.85) | 1.50{x} (1.42{dash}2.00) "
            f"| 0.12{x} (0.11{dash}0.14) | 137 MB | 1.40{x} | 3 |") in table
    assert (f"| 10,000: matrix, plain / fair parse floor \u2264 0.5{x} | 0.55{x} "
            f"| 0.40{dash}0.60{x} | \u2717 |") in table
    assert (f"| 10,000: validate peak memory / fair parse floor's \u2264 1.3{x} | 1.40{x} "
            f"| 1.40{dash}1.40{x} | \u2717 |") in table
    assert (f"| 10,000: repeated tally / fair parse floor | 0.090{x} "
            f"| 0.080{dash}0.110{x} | reported |") in table
    assert ("| shipped review: peersynth --version / python -c \"import typer\" "
            f"| {dash} | {dash} | not measured |") in table
    # The targets' table keeps four columns, the median alone in the second: the README's
    # figures are checked against that column.
    rows = [row for row in table.splitlines() if row.startswith("| 10,000: validate / fair")]
    assert rows == [f"| 10,000: validate / fair parse floor \u2264 0.8{x} | 0.80{x} "
                    f"| 0.75{dash}0.85{x} | \u2713 |"]
    assert rows[0].count("|") == 5
    assert table.endswith("- a note\n")


def test_the_audit_target_is_audit_over_a_repeated_tally() -> None:
    def target(audit: float) -> run.Target:
        found = [t for t in run.targets({"10000": {run.TALLY: T(0.3, 0.3, 0.3),
                                                   run.AUDIT: T(audit, audit, audit)}})
                 if "audit" in t.text]
        assert len(found) == 1
        assert found[0].limit == 2.0
        return found[0]

    value = target(0.54).value
    assert value is not None
    assert value.median == pytest.approx(1.8)
    assert value.rounds == 3
    assert target(0.54).met is True
    assert target(0.66).met is False
    # Without the audit row, no audit target: the other targets are as they were.
    assert all("audit" not in t.text for t in run.targets(FAKE))


def test_only_selects_rows_by_name_in_their_order() -> None:
    found = [run.Command(name, []) for name in (run.FLOOR, run.TALLY, run.AUDIT)]
    assert [c.name for c in run.selected(found, None)] == [run.FLOOR, run.TALLY, run.AUDIT]
    assert [c.name for c in run.selected(found, [run.AUDIT, run.TALLY])] == [run.TALLY,
                                                                            run.AUDIT]


def test_no_row_name_holds_a_comma() -> None:
    """--only takes the names separated by commas."""
    assert [name for name in run.ALL_NAMES if "," in name] == []
    assert len(set(run.ALL_NAMES)) == len(run.ALL_NAMES)


def test_only_refuses_a_name_no_row_has() -> None:
    # "C-loader parse" was the old floor's name before it was renamed.
    assert run.unknown_names([run.FLOOR, "C-loader parse", run.GROWTH]) == ["C-loader parse"]
    with pytest.raises(SystemExit) as stop:
        run.main(["--only", "C-loader parse", "--sizes", ""])
    assert stop.value.code == 2


def test_the_shipped_review_gets_its_own_rounds_never_fewer_than_every_size() -> None:
    assert run.rounds_for("shipped", 3, 11) == 11
    assert run.rounds_for("10000", 3, 11) == 3
    assert run.rounds_for("shipped", 5, 2) == 5  # --rounds is the least any size gets
    assert run.rounds_for(run.GROWTH, 4, 11) == 4


def test_shipped_rounds_below_one_are_refused() -> None:
    with pytest.raises(SystemExit) as stop:
        run.main(["--shipped-rounds", "0", "--sizes", ""])
    assert stop.value.code == 2


def test_the_floors_run(tmp_path: Path) -> None:
    """Each floor's program parses the shipped review's files and exits 0, silently."""
    files = [str(run.SHIPPED / "studies.yaml"), str(run.SHIPPED / "themes.yaml")]
    for code in (run.FLOOR_CODE, run.EVENTS_CODE, run.PARSE_CODE):
        done = subprocess.run([sys.executable, "-c", code, *files], capture_output=True)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1,\n", encoding="utf-8")
    for code in (run.FLOOR_CODE, run.EVENTS_CODE):  # it does parse: a bad file fails
        assert subprocess.run([sys.executable, "-c", code, str(broken)],
                              capture_output=True).returncode == 1


def _plain_tally(folder: Path) -> list[str]:
    done = subprocess.run([sys.executable, str(run.PLAIN_SCRIPT), str(folder)],
                          capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_the_plain_script_rolls_up_as_peersynth_tally_does(tmp_path: Path) -> None:
    """Eight studies; A is coded to s1 (short form) and s2 (long form), its subtheme B to
    s2 and s3, B's subtheme C to s4: A has s1-s4 (4/8), B s2-s4 (3/8, 37.5% rounds up to
    38%), C 1/8 (12.5% to 13%); D has no studies key."""
    (tmp_path / "studies.yaml").write_text(
        "studies:\n" + "".join(f"  - id: s{i}\n" for i in range(1, 9)), encoding="utf-8")
    (tmp_path / "themes.yaml").write_text(
        "themes:\n"
        "  - {id: a, label: A, studies: [s1, {study: s2, evidence: x}],\n"
        "     subthemes: [{id: b, label: B, studies: [s2, s3],\n"
        "                  subthemes: [{id: c, label: C, studies: [s4]}]}]}\n"
        "  - {id: d, label: D}\n", encoding="utf-8")
    assert _plain_tally(tmp_path) == ["A\t4/8\t50%", "  B\t3/8\t38%", "    C\t1/8\t13%",
                                      "D\t0/8\t0%"]


def test_the_plain_script_prints_the_shipped_reviews_published_counts() -> None:
    """The counts the article states (../shared/review/FACTS.md), out of 16."""
    counts = {line.strip().split("\t")[0]: line.split("\t")[1]
              for line in _plain_tally(run.SHIPPED)}
    assert {label: counts[label] for label in (
        "Education and training", "Role clarity", "Professional supervision",
        "Demonstrated commitment to peer integration and recovery practice", "Leadership",
        "Consistent inclusion")} == {
        "Education and training": "12/16", "Role clarity": "12/16",
        "Professional supervision": "8/16",
        "Demonstrated commitment to peer integration and recovery practice": "16/16",
        "Leadership": "11/16", "Consistent inclusion": "14/16"}
    assert len(counts) == 10  # every theme of the tree, four top-level and six below


def test_the_generated_manuscript_audits_as_generated(tmp_path: Path) -> None:
    """About the words asked for; every claim recognised and attributed; consistent but for
    the one theme count in ERROR_EVERY made one too high (40 themes at 400 studies: one)."""
    import json

    import manuscript

    from audit_kit import audit_cli

    folder = generate.write_review(tmp_path, 400)
    path = manuscript.write_manuscript(folder, 2_000)
    words = len(path.read_text(encoding="utf-8").split())
    assert 1_700 <= words <= 2_300  # within 15%
    result = audit_cli(path, "--data", folder, "--format", "json")
    body = json.loads(result.stdout)
    assert result.exit_code == 1
    themes = generate.themes_for(400)
    assert themes // manuscript.ERROR_EVERY == 1
    assert [(f["code"], f["kind"]) for f in body["findings"]] == [("count-mismatch", "count")]
    assert body["summary"]["unattributed"] == 0
    # A count, a percent-bearing count and citations per theme, and the opening's figures.
    assert body["summary"]["claims"] > 2 * themes
