"""``python manage.py add_user USERNAME --role ROLE --place NAME [--place NAME …] [--write]``.

Creates a user with one role (its group, ``roles.py``) and one scope grant per
place (``ScopeGrant``), so that an operator never has to assemble the two by
hand in the admin. Every argument is checked before anything is written, and
the writes happen in one transaction: a bad argument leaves nothing behind.

A place is named by its Chinese name, its Latin name or ``LEVEL:ID``
(``county:3``). The same name can exist at several places (two townships may
each have a 红星村), so an ambiguous name is refused with the candidates and
their ``LEVEL:ID``.

The password is read from the first line of stdin when stdin is piped (so it
never appears in the shell history or the process list); otherwise one is
generated and printed once. An integration user also gets its API token,
printed once.
"""

import secrets
import sys
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import translation

from livestock.access import roles
from livestock.management.base import AuditedCommand
from livestock.models import GRANT_LADDER, LEVEL_NAMED, SCOPE_LEVELS, Place
from livestock.services.users import UserNotCreated, user_create

ROLES = tuple(roles.ROLE_PERMISSIONS)
AUTHTOKEN_APP = "rest_framework.authtoken"
# How many places with a similar name an unknown name's error lists.
SUGGESTIONS = 10


@dataclass(frozen=True)
class GrantedPlace:
    """A place found from the command line, with the level it was found at."""

    level: str
    place: Place

    @property
    def reference(self) -> str:
        return f"{self.level}:{self.place.pk}"

    def describe(self) -> str:
        """``村名 Latin (village:7, in 乡名 Latin)``: enough to tell two namesakes apart."""
        parent_level = LEVEL_NAMED[self.level].parent_field
        parent = getattr(self.place, parent_level) if parent_level else None
        where = f", in {parent}" if parent else ""
        return f"{self.place} ({self.reference}{where})"


def find_place(value: str) -> GrantedPlace:
    """The one place ``value`` names, as ``LEVEL:ID`` or by Chinese or Latin name."""
    level, colon, identifier = value.partition(":")
    level = level.strip().lower()
    if colon and level in SCOPE_LEVELS:
        identifier = identifier.strip()
        if not (identifier.isascii() and identifier.isdigit()):
            raise CommandError(f"Place {value!r}: the ID after '{level}:' must be a number.")
        place = LEVEL_NAMED[level].model.objects.filter(pk=int(identifier)).first()
        if place is None:
            raise CommandError(f"Place {value!r}: there is no {level} with ID {identifier}.")
        return GrantedPlace(level, place)

    name = value.strip()
    if not name:
        raise CommandError("--place needs a name or LEVEL:ID; it was empty.")
    matches = _places_named(Q(name=name) | Q(name_latin__iexact=name))
    if not matches:
        similar = _places_named(
            Q(name__contains=name) | Q(name_latin__icontains=name), limit=SUGGESTIONS
        )
        hint = "".join(f"\n  {match.describe()}" for match in similar)
        raise CommandError(
            f"Place {value!r}: no prefecture, county, township or village has this Chinese or "
            f"Latin name. Check the spelling, or give the place as LEVEL:ID (e.g. county:3)."
            + (f"\nPlaces whose name contains it:{hint}" if hint else "")
        )
    if len(matches) > 1:
        candidates = "".join(f"\n  {match.describe()}" for match in matches)
        raise CommandError(
            f"Place {value!r} is ambiguous; it names {len(matches)} places:{candidates}\n"
            f"Give the one you mean as LEVEL:ID."
        )
    return matches[0]


def _places_named(condition: Q, *, limit: int | None = None) -> list[GrantedPlace]:
    """The places at every level whose names meet ``condition``, from the top level down,
    at most ``limit`` of them."""
    found = []
    for level in GRANT_LADDER:
        places = level.model.objects.filter(condition).order_by("pk")
        if level.parent_field:
            places = places.select_related(level.parent_field)
        found.extend(GrantedPlace(level.name, place) for place in places[:limit])
    return found[:limit]


def read_password(stdin) -> str | None:
    """The first line of a piped stdin, stripped; ``None`` when there is none to read."""
    isatty = getattr(stdin, "isatty", None)
    if stdin is None or isatty is None or isatty():
        return None
    return stdin.readline().strip() or None


class Command(AuditedCommand):
    help = (
        "Create a user with a role (technician, official or integration) and the places they "
        "work in. The password is read from stdin when piped, otherwise generated and printed."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument(
            "--place",
            dest="places",
            action="append",
            required=True,
            metavar="NAME",
            help="Chinese name, Latin name or LEVEL:ID (e.g. county:3); repeat for several.",
        )
        parser.add_argument(
            "--write",
            action="store_true",
            help="Integration only: let its token add and change herders, records and entries.",
        )

    # The command speaks English; Django's own messages (a refused password) follow it
    # instead of the site's Chinese, so that one message is never in two languages.
    @translation.override("en")
    def handle(self, *args, username: str, role: str, places: list[str], write: bool, **options):
        if write and role != roles.INTEGRATION:
            raise CommandError(
                f"--write is only for --role {roles.INTEGRATION}: technicians always write "
                f"and officials only read."
            )
        if role == roles.INTEGRATION and not apps.is_installed(AUTHTOKEN_APP):
            raise CommandError(
                f"An integration user needs an API token, but {AUTHTOKEN_APP!r} is not in "
                f"INSTALLED_APPS."
            )

        users = get_user_model()
        username = users.normalize_username(username)
        if users.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists already; nothing was changed.")
        unsaved_user = users(username=username)
        try:
            unsaved_user.clean_fields(exclude=["password"])
        except ValidationError as error:
            raise CommandError(f"Username {username!r}: {' '.join(error.messages)}") from error

        granted = []
        for value in places:
            place = find_place(value)
            if place not in granted:
                granted.append(place)

        password = read_password(options.get("stdin", sys.stdin))
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        else:
            try:
                password_validation.validate_password(password, user=unsaved_user)
            except ValidationError as error:
                raise CommandError(
                    f"The password from stdin was refused: {' '.join(error.messages)}"
                ) from error

        try:
            created = user_create(
                username=username,
                role=role,
                places=[place.place for place in granted],
                password=password,
                write=write,
            )
        except UserNotCreated as error:
            raise CommandError(str(error)) from error

        access = " (may write)" if write else ""
        listed = ", ".join(f"{place.place} ({place.reference})" for place in granted)
        self.stdout.write(
            self.style.SUCCESS(f"Created user {username!r}")
            + f", role: {role}{access}, places: {listed}"
        )
        if generated:
            self.stdout.write(f"Password: {password}  (shown once)")
        if created.token:
            self.stdout.write(f"Token: {created.token}  (shown once)")
