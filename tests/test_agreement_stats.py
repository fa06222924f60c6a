"""The agreement statistics: the published values, and independent implementations.

The independent implementations (krippendorff, irrCAC, statsmodels, nltk) are
installed with the `test` extra only; peersynth computes every statistic itself.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peersynth.agreement import stats
from peersynth.agreement.stats import Unit, table_of

N = None

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example A.
EXAMPLE_A = table_of(zip([0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
                         [1, 1, 1, 0, 0, 1, 0, 0, 0, 0], strict=True))
# Example C: four coders, twelve units, values 1-5, gaps (DescTools' KrippAlpha data).
EXAMPLE_C = table_of(zip(
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N], strict=True))
# The prevalence paradox: 40 agreed present, 5 and 5 split, none agreed absent.
PARADOX = {(True, True): 40, (True, False): 5, (False, True): 5}


def test_example_a() -> None:
    # By hand: p_o = 6/10; coder 1 gives 1 twice, coder 2 four times. Cohen's p_e =
    # .2 x .4 + .8 x .6 = .56; pooled 6/20 ones: Scott's p_e = .09 + .49 = .58, AC1's
    # p_e = 2 x .3 x .7 = .42; alpha = 1 - 19 x 8 / (2 x 14 x 6) = 1 - 152/168.
    assert round(stats.percent_agreement(EXAMPLE_A) or 0, 2) == 0.60
    assert round(stats.krippendorff_alpha(EXAMPLE_A) or 0, 3) == 0.095
    assert round(stats.cohen_kappa(EXAMPLE_A) or 0, 4) == 0.0909
    assert round(stats.scott_pi(EXAMPLE_A) or 0, 4) == 0.0476
    assert round(stats.gwet_ac1(EXAMPLE_A) or 0, 4) == 0.3103
    # Both 1 once, both 0 five times; (1 - 5)/10 and (1 - 3)/10.
    assert stats.prevalence_index(EXAMPLE_A, positive=1) == pytest.approx(-0.4)
    assert stats.bias_index(EXAMPLE_A, positive=1) == pytest.approx(-0.2)


def test_example_c() -> None:
    assert round(stats.krippendorff_alpha(EXAMPLE_C) or 0, 3) == 0.743
    assert round(stats.fleiss_kappa(EXAMPLE_C) or 0, 3) == 0.761
    assert round(stats.gwet_ac1(EXAMPLE_C) or 0, 3) == 0.775


def test_prevalence_paradox() -> None:
    result = stats.statistics(PARADOX, positive=True)
    assert round(result.percent_agreement or 0, 2) == 0.80
    # p_e = .9 x .9 + .1 x .1 = .82: (.80 - .82)/.18 = -1/9.
    assert round(result.cohen_kappa or 0, 3) == -0.111
    # AC1 resists it: p_e = 2 x .9 x .1 = .18, (.80 - .18)/.82.
    assert result.gwet_ac1 == pytest.approx(0.62 / 0.82)
    assert result.prevalence_index == pytest.approx(0.8)
    assert result.bias_index == pytest.approx(0.0)
    assert result.fleiss_kappa is None  # two coders: Cohen's, not Fleiss'


def test_undefined_when_every_unit_has_one_value() -> None:
    # Both coders say present everywhere: p_e = 1, so kappa, pi and alpha are undefined.
    result = stats.statistics({(True, True): 16}, categories=[True, False], positive=True)
    assert result.percent_agreement == 1.0
    assert result.cohen_kappa is None
    assert result.scott_pi is None
    assert result.krippendorff_alpha is None
    # AC1's chance agreement is 2 x 1 x 0 = 0: defined, and 1.
    assert result.gwet_ac1 == 1.0
    assert result.prevalence_index == 1.0


def test_nothing_pairable_is_undefined() -> None:
    result = stats.statistics({(True, None): 3, (None, False): 2})
    assert result.percent_agreement is None
    assert result.cohen_kappa is None
    assert result.krippendorff_alpha is None
    assert result.prevalence_index is None


def test_values_outside_the_categories_are_refused() -> None:
    with pytest.raises(ValueError, match="not among the categories"):
        stats.gwet_ac1({(1, 2): 1}, categories=[1])


def test_three_coders_give_fleiss_not_cohen() -> None:
    result = stats.statistics({(1, 1, 1): 3, (1, 0, 1): 2, (0, 0, 0): 4})
    assert result.cohen_kappa is None
    assert result.fleiss_kappa == result.scott_pi
    assert result.fleiss_kappa is not None


# Independent implementations, on generated data.

def _reliability(draw: st.DrawFn, *, gaps: bool, coders: tuple[int, int] = (2, 5)
                 ) -> list[Unit]:
    m = draw(st.integers(*coders))
    q = draw(st.integers(2, 4))
    value = st.integers(0, q - 1)
    cell = st.one_of(st.none(), value) if gaps else value
    units = draw(st.lists(st.tuples(*[cell] * m), min_size=2, max_size=25))
    # Every unit rated at least once (an empty unit carries nothing, and some
    # implementations refuse it), and at least two values in all.
    units = [unit for unit in units if any(v is not None for v in unit)]
    values = {v for unit in units for v in unit if v is not None}
    pairable = [unit for unit in units if sum(v is not None for v in unit) >= 2]
    if len(values) < 2 or len(pairable) < 2:
        return draw(st.nothing())
    return units


@st.composite
def with_gaps(draw: st.DrawFn) -> list[Unit]:
    return _reliability(draw, gaps=True)


@st.composite
def complete(draw: st.DrawFn) -> list[Unit]:
    return _reliability(draw, gaps=False)


@st.composite
def complete_pairs(draw: st.DrawFn) -> list[Unit]:
    return _reliability(draw, gaps=False, coders=(2, 2))


PROPERTIES = settings(max_examples=40, deadline=None)
# irrCAC goes through pandas for every example: fewer of them.
SLOW_PROPERTIES = settings(max_examples=15, deadline=None)


@PROPERTIES
@given(with_gaps())
def test_alpha_matches_krippendorff(units: list[Unit]) -> None:
    np = pytest.importorskip("numpy")
    krippendorff = pytest.importorskip("krippendorff")
    data = np.array([[np.nan if unit[c] is None else unit[c] for unit in units]
                     for c in range(len(units[0]))], dtype=float)
    ours = stats.krippendorff_alpha(table_of(units))
    if ours is None:  # one value only among the pairable units
        return
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


def _irrcac(units: Sequence[Unit]) -> object:
    pytest.importorskip("irrCAC")
    import pandas as pd
    from irrCAC.raw import CAC

    frame = pd.DataFrame([[float("nan") if v is None else v for v in unit] for unit in units],
                         columns=[f"c{n}" for n in range(len(units[0]))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CAC(frame, digits=10)


def _coefficient(result: object) -> float:
    return float(result["est"]["coefficient_value"])  # type: ignore[index]


@SLOW_PROPERTIES
@given(with_gaps())
def test_fleiss_ac1_conger_and_agreement_match_irrcac(units: list[Unit]) -> None:
    cac = _irrcac(units)
    table = table_of(units)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fleiss, gwet, conger = cac.fleiss(), cac.gwet(), cac.conger()  # type: ignore[attr-defined]
    sums = stats._sums(table, None)
    if stats.fleiss_chance(sums) is not None and 1 - (stats.fleiss_chance(sums) or 0) > 1e-9:
        assert stats.fleiss_kappa(table) == pytest.approx(_coefficient(fleiss), abs=1e-8)
    assert stats.gwet_ac1(table) == pytest.approx(_coefficient(gwet), abs=1e-8)
    assert stats.percent_agreement(table) == pytest.approx(
        float(gwet["est"]["pa"]), abs=1e-8)
    chance = stats.cohen_chance(sums)
    if chance is not None and 1 - chance > 1e-9:
        assert stats.cohen_kappa(table) == pytest.approx(_coefficient(conger), abs=1e-8)
    else:  # a coder who rated nothing, or chance agreement 1: irrCAC's is not a number
        assert stats.cohen_kappa(table) is None
        assert not math.isfinite(_coefficient(conger)) or chance is not None


@PROPERTIES
@given(complete())
def test_fleiss_matches_statsmodels(units: list[Unit]) -> None:
    pytest.importorskip("statsmodels")
    import numpy as np
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    counts, _ = aggregate_raters(np.array(units))
    ours = stats.fleiss_kappa(table_of(units))
    if ours is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ours == pytest.approx(fleiss_kappa(counts, method="fleiss"), abs=1e-9)


@PROPERTIES
@given(complete_pairs())
def test_two_coders_match_statsmodels_and_nltk(units: list[Unit]) -> None:
    pytest.importorskip("statsmodels")
    pytest.importorskip("nltk")
    import numpy as np
    from nltk.metrics.agreement import AnnotationTask
    from statsmodels.stats.inter_rater import cohens_kappa, to_table

    table = table_of(units)
    result = stats.statistics(table)
    counts, _ = to_table(np.array(units))
    task = AnnotationTask(data=[(f"c{coder}", str(number), unit[coder])
                                for number, unit in enumerate(units) for coder in range(2)])
    assert result.percent_agreement == pytest.approx(task.avg_Ao(), abs=1e-9)
    if result.cohen_kappa is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert result.cohen_kappa == pytest.approx(
                cohens_kappa(counts, return_results=False), abs=1e-9)
        assert result.cohen_kappa == pytest.approx(task.kappa(), abs=1e-9)
    if result.scott_pi is not None:
        assert result.scott_pi == pytest.approx(task.pi(), abs=1e-9)
    if result.krippendorff_alpha is not None:
        assert result.krippendorff_alpha == pytest.approx(task.alpha(), abs=1e-9)


@PROPERTIES
@given(with_gaps())
def test_a_table_is_the_units_it_counts(units: list[Unit]) -> None:
    """Weights are multiplicities: doubling every unit changes no statistic but
    alpha, whose n grows (its small-sample correction)."""
    once = stats.statistics(table_of(units))
    twice = stats.statistics({unit: 2 * count for unit, count in table_of(units).items()})
    for name in ("percent_agreement", "cohen_kappa", "fleiss_kappa", "gwet_ac1"):
        first, second = getattr(once, name), getattr(twice, name)
        assert (first is None) == (second is None)
        if first is not None:
            assert first == pytest.approx(second, abs=1e-9)


_KINDS = [(x, y) for x in (True, False, None) for y in (True, False, None)]


@PROPERTIES
@given(st.lists(st.integers(0, 30), min_size=len(_KINDS), max_size=len(_KINDS)))
def test_the_bootstraps_two_coder_form_is_the_general_one(counts: list[int]) -> None:
    """The bootstrap computes two coders' statistics from their 2x2 counts (and the
    units one coder alone rated) in a form of its own: it must equal the general one."""
    from peersynth.agreement.compute import _Pair

    table = dict(zip(_KINDS, counts, strict=True))
    general = stats.statistics(table, categories=[True, False], positive=True)
    fast = _Pair(_KINDS).statistics(counts, general.units)
    for name in stats.STATISTICS:
        ours, theirs = getattr(fast, name), getattr(general, name)
        assert (ours is None) == (theirs is None), name
        if ours is not None:
            assert ours == pytest.approx(theirs, abs=1e-9), name
