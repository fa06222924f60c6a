"""The units (every study in scope by every theme, present or absent for each coder),
their statistics per theme and over all, bootstrap intervals, and the disagreements.

Nothing here reads files or prints. A coder who coded a study to no theme gave it no
value (None) on every theme: a missing value, not an absence. Units are counted, not
listed: per theme only the studies some coder coded there are looked at one by one;
every other study is "absent" for each coder who coded it at all, so it is counted by
the group of coders who did.
"""

from __future__ import annotations

import itertools
import operator
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from peersynth.agreement.coders import Coder
from peersynth.agreement.resample import multinomial
from peersynth.agreement.stats import STATISTICS, Layout, Statistics, Sums, Unit, from_sums
from peersynth.review import Review, Study, Theme

# Presence and absence: the categories every unit takes.
CATEGORIES: Final = (True, False)
LEVEL: Final = 0.95

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Disagreement:
    study: str
    coded_by: tuple[str, ...]
    not_coded_by: tuple[str, ...]  # coders who coded the study, but not here


@dataclass(frozen=True, slots=True)
class ThemeAgreement:
    id: str
    label: str
    depth: int
    statistics: Statistics
    ci: dict[str, Interval | None] | None
    disagreements: tuple[Disagreement, ...]


@dataclass(frozen=True, slots=True)
class Agreement:
    coders: tuple[str, ...]
    files: tuple[str, ...]
    rollup: bool
    studies: int  # in scope
    overall: Statistics
    ci: dict[str, Interval | None] | None
    themes: tuple[ThemeAgreement, ...]
    resamples: int
    seed: int

    @property
    def undefined(self) -> list[str]:
        """Themes (and 'overall') with a statistic that is undefined."""
        rows = [("overall", self.overall), *((t.id, t.statistics) for t in self.themes)]
        return [name for name, result in rows
                if any(getattr(result, s) is None for s in _SHOWN[len(self.coders) == 2])]


# The statistics each number of coders gets (two coders: Cohen's; more: Fleiss').
_SHOWN: Final = {
    True: ("percent_agreement", "cohen_kappa", "scott_pi", "gwet_ac1", "krippendorff_alpha",
           "prevalence_index", "bias_index"),
    False: ("percent_agreement", "fleiss_kappa", "scott_pi", "gwet_ac1",
            "krippendorff_alpha"),
}


def shown(coders: int) -> tuple[str, ...]:
    """The statistics reported for this many coders."""
    return _SHOWN[coders == 2]


def coded_under(theme: Theme, codings: dict[str, frozenset[str]], rollup: bool
                ) -> frozenset[str]:
    """The studies a coder coded to `theme` (or, with rollup, to any theme below it)."""
    if not rollup:
        return codings.get(theme.id, frozenset())
    return frozenset().union(*(codings.get(t.id, frozenset()) for t, _ in theme.walk()))


class _Units:
    """Each theme's units, sparse: the studies some coder coded there, by kind of unit,
    and the rest by the group of coders who coded them at all. Worked out with set
    operations: a large review has millions of units."""

    def __init__(self, coders: Sequence[Coder], studies: Sequence[Study],
                 themes: Sequence[Theme], rollup: bool) -> None:
        self.index = {study.id: number for number, study in enumerate(studies)}
        scope = frozenset(self.index)
        rated = [coder.studies & scope for coder in coders]
        # Per study, which coders coded it at all: its value on a theme no one coded it to.
        self.base: list[Unit] = [tuple(False if study.id in r else None for r in rated)
                                 for study in studies]
        members: dict[Unit, list[str]] = {}
        for study, unit in zip(studies, self.base, strict=True):
            members.setdefault(unit, []).append(study.id)
        self.groups: dict[Unit, frozenset[str]] = {
            unit: frozenset(ids) for unit, ids in members.items()}
        self.themes = themes
        # Per theme: each kind of unit not at base -> the studies (ids) with it.
        self.special: list[dict[Unit, frozenset[str]]] = []
        for theme in themes:
            sets = [coded_under(theme, coder.codings, rollup) & scope for coder in coders]
            # Split the studies some coder coded here by who did.
            parts: list[tuple[tuple[bool, ...], frozenset[str]]] = [
                ((), frozenset().union(*sets))]
            for found in sets:
                parts = [split for marks, part in parts for split in (
                    ((*marks, True), part & found), ((*marks, False), part - found))
                    if split[1]]
            by_unit: dict[Unit, frozenset[str]] = {}
            for marks, part in parts:
                for base, group in self.groups.items():
                    here = part & group if len(self.groups) > 1 else part
                    if here:
                        unit = tuple(None if b is None else m
                                     for b, m in zip(base, marks, strict=True))
                        by_unit[unit] = by_unit.get(unit, frozenset()) | here
            self.special.append(by_unit)

    def counts(self, theme: int) -> dict[Unit, int]:
        """The theme's table: how many units of each kind."""
        table = {unit: len(members) for unit, members in self.groups.items()}
        for unit, members in self.special[theme].items():
            table[unit] = table.get(unit, 0) + len(members)
            base = tuple(False if value is True else value for value in unit)
            table[base] -= len(members)
        return {unit: count for unit, count in table.items() if count}

    def per_study(self) -> list[Counter[Unit]]:
        """Each study's units over every theme, by kind."""
        kinds = {unit for special in self.special for unit in special}
        tallies = {unit: Counter(itertools.chain.from_iterable(
            special[unit] for special in self.special if unit in special))
            for unit in kinds}
        found = []
        for study, base in zip(self.index, self.base, strict=True):
            mine = Counter({unit: tally[study] for unit, tally in tallies.items()
                            if study in tally})
            mine[base] += len(self.themes) - sum(mine.values())
            found.append(mine)
        return found


