"""What the API's throttles count (``livestock.access.throttling``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestCount(models.Model):
    """Requests of one token (or one address without credentials) in the
    current window of its rate: one row per key, counted up by one atomic
    ``INSERT … ON CONFLICT DO UPDATE`` per request and started again at 1
    when a new window begins. Not audited and not a count of the domain: on
    PostgreSQL the table is UNLOGGED (migration 0018), so a request's count
    writes no WAL and waits for no disk flush, and a crash forgets the
    counts of the current minute, which costs nothing."""

    key = models.CharField(_("key"), max_length=200, primary_key=True)
    window_start = models.BigIntegerField(_("window start (seconds since the epoch)"))
    count = models.PositiveIntegerField(_("requests in the window"))

    class Meta:
        verbose_name = _("API request count")
        verbose_name_plural = _("API request counts")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
