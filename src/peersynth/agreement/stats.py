"""Agreement statistics of nominal codings, as pure functions of a table of units.

A unit is a tuple with one value per coder (None where that coder gave none); a
table counts how many units have each such tuple. Any hashable values are
categories, so the published examples (five categories, four coders, gaps) apply
as they are; `peersynth agree` feeds the functions presence and absence.

Every statistic is computed from a handful of sums over the units (`Sums`), worked
out once per distinct unit, so a table of millions of units with few distinct ones
(study by theme presence) costs what its distinct units cost, and a bootstrap
resample only re-weights them. The definitions follow Gwet's irrCAC (percent
agreement, Cohen's/Conger's κ, Fleiss' κ, Gwet's AC1, including their treatment of
missing values) and Krippendorff (2011) for alpha; docs/agree.md gives the formulas.

A statistic whose chance agreement is 1 (every coder gives every unit one value)
is undefined: None, never NaN.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

Value = Hashable
Unit = tuple[Value | None, ...]
Table = Mapping[tuple[Any, ...], float]

# Chance agreement this close to 1 is 1: the statistic is undefined.
_EPSILON: Final = 1e-12


def table_of(units: Iterable[Sequence[Value | None]]) -> Counter[Unit]:
    """The table of `units`: each distinct unit and how many there are."""
    return Counter(tuple(unit) for unit in units)


def categories_of(table: Table) -> tuple[Value, ...]:
    """The values the coders used, in order of first use."""
    return tuple(dict.fromkeys(value for unit in table for value in unit
                               if value is not None))


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each sum lies in a vector of sums, for `coders` coders and `categories`."""

    coders: int
    categories: tuple[Value, ...]

    @property
    def size(self) -> int:
        q, m = len(self.categories), self.coders
        return 3 + 3 * q + 2 * m * q + m

    def slices(self) -> dict[str, slice]:
        q, m = len(self.categories), self.coders
        return {"diagonal": slice(3, 3 + q), "shares": slice(3 + q, 3 + 2 * q),
                "pairable_values": slice(3 + 2 * q, 3 + 3 * q),
                "coder_values": slice(3 + 3 * q, 3 + 3 * q + m * q),
                "coder_rated": slice(3 + 3 * q + m * q, 3 + 3 * q + m * q + m),
                "coder_pairable": slice(3 + 3 * q + m * q + m, 3 + 3 * q + 2 * m * q + m)}

    def contribution(self, unit: Unit) -> list[float]:
        """One unit's share of every sum: whether it is rated at all, and rated twice or
        more (pairable); its share of agreeing pairs; per category, its diagonal cell of
        the coincidence matrix, its mean share of the unit's values, and its count if
        the unit is pairable; per coder, the category given, whether it rated the unit,
        and the category given to a pairable unit."""
        q, m = len(self.categories), self.coders
        index = {category: number for number, category in enumerate(self.categories)}
        sums = [0.0] * self.size
        values = [value for value in unit if value is not None]
        r = len(values)
        if r == 0:
            return sums
        counts = Counter(values)
        sums[0] = 1.0
        for category, count in counts.items():
            sums[3 + q + index[category]] = count / r
        if r >= 2:
            sums[1] = 1.0
            sums[2] = sum(count * (count - 1) for count in counts.values()) / (r * (r - 1))
            for category, count in counts.items():
                sums[3 + index[category]] = count * (count - 1) / (r - 1)
                sums[3 + 2 * q + index[category]] = float(count)
        for coder, value in enumerate(unit):
            if value is not None:
                sums[3 + 3 * q + coder * q + index[value]] = 1.0
                sums[3 + 3 * q + m * q + coder] = 1.0
                if r >= 2:
                    sums[3 + 3 * q + m * q + m + coder * q + index[value]] = 1.0
        return sums


