"""Make a spreadsheet of a season for the import's benchmark:
``python bench/import_bench.py --rows 100000 --out var/counts-100k.csv``.

In an empty database (it refuses one with other places) it makes a synthetic
prefecture's places (counties of 8 townships of 8 villages), the 2024–2025
winter season and a technician ``bench-importer`` of the whole prefecture;
then it writes a CSV of new herder households, five rows each as a season
goes (ewes and first births, more births, a loss, a day-7 check, a weaning
check), named by county, township and village as a township centre would.
Import it with the progress bar and the rate:

    python manage.py import_counts var/counts-100k.csv --user bench-importer
"""

import argparse
import csv
import datetime
import functools
import random
import secrets
from pathlib import Path

from _django import setup

setup()

from django.utils import translation  # noqa: E402

from livestock.choices import CheckStage, LossCause  # noqa: E402
from livestock.models import County, Prefecture, Season, Township, Village  # noqa: E402
from livestock.services.users import user_create  # noqa: E402
from livestock.spreadsheets.columns import COLUMNS, HEADERS  # noqa: E402

START = datetime.date(2024, 12, 1)
END = datetime.date(2025, 2, 28)
HERDERS_PER_VILLAGE = 40
ROWS_PER_HERDER = 5


def places(villages_needed: int) -> list[Village]:
    if Prefecture.objects.exclude(name="合成地区").exists():
        raise SystemExit("This database holds real places; use an empty one for benchmarks.")
    prefecture, _new = Prefecture.objects.get_or_create(
        name="合成地区", defaults={"name_latin": "Synthetic Prefecture"}
    )
    Season.objects.get_or_create(kind="winter", start_date=START, defaults={"end_date": END})
    counties = max(1, -(-villages_needed // 64))
    for c in range(counties):
        county, _new = County.objects.get_or_create(
            prefecture=prefecture, name=f"合成县{c}", defaults={"name_latin": f"County {c}"}
        )
        for t in range(8):
            township, _new = Township.objects.get_or_create(
                county=county, name=f"合成乡{c}-{t}", defaults={"name_latin": f"T {c}-{t}"}
            )
            for v in range(8):
                Village.objects.get_or_create(
                    township=township,
                    name=f"合成村{c}-{t}-{v}",
                    defaults={"name_latin": f"V {c}-{t}-{v}"},
                )
    if not Prefecture.objects.get(pk=prefecture.pk).counties.exists():
        raise SystemExit("No places were made.")
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="bench-importer").exists():
        user_create(
            username="bench-importer",
            role="technician",
            places=[prefecture],
            password=secrets.token_urlsafe(16),  # never logs in: it only imports
        )
    return list(
        Village.objects.filter(township__county__prefecture=prefecture)
        .select_related("township__county")
        .order_by("pk")[:villages_needed]
    )


def season_rows(rng: random.Random) -> list[dict]:
    """One household's season, as five rows that keep every running total sound,
    causes and stages in Chinese as a technician types them."""
    with translation.override("zh-hans"):
        causes = [str(label) for label in LossCause.labels]
        stages = {stage: str(stage.label) for stage in CheckStage}
    ewes = max(10, int(rng.lognormvariate(4.6, 0.5)))
    lambed = int(ewes * rng.uniform(0.8, 0.95))
    born = int(lambed * rng.uniform(1.05, 1.4))
    lost = max(1, int(born * rng.uniform(0.01, 0.06)))
    days = sorted(rng.sample(range(0, 70), 2))
    first, second = (START + datetime.timedelta(days=d) for d in days)
    day7 = second + datetime.timedelta(days=7)
    return [
        {"ewes_at_start": ewes, "date": first, "ewes_lambed": lambed // 2, "lambs_born": born // 2},
        {"date": second, "ewes_lambed": lambed - lambed // 2, "lambs_born": born - born // 2},
        {"date": second, "lambs_lost": lost, "loss_cause": rng.choice(causes)},
        {"date": day7, "lambs_alive": born - lost, "check_stage": stages[CheckStage.DAY_7]},
        {
            "date": END,
            "lambs_alive": born - lost - rng.randint(0, 1),
            "check_stage": stages[CheckStage.WEANING],
        },
    ]


@functools.cache
def _codes() -> tuple[dict[str, str], dict[str, str]]:
    """The loss causes' and check stages' codes by their Chinese labels."""
    with translation.override("zh-hans"):
        causes = {str(label): code for code, label in LossCause.choices}
        stages = {str(label): code for code, label in CheckStage.choices}
    return causes, stages


def entry_fields(values: dict) -> dict:
    """A row of ``season_rows`` as its entry's fields by name, choices as their
    codes (what ``bench/bare_sql.py`` writes for the same rows)."""
    causes, stages = _codes()
    fields = {key: value for key, value in values.items() if key != "ewes_at_start"}
    if "loss_cause" in fields:
        fields["loss_cause"] = causes[fields["loss_cause"]]
    if "check_stage" in fields:
        fields["check_stage"] = stages[fields["check_stage"]]
    return fields


def write(rows: int, out: Path, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (repeatable data, not secrets)
    herders = -(-rows // ROWS_PER_HERDER)
    villages = places(-(-herders // HERDERS_PER_VILLAGE))
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with out.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        for number in range(herders):
            village = villages[number // HERDERS_PER_VILLAGE]
            for values in season_rows(rng):
                if written == rows:
                    break
                values = {
                    "county": village.township.county.name,
                    "township": village.township.name,
                    "village": village.name,
                    "herder": f"牧户{number}",
                    "herder_latin": f"Herder {number}",
                    "season": "2024–2025 冬羔",
                    **values,
                }
                writer.writerow([values.get(column.key, "") for column in COLUMNS])
                written += 1
    print(f"{written:,} rows, {herders:,} herders in {len(villages)} villages: {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("var/counts-100k.csv"))
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args()
    write(arguments.rows, arguments.out, arguments.seed)
