"""``python manage.py restore FILE [--force]``: the database from a backup.

See README.md, "Backups", and ``livestock/audit/backups.py``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from livestock.audit.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the database from a FILE made by 'manage.py backup'. The file is checked "
        "first; a database that has tables is replaced only with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that is not empty: everything in it is dropped.",
        )

    def handle(self, *args, file: Path, database: str, force: bool, **options):
        connection = connections[database]
        name = connection.settings_dict["NAME"]
        try:
            restored = restore(connection=connection, path=file, force=force)
        except BackupError as error:
            raise CommandError(f"{error} The database was not changed.") from error
        self.stdout.write(
            self.style.SUCCESS(f"Restored {name} from {file}")
            + f" ({restored.kind}, {restored.tables} tables). "
            "Run 'manage.py migrate' if this code is newer than the backup."
        )
