"""The instructions the app runs for a single entry create, counted by
callgrind: the same count from run to run whatever else the machine does, so
that two versions of the code compare on a busy machine, where timings swing
by half. In-process through Django's test client (the middleware, DRF, the
service, the rollups: what a gunicorn worker runs of a request but its HTTP
parsing), with ``config/wsgi.py`` loaded as gunicorn loads it (its
``gc.freeze()``), as the integration user ``run.py`` makes, on a region of
``generate.py``::

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/creates.out \\
        .venv/bin/python bench/create_instructions.py 100
    callgrind_annotate /tmp/creates.out | grep "PROGRAM TOTALS"    # ÷ 100

Only the timed creates are counted: the script turns callgrind's counting on
(``callgrind_control``) after Django's start and 30 untimed creates. Without
valgrind it prints the CPU time a create takes instead. Each create adds an
entry, as ``run.py``'s do."""

import argparse
import json
import os
import random
import shutil
import subprocess
import time

from _django import setup

os.environ.setdefault("API_RATE_PER_TOKEN", "100000/minute")
setup()

import run  # noqa: E402
from django.test import Client  # noqa: E402

import config.wsgi  # noqa: E402, F401 (loaded as gunicorn loads it: its gc.freeze())
from livestock.models import LambingRecord  # noqa: E402

WARM_UP = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("creates", type=int, nargs="?", default=100)
    creates = parser.parse_args().creates
    token = run.integration_token()
    record_ids = list(LambingRecord.objects.values_list("pk", flat=True))
    rng = random.Random(2025)  # noqa: S311
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def create() -> None:
        body = json.dumps(run.entry(record_ids, rng))
        response = client.post("/api/v1/entries/", body, content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    for _ in range(WARM_UP):
        create()
    under_valgrind = "valgrind" in os.environ.get("LD_PRELOAD", "")
    if under_valgrind:
        control = shutil.which("callgrind_control")
        subprocess.run([control, "-i", "on", str(os.getpid())], check=True, capture_output=True)  # noqa: S603
    started = time.process_time()
    for _ in range(creates):
        create()
    cpu = time.process_time() - started
    if under_valgrind:
        print(f"{creates} creates counted: divide callgrind's PROGRAM TOTALS by {creates}")
    else:
        print(f"{creates} creates: {cpu / creates * 1000:.2f} ms of CPU each")


if __name__ == "__main__":
    main()
