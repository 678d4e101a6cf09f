"""``python manage.py seed_reports [FILE]``: load the report data file."""

from pathlib import Path

from django.core.management.base import CommandError

from livestock.management.base import AuditedCommand
from livestock.places.report_data import DEFAULT_DATA_FILE, DataFileError, load_report_data


class Command(AuditedCommand):
    help = "Load places, seasons, reports and reported figures from the report data file."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_DATA_FILE)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            summary = load_report_data(file)
        except DataFileError as error:
            raise CommandError(f"{error} — nothing was loaded.") from error
        for label, counts in (
            ("created", summary.created),
            ("changed", summary.changed),
            ("unchanged", summary.unchanged),
        ):
            if counts:
                listed = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
                self.stdout.write(f"{label}: {listed}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {file.name}."))