@dataclass(frozen=True, slots=True)
class Sums:
    """The sums every statistic is computed from (see `Layout.contribution`)."""

    layout: Layout
    values: Sequence[float]

    @classmethod
    def of(cls, table: Table, layout: Layout) -> Sums:
        total = [0.0] * layout.size
        for unit, weight in table.items():
            if weight:
                for number, share in enumerate(layout.contribution(unit)):
                    total[number] += weight * share
        return cls(layout, total)

    @property
    def rated(self) -> float:
        return self.values[0]

    @property
    def pairable(self) -> float:
        return self.values[1]

    def part(self, name: str) -> Sequence[float]:
        return self.values[self.layout.slices()[name]]

    def shares(self) -> list[float]:
        """Each category's mean share of a rated unit's values (irrCAC's pi)."""
        return [share / self.rated for share in self.part("shares")]

    def coder_shares(self) -> list[list[float]]:
        """Per coder, each category's share of the units that coder rated."""
        q, m = len(self.layout.categories), self.layout.coders
        counts, rated = self.part("coder_values"), self.part("coder_rated")
        return [[count / rated[coder] if rated[coder] else 0.0
                 for count in counts[coder * q:(coder + 1) * q]] for coder in range(m)]


def _chance_corrected(observed: float | None, chance: float | None) -> float | None:
    if observed is None or chance is None or 1.0 - chance < _EPSILON:
        return None
    return (observed - chance) / (1.0 - chance)


def _sums(table: Table, categories: Sequence[Value] | None, coders: int | None = None) -> Sums:
    found = categories_of(table)
    listed = tuple(categories) if categories is not None else found
    missing = [value for value in found if value not in listed]
    if missing:
        raise ValueError(f"values not among the categories: {missing!r}")
    width = coders if coders is not None else max((len(unit) for unit in table), default=0)
    return Sums.of(table, Layout(width, listed))


def observed(sums: Sums) -> float | None:
    """Percent agreement as a proportion: over units rated twice or more, the mean share
    of their pairs of values that agree. None without such a unit."""
    return sums.values[2] / sums.pairable if sums.pairable else None


def cohen_chance(sums: Sums) -> float | None:
    """Chance agreement of Cohen's κ (Conger's for more than two coders): from each
    coder's own distribution over the units that coder rated."""
    shares = sums.coder_shares()
    m = len(shares)
    # A coder who rated nothing has no distribution to compare.
    if m < 2 or not sums.pairable or not all(sums.part("coder_rated")):
        return None
    q = len(sums.layout.categories)
    chance = 0.0
    for k in range(q):
        column = [row[k] for row in shares]
        mean = sum(column) / m
        spread = (sum(p * p for p in column) - m * mean * mean) / (m - 1)
        chance += mean * mean - spread / m
    return chance


def fleiss_chance(sums: Sums) -> float | None:
    """Chance agreement of Fleiss' κ (Scott's π): from the coders' pooled distribution."""
    if not sums.pairable:
        return None
    return sum(p * p for p in sums.shares())


def gwet_chance(sums: Sums) -> float | None:
    """Chance agreement of Gwet's AC1; undefined with fewer than two categories."""
    q = len(sums.layout.categories)
    if not sums.pairable or q < 2:
        return None
    return sum(p * (1.0 - p) for p in sums.shares()) / (q - 1)


def alpha_of(sums: Sums) -> float | None:
    """Krippendorff's nominal alpha from the coincidence matrix of pairable values."""
    counts = sums.part("pairable_values")
    n = sum(counts)
    expected = n * n - sum(c * c for c in counts)
    if n <= 1 or expected < _EPSILON:
        return None
    return 1.0 - (n - 1.0) * (n - sum(sums.part("diagonal"))) / expected


def percent_agreement(table: Table) -> float | None:
    """The mean share of agreeing pairs of values over units rated twice or more;
    for two coders, the share of units both rated on which they agree."""
    return observed(_sums(table, None))


def cohen_kappa(table: Table, categories: Sequence[Value] | None = None) -> float | None:
    """Cohen's κ of two coders (Conger's κ of more): each coder's own marginals."""
    sums = _sums(table, categories)
    return _chance_corrected(observed(sums), cohen_chance(sums))


def fleiss_kappa(table: Table, categories: Sequence[Value] | None = None) -> float | None:
    """Fleiss' κ; of two coders with no gaps, Scott's π."""
    sums = _sums(table, categories)
    return _chance_corrected(observed(sums), fleiss_chance(sums))


scott_pi = fleiss_kappa


