"""What every command that writes has in common: it names who ran it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from livestock.audit.attribution import Surface, acting_as, os_user


class AuditedCommand(BaseCommand):
    """A command whose writes are kept in the history as made by ``--as USERNAME``
    (a user of the service), through the surface "command", with the command's
    name and the operating-system user who ran it. Without ``--as`` the history
    still says which command and which OS user made the change."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self._audit_name = subcommand
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--as",
            dest="acting_username",
            metavar="USERNAME",
            help="The user of the service running this command, named in the history.",
        )

    def execute(self, *args, acting_username: str | None = None, **options):
        user = None
        if acting_username:
            user = get_user_model().objects.filter(username=acting_username).first()
            if user is None:
                raise CommandError(f"--as {acting_username!r}: there is no such user.")
        name = getattr(self, "_audit_name", None) or type(self).__module__.rsplit(".", 1)[-1]
        source = f"manage.py {name} (OS user {os_user()})"
        with acting_as(user, surface=Surface.COMMAND, source=source):
            return super().execute(*args, **options)