class _Engine:
    """Sums of a table, from each kind of unit's share worked out once."""

    def __init__(self, coders: int) -> None:
        self.layout = Layout(coders, CATEGORIES)
        # Each kind of unit's share of the sums, as (place, value) where it is not 0.
        self.shares: dict[Unit, list[tuple[int, float]]] = {}

    def share(self, unit: Unit) -> list[tuple[int, float]]:
        found = self.shares.get(unit)
        if found is None:
            found = self.shares[unit] = [
                (number, value)
                for number, value in enumerate(self.layout.contribution(unit)) if value]
        return found

    def columns(self, kinds: Sequence[Unit]) -> list[tuple[int, tuple[float, ...]]]:
        """Each sum that units of these kinds add to: its place, and what each kind adds."""
        dense = [self.layout.contribution(unit) for unit in kinds]
        return [(place, column) for place, column in enumerate(zip(*dense, strict=True))
                if any(column)]

    def sums(self, table: dict[Unit, int]) -> list[float]:
        return self.weighted([self.share(unit) for unit in table], list(table.values()))

    def weighted(self, shares: list[list[tuple[int, float]]], weights: list[int]
                 ) -> list[float]:
        """The sums of units of the kinds whose `shares` are given, `weights` of each."""
        total = [0.0] * self.layout.size
        for share, weight in zip(shares, weights, strict=True):
            if weight:
                for number, value in share:
                    total[number] += weight * value
        return total

    def statistics(self, sums: list[float], units: float) -> Statistics:
        return from_sums(Sums(self.layout, sums), units, positive=True)


_ORDER: Final = {True: 0, False: 1, None: 2}


def _unit_order(unit: Unit) -> tuple[int, ...]:
    return tuple(_ORDER[value] for value in unit)  # type: ignore[index]


def _overall_draws(per_study: list[Counter[Unit]], engine: _Engine, rng: random.Random,
                   resamples: int, units: int) -> list[Statistics]:
    """The overall statistics of each resample of the studies. Each study's units are
    packed into one integer, a field a kind of unit, so that a resample's table is one
    sum: over the studies drawn, or, where few studies differ, over each distinct kind of
    study times how many of it were drawn (multinomial)."""
    kinds = sorted({unit for found in per_study for unit in found}, key=_unit_order)
    width = max(units, 1).bit_length() + 1
    packed = [sum(found[unit] << (width * place) for place, unit in enumerate(kinds))
              for found in per_study]
    distinct = Counter(packed)
    n = len(packed)
    mask = (1 << width) - 1
    draws = []
    # A binomial costs about as much as drawing a dozen studies.
    grouped = 12 * len(distinct) < n
    values, sizes = list(distinct), list(distinct.values())
    for _ in range(resamples):
        if grouped:
            total = sum(map(operator.mul, values, multinomial(rng, sizes)))
        else:
            total = sum(rng.choices(packed, k=n))
        table = {unit: (total >> (width * place)) & mask for place, unit in enumerate(kinds)}
        draws.append(engine.statistics(engine.sums(table), units))
    return draws


