"""Time the audit trail (/admin/audit/) over a region made by generate.py.

generate.py writes with bulk_create, which keeps no history; this script first
gives every herder and entry the history a season of real use would leave
(an addition each, a correction of one entry in five), unless it is there,
then requests the trail's pages and files as a superuser, in-process.

    .venv/bin/python bench/generate.py --herders 10000 --seed 2025
    .venv/bin/python bench/audit.py --repeat 5
"""

import argparse
import datetime
import random
import statistics
import sys
import time

from _django import setup

setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from livestock.audit.attribution import Surface  # noqa: E402
from livestock.models import County, Herder, LambingEntry, Township  # noqa: E402

BATCH = 5000


def add_history(user) -> int:
    """A history row per herder and entry, and a correction of every fifth entry."""
    if LambingEntry.history.exists():
        return 0
    rng = random.Random(2025)  # noqa: S311 (made-up data, not secrets)
    start = timezone.now() - datetime.timedelta(days=90)
    added = 0
    with transaction.atomic():
        for model, fields in (
            (Herder, ["id", "name", "name_latin", "village_id", "version"]),
            (
                LambingEntry,
                ["id", "uuid", "record_id", "date", "ewes_lambed", "lambs_born", "lambs_lost"]
                + ["loss_cause", "lambs_alive", "check_stage", "note", "created_at", "version"],
            ),
        ):
            history = model.history.model
            rows = []
            for obj in model.objects.order_by("pk").values(*fields).iterator(chunk_size=BATCH):
                when = start + datetime.timedelta(seconds=rng.randrange(90 * 86400))
                common = {
                    "history_user": user,
                    "history_surface": Surface.API,
                    "history_source": "POST /api/v1/",
                }
                rows.append(history(**obj, history_date=when, history_type="+", **common))
                if model is LambingEntry and rng.random() < 0.2:
                    corrected = {**obj, "lambs_born": obj["lambs_born"] + 1}
                    rows.append(
                        history(
                            **corrected,
                            history_date=when + datetime.timedelta(hours=5),
                            history_type="~",
                            history_change_reason="recounted",
                            **common,
                        )
                    )
                if len(rows) >= BATCH:
                    added += len(history.objects.bulk_create(rows))
                    rows = []
            added += len(history.objects.bulk_create(rows))
    return added


def measure(client: Client, url: str, repeat: int) -> tuple[float, float, int, int]:
    client.get(url)  # warm up
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, len(queries), len(response.content)


def main(repeat: int) -> None:
    users = get_user_model()
    user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
        "bench", password=None
    )
    added = add_history(user)
    total = sum(model.history.count() for model in (Herder, LambingEntry, County, Township))
    client = Client()
    client.force_login(user)
    county = County.objects.order_by("pk").first()
    township = Township.objects.filter(county=county).order_by("pk").first()
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=7)
    targets = [
        ("first page, no filter", "/admin/audit/"),
        ("page 200, no filter", "/admin/audit/?page=200"),
        ("a county", f"/admin/audit/?place=county:{county.pk}"),
        (
            "entries of a township",
            f"/admin/audit/?place=township:{township.pk}&model=livestock.lambingentry",
        ),
        ("a user, last 7 days", f"/admin/audit/?user=bench&date_from={last_week}&date_to={today}"),
        ("CSV of a township", f"/admin/audit/?place=township:{township.pk}&format=csv"),
    ]
    print(f"{connection.vendor}: {added} history rows added, {total} in all")
    print("| what | p50 ms | p95 ms | queries | bytes |")
    print("|---|---:|---:|---:|---:|")
    for label, url in targets:
        p50, p95, queries, size = measure(client, url, repeat)
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {queries} | {size:,} |")
    sys.stdout.flush()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    main(parser.parse_args().repeat)
