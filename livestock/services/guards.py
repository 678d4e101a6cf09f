"""What every write checks before it saves: the version the page showed, a
reason for a correction, and the locks of the records it changes, taken in one
order."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from livestock.models import LambingEntry, LambingRecord, Versioned
from livestock.models.prepared import PreparedGet
from livestock.models.review import approved_through_of_record
from livestock.places import scoping
from livestock.places.names import no_direction_controls


def only_fields(service: str, given: Iterable[str], allowed: Iterable[str], *, verb: str) -> None:
    """A service's keyword arguments held to the fields it may ``verb`` ("set",
    "change"): any other is the calling code's mistake, a TypeError, not a
    user's input to answer with a message."""
    unknown = set(given) - set(allowed)
    if unknown:
        raise TypeError(f"{service}() cannot {verb} {sorted(unknown)}")


def check_version(obj: Versioned, *, seen_version: int) -> None:
    """Refuse an edit made from an older version of ``obj``, naming who saved the
    newer one and when. Locks ``obj``'s row (an entry's record first, the order
    every path takes) until the transaction ends, so no other save can slip in
    between this check and the edit's own save."""
    if isinstance(obj, LambingEntry):
        lock_record(obj.record)
    current = (
        type(obj)
        ._default_manager.select_for_update()
        .filter(pk=obj.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current is None or current == seen_version:
        return
    latest = obj.history.order_by("-history_date").first()
    who = getattr(latest and latest.history_user, "username", None) or _("someone")
    when = timezone.localtime(latest.history_date) if latest else None
    raise ValidationError(
        _(
            "Changed by %(user)s at %(time)s while you were editing — reload the page to "
            "see their change, then make yours again."
        ),
        code="stale_edit",
        # The time written in each language the message is (lazy), as the user's
        # "someone" is: not the first language's date inside the second's sentence.
        params={
            "user": who,
            "time": lazy(formats.date_format, str)(when, "DATETIME_FORMAT") if when else "?",
        },
    )


# What a history row keeps of a reason (django-simple-history's column).
REASON_MAX_LENGTH = 100


def require_reason(reason: str, *, kept_in_history: bool = True) -> None:
    """A saved count is corrected or deleted only with a reason, kept in its
    history with who and when (DOMAIN.md: as-of answers change only so), and
    one that can be kept (``check_reason``). A reason of spaces alone is none:
    this is where it is refused, for every surface (a form or a serializer that
    strips it first hands on an empty one, refused the same); the field app's
    script refuses it before it keeps a correction, with this message
    (``field/rules_description.py``)."""
    if not reason or not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _(
                        "The reason is empty or only spaces; say why the saved counts are "
                        "corrected or deleted (rule: a correction needs a reason, kept in "
                        "the history)."
                    ),
                    code="reason_required",
                )
            }
        )
    check_reason(reason, kept_in_history=kept_in_history)


def check_reason(reason: str, *, kept_in_history: bool = True) -> None:
    """A reason, needed or given anyway, as it can be stored: one longer than
    the history keeps (``REASON_MAX_LENGTH``) is refused, not cut short, and so
    is one holding a NUL character, which PostgreSQL cannot store in text (a
    deletion's reason comes from the query string, where no form field refuses
    it), or a direction control, which reorders the history's text where it is
    shown (``no_direction_controls``). The one check of it every surface reaches:
    the API's and the field app's fields leave its length to this."""
    try:
        ProhibitNullCharactersValidator()(reason)
        no_direction_controls(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error}) from None
    if kept_in_history and len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _(
                        "The reason is %(length)s characters long; the history keeps up "
                        "to %(limit)s. Say it more briefly."
                    ),
                    code="reason_too_long",
                    params={"length": len(reason), "limit": REASON_MAX_LENGTH},
                )
            }
        )


def lock_record(
    record: LambingRecord, *, visible_to: AbstractBaseUser | None = None
) -> LambingRecord:
    """The record, read again with its row locked until the transaction ends:
    while its entries are checked and saved, no other write to it can interleave.
    Read with it, in the same query: its season, its places up to the
    prefecture (the rollups', and a locked date's message) and, as
    ``approved_through``, the date through which its township's counts are
    approved. ``visible_to``: the user it must be visible to (``scoping.visible``,
    in the same query); a record outside their scope is
    ``LambingRecord.DoesNotExist``, as one that does not exist.

    The query is compiled once per scope (``PreparedGet``): building it took a
    quarter of a single create's own CPU."""
    key = None if visible_to is None else scoping.scope_key(visible_to)
    prepared = _locking_reads.get(key)
    if prepared is None:
        if len(_locking_reads) >= LOCKING_READS_KEPT:
            _locking_reads.clear()
        records = (
            LambingRecord.objects.select_for_update(of=("self",))
            .select_related("season", "herder__village__township__county")
            .annotate(approved_through=approved_through_of_record())
        )
        if visible_to is not None:
            records = scoping.visible(visible_to, records)
        prepared = _locking_reads[key] = PreparedGet(records)
    return prepared.get(record.pk)


# The compiled locking reads, by scope: one per set of grants in use.
LOCKING_READS_KEPT = 1000
_locking_reads: dict[tuple | None, PreparedGet] = {}


def lock_records(records: Iterable[LambingRecord]) -> None:
    """Lock several records until the transaction ends, in the order of their ids.
    A write that needs several records (a bulk of entries) takes them all first,
    in the one order every such write uses: taken as they come, two writes could
    each hold a record the other waits for, and PostgreSQL would break the
    deadlock by failing one of them. ``records`` may be a queryset."""
    ids = (
        records.values("pk")
        if isinstance(records, QuerySet)
        else sorted({record.pk for record in records})
    )
    list(
        LambingRecord.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