# Where a kind of two coders' unit adds: both present, first only, second only, both
# absent (units both rated), and present or absent from one coder alone.
_PAIR_PLACES: Final[dict[Unit, int]] = {
    (True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3,
    (True, None): 4, (False, None): 5, (None, True): 6, (None, False): 7}


class _Pair:
    """The statistics of two coders' presence and absence from how many units of each
    kind there are, written out for the bootstrap, which computes them for every theme
    of every resample (`stats.from_sums` is the general form; a test holds them equal)."""

    def __init__(self, kinds: Sequence[Unit]) -> None:
        self.places = [_PAIR_PLACES.get(unit, 8) for unit in kinds]

    def statistics(self, drawn: Sequence[int], units: float) -> Statistics:
        cells = [0] * 9
        for place, count in zip(self.places, drawn, strict=True):
            cells[place] += count
        a, b, c, d, first_t, first_f, second_t, second_f, _ = cells
        n = a + b + c + d
        if not n:
            return Statistics(units, None, None, None, None, None, None, None, None)
        agreement = (a + d) / n
        rated = n + first_t + first_f + second_t + second_f
        present = (a + (b + c) / 2 + first_t + second_t) / rated
        absent = 1.0 - present
        pi = _corrected(agreement, present * present + absent * absent)
        ac1 = _corrected(agreement, 2 * present * absent)
        one = n + first_t + first_f
        two = n + second_t + second_f
        p1 = (a + b + first_t) / one
        p2 = (a + c + second_t) / two
        kappa = _corrected(agreement, p1 * p2 + (1 - p1) * (1 - p2))
        values = 2 * n
        yes, no = 2 * a + b + c, 2 * d + b + c
        expected = values * values - yes * yes - no * no
        alpha = None if values <= 1 or expected <= 0 else \
            1.0 - (values - 1) * (values - 2 * a - 2 * d) / expected
        return Statistics(units, agreement, kappa, None, pi, ac1, alpha, (a - d) / n,
                          (b - c) / n)


def _corrected(observed: float, chance: float) -> float | None:
    return None if 1.0 - chance < 1e-12 else (observed - chance) / (1.0 - chance)


def _add(total: list[float], more: list[float]) -> None:
    for number, value in enumerate(more):
        total[number] += value


def _quantile(ordered: Sequence[float], p: float) -> float:
    """The p-quantile by linear interpolation between order statistics (type 7)."""
    at = (len(ordered) - 1) * p
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def _intervals(draws: list[Statistics], names: Sequence[str]) -> dict[str, Interval | None]:
    """Percentile intervals; a resample where a statistic is undefined is left out, and
    a statistic undefined in every resample has none."""
    tail = (1 - LEVEL) / 2
    found: dict[str, Interval | None] = {}
    for name in names:
        values = sorted(v for v in (getattr(d, name) for d in draws) if v is not None)
        found[name] = (_quantile(values, tail), _quantile(values, 1 - tail)) if values \
            else None
    return found


def _disagreements(units: _Units, theme: int, coders: Sequence[Coder]
                   ) -> tuple[Disagreement, ...]:
    found: list[tuple[int, Disagreement]] = []
    for unit, members in units.special[theme].items():
        if True in unit and False in unit:
            coded = tuple(c.name for c, v in zip(coders, unit, strict=True) if v is True)
            not_coded = tuple(c.name for c, v in zip(coders, unit, strict=True) if v is False)
            found.extend((units.index[study], Disagreement(study, coded, not_coded))
                         for study in members)
    return tuple(item for _, item in sorted(found, key=lambda pair: pair[0]))


def agreement(review: Review, coders: Sequence[Coder], *, studies: Sequence[Study] | None = None,
              themes: Sequence[tuple[Theme, int]] | None = None, rollup: bool = False,
              resamples: int = 1000, seed: int = 1) -> Agreement:
    """The coders' agreement on `studies` (default: all, in reference order) by `themes`
    (default: every theme, in tree order, with its depth)."""
    scope = list(studies) if studies is not None else review.in_reference_order
    if studies is not None:
        order = {study.id: number for number, study in enumerate(review.in_reference_order)}
        scope.sort(key=lambda study: order[study.id])
    listed = list(themes) if themes is not None else list(review.themes_file.walk())
    units = _Units(coders, scope, [theme for theme, _ in listed], rollup)
    engine = _Engine(len(coders))
    names = shown(len(coders))
    n = len(scope)
    tables = [units.counts(t) for t in range(len(listed))]
    theme_sums = [engine.sums(table) for table in tables]
    overall = [0.0] * engine.layout.size
    for sums in theme_sums:
        _add(overall, sums)
    theme_draws: list[list[Statistics]] = [[] for _ in listed]
    overall_draws: list[Statistics] = []
    if resamples > 0 and n > 0:
        rng = random.Random(seed)
        # A theme's interval depends only on its own table, which a resample of the
        # studies makes multinomial over the kinds of unit it holds.
        for number, table in enumerate(tables):
            # The most common kind last: it takes what the others leave, with no draw.
            kinds = sorted(table, key=lambda unit: (table[unit], _unit_order(unit)))
            counts = [table[unit] for unit in kinds]
            draws = theme_draws[number]
            if len(coders) == 2:
                pair = _Pair(kinds)
                for _ in range(resamples):
                    draws.append(pair.statistics(multinomial(rng, counts), n))
                continue
            columns = engine.columns(kinds)
            size = engine.layout.size
            for _ in range(resamples):
                drawn = multinomial(rng, counts)
                sums = [0.0] * size
                for place, column in columns:
                    sums[place] = sum(map(operator.mul, column, drawn))
                draws.append(engine.statistics(sums, n))
        # Over all themes, the units of one study go together: studies are resampled.
        overall_draws = _overall_draws(units.per_study(), engine, rng, resamples,
                                       n * len(listed))
    results = tuple(
        ThemeAgreement(theme.id, theme.label, depth, engine.statistics(sums, n),
                       _intervals(draws, names) if resamples > 0 and n > 0 else None,
                       _disagreements(units, number, coders))
        for number, ((theme, depth), sums, draws)
        in enumerate(zip(listed, theme_sums, theme_draws, strict=True)))
    return Agreement(
        coders=tuple(c.name for c in coders), files=tuple(c.file for c in coders),
        rollup=rollup, studies=n,
        overall=engine.statistics(overall, n * len(listed)),
        ci=_intervals(overall_draws, names) if resamples > 0 and n > 0 else None,
        themes=results, resamples=resamples, seed=seed)


assert set(_SHOWN[True]) | set(_SHOWN[False]) <= set(STATISTICS)


# Reconciliation


@dataclass(frozen=True, slots=True)
class Resolution:
    theme: str
    study: str
    coded_by: tuple[str, ...]
    not_coded_by: tuple[str, ...]
    coded: bool  # whether the reconciled file codes the study to the theme

    @property
    def sided_with(self) -> tuple[str, ...]:
        return self.coded_by if self.coded else self.not_coded_by


@dataclass(frozen=True, slots=True)
class Reconciliation:
    file: str
    resolved: tuple[Resolution, ...]  # every disagreement, and which way it went
    # Units every coder who coded the study agreed on, which the reconciled file changes.
    overridden: tuple[Resolution, ...]


def reconcile(result: Agreement, reconciled: Coder, coders: Sequence[Coder],
              review: Review, themes: Sequence[tuple[Theme, int]] | None = None,
              studies: Sequence[Study] | None = None) -> Reconciliation:
    """How the reconciled codings settle each disagreement, and the agreed units they
    change."""
    listed = list(themes) if themes is not None else list(review.themes_file.walk())
    scope = [s.id for s in (studies if studies is not None else review.in_reference_order)]
    resolved: list[Resolution] = []
    overridden: list[Resolution] = []
    for (theme, _), row in zip(listed, result.themes, strict=True):
        final = coded_under(theme, reconciled.codings, result.rollup)
        for item in row.disagreements:
            resolved.append(Resolution(theme.id, item.study, item.coded_by, item.not_coded_by,
                                       item.study in final))
        sets = [(c.name, c.studies, coded_under(theme, c.codings, result.rollup))
                for c in coders]
        split = {item.study for item in row.disagreements}
        for study in scope:
            if study in split:
                continue
            said = [(name, study in found) for name, rated, found in sets if study in rated]
            if not said:
                continue
            agreed = said[0][1]
            if (study in final) != agreed:
                names = tuple(name for name, _ in said)
                overridden.append(Resolution(theme.id, study, names if agreed else (),
                                             () if agreed else names, study in final))
    return Reconciliation(reconciled.file, tuple(resolved), tuple(overridden))
