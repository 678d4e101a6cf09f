"""Households and townships that stand out, compared like with like.

Lambing is nothing but seasonal: a household's lambs born per ewe in
December says nothing against another's in February, so DHIS2's outlier
checks (standard deviations, min–max over all values) mislead here. Each
household is compared only with the households of its own township, as of
the same date (the same week of the same season), with a robust score that
a few extreme households cannot drag along (Iglewicz and Hoaglin's modified
z-score):

    z = 0.6745 × (x − median) ÷ MAD,   MAD = median of |x − median|

and stands out when |z| > ``Z_LIMIT`` (3.5). Where more than half the
households share one value (MAD = 0), the mean absolute deviation stands in
for it (z = (x − median) ÷ (1.253314 × mean |x − median|), that is 0.7979 ×
(x − median) ÷ mean |x − median|); when that is 0 too, nobody stands out. A
township needs ``MIN_PEERS`` households with the value for any of them to be
compared.

Early in the season that alone flags a household for chance: most households
have lost no lamb yet (or counted every lamb alive, or have 0 lambs born), so
the spread is 0 or nearly, and one lamb lost of four (25 %) or a flock of 2
ewes with 2 lambs (1 per ewe) is many spreads from the median. A household's
value is a count over its own flock, and a small flock's swings by chance
(the funnel plot's argument, Spiegelhalter 2005): so a household also needs a
count that a household of its size would reach by chance less than
``CHANCE_LIMIT`` (1 in 1,000) at its township's rate (all its compared
households' numerators ÷ their denominators): a binomial's tail for a share
(losses, survival: each lamb lost or alive, or not), a Poisson's for lambs
born per ewe (which can pass 1), counted in pairs: a ewe bears one lamb or
two, and twins spread the count wider than a Poisson's of single lambs.
Only a value both far from its peers and beyond chance for its size stands
out.

A township's **loss spike**: its lamb losses of the last ``SPIKE_DAYS`` days
as a share of the lambs born in them, against its mortality over the season
before them; a spike when at least ``SPIKE_FACTOR`` times as high and at
least ``SPIKE_MIN_LOSSES`` lambs.

Household values come from the herder rows of the daily rollups, one query
for the place; townships' from their own rows, one query.
"""

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from livestock.counting.totals import percent
from livestock.models import Herder, Place, Season, Township
from livestock.places import scoping
from livestock.selectors.totals import rollups_within

Z_LIMIT = 3.5
CHANCE_LIMIT = 0.001
MIN_PEERS = 5
SPIKE_DAYS = 3
SPIKE_FACTOR = 2
SPIKE_MIN_LOSSES = 3


@dataclass(frozen=True)
class Measure:
    """A household value compared: its name, and how it is made from the sums."""

    key: str
    label: str
    numerator: str
    denominator: str
    # How a household's count varies by chance over its denominator: each lamb
    # lost or alive, or not, is a binomial's; lambs born per ewe (twins: it can
    # pass 1) a Poisson's, of pairs of lambs.
    chance: str


MEASURES = [
    Measure("lambs_per_ewe", _("lambs born per ewe"), "born_where_ewes", "ewes", "poisson"),
    Measure("loss_share", _("lamb losses per lamb born"), "lost", "born", "binomial"),
    Measure(
        "survival",
        _("lambs alive per lamb born by the latest check"),
        "alive",
        "checked",
        "binomial",
    ),
]
SUMS = {
    "households": "households",
    "ewes": "ewes",
    "born_where_ewes": "lambs_born_where_ewes_counted",
    "born": "lambs_born",
    "lost": "lamb_losses",
    "alive": "lambs_alive",
    "checked": "lambs_born_by_latest_check",
}


@dataclass(frozen=True)
class Outlier:
    """A household whose value stands out in its township, with what makes it so."""

    herder: Herder
    measure: Measure
    value: float
    numerator: int
    denominator: int
    median: float
    spread: float
    z: float
    peers: int
    # The township's rate (its compared households' numerators ÷ denominators),
    # the count it would give this household, and the chance of a count at
    # least this far from it.
    township_rate: float
    expected: float
    chance: float

    @property
    def direction(self) -> str:
        return "high" if self.z > 0 else "low"


@dataclass(frozen=True)
class LossSpike:
    township: Township
    recent_losses: int
    recent_born: int
    earlier_losses: int
    earlier_born: int

    @property
    def recent_share(self) -> Decimal | None:
        return percent(self.recent_losses, self.recent_born)

    @property
    def earlier_share(self) -> Decimal | None:
        return percent(self.earlier_losses, self.earlier_born)


def modified_z_scores(values: list[float]) -> tuple[float, float, list[float]]:
    """The median, the spread the scores divide by, and each value's modified
    z-score (all 0 when the values do not spread at all)."""
    median = statistics.median(values)
    deviations = [abs(value - median) for value in values]
    mad = statistics.median(deviations)
    # With MAD = 0 (most households share one value), the mean absolute deviation.
    spread = mad / 0.6745 if mad > 0 else 1.253314 * statistics.fmean(deviations)
    if spread == 0:
        return median, 0.0, [0.0] * len(values)
    return median, spread, [(value - median) / spread for value in values]


