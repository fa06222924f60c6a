"""The benchmark generator and the runner's arithmetic (no timing is asserted)."""

from __future__ import annotations

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


def T(seconds: float, rss: int = 100) -> run.Timing:
    return run.Timing(seconds, rss, 3, True)


FAKE: run.Results = {
    "shipped": {run.PASS: T(0.01), run.VALIDATE: T(0.2), run.TALLY: T(0.09),
                run.CITE: T(0.11), run.JSONSCHEMA: T(0.6), run.YAMLLINT: T(0.1)},
    "10000": {run.PARSE: T(2.0, 100_000), run.VALIDATE: T(2.2, 140_000), run.TALLY: T(0.19),
              run.JSONSCHEMA: T(14.0)},
    "50000": {run.VALIDATE: T(12.5)},
}


def test_ratios() -> None:
    assert run.ratio(T(1.0), T(4.0)) == 0.25
    assert run.ratio(T(1.0, 300), T(1.0, 200), memory=True) == 1.5
    assert run.ratio(None, T(1.0)) is None
    assert run.ratio(T(1.0), T(0.0)) is None


def test_targets_from_fake_timings() -> None:
    found = {target.text: target for target in run.targets(FAKE)}
    verdicts = {text: target.met for text, target in found.items()}
    assert verdicts == {
        "shipped review: validate / check-jsonschema (both files)": True,  # 0.33
        "shipped review: peersynth tally (repeat) / yamllint": True,  # 0.9
        "shipped review: peersynth cite (repeat) / yamllint": False,  # 1.1
        "10,000: validate / C-loader parse": True,  # 1.1
        "10,000: check-jsonschema / validate (speed-up)": True,  # 6.4
        "10,000: validate peak memory / C-loader's": False,  # 1.4
        "10,000: peersynth tally (repeat) / C-loader parse": True,  # 0.095
        "growth: validate at 50,000 / at 10,000": False,  # 5.68
    }
    assert found["growth: validate at 50,000 / at 10,000"].value == pytest.approx(12.5 / 2.2)


def test_commands_are_timed_in_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    seconds = {"a": [9.0, 1.0, 3.0, 2.0], "b": [9.0, 5.0, 4.0, 6.0]}

    def fake_run(command: run.Command) -> tuple[float, int, bool]:
        calls.append(command.name)
        return seconds[command.name].pop(0), 100, True

    monkeypatch.setattr(run, "run_once", fake_run)
    found = run.measure([run.Command("a", []), run.Command("b", [])], 3, run.warm_all)
    assert calls == ["a", "b", "a", "b", "a", "b", "a", "b"]  # warm-ups, then rounds
    assert found["a"] == run.Timing(2.0, 100, 3, True)  # the warm-up's 9.0 is not counted
    assert found["b"] == run.Timing(5.0, 100, 3, True)
    calls.clear()
    seconds.update({"a": [1.0], run.CITE: [7.0, 2.0]})
    run.measure([run.Command("a", []), run.Command(run.CITE, [])], 1, run.warm_repeats)
    assert calls == [run.CITE, "a", run.CITE]  # only the repeat is warmed: it fills the cache


def test_unmeasured_targets_are_not_met_or_failed() -> None:
    found = run.targets({"10000": {run.VALIDATE: T(1.0)}})
    assert {target.met for target in found} == {None}


def test_the_table_shows_every_command_and_target() -> None:
    table = run.markdown(FAKE, ["a note"])
    x = run.X
    assert f"| 10000 | peersynth validate | 2.200 s | 1.10{x} | 0.16{x} | 137 MB | 1.40{x} | 3 |" \
        in table
    assert f"| 10,000: validate peak memory / C-loader's | 1.40{x} | \u2264 1.3{x} | **no** |" \
        in table
    assert table.endswith("- a note\n")


def test_the_audit_target_is_audit_over_a_repeated_tally() -> None:
    def target(audit: float) -> run.Target:
        found = [t for t in run.targets({"10000": {run.TALLY: T(0.3), run.AUDIT: T(audit)}})
                 if run.AUDIT in t.text]
        assert len(found) == 1
        assert found[0].limit == 2.0
        return found[0]

    assert target(0.54).value == pytest.approx(1.8)
    assert target(0.54).met is True
    assert target(0.66).value == pytest.approx(2.2)
    assert target(0.66).met is False
    # Without the audit row, no audit target: the other targets are as they were.
    assert all(run.AUDIT not in t.text for t in run.targets(FAKE))


def test_only_selects_rows_by_name_in_their_order() -> None:
    found = [run.Command(name, []) for name in (run.PARSE, run.TALLY, run.AUDIT)]
    assert [c.name for c in run.selected(found, None)] == [run.PARSE, run.TALLY, run.AUDIT]
    assert [c.name for c in run.selected(found, [run.AUDIT, run.TALLY])] == [run.TALLY,
                                                                            run.AUDIT]


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
