"""``python manage.py backup FILE``: the whole database in one file (README.md, "Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from livestock.audit.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database to FILE: pg_dump's custom format on PostgreSQL, a consistent "
        "copy (SQLite's online backup) on SQLite. Restore it with 'manage.py restore FILE'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file: Path, database: str, **options):
        connection = connections[database]
        try:
            kind = backup(connection=connection, path=file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = file.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {connection.settings_dict['NAME']} to {file}")
            + f" ({kind}, {size:,} bytes)."
        )
