"""The field app's figures: ``python bench/field.py --village-size 200``.

On a region made by ``generate.py``: takes the village with the most
households, tops it up to ``--village-size`` households (each a record with a
season's shape, as ``generate.py`` makes them, written through ``services``),
makes a technician of its township, and measures, as that technician, in
process through Django's test client (the app's and the database's time, no
HTTP server in between):

- **the first load of /field/ on a cold cache**: every URL the first visit
  fetches, each once (the browser's cache answers the script's second asking
  for the page's files: WhiteNoise serves them with far-future cache headers
  in production), gzip-compressed at level 6 as a proxy in front would send
  it (WhiteNoise sends the static files precompressed, smaller still): the
  page and the files it loads; the service worker and what its installation
  keeps (the page keeps itself, as drawn); the script's first requests (the
  rules and the roster, which it keeps in IndexedDB);
- **the village page** of ``--village-size`` households: p50 and p95 of
  ``--repeat`` requests after one untimed, with its number of queries.
"""

import argparse
import gzip
import random
import re
import statistics
import time
import uuid
from html.parser import HTMLParser

from _django import setup

setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from generate import season_of  # noqa: E402

from livestock.access import roles  # noqa: E402
from livestock.field.selectors import current_season  # noqa: E402
from livestock.models import Village  # noqa: E402
from livestock.services.entries import NewEntry, entries_create  # noqa: E402
from livestock.services.places import herder_create  # noqa: E402
from livestock.services.records import record_create  # noqa: E402
from livestock.services.users import user_create  # noqa: E402

USERNAME = "bench-field-technician"


class Assets(HTMLParser):
    """The files a page loads: stylesheets, scripts, icons, the manifest."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("rel") in ("stylesheet", "manifest", "icon"):
            self.urls.append(attrs["href"])


def top_up(village: Village, size: int, rng: random.Random) -> None:
    from django.utils import timezone

    season = current_season(timezone.localdate())
    have = village.herders.count()
    for number in range(have, size):
        herder = herder_create(
            village=village, name=f"补充牧户{number}", name_latin=f"Extra {number}"
        )
        ewes = min(max(5, int(rng.lognormvariate(4.6, 0.5))), 5000)
        record = record_create(herder=herder, season=season, ewes_at_start=ewes)
        items = [
            NewEntry(
                record=record,
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                content={
                    "date": date,
                    "ewes_lambed": lambed,
                    "lambs_born": born,
                    "lambs_lost": lost,
                    "loss_cause": cause,
                    "lambs_alive": alive,
                    "check_stage": stage,
                },
            )
            for date, lambed, born, lost, cause, alive, stage in sorted(
                season_of(ewes, rng), key=lambda entry: entry[0]
            )
        ]
        entries_create(items=items)


def technician(village: Village):
    users = get_user_model()
    user = users.objects.filter(username=USERNAME).first()
    if user is None:
        user = user_create(
            username=USERNAME,
            role=roles.TECHNICIAN,
            places=[village.township],
            password=uuid.uuid4().hex,
        ).user
    return user


def fetch(client: Client, url: str) -> bytes:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def first_load(client: Client) -> list[tuple[str, str, int, int]]:
    """(part, url, bytes, gzip bytes) of every URL the first visit fetches, once each."""
    seen: dict[str, tuple[str, bytes]] = {}

    def get(part: str, url: str) -> bytes:
        if url not in seen:
            seen[url] = (part, fetch(client, url))
        return seen[url][1]

    page = get("page", "/field/").decode()
    assets = Assets()
    assets.feed(page)
    for url in assets.urls:
        get("page", url)
    worker = get("worker", "/field/sw.js").decode()
    shell = re.search(r"const SHELL = \[(.*?)\];", worker, re.S).group(1)
    for url in re.findall(r'"([^"]+)"', shell):
        get("worker", url)
    get("script", "/field/rules.json")
    get("script", "/field/roster.json")
    return [
        (part, url, len(body), len(gzip.compress(body, compresslevel=6)))
        for url, (part, body) in seen.items()
    ]


def time_page(client: Client, url: str, repeat: int) -> tuple[float, float, float, float, int]:
    """p50 and p95 of the wall time, p50 of the app's CPU time (this process:
    on a busy machine the wall time is mostly waiting for a core), and the SQL
    time and number of queries of one request, in ms."""
    fetch(client, url)
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fetch(client, url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fetch(client, url)
    sql = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
    return statistics.median(timings), p95, statistics.median(cpu), sql, len(queries)


def main(arguments) -> None:
    rng = random.Random(arguments.seed)  # noqa: S311 (repeatable data, not secrets)
    village = (
        Village.objects.select_related("township")
        .annotate(households=Count("herders"))
        .order_by("-households", "pk")
        .first()
    )
    if village is None:
        raise SystemExit("No region here: run bench/generate.py first.")
    top_up(village, arguments.village_size, rng)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(technician(village))

    rows = first_load(client)
    print(f"first load of /field/ as a technician of {village.township.name} (KB, gzip -6)")
    for part in ("page", "worker", "script"):
        mine = [row for row in rows if row[0] == part]
        for _part, url, raw, packed in mine:
            print(f"  {part:7} {url:40} {raw / 1024:8.1f} {packed / 1024:7.1f}")
    page_only = sum(row[3] for row in rows if row[0] == "page")
    everything = sum(row[3] for row in rows)
    print(
        f"  the page and its files: {page_only / 1024:.1f} KB; with the worker's offline copy "
        f"and the script's first requests: {everything / 1024:.1f} KB"
    )

    households = village.herders.count()
    pages = [
        (f"village page, {households} households", f"/field/village/{village.pk}/"),
        (f"today page, {len(roster_ids(client))} households", "/field/"),
        ("roster", "/field/roster.json"),
    ]
    print(f"{arguments.repeat} requests each; ms: wall p50 (p95), app CPU p50, SQL, queries")
    for name, url in pages:
        p50, p95, cpu, sql, queries = time_page(client, url, arguments.repeat)
        print(f"  {name}: {p50:.0f} ({p95:.0f}), {cpu:.0f}, {sql:.0f}, {queries}")


def roster_ids(client: Client) -> list[int]:
    return client.get("/field/roster.json").json()["record_ids"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--village-size", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2025)
    main(parser.parse_args())
