"""Where a user may work."""

import operator
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livestock.audit.attribution import audited
from livestock.models.places import GRANT_LADDER, County, Place, Prefecture, Township, Village

SCOPE_LEVELS = tuple(level.name for level in GRANT_LADDER)


def _exactly_one_of(names: tuple[str, ...]) -> Q:
    return reduce(
        operator.or_,
        (Q(**{f"{name}__isnull": name != chosen for name in names}) for chosen in names),
    )


class ScopeGrant(models.Model):
    """One place a user may work in: a prefecture, county, township or village.
    A user's scope is the set of their grants; with none they see nothing.
    What they may do there is their role's (groups and permissions);
    ``scoping.py`` answers where."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="scope_grants",
        verbose_name=_("user"),
    )
    prefecture = models.ForeignKey(
        Prefecture,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prefecture"),
    )
    county = models.ForeignKey(
        County, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("county")
    )
    township = models.ForeignKey(
        Township,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    history = audited()

    class Meta:
        verbose_name = _("scope grant")
        verbose_name_plural = _("scope grants")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_of(SCOPE_LEVELS),
                name="scope_grant_names_one_place",
                violation_error_message=_("A scope grant names exactly one place."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.place}"

    @property
    def level(self) -> str:
        """The level of the place the grant names ("prefecture" … "village")."""
        return next(name for name in SCOPE_LEVELS if getattr(self, f"{name}_id"))

    @property
    def place(self) -> Place:
        return getattr(self, self.level)
