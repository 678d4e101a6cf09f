"""``python manage.py rebuild_rollups``: make the daily rollups again from the entries."""

import time

from django.core.management.base import BaseCommand

from livestock.counting import rollups


class Command(BaseCommand):
    help = (
        "Delete the daily rollups the summaries read and make them again from every "
        "lambing record and entry, in one transaction (after a restore, or raw SQL writes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk", type=int, default=20_000, help="records read at a time (default 20000)"
        )

    def handle(self, *args, chunk: int, **options):
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{done:,} of {total:,} records")

        rows = rollups.rebuild(chunk=chunk, progress=progress)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{rows:,} household rows and their places' sums in {elapsed:.1f} s")
