"""``python manage.py import_counts FILE --user USERNAME [--dry-run] [--reason TEXT]``.

Imports a township's spreadsheet of herders, records and dated entries (CSV in
UTF-8 or GB18030, or XLSX; columns in ``COLUMNS``) as USERNAME,
into USERNAME's places only, all or nothing: with any row refused, every
refused row is listed (line, column, value, rule) and nothing is stored. A
file imported twice stores nothing the second time.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from livestock.audit import attribution
from livestock.spreadsheets.importing import import_counts
from livestock.spreadsheets.reading import FileRefused, ReadLimits


class Command(BaseCommand):
    help = (
        "Import herders, lambing records and dated entries from a CSV or XLSX file, "
        "as a user and within their places; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Who imports: the history names them.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count, then store nothing."
        )
        parser.add_argument(
            "--reason",
            default="",
            help="Why saved counts (ewes at the season's start) are corrected, if any are.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (for logs)."
        )

    def handle(self, *args, file: Path, user: str, dry_run: bool, reason: str, **options):
        importer = get_user_model().objects.filter(username=user, is_active=True).first()
        if importer is None:
            raise CommandError(f"No active user named {user!r}.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error

        started = time.perf_counter()
        bar = tqdm(
            total=None,
            unit=" rows",
            desc=file.name,
            file=self.stderr._out,
            disable=options["no_progress"],
            mininterval=0.5,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = import_counts(
                content=content,
                user=importer,
                dry_run=dry_run,
                reason=reason,
                progress=progress,
                source=f"manage.py import_counts {file.name} (OS user {attribution.os_user()})",
                # Any number of rows: the command is how a large file is imported.
                limits=ReadLimits.from_settings(rows=False),
            )
        except FileRefused as refused:
            bar.close()
            self.print_errors(refused.errors)
            raise CommandError(f"{file}: {refused}") from None
        bar.close()
        elapsed = time.perf_counter() - started

        for _kind, name, created, changed, unchanged in result.kinds:
            self.stdout.write(
                f"{name}: {created} created, {changed} changed, {unchanged} unchanged"
            )
        for household in result.new_herders:
            names = " ".join(filter(None, (household.name, household.name_latin)))
            resembles = (
                f" (refused: looks like {household.resembles})" if household.resembles else ""
            )
            self.stdout.write(
                f"  new: line {household.line}, {household.village}: {names}{resembles}"
            )
        if result.new_herders_not_listed:
            self.stdout.write(f"  and {result.new_herders_not_listed} more new households")
        rate = result.rows / elapsed if elapsed else 0
        self.stdout.write(f"{result.rows} rows in {elapsed:.1f} s: {rate:,.0f} rows/s")
        if result.errors:
            self.print_errors(result.errors)
            rows = len({error.line for error in result.errors})
            raise CommandError(f"{rows} rows refused; nothing was stored.")
        if dry_run:
            self.stdout.write("Dry run: nothing was stored.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))

    def print_errors(self, errors):
        for error in errors:
            self.stderr.write(
                f"line {error.line}, column {error.column!r}, value {error.value!r}: "
                f"{error.message}"
            )
