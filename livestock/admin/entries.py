"""A lambing record's entries on its admin page: today's count at the top, past
entries as a read-only list (newest first, paged), and a page each to correct
or delete one entry, with the reason the services ask for.

A record's page used to be one form holding every entry (an inline formset):
past counts could be changed by accident, locked ones looked editable, and a
record of 81 entries passed Django's cap of 1,000 fields a request and could
no longer be saved. Here every request carries one entry's fields, whatever
the number of entries, and every write is one call of ``services``: they
check the rules, the locks, the reasons, the versions and a count sent twice;
these views only show what they answer, at its field.
"""

import copy
import uuid

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.filtersets import MAX_ID, possible_id
from livestock.models import LambingEntry, LambingRecord, Review, approved_through
from livestock.places import scoping
from livestock.services.entries import EntryConflict, entry_create, entry_delete, entry_update

ENTRIES_PER_PAGE = 25
# The query parameter of the entries' page on the record's page.
ENTRIES_PAGE = "entries_page"


def add_service_error(form: forms.Form, error: ValidationError, renames: dict | None = None):
    """Show a service's refusal on ``form``: each message at the field the
    service named (``renames`` maps the service's names to the form's, such as
    ``reason`` to ``change_reason``), at the top of the form otherwise."""
    renames = renames or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = renames.get(name, name)
        form.add_error(field if field in form.fields else None, errors)


