"""Time what officials and integrations ask for: ``python bench/run.py``.

On the database DATABASE_URL names (filled by bench/generate.py), each page
or API call is requested in-process through Django's test client, as a
superuser, ``--repeat`` times; the table gives p50 and p95 in milliseconds
and the number of SQL queries each took.
"""

import argparse
import statistics
import time

from _django import setup

setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from livestock.models import County, LambingRecord, Season, Township  # noqa: E402


def measure(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
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
    return statistics.median(timings), p95, len(queries)


def main(repeat: int) -> None:
    users = get_user_model()
    bench_user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
        "bench", password=None
    )
    client = Client()
    client.force_login(bench_user)
    season = Season.objects.order_by("-start_date").first()
    county = County.objects.order_by("pk").first()
    township = Township.objects.filter(county=county).order_by("pk").first()
    record = LambingRecord.objects.filter(season=season).order_by("pk").first()
    as_of = "2025-02-11"
    base = f"season={season.pk}&as_of={as_of}"
    targets = [
        ("overview page", f"/?{base}"),
        ("county page", f"/?{base}&place=county:{county.pk}"),
        ("township page", f"/?{base}&place=township:{township.pk}"),
        ("summary API, overview", f"/api/v1/summaries/?{base}"),
        ("summary API, county", f"/api/v1/summaries/?{base}&place=county:{county.pk}"),
        ("herders API, a county", f"/api/v1/herders/?county={county.pk}"),
        ("record API with totals", f"/api/v1/lambing-records/{record.pk}/?as_of={as_of}"),
    ]
    herders = LambingRecord.objects.filter(season=season).count()
    print(f"{connection.vendor}, {herders:,} records, {repeat} requests each")
    print(f"{'what':<26}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, url in targets:
        p50, p95, queries = measure(client, url, repeat)
        print(f"{name:<26}{p50:>10.1f}{p95:>10.1f}{queries:>9}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    main(parser.parse_args().repeat)
