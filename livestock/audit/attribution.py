"""Who made a write, and through what. Requests are attributed by
simple-history's middleware; writes made without a request (management
commands, imports) run inside ``acting_as(user)`` so that their history names
the user too. Every historical row also says the surface it came through
(admin, API, page, command) and where exactly (the request, or the command
and the operating-system user who ran it), so that no change is anonymous
without saying so."""

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import SimpleNamespace

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords


class Surface(models.TextChoices):
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    PAGE = "page", _("page")
    COMMAND = "command", _("command")
    IMPORT = "import", _("import")
    OTHER = "other", _("other")


class AuditedChange(models.Model):
    """What every historical row keeps beside simple-history's who, when and why."""

    history_surface = models.CharField(
        _("surface"), max_length=10, choices=Surface.choices, blank=True
    )
    history_source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        abstract = True


class _HistoryManagerMadeOnce(HistoryDescriptor):
    """simple-history's ``Model.history``, its manager class made once. Theirs
    makes a new class (``Manager.from_queryset``, which lists every method of the
    queryset) on each access, and it is read by every audited save: about 0.4 ms
    of CPU, 2 % of a single entry create through the API."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager_made = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.manager_made(self.model, instance)


class AuditedHistoricalRecords(HistoricalRecords):
    """simple-history's ``HistoricalRecords`` with ``_HistoryManagerMadeOnce``."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        made = sender.__dict__.get(self.manager_name)
        if type(made) is HistoryDescriptor:
            RECORDS_OF[sender] = self
            once = _HistoryManagerMadeOnce(
                made.model, manager=made.manager_class, queryset=made.queryset_class
            )
            setattr(sender, self.manager_name, once)


# Each audited model's ``HistoricalRecords``: what its saves' history rows are
# made by (who made the change: ``get_history_user``), for a write that stores
# its history row itself (``audit.single_insert``).
RECORDS_OF: dict[type[models.Model], AuditedHistoricalRecords] = {}


def audited(**options) -> HistoricalRecords:
    """The history every audited model keeps."""
    return AuditedHistoricalRecords(bases=[AuditedChange], **options)


_MISSING = object()


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


def _program() -> tuple[str, str]:
    """The surface and source of a write made outside a request."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program in ("", "-c", "-m"):
        # Code run by ``python -c`` (a test runner's worker, a one-line script) is
        # named by its interpreter: not "-c", which an audit file writes as '-c
        # (a leading - is a spreadsheet's formula) and which says nothing.
        program = "python"
    if program in ("manage.py", "django-admin") and len(sys.argv) > 1:
        return Surface.COMMAND, f"manage.py {sys.argv[1]} (OS user {os_user()})"
    return Surface.OTHER, f"{program} (OS user {os_user()})"


def _described(request) -> tuple[str, str]:
    """The surface and source of a write made inside ``request`` (or ``acting_as``)."""
    if request is None:
        return _program()
    surface = getattr(request, "audit_surface", None)
    if surface:
        return surface, getattr(request, "audit_source", "")
    path = getattr(request, "path_info", None)
    if path is None:
        return _program()
    if path.startswith("/api/"):
        surface = Surface.API
    elif path.startswith("/admin/"):
        surface = Surface.ADMIN
    else:
        surface = Surface.PAGE
    return surface, f"{request.method} {path}"[:200]


@contextmanager
def acting_as(
    user: AbstractBaseUser | None, *, surface: str | None = None, source: str = ""
) -> Iterator[None]:
    """Every historical row saved inside names ``user`` as who made the change,
    and ``surface``/``source`` as how (by default: the request around it, or the
    command being run)."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", _MISSING)
    if surface is None:
        surface, inherited = _described(None if previous is _MISSING else previous)
        source = source or inherited
    context.request = SimpleNamespace(user=user, audit_surface=surface, audit_source=source[:200])
    try:
        yield
    finally:
        if previous is _MISSING:
            del context.request
        else:
            context.request = previous


def carried() -> Callable[[], AbstractContextManager[None]]:
    """This thread's attribution, to be entered in a thread writing for it
    (``services.threads.WriteThread``): simple-history's context, which
    ``acting_as`` and the request's middleware set, is the thread's own."""
    request = getattr(HistoricalRecords.context, "request", _MISSING)

    @contextmanager
    def entered() -> Iterator[None]:
        if request is _MISSING:
            yield
            return
        HistoricalRecords.context.request = request
        try:
            yield
        finally:
            del HistoricalRecords.context.request

    return entered


def current_change() -> dict[str, str]:
    """The surface and source of a change made now, as historical-row fields.
    Pass them as ``custom_historical_attrs`` to simple-history's
    ``bulk_create_with_history``, which sends no signal."""
    surface, source = _described(getattr(HistoricalRecords.context, "request", None))
    return {"history_surface": surface, "history_source": source}


def describe_change(sender, history_instance, **kwargs) -> None:
    """Connected to simple-history's ``pre_create_historical_record``: the surface
    and source of the row about to be saved."""
    if isinstance(history_instance, AuditedChange):
        for name, value in current_change().items():
            setattr(history_instance, name, value)
