"""Make a synthetic region for benchmarks: ``python bench/generate.py --herders 100000``.

Counties of 8 townships of 8 villages, herders spread over them, one winter
season, and for each herder a record with the usual shape of a season:
births along a curve that peaks in late January, a loss or two with a
cause, a day-7 survival check and, for half, a weaning check. Repeatable
from ``--seed``; loaded with bulk inserts. Refuses to run on a database that
has other places, so it never mixes with real data.
"""

import argparse
import datetime
import random
import time

from _django import setup

setup()

from django.db import transaction  # noqa: E402

from livestock.models import (  # noqa: E402
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    Season,
    Township,
    Village,
)

BATCH = 5000
START = datetime.date(2024, 12, 1)
END = datetime.date(2025, 2, 28)
CAUSES = ["cold", "cold", "starvation", "disease", "mismothering", "predator", "unknown"]


def birth_day(rng: random.Random) -> datetime.date:
    """Most lambs come around late January; the tails reach the season's ends."""
    offset = min(max(int(rng.gauss(55, 18)), 0), (END - START).days - 8)
    return START + datetime.timedelta(days=offset)


def entries_for(record: LambingRecord, ewes: int, rng: random.Random) -> list[LambingEntry]:
    lambed = int(ewes * rng.uniform(0.8, 0.97))
    born = int(lambed * rng.uniform(1.05, 1.4))
    first, second = birth_day(rng), birth_day(rng)
    first, second = min(first, second), max(first, second)
    half_lambed, half_born = lambed // 2, born // 2
    lost = int(born * rng.uniform(0.01, 0.08))
    entries = [
        LambingEntry(record=record, date=first, ewes_lambed=half_lambed, lambs_born=half_born),
        LambingEntry(
            record=record,
            date=second,
            ewes_lambed=lambed - half_lambed,
            lambs_born=born - half_born,
        ),
    ]
    if lost:
        entries.append(
            LambingEntry(record=record, date=second, lambs_lost=lost, loss_cause=rng.choice(CAUSES))
        )
    entries.append(
        LambingEntry(
            record=record,
            date=second + datetime.timedelta(days=7),
            lambs_alive=born - lost,
            check_stage="day7",
        )
    )
    if rng.random() < 0.5:
        entries.append(
            LambingEntry(
                record=record,
                date=END,
                lambs_alive=max(born - lost - rng.randint(0, 2), 0),
                check_stage="weaning",
            )
        )
    return entries


def generate(herders: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (repeatable data, not secrets)
    if Prefecture.objects.exclude(name="合成地区").exists():
        raise SystemExit("This database holds real places; use an empty one for benchmarks.")
    started = time.perf_counter()
    with transaction.atomic():
        prefecture = Prefecture.objects.create(name="合成地区", name_latin="Synthetic Prefecture")
        season = Season.objects.create(kind="winter", start_date=START, end_date=END)
        county_count = max(7, herders // 10_000)
        counties = County.objects.bulk_create(
            County(prefecture=prefecture, name=f"合成县{c}", name_latin=f"County {c}")
            for c in range(county_count)
        )
        townships = Township.objects.bulk_create(
            Township(
                county=county, name=f"{county.name}乡{t}", name_latin=f"{county.name_latin} T{t}"
            )
            for county in counties
            for t in range(8)
        )
        villages = Village.objects.bulk_create(
            Village(
                township=township,
                name=f"{township.name}村{v}",
                name_latin=f"{township.name_latin} V{v}",
            )
            for township in townships
            for v in range(8)
        )
        made = 0
        while made < herders:
            size = min(BATCH, herders - made)
            batch = Herder.objects.bulk_create(
                Herder(
                    village=villages[(made + n) % len(villages)],
                    name=f"牧户{made + n}",
                    name_latin=f"Herder {made + n}",
                )
                for n in range(size)
            )
            flocks = [max(5, int(rng.lognormvariate(4.6, 0.5))) for _ in batch]
            records = LambingRecord.objects.bulk_create(
                LambingRecord(herder=herder, season=season, ewes_at_start=ewes)
                for herder, ewes in zip(batch, flocks, strict=True)
            )
            LambingEntry.objects.bulk_create(
                [
                    entry
                    for record, ewes in zip(records, flocks, strict=True)
                    for entry in entries_for(record, ewes, rng)
                ],
                batch_size=BATCH,
            )
            made += size
            print(f"\r{made:,} herders", end="", flush=True)
    elapsed = time.perf_counter() - started
    entries = LambingEntry.objects.count()
    print(f"\n{county_count} counties, {herders:,} herders, {entries:,} entries in {elapsed:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args()
    generate(arguments.herders, arguments.seed)
