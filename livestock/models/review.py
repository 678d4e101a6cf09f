"""Review and sign-off of a township's counts for a date.

A technician submits a township's counts as of a date; an official of the
county approves them (storing the totals approved) or sends them back with a
comment. While approved, every entry of the township dated on or before that
date is locked (``LambingEntry.check_not_locked``); a user allowed to reopen
does so with a reason. Every state change is kept, with who, when and the
comment, in the review's history.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from livestock.audit.attribution import audited
from livestock.choices import ReviewState
from livestock.models.places import Township, Versioned
from livestock.places.names import no_direction_controls


@dataclass(frozen=True)
class Transition:
    """What an action does to a township's review: from which states (``None``:
    no review of the township for the date yet) to which, and the permission a
    user's role needs for it."""

    action: str
    label: str
    from_states: tuple[str | None, ...]
    to_state: str
    permission: str  # a codename of this app (Review.Meta.permissions)


# The allowed review transitions, written once: the services refuse any other,
# and the summary page offers a user the ones their role may take.
TRANSITIONS = {
    transition.action: transition
    for transition in (
        Transition(
            action="submit",
            label=_("submit"),
            from_states=(None, ReviewState.RETURNED, ReviewState.REOPENED),
            to_state=ReviewState.SUBMITTED,
            permission="submit_review",
        ),
        Transition(
            action="approve",
            label=_("approve"),
            from_states=(ReviewState.SUBMITTED,),
            to_state=ReviewState.APPROVED,
            permission="approve_review",
        ),
        Transition(
            action="return",
            label=_("send back"),
            from_states=(ReviewState.SUBMITTED,),
            to_state=ReviewState.RETURNED,
            permission="approve_review",
        ),
        Transition(
            action="reopen",
            label=_("reopen"),
            from_states=(ReviewState.APPROVED,),
            to_state=ReviewState.REOPENED,
            permission="reopen_review",
        ),
    )
}


def actions_allowed(user, state: str | None) -> list[str]:
    """The actions ``user``'s role may take on a review in ``state`` (``None``:
    none yet), in the table's order. Whether the township is in the user's
    places is scoping's to say, not this table's."""
    return [
        transition.action
        for transition in TRANSITIONS.values()
        if state in transition.from_states and user.has_perm(f"livestock.{transition.permission}")
    ]


class Review(Versioned):
    """The review of one township's counts of a season as of one date. Its row
    holds the current state; its history holds every state change.

    ``approved_totals`` are ``selectors.totals.lambing_totals`` of the township as of
    ``as_of`` at the moment of approval (field name → value), so that a figure
    published from it can be shown again, and compared with the live figures."""

    township = models.ForeignKey(
        Township, models.PROTECT, related_name="reviews", verbose_name=_("township")
    )
    season = models.ForeignKey(
        "livestock.Season", models.PROTECT, related_name="reviews", verbose_name=_("season")
    )
    as_of = models.DateField(_("as of"))
    state = models.CharField(_("review state"), max_length=10, choices=ReviewState.choices)
    comment = models.TextField(_("comment"), blank=True, validators=[no_direction_controls])
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_totals = models.JSONField(_("approved totals"), null=True, blank=True)
    history = audited()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["season", "township", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "season", "as_of"],
                name="one_review_per_township_season_and_date",
                violation_error_message=_(
                    "This township's counts for this date are under review already."
                ),
            )
        ]
        permissions = [
            ("submit_review", _("Can submit a township's counts for review")),
            ("approve_review", _("Can approve or send back a township's counts")),
            ("reopen_review", _("Can reopen approved counts")),
        ]

    def __str__(self) -> str:
        return f"{self.township} · {self.season} · {self.as_of} · {self.get_state_display()}"


def approved_through(
    *, season_id: int, herder_id: int | None = None, township_id: int | None = None
) -> datetime.date | None:
    """The latest date for which the counts of the herder's township (or of the
    township) in the season are approved: its entries dated on or before it
    are locked. None when nothing is approved. One query."""
    place = (
        {"township_id": township_id}
        if herder_id is None
        else {"township__villages__herders": herder_id}
    )
    return _approved(season_id=season_id, **place).first()


def approved_through_of_record() -> Subquery:
    """``approved_through`` of a lambing record's township, as a column of a
    query of records: read with the record (``services.lock_record``)."""
    return Subquery(
        _approved(
            season_id=OuterRef("season_id"), township_id=OuterRef("herder__village__township_id")
        )[:1]
    )


def _approved(**season_and_place) -> QuerySet:
    """The dates through which the place's counts in the season are approved, latest first."""
    return (
        Review.objects.filter(state=ReviewState.APPROVED, **season_and_place)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
    )


def approved_through_townships(
    pairs: Iterable[tuple[int, int]],
) -> dict[tuple[int, int], datetime.date | None]:
    """``approved_through`` for many townships at once, by (season id,
    township id): what a batch of entries across townships is checked against.
    One query, whatever the number of townships."""
    pairs = set(pairs)
    found = dict.fromkeys(pairs)
    if not pairs:
        return found
    rows = (
        Review.objects.filter(
            season_id__in={season for season, _township in pairs},
            township_id__in={township for _season, township in pairs},
            state=ReviewState.APPROVED,
        )
        .values_list("season_id", "township_id")
        .annotate(latest=Max("as_of"))
        .order_by()
    )
    for season_id, township_id, latest in rows:
        if (season_id, township_id) in found:
            found[season_id, township_id] = latest
    return found
