"""peersynth agree: coders' files, units, the worksheet, reconciliation, through the CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from peersynth.agreement.resample import binomial, multinomial
from reviewkit import DATA, run, small

# The small review's themes (access > cost > insurance; trust; stigma), five studies.
A = """\
themes:
  - id: access
    label: Access to care
    studies: [alpha]
    subthemes:
      - id: cost
        label: Cost
        studies: [beta]
        subthemes:
          - id: insurance
            label: Insurance cover
            studies: [gamma, delta]
  - id: trust
    label: Trust
    studies: [alpha, beta, gamma, delta, epsilon]
  - id: stigma
    label: Stigma
    studies: [gamma]
"""


def _coders(folder: Path, **files: str) -> Path:
    where = folder / "coders"
    where.mkdir()
    for name, text in files.items():
        (where / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return where


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return small(tmp_path)


def _json(*args: str | Path) -> dict[str, object]:
    result = run("agree", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    body: dict[str, object] = json.loads(result.stdout)
    return body


def test_identical_coders_agree_fully(folder: Path) -> None:
    _coders(folder, ana=A, ben=A)
    body = _json("--data", folder, "--bootstrap", "0")
    overall = body["overall"]
    assert isinstance(overall, dict)
    # 5 studies x 5 themes; every unit agreed.
    assert overall["units"] == 25
    assert overall["percent_agreement"] == 1.0
    assert overall["cohen_kappa"] == 1.0
    assert overall["ci"] is None
    assert body["rollup"] is False
    themes = body["themes"]
    assert isinstance(themes, list)
    trust = next(t for t in themes if t["id"] == "trust")
    # Both coded every study to trust: p_e = 1, undefined, null (never NaN).
    assert trust["cohen_kappa"] is None
    assert trust["krippendorff_alpha"] is None
    assert trust["percent_agreement"] == 1.0
    assert all(t["disagreements"] == [] for t in themes)


def test_worksheet_lists_exactly_the_differing_units(folder: Path) -> None:
    # ben adds epsilon to stigma and leaves delta out of insurance.
    ben = A.replace("studies: [gamma, delta]", "studies: [gamma]").replace(
        "Stigma\n    studies: [gamma]", "Stigma\n    studies: [gamma, epsilon]")
    _coders(folder, ana=A, ben=ben)
    body = _json("--data", folder, "--bootstrap", "0")
    found = {(t["id"], d["study"], tuple(d["coded_by"]), tuple(d["not_coded_by"]))
             for t in body["themes"] for d in t["disagreements"]}  # type: ignore[attr-defined]
    assert found == {("insurance", "delta", ("ana",), ("ben",)),
                     ("stigma", "epsilon", ("ben",), ("ana",))}
    stigma = next(t for t in body["themes"] if t["id"] == "stigma")  # type: ignore[attr-defined]
    # ana: gamma only; ben: gamma, epsilon. p_o = 4/5; p_e = .2 x .4 + .8 x .6 = .56.
    assert stigma["percent_agreement"] == pytest.approx(0.8)
    assert stigma["cohen_kappa"] == pytest.approx(0.24 / 0.44)
    csv = run("agree", "--data", folder, "--worksheet", "--format", "csv").stdout
    assert csv.splitlines() == ["Theme id,Theme,Study,Coded by,Not coded by,Decision",
                                "insurance,Insurance cover,delta,ana,ben,",
                                "stigma,Stigma,epsilon,ben,ana,"]


def test_rollup_counts_subthemes_under_their_parent(folder: Path) -> None:
    ben = A.replace("studies: [gamma, delta]", "studies: [gamma]")
    _coders(folder, ana=A, ben=ben)
    direct = _json("--data", folder, "--bootstrap", "0")
    rolled = _json("--data", folder, "--bootstrap", "0", "--rollup")
    def split(body: dict[str, object], theme: str) -> list[object]:
        row = next(t for t in body["themes"] if t["id"] == theme)  # type: ignore[attr-defined]
        return [d["study"] for d in row["disagreements"]]
    assert split(direct, "access") == []
    # delta is under access through insurance for ana only.
    assert split(rolled, "access") == ["delta"]
    assert rolled["rollup"] is True


def test_a_study_a_coder_left_out_is_missing_not_absent(folder: Path) -> None:
    # ben codes epsilon nowhere: a warning, and epsilon is ben's missing value.
    ben = A.replace("[alpha, beta, gamma, delta, epsilon]", "[alpha, beta, gamma, delta]")
    _coders(folder, ana=A, ben=ben)
    result = run("agree", "--data", folder, "--bootstrap", "0", "--format", "json")
    assert result.exit_code == 0
    assert "warning[study-not-coded]" in result.stderr
    assert "ben.yaml:1:1" in result.stderr
    body = json.loads(result.stdout)
    # Units still 25; only 20 are pairable, and none of epsilon's disagree.
    assert body["overall"]["units"] == 25
    assert all(t["disagreements"] == [] for t in body["themes"])


def test_bad_coder_files_give_positioned_diagnostics(folder: Path) -> None:
    # Line 12 is insurance's codings ('dleta' at column 30), line 16 the last theme's id.
    ben = A.replace("id: stigma", "id: stgma").replace("[gamma, delta]", "[gamma, dleta]")
    _coders(folder, ana=A, ben=ben)
    result = run("agree", "--data", folder)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    where = f"{(folder / 'coders' / 'ben.yaml').as_posix()}"
    assert f"{where}:1:1: error[missing-theme] theme 'stigma' (Stigma) of themes.yaml is " \
           "not in ben's file" in result.stderr
    assert any(line.startswith(f"{where}:12:30: error[unknown-study] 'dleta' is not a study id")
               and "did you mean 'delta'?" in line for line in lines)
    assert any(line.startswith(f"{where}:16:9: error[unknown-theme] 'stgma' is not a theme")
               and "did you mean 'stigma'?" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_fewer_than_two_coders_is_a_usage_error(folder: Path) -> None:
    _coders(folder, ana=A)
    result = run("agree", "--data", folder)
    assert result.exit_code == 2
    assert "two coders or more" in result.stderr


def test_no_coders_folder_says_where_to_put_them(folder: Path) -> None:
    result = run("agree", "--data", folder)
    assert result.exit_code == 3
    assert "coders" in result.stderr


def test_files_given_as_arguments_name_the_coders(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(A, encoding="utf-8")
    (tmp_path / "y.yaml").write_text(A, encoding="utf-8")
    body = _json(tmp_path / "x.yaml", tmp_path / "y.yaml", "--data", folder, "--bootstrap", "0")
    assert body["coders"] == ["x", "y"]


def test_theme_and_where_narrow_the_units(folder: Path) -> None:
    _coders(folder, ana=A, ben=A)
    body = _json("--data", folder, "--bootstrap", "0", "--theme", "Trust",
                 "--where", "design=qualitative")
    # alpha, beta and epsilon are qualitative; one theme.
    assert body["studies"] == 3
    assert [t["id"] for t in body["themes"]] == ["trust"]  # type: ignore[attr-defined]
    assert body["overall"]["units"] == 3  # type: ignore[index]


def test_three_coders_get_fleiss(folder: Path) -> None:
    _coders(folder, ana=A, ben=A, cy=A.replace("[gamma]\n", "[gamma, alpha]\n"))
    body = _json("--data", folder, "--bootstrap", "0")
    assert "fleiss_kappa" in body["overall"]  # type: ignore[operator]
    assert "cohen_kappa" not in body["overall"]  # type: ignore[operator]


def test_bootstrap_is_seeded(folder: Path) -> None:
    ben = A.replace("[gamma, delta]", "[gamma]")
    _coders(folder, ana=A, ben=ben)
    first = _json("--data", folder, "--bootstrap", "50", "--seed", "7")
    again = _json("--data", folder, "--bootstrap", "50", "--seed", "7")
    assert first == again
    low, high = first["overall"]["ci"]["percent_agreement"]  # type: ignore[index]
    assert low <= first["overall"]["percent_agreement"] <= high  # type: ignore[index]


def test_reconciled_reports_which_way_each_disagreement_went(folder: Path,
                                                             tmp_path: Path) -> None:
    ben = A.replace("[gamma, delta]", "[gamma]").replace(
        "Stigma\n    studies: [gamma]", "Stigma\n    studies: [gamma, epsilon]")
    _coders(folder, ana=A, ben=ben)
    # Reconciled: delta kept in insurance (ana's way), epsilon not in stigma (ana's), and
    # alpha, which both coded to trust, taken out.
    final = A.replace("[alpha, beta, gamma, delta, epsilon]", "[beta, gamma, delta, epsilon]")
    (tmp_path / "final.yaml").write_text(final, encoding="utf-8")
    result = run("agree", "--data", folder, "--reconciled", tmp_path / "final.yaml",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)["reconciled"]
    assert [(r["theme"], r["study"], r["decision"], r["sided_with"])
            for r in body["resolved"]] == [("insurance", "delta", "coded", ["ana"]),
                                           ("stigma", "epsilon", "not coded", ["ana"])]
    assert [(r["theme"], r["study"], r["decision"]) for r in body["overridden"]] == \
        [("trust", "alpha", "not coded")]


def test_the_shipped_coders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA.parent)
    body = _json("--bootstrap", "0")
    assert body["coders"] == ["coder-a", "coder-b"]
    splits = sum(len(t["disagreements"]) for t in body["themes"])  # type: ignore[attr-defined, misc]
    assert splits == 5  # the five documented in coder-b.yaml
    # 160 units, 5 split: p_o = 155/160.
    assert body["overall"]["percent_agreement"] == pytest.approx(155 / 160)  # type: ignore[index]


def test_multinomial_draws_add_up_and_binomial_stays_in_range() -> None:
    import random

    rng = random.Random(5)
    for counts in ([3, 0, 9], [10_000, 5, 1], [1]):
        drawn = multinomial(rng, counts)
        assert sum(drawn) == sum(counts)
        assert all(d == 0 for d, c in zip(drawn, counts, strict=True) if c == 0)
    draws = [binomial(rng, 1000, 0.3) for _ in range(2000)]
    assert all(0 <= d <= 1000 for d in draws)
    assert 290 < sum(draws) / len(draws) < 310


def test_the_page_documents_every_code_of_a_coders_file() -> None:
    from peersynth.agreement.coders import CODES

    page = (DATA.parent / "docs" / "agree.md").read_text(encoding="utf-8")
    import re

    rows = re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", page, flags=re.M)
    assert dict(rows) == {code: severity.value for code, severity in CODES.items()}