def count_fields() -> dict[str, forms.Field]:
    """The form fields of an entry's counts, made from the model's fields: the
    same labels, help, choices and required-ness as the model, and its messages
    for what is no count, date or choice (``models.fields``). A count's range
    is left to the model (``services`` validate it), so that the message is the
    rule's, naming the value, not a form's generic one."""
    fields = {}
    for name in LambingEntry.CONTENT_FIELDS:
        model_field = LambingEntry._meta.get_field(name)
        extra = {}
        if name == "note":
            extra["widget"] = forms.Textarea(attrs={"rows": 2})
        if name == "date":  # a phone's own date picker
            extra["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        fields[name] = model_field.formfield(**extra)
    return fields


class EntryCountsForm(forms.Form):
    """An entry's counts, as a technician types them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(count_fields())


# Signs the id a form of today's count is drawn with: the id comes from this
# server, so it cannot name an entry stored elsewhere (another county's), and
# the answer to a form sent twice says nothing of anyone else's entries.
SENT_ONCE = signing.Signer(salt="livestock.admin.todays-count")


class TodaysCountForm(EntryCountsForm):
    """Today's count on a record's page. ``sent_once`` is drawn with the form,
    so the same form sent twice (a double tap, a resend after a timeout) is one
    entry, stored once."""

    sent_once = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "today_%s")  # apart from the record form's ids on the page
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate
        self.fields["sent_once"].initial = lambda: SENT_ONCE.sign(str(uuid.uuid4()))

    def clean_sent_once(self) -> uuid.UUID:
        try:
            return uuid.UUID(SENT_ONCE.unsign(self.cleaned_data["sent_once"]))
        except (signing.BadSignature, ValueError):
            raise ValidationError(
                _(
                    "This form was not drawn by this page; reload the page and type the "
                    "count again."
                ),
                code="form_not_drawn_here",
            ) from None


class ReasonForm(forms.Form):
    """A change to a saved entry: why (kept in the history), and the version the
    page showed, so that a change made meanwhile by someone else is not overwritten."""

    reason = forms.CharField(
        label=_("reason for the correction"),
        required=False,
        help_text=_("Needed when saved counts are changed or deleted; kept in the history."),
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class CorrectionForm(ReasonForm, EntryCountsForm):
    """A saved entry's counts corrected, with the reason."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([*LambingEntry.CONTENT_FIELDS, "reason"])


class RecordEntriesMixin:
    """The entries' part of ``LambingRecordAdmin``: the views and the page's context."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/entries/add/",
                view(self.entry_add_view),
                name="livestock_lambingrecord_entry_add",
            ),
            path(
                "<path:object_id>/entries/<str:entry_id>/correct/",
                view(self.entry_correct_view),
                name="livestock_lambingrecord_entry_correct",
            ),
            path(
                "<path:object_id>/entries/<str:entry_id>/delete/",
                view(self.entry_delete_view),
                name="livestock_lambingrecord_entry_delete",
            ),
            *super().get_urls(),
        ]

    # The record and the entry, as the user may reach them.

    def _record(self, request, object_id: str, permission: str) -> LambingRecord:
        """The record in the user's places (else a 404, as for one that does not
        exist), if the user's role may ``permission`` its entries (else a 403)."""
        record = self.get_object(request, object_id)
        if not request.user.has_perm(f"livestock.{permission}_lambingentry"):
            raise PermissionDenied
        return record

    def _entry(self, record: LambingRecord, entry_id: str) -> LambingEntry:
        """The record's entry: an id of another record's entry, of another
        county's, or of none at all is the same 404."""
        entry_pk = possible_id(entry_id)
        if entry_pk is None:
            raise Http404(_("No such entry in this record."))
        entry = record.entries.select_related("created_by").filter(pk=entry_pk).first()
        if entry is None:
            raise Http404(_("No such entry in this record."))
        entry.record = record
        return entry

    def _record_url(self, record: LambingRecord) -> str:
        return reverse("admin:livestock_lambingrecord_change", args=[record.pk]) + "#entries"

    # Today's count

    def entry_add_view(self, request, object_id: str):
        record = self._record(request, object_id, "add")
        if request.method != "POST":
            return HttpResponseRedirect(self._record_url(record))
        form = TodaysCountForm(request.POST)
        if form.is_valid():
            counts = {name: form.cleaned_data[name] for name in LambingEntry.CONTENT_FIELDS}
            try:
                with transaction.atomic():
                    entry, is_new = entry_create(
                        record=record,
                        uuid=form.cleaned_data["sent_once"],
                        created_by=request.user,
                        **counts,
                    )
            except EntryConflict:
                is_new = False
            except ValidationError as error:
                add_service_error(form, error)
            else:
                if is_new:
                    messages.success(
                        request,
                        _("The count of %(date)s is saved.") % {"date": entry.date.isoformat()},
                    )
                    return HttpResponseRedirect(self._record_url(record))
            if not form.errors:
                form.add_error(
                    None,
                    ValidationError(
                        _(
                            "These counts were saved already (the form was sent twice); "
                            "reload the page."
                        ),
                        code="sent_twice",
                    ),
                )
        # The record's page again, with the count as typed and its errors.
        page_request = copy.copy(request)
        page_request.method = "GET"
        return self.change_view(page_request, object_id, extra_context={"entry_form": form})

    # Correcting and deleting one entry

    def entry_correct_view(self, request, object_id: str, entry_id: str):
        record = self._record(request, object_id, "change")
        entry = self._entry(record, entry_id)
        if request.method == "POST":
            form = CorrectionForm(request.POST)
            if form.is_valid():
                changes = {name: form.cleaned_data[name] for name in LambingEntry.CONTENT_FIELDS}
                done = self._written(
                    request,
                    record,
                    form,
                    lambda: entry_update(
                        entry=entry,
                        reason=form.cleaned_data["reason"],
                        seen_version=form.cleaned_data["seen_version"],
                        **changes,
                    ),
                    _("The entry of %(date)s is corrected.")
                    % {"date": changes["date"].isoformat()},
                )
                if done:
                    return done
        else:
            initial = {name: getattr(entry, name) for name in LambingEntry.CONTENT_FIELDS}
            form = CorrectionForm(initial={**initial, "seen_version": entry.version})
        return self._entry_page(request, record, entry, form, action="correct")

    def entry_delete_view(self, request, object_id: str, entry_id: str):
        record = self._record(request, object_id, "delete")
        entry = self._entry(record, entry_id)
        if request.method == "POST":
            form = ReasonForm(request.POST)
            if form.is_valid():
                done = self._written(
                    request,
                    record,
                    form,
                    lambda: entry_delete(
                        entry=entry,
                        reason=form.cleaned_data["reason"],
                        seen_version=form.cleaned_data["seen_version"],
                    ),
                    _("The entry of %(date)s is deleted; it stays in the history.")
                    % {"date": entry.date.isoformat()},
                )
                if done:
                    return done
        else:
            form = ReasonForm(initial={"seen_version": entry.version})
        return self._entry_page(request, record, entry, form, action="delete")

    def _written(self, request, record, form, write, message: str) -> HttpResponse | None:
        """Run ``write`` (a service's call) in a transaction: the record's page
        with ``message`` when it is done, or None with the service's refusal on
        the form's fields."""
        try:
            with transaction.atomic():
                write()
        except ValidationError as error:
            add_service_error(form, error)
            return None
        messages.success(request, message)
        return HttpResponseRedirect(self._record_url(record))

    def _entry_page(self, request, record, entry, form, *, action: str):
        locked = entry_lock(entry, locked_through=self._locked_through(record))
        titles = {"correct": _("Correct an entry"), "delete": _("Delete an entry")}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": titles[action],
            "subtitle": str(record),
            "record": record,
            "record_url": self._record_url(record),
            "entry": entry,
            "form": form,
            "action": action,
            "locked": locked,
        }
        return TemplateResponse(request, "admin/livestock/lambingrecord/entry_form.html", context)

    # The record's page

    def _locked_through(self, record: LambingRecord):
        return approved_through(season_id=record.season_id, herder_id=record.herder_id)

    def entries_context(self, request, record: LambingRecord, entry_form=None) -> dict:
        """What the record's page shows of its entries and reviews, for this user:
        ``entry_form`` is today's count as sent, when it was refused."""
        locked_through = self._locked_through(record)
        entries = record.entries.select_related("created_by").order_by("-date", "-pk")
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get(ENTRIES_PAGE))
        user = request.user
        may_change = user.has_perm("livestock.change_lambingentry")
        may_delete = user.has_perm("livestock.delete_lambingentry")
        rows = []
        for entry in page:
            entry.record = record
            lock = entry_lock(entry, locked_through=locked_through)
            rows.append(
                {
                    "entry": entry,
                    "lock": lock,
                    "correct_url": may_change
                    and reverse(
                        "admin:livestock_lambingrecord_entry_correct", args=[record.pk, entry.pk]
                    ),
                    "delete_url": may_delete
                    and reverse(
                        "admin:livestock_lambingrecord_entry_delete", args=[record.pk, entry.pk]
                    ),
                }
            )
        context = {
            "entry_rows": rows,
            "entries_page": page,
            "entries_page_parameter": ENTRIES_PAGE,
            "locked_through": locked_through,
            "reviews": visible_reviews(user, record),
            # A record's page adds counts, not records: no "save and add another".
            "show_save_and_add_another": False,
        }
        if user.has_perm("livestock.add_lambingentry"):
            context["entry_form_url"] = reverse(
                "admin:livestock_lambingrecord_entry_add", args=[record.pk]
            )
            context["entry_form"] = entry_form or TodaysCountForm()
        return context


def entry_lock(entry: LambingEntry, *, locked_through) -> str:
    """Why ``entry`` may not be changed or deleted (its date's counts are
    approved), or "": the model's one check of the lock, given the date looked
    up once for the page."""
    entry.locked_through_known = True
    entry.locked_through = locked_through
    try:
        entry.check_not_locked()
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def visible_reviews(user, record: LambingRecord) -> list[Review]:
    """The latest reviews of the record's township this season, if the user may
    see them: a review holds the whole township's totals and an official's
    comment, which a technician granted one village may not read
    (``scoping.visible``)."""
    reviews = Review.objects.filter(
        season_id=record.season_id, township__villages__herders=record.herder_id
    ).select_related("changed_by")
    return list(scoping.visible(user, reviews)[:5])
