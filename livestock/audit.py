"""Who made a write. Requests are attributed by simple-history's middleware;
writes made without a request (management commands, imports) run inside
``acting_as(user)`` so that their history names the user too."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.contrib.auth.models import AbstractBaseUser
from simple_history.models import HistoricalRecords

_MISSING = object()


@contextmanager
def acting_as(user: AbstractBaseUser | None) -> Iterator[None]:
    """Every historical row saved inside names ``user`` as who made the change."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", _MISSING)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is _MISSING:
            del context.request
        else:
            context.request = previous
