"""A township's review of a season's counts as of a date: submitted, approved
(its totals kept, its entries locked), sent back, reopened."""

import dataclasses
import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.models import TRANSITIONS, Review, Season, Township
from livestock.places import scoping
from livestock.selectors.totals import lambing_totals, records_within
from livestock.services.guards import lock_records, require_reason


def _review_allowed(user: AbstractBaseUser, action: str, township: Township) -> None:
    """The user holds the permission ``action`` needs (``models.TRANSITIONS``)
    and their places cover the township
    (a village's grant does not: it would sign off its neighbours' counts);
    outside them, the township is as unknown as one that does not exist."""
    if not scoping.within(user, Township.objects.filter(pk=township.pk)).exists():
        raise ValidationError(
            {"township": ValidationError(_("No such township in your places."), code="scope")}
        )
    if not user.has_perm(f"livestock.{TRANSITIONS[action].permission}"):
        raise ValidationError(
            _("Your role may not do this to a township's counts."), code="permission"
        )


def _review_in_state(review: Review, action: str) -> Review:
    """The review as stored now, its row held until the change is saved, if
    ``action`` may be taken in its state (``models.TRANSITIONS``); two officials
    acting at once act one after the other."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.state not in TRANSITIONS[action].from_states:
        raise ValidationError(
            _("Cannot %(action)s: the counts are %(state)s."),
            code="review_state",
            params={"state": review.get_state_display(), "action": TRANSITIONS[action].label},
        )
    return review


def _save_review(review: Review, action: str, *, user: AbstractBaseUser, comment: str) -> Review:
    review.state = TRANSITIONS[action].to_state
    review.comment = comment
    review.changed_by = user
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def review_submit(
    *,
    township: Township,
    season: Season,
    as_of: datetime.date,
    user: AbstractBaseUser,
    comment: str = "",
) -> Review:
    """A technician marks the township's counts as of ``as_of`` ready for the
    county's review: the first time, after they were sent back, or reopened."""
    _review_allowed(user, "submit", township)
    if as_of > timezone.localdate() or not season.start_date <= as_of <= season.end_date:
        raise ValidationError(
            {
                "as_of": ValidationError(
                    _(
                        "%(value)s is not a date of the season %(season)s up to today; "
                        "counts are submitted for such a date."
                    ),
                    code="review_date",
                    params={"value": as_of, "season": season.name},
                )
            }
        )
    review, created = Review.objects.get_or_create(
        township=township,
        season=season,
        as_of=as_of,
        defaults={"state": TRANSITIONS["submit"].to_state, "comment": comment, "changed_by": user},
    )
    if created:
        return review
    review = _review_in_state(review, "submit")
    return _save_review(review, "submit", user=user, comment=comment)


@transaction.atomic
def review_approve(*, review: Review, user: AbstractBaseUser, comment: str = "") -> Review:
    """An official approves submitted counts: the township's totals as of the
    date are stored as approved, and its entries up to that date are locked."""
    _review_allowed(user, "approve", review.township)
    review = _review_in_state(review, "approve")
    # Entries are checked against the lock while their record is held: hold the
    # township's records too, so that an entry checked before this approval is
    # in its totals, and one checked after it sees the lock.
    lock_records(records_within(season=review.season, place=review.township))
    totals = lambing_totals(season=review.season, as_of=review.as_of, place=review.township)
    review.approved_totals = dataclasses.asdict(totals)
    review.approved_by = user
    review.approved_at = timezone.now()
    return _save_review(review, "approve", user=user, comment=comment)


@transaction.atomic
def review_return(*, review: Review, user: AbstractBaseUser, comment: str) -> Review:
    """An official sends submitted counts back, saying what to look at; the
    technician reads the comment in the admin."""
    _review_allowed(user, "return", review.township)
    if not comment or not comment.strip():
        raise ValidationError(
            {
                "comment": ValidationError(
                    _("Say what the technician should look at."), code="comment_required"
                )
            }
        )
    review = _review_in_state(review, "return")
    return _save_review(review, "return", user=user, comment=comment)


@transaction.atomic
def review_reopen(*, review: Review, user: AbstractBaseUser, reason: str) -> Review:
    """A user who may reopen unlocks approved counts for a correction, saying
    why. The approval stays in the review's history with what it approved."""
    _review_allowed(user, "reopen", review.township)
    require_reason(reason, kept_in_history=False)  # kept as the review's comment, not cut
    review = _review_in_state(review, "reopen")
    return _save_review(review, "reopen", user=user, comment=reason)