def _log_binomial(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def _log_poisson(k: int, mean: float) -> float:
    return k * math.log(mean) - mean - math.lgamma(k + 1)


def chance_of(count: int, size: int, rate: float, *, chance: str, high: bool) -> float:
    """The chance that a household of ``size`` (lambs born, ewes) counts at
    least ``count`` (``high``) or at most ``count`` at ``rate`` per unit: a
    binomial's tail, or a Poisson's of pairs of lambs (``Measure.chance``),
    summed exactly, as a small flock's counts are too few for a normal curve."""
    if chance == "binomial":
        rate = min(max(rate, 0.0), 1.0)
        count = min(count, size)
        if rate in (0.0, 1.0):
            # Every unit the same way: a count on that side is certain, any other impossible.
            certain = size if rate == 1.0 else 0
            return 1.0 if (count <= certain if high else count >= certain) else 0.0
        counts = range(count, size + 1) if high else range(0, count + 1)
        return min(1.0, sum(math.exp(_log_binomial(k, size, rate)) for k in counts))
    # Lambs come one or two to a ewe: counted in pairs, the count spreads as
    # widely as any of litters of one or two can (a Poisson's would not, twins
    # making it spread about half as much again).
    mean = rate * size / 2
    count = -(-count // 2) if high else count // 2
    if mean <= 0:
        return 1.0 if not high or count <= 0 else 0.0
    if high:
        return max(0.0, 1.0 - sum(math.exp(_log_poisson(k, mean)) for k in range(count)))
    return min(1.0, sum(math.exp(_log_poisson(k, mean)) for k in range(count + 1)))


def household_outliers(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> list[Outlier]:
    """Every household of ``place`` (within ``user``'s scope) whose value of a
    ``MEASURES`` stands out among its township's as of ``as_of`` (a modified
    z-score past ``Z_LIMIT``) beyond what chance gives a household of its size
    (``chance_of`` below ``CHANCE_LIMIT``), the most extreme first."""
    rows = (
        rollups_within(season=season, as_of=as_of, level=Herder, place=place, user=user)
        .values("township", "herder")
        .annotate(**{name: Sum(field) for name, field in SUMS.items()})
        .filter(households__gt=0)
        .order_by()
    )
    by_township: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_township[row["township"]].append(row)
    found: list[dict] = []
    for households in by_township.values():
        for measure in MEASURES:
            valued = [row for row in households if row[measure.denominator]]
            if len(valued) < MIN_PEERS:
                continue
            values = [row[measure.numerator] / row[measure.denominator] for row in valued]
            median, spread, scores = modified_z_scores(values)
            rate = sum(row[measure.numerator] for row in valued) / sum(
                row[measure.denominator] for row in valued
            )
            for row, value, z in zip(valued, values, scores, strict=True):
                if abs(z) <= Z_LIMIT:
                    continue
                numerator, denominator = row[measure.numerator], row[measure.denominator]
                chance = chance_of(numerator, denominator, rate, chance=measure.chance, high=z > 0)
                if chance < CHANCE_LIMIT:
                    found.append(
                        {
                            "herder": row["herder"],
                            "measure": measure,
                            "value": value,
                            "numerator": numerator,
                            "denominator": denominator,
                            "median": median,
                            "spread": spread,
                            "z": z,
                            "peers": len(valued),
                            "township_rate": rate,
                            "expected": rate * denominator,
                            "chance": chance,
                        }
                    )
    herders = Herder.objects.select_related("village__township").in_bulk(
        [item["herder"] for item in found]
    )
    outliers = [Outlier(**{**item, "herder": herders[item["herder"]]}) for item in found]
    return sorted(outliers, key=lambda outlier: (-abs(outlier.z), outlier.herder.pk))


def loss_spikes(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> list[LossSpike]:
    """The townships of ``place`` whose losses of the last ``SPIKE_DAYS`` days
    up to ``as_of`` stand out against their season before them."""
    since = as_of - datetime.timedelta(days=SPIKE_DAYS)
    recent = Q(date__gt=since)
    rows = (
        rollups_within(season=season, as_of=as_of, level=Township, place=place, user=user)
        .values("township")
        .annotate(
            recent_losses=Sum("lamb_losses", filter=recent),
            recent_born=Sum("lambs_born", filter=recent),
            earlier_losses=Sum("lamb_losses", filter=~recent),
            earlier_born=Sum("lambs_born", filter=~recent),
        )
        .order_by()
    )
    spiking = []
    for row in rows:
        counts = {key: row[key] or 0 for key in row if key != "township"}
        lost, born = counts["recent_losses"], counts["recent_born"]
        if lost < SPIKE_MIN_LOSSES:
            continue
        earlier = counts["earlier_losses"] / counts["earlier_born"] if counts["earlier_born"] else 0
        recent_share = lost / born if born else float("inf")
        if recent_share >= SPIKE_FACTOR * earlier:
            spiking.append((row["township"], counts))
    townships = Township.objects.in_bulk([township for township, _ in spiking])
    return [LossSpike(township=townships[township], **counts) for township, counts in spiking]