def gwet_ac1(table: Table, categories: Sequence[Value] | None = None) -> float | None:
    """Gwet's AC1 over `categories` (default: the values used)."""
    sums = _sums(table, categories)
    return _chance_corrected(observed(sums), gwet_chance(sums))


def krippendorff_alpha(table: Table) -> float | None:
    """Krippendorff's alpha for nominal data; units with one value count for nothing."""
    return alpha_of(_sums(table, None))


def indices(sums: Sums, positive: Value) -> tuple[float | None, float | None]:
    """Prevalence and bias indices of two coders over the units both rated (Byrt,
    Bishop and Carlin 1993): (both positive - both not) / n and (only the first
    positive - only the second) / n. None without such units, or with another number
    of coders."""
    n = sums.pairable
    if sums.layout.coders != 2 or not n or positive not in sums.layout.categories:
        return None, None
    q = len(sums.layout.categories)
    k = sums.layout.categories.index(positive)
    given = 3 + 3 * q + 2 * q + 2  # the coders' values on pairable units
    first, second = sums.values[given + k], sums.values[given + q + k]
    both = sums.values[3 + k] / 2
    neither = n - (first + second - both)
    return (both - neither) / n, (first - second) / n


def prevalence_index(table: Table, positive: Value = True) -> float | None:
    """(both positive - both not) / units both rated, of two coders."""
    return indices(_sums(table, None, 2), positive)[0]


def bias_index(table: Table, positive: Value = True) -> float | None:
    """(only the first positive - only the second) / units both rated, of two coders."""
    return indices(_sums(table, None, 2), positive)[1]


@dataclass(frozen=True, slots=True)
class Statistics:
    """Every statistic of one table; None where undefined or not applicable."""

    units: float
    percent_agreement: float | None
    cohen_kappa: float | None  # two coders only
    fleiss_kappa: float | None  # three or more coders only
    scott_pi: float | None
    gwet_ac1: float | None
    krippendorff_alpha: float | None
    prevalence_index: float | None  # two coders only
    bias_index: float | None  # two coders only


STATISTICS: Final = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "scott_pi",
                     "gwet_ac1", "krippendorff_alpha", "prevalence_index", "bias_index")


def from_sums(sums: Sums, units: float, positive: Value | None = None) -> Statistics:
    """Every statistic from the sums; the prevalence and bias indices (two coders) need
    the category that counts as positive. The same formulas as the functions above,
    written out once: a bootstrap computes them for every theme of every resample."""
    values, layout = sums.values, sums.layout
    q, m = len(layout.categories), layout.coders
    two = m == 2
    rated, pairable = values[0], values[1]
    if not pairable:
        return Statistics(units, None, None, None, None, None, None, None, None)
    agreement = values[2] / pairable
    shares = [share / rated for share in values[3 + q:3 + 2 * q]]
    pi = _chance_corrected(agreement, sum(p * p for p in shares))
    ac1 = _chance_corrected(agreement, sum(p * (1.0 - p) for p in shares) / (q - 1)) \
        if q >= 2 else None
    counts = values[3 + 2 * q:3 + 3 * q]
    n = sum(counts)
    expected = n * n - sum(c * c for c in counts)
    alpha = None if n <= 1 or expected < _EPSILON else \
        1.0 - (n - 1.0) * (n - sum(values[3:3 + q])) / expected
    kappa = prevalence = bias = None
    if two:
        given = 3 + 3 * q
        first, second = values[given + 2 * q], values[given + 2 * q + 1]
        if first and second:
            kappa = _chance_corrected(agreement, sum(
                values[given + k] / first * values[given + q + k] / second for k in range(q)))
        if positive is not None:
            prevalence, bias = indices(sums, positive)
    return Statistics(
        units=units,
        percent_agreement=agreement,
        cohen_kappa=kappa,
        fleiss_kappa=None if two else pi,
        scott_pi=pi,
        gwet_ac1=ac1,
        krippendorff_alpha=alpha,
        prevalence_index=prevalence,
        bias_index=bias)


def statistics(table: Table, categories: Sequence[Value] | None = None,
               positive: Value | None = None) -> Statistics:
    """Every statistic of `table` (`categories`: the values coders could give, which
    AC1 depends on; default the values used)."""
    sums = _sums(table, categories)
    return from_sums(sums, float(sum(table.values())), positive)
