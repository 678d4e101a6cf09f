"""The Django admin: the field technicians' daily tool.

Every list, form choice, autocomplete and URL is narrowed by
``scoping.visible``; an object outside the user's scope is a 404. Forms
validate through the models' ``clean()`` (the rules of ``rules.py``) and, for
a record's entries together, through ``walk.first_violation``.
An edit made from an older version is refused (``services.check_version``);
a correction of saved counts needs a reason, kept in the history.
"""

import uuid

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from livestock import quality, rollups, rules, scoping, services, spreadsheets
from livestock.admin_spreadsheets import SpreadsheetAdminMixin
from livestock.counting import walk
from livestock.filtersets import MAX_ID
from livestock.forms import default_as_of
from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    Report,
    ReportedFigure,
    Review,
    ScopeGrant,
    Season,
    Township,
    Village,
    approved_through,
)
from livestock.names import normalize_name
from livestock.selectors import record_timeline

admin.site.site_header = _("Lambing-season tracker")
admin.site.site_title = _("Lambing-season tracker")
admin.site.index_title = _("Counts and places")

SCOPED_MODELS = (
    Prefecture,
    County,
    Township,
    Village,
    Herder,
    LambingRecord,
    LambingEntry,
    ReportedFigure,
)


class VersionedForm(forms.ModelForm):
    """Carries the version the user started from, so that a save made from an
    older version is refused at the top of the form, not saved over a newer one."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None and self.has_changed():
            seen = cleaned_data.get("seen_version") or self.instance.version
            try:
                services.check_version(self.instance, seen_version=seen)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned_data


class ScopedAdmin(admin.ModelAdmin):
    """An admin whose lists, choices and URLs stop at the user's scope."""

    def get_queryset(self, request):
        return scoping.visible(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Not found and not in scope look the same: nothing to guess from.
            raise Http404(_("No such object in your places."))
        return obj

    def get_search_results(self, request, queryset, search_term):
        """A term with a NUL character matches nothing stored (PostgreSQL holds no
        NUL in text, and refuses it in a query): no match, not an error. The
        change list's search form refuses it already; the autocomplete does not."""
        if "\x00" in search_term:
            return queryset.none(), False
        # Typed as names are stored (NFC, Kazakh hamza), so either spelling finds them.
        return super().get_search_results(request, queryset, normalize_name(search_term))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related: type[Model] = db_field.related_model
        if related in SCOPED_MODELS:
            kwargs["queryset"] = scoping.visible(request.user, related._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin with the model's history (who, when, before and after,
    why) to read. History is read here, never written back: restoring an old
    version would step around the forms that check counts and versions."""

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, object_id)  # 404 outside the scope
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, object_id)
        digits = version_id.isascii() and version_id.isdigit() and len(version_id) <= 19
        if not digits or int(version_id) > MAX_ID:
            raise Http404(_("No such version."))
        if request.method != "GET":
            raise PermissionDenied(_("History is read only; change the current version."))
        return super().history_form_view(request, object_id, version_id, extra_context)


class AppliedWhenAskedMixin:
    """Django hides a list filter that has a single choice (a technician of one
    village has one village, one township, one season) and then drops the
    filter's URL parameter without applying it: the list, and the exports that
    follow it, would show everything under a filter the user asked for. A
    filter named in the URL is kept, so it is applied, and shown as active."""

    def has_output(self) -> bool:
        return bool(self.used_parameters) or super().has_output()


class RelatedOnlyFilter(AppliedWhenAskedMixin, admin.RelatedOnlyFieldListFilter):
    pass


class RelatedFilter(AppliedWhenAskedMixin, admin.RelatedFieldListFilter):
    pass


class PlaceAdmin(ScopedAdmin):
    list_display = ["name", "name_latin"]
    search_fields = ["name", "name_latin"]

    def save_model(self, request, obj, form, change):
        """A change goes through ``services.place_update``: a place moved under
        another takes its households' counts along."""
        if not change:
            return super().save_model(request, obj, form, change)
        services.place_update(obj, **{name: form.cleaned_data[name] for name in form.changed_data})


@admin.register(Prefecture)
class PrefectureAdmin(PlaceAdmin):
    pass


@admin.register(County)
class CountyAdmin(PlaceAdmin):
    list_display = ["name", "name_latin", "prefecture"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["prefecture"]


@admin.register(Township)
class TownshipAdmin(PlaceAdmin):
    list_display = ["name", "name_latin", "county"]
    list_filter = [("county", RelatedOnlyFilter)]
    list_select_related = ["county"]
    autocomplete_fields = ["county"]


@admin.register(Village)
class VillageAdmin(PlaceAdmin):
    list_display = ["name", "name_latin", "township"]
    list_filter = [("township__county", RelatedOnlyFilter)]
    list_select_related = ["township"]
    autocomplete_fields = ["township"]


PLACE_FILTERS = [
    ("village__township__county", RelatedOnlyFilter),
    ("village__township", RelatedOnlyFilter),
    ("village", RelatedOnlyFilter),
]


@admin.register(Herder)
class HerderAdmin(SpreadsheetAdminMixin, ScopedHistoryAdmin):
    form = VersionedForm
    export_kinds = {"herders": (_("herder households"), spreadsheets.herder_rows)}
    list_display = ["name", "name_latin", "name_kazakh", "village", "township"]
    list_filter = PLACE_FILTERS
    list_select_related = ["village__township"]
    search_fields = ["name", "name_latin", "name_kazakh"]
    autocomplete_fields = ["village"]

    @admin.display(description=_("township"), ordering="village__township__name")
    def township(self, herder: Herder) -> Township:
        return herder.village.township

    def save_model(self, request, obj, form, change):
        """A household moved to another village takes its counts along."""
        moved = change and obj.moved_from() is not None
        super().save_model(request, obj, form, change)
        if moved:
            rollups.moved(obj)


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date"]

    def save_model(self, request, obj, form, change):
        """A change goes through ``services.season_update``: its records' flags
        move with its dates."""
        if not change:
            return super().save_model(request, obj, form, change)
        services.season_update(obj, **{name: form.cleaned_data[name] for name in form.changed_data})


class EntryFormSet(forms.BaseInlineFormSet):
    """The entries of one record, checked together: what the forms would leave
    stored must keep every running total sound, and a correction of a saved
    entry needs a reason (``change_reason`` is set per request)."""

    change_reason = ""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        stored = (
            {entry.pk: entry for entry in self.instance.entries.all()} if self.instance.pk else {}
        )
        before = list(stored.values())
        corrected = False
        sent = []  # the UUIDs of the new entries
        for form in self.forms:
            entry = form.instance
            if self.can_delete and self._should_delete_form(form):
                if entry.pk is not None:
                    try:
                        entry.check_not_locked(stored_date=form.initial.get("date"))
                    except ValidationError as error:
                        raise ValidationError(error.messages) from None
                stored.pop(entry.pk, None)
                corrected = True
            elif form.has_changed():
                corrected = corrected or entry.pk is not None
                if entry.pk is None:
                    sent.append(entry.uuid)
                stored[entry.pk or id(form)] = entry
        if LambingEntry.objects.filter(uuid__in=sent).exists():
            raise ValidationError(
                _("These counts were saved already (the form was sent twice); reload the page."),
                code="sent_twice",
            )
        if corrected:
            try:
                services.require_reason(self.change_reason)
            except ValidationError as error:
                raise ValidationError(error.message_dict["reason"]) from None
        violation = walk.first_violation(
            ewes_at_start=self.instance.ewes_at_start, entries=stored.values(), stored=before
        )
        if violation:
            form = next(
                (
                    f
                    for f in reversed(self.forms)
                    if f.has_changed() and f.instance.date <= violation.date
                ),
                None,
            )
            if form is None:
                raise ValidationError(violation.error)
            form.add_error(rules.entry_field_for(violation, form.instance), violation.error)


class SentOnceField(forms.UUIDField):
    """A hidden UUID drawn when the form is drawn. It never counts as a change
    (a blank extra form stays blank), and it makes the form's entry the same
    entry however often the form is sent."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class EntryForm(VersionedForm):
    client_uuid = SentOnceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # EntryFormSet checks the running totals of all the forms' entries together.
        self.instance.check_running_totals = False
        if self.instance.pk is None:
            self.fields["client_uuid"].initial = uuid.uuid4

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None and cleaned_data.get("client_uuid"):
            self.instance.uuid = cleaned_data["client_uuid"]
        return cleaned_data


class LambingEntryInline(admin.StackedInline):
    model = LambingEntry
    form = EntryForm
    formset = EntryFormSet
    extra = 1
    fields = [*LambingEntry.CONTENT_FIELDS, "seen_version", "client_uuid"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.change_reason = request.POST.get("change_reason", "").strip()
        return formset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "date":
            field.initial = timezone.localdate
        return field


class LambingRecordForm(VersionedForm):
    change_reason = forms.CharField(
        label=_("reason for the correction"),
        required=False,
        max_length=services.REASON_MAX_LENGTH,
        help_text=_("Needed when saved counts are changed or deleted; kept in the history."),
    )

    class Meta:
        model = LambingRecord
        fields = ["herder", "season", "ewes_at_start"]

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None:
            # Entries are checked against this record; hold it still until they are saved.
            services.lock_record(self.instance)
            stored_ewes = self.initial.get("ewes_at_start")
            if "ewes_at_start" in self.changed_data and stored_ewes is not None:
                try:
                    services.require_reason(cleaned_data.get("change_reason", ""))
                except ValidationError as error:
                    self.add_error("change_reason", error.message_dict["reason"])
        return cleaned_data


class QualityFlagFilter(admin.SimpleListFilter):
    """Records with a data-quality flag as of today (or their season's end):
    any flag, or one of them (``quality.FLAGS``). Each season's records are
    flagged against their own season's dates."""

    title = _("data-quality flag")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [("any", _("any flag")), *((flag.key, flag.label) for flag in quality.FLAGS)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value != "any" and value not in quality.FLAG_BY_KEY:
            return queryset.none()
        key = "" if value == "any" else value
        flagged = Q(pk__in=[])
        for season in Season.objects.filter(pk__in=queryset.values("season")):
            ids = quality.flagged_ids(
                queryset.filter(season=season), season=season, as_of=default_as_of(season), key=key
            )
            flagged |= Q(pk__in=ids)
        return queryset.filter(flagged)


RATE_COLUMNS = [
    (_("lambing rate"), "lambing_rate"),
    (_("survival rate"), "survival_rate"),
    (_("mortality"), "mortality_rate"),
]


@admin.register(LambingRecord)
class LambingRecordAdmin(SpreadsheetAdminMixin, ScopedHistoryAdmin):
    form = LambingRecordForm
    with_import = True
    export_kinds = {
        "records": (_("lambing records"), spreadsheets.record_rows),
        "entries": (
            _("their entries"),
            lambda records: spreadsheets.entry_rows(spreadsheets.entries_of(records)),
        ),
    }
    list_display = ["herder", "village", "season", "ewes_at_start"]
    list_filter = [
        ("season", RelatedFilter),
        ("herder__village__township__county", RelatedOnlyFilter),
        ("herder__village__township", RelatedOnlyFilter),
        ("herder__village", RelatedOnlyFilter),
        QualityFlagFilter,
    ]
    list_select_related = ["herder__village", "season"]
    search_fields = ["herder__name", "herder__name_latin", "herder__name_kazakh"]
    autocomplete_fields = ["herder"]
    readonly_fields = [
        "data_quality",
        "review",
        "running_totals",
        "reported_figures",
        "entry_history",
    ]
    inlines = [LambingEntryInline]

    def get_readonly_fields(self, request, obj=None):
        """A saved record stays with its household and season (``LambingRecord.clean``)."""
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "herder", "season"]

    def get_fields(self, request, obj=None):
        fields = ["herder", "season", "ewes_at_start", "seen_version"]
        if obj is not None:
            fields = ["data_quality", "review", *fields]
            fields += ["change_reason", "running_totals", "reported_figures", "entry_history"]
        return fields

    @admin.display(description=_("data quality"))
    def data_quality(self, record: LambingRecord) -> str:
        """The record's flags as of today (or its season's end): saved counts to
        look at again, not errors."""
        as_of = default_as_of(record.season)
        flags = quality.record_flags(record, as_of=as_of)
        if not flags:
            return format_html('<span class="quality-ok">{}</span>', _("no flag"))
        badges = format_html_join(
            " ", '<span class="quality-flag">⚠ {}</span>', ((flag.label,) for flag in flags)
        )
        return format_html(
            "{} <small>{}</small>",
            badges,
            _("as of %(date)s") % {"date": as_of.isoformat()},
        )

    @admin.display(description=_("review"))
    def review(self, record: LambingRecord) -> str:
        """The reviews of the township's counts this season, latest date first:
        the state, who changed it and when, the comment (a technician reads here
        why counts were sent back), and which dates are locked."""
        reviews = Review.objects.filter(
            season_id=record.season_id, township__villages__herders=record.herder_id
        ).select_related("changed_by")[:5]
        rows = (
            (
                review.as_of,
                review.get_state_display(),
                review.changed_by or "—",
                timezone.localtime(review.changed_at).strftime("%Y-%m-%d %H:%M"),
                review.comment,
            )
            for review in reviews
        )
        locked = approved_through(season_id=record.season_id, herder_id=record.herder_id)
        note = (
            _("Entries dated on or before %(date)s are locked (approved).")
            % {"date": locked.isoformat()}
            if locked
            else ""
        )
        if not reviews:
            return _("not submitted yet")
        headers = [_("as of"), _("review state"), _("who"), _("when"), _("comment")]
        return _html_table(headers, rows, note=note)

    @admin.display(description=_("village"), ordering="herder__village__name")
    def village(self, record: LambingRecord) -> Village:
        return record.herder.village

    @admin.display(description=_("running totals"))
    def running_totals(self, record: LambingRecord) -> str:
        """Totals and rates as of each date with entries (rates in %, — = not available)."""
        headers = [
            _("as of"),
            _("ewes lambed"),
            _("lambs born"),
            _("lamb losses"),
            _("lambs alive"),
        ] + [label for label, _name in RATE_COLUMNS]
        rows = (
            (
                date,
                totals.ewes_lambed,
                totals.lambs_born,
                totals.lamb_losses,
                totals.lambs_alive,
                *(_rate(getattr(totals, name)) for _label, name in RATE_COLUMNS),
            )
            for date, totals in record_timeline(record=record)
        )
        note = _(
            "Lambing rate = lambs born ÷ ewes lambed; survival rate = lambs alive at the "
            "latest check ÷ lambs born by then; mortality = lamb losses ÷ lambs born. "
            "— = not available."
        )
        return _html_table(headers, rows, note=note)

    @admin.display(description=_("history of the entries"))
    def entry_history(self, record: LambingRecord) -> str:
        """Every entry added, corrected or deleted, newest first: who, when, the
        counts it then held, and why. Deleted entries are kept here."""
        changes = (
            LambingEntry.history.filter(record_id=record.pk)
            .select_related("history_user")
            .order_by("-history_date")[:100]
        )
        kinds = {"+": _("added"), "~": _("changed"), "-": _("deleted")}
        headers = [
            _("when"),
            _("who"),
            _("what"),
            _("date"),
            _("lambs born"),
            _("lamb losses"),
            _("lambs alive"),
            _("reason for the correction"),
        ]
        rows = (
            (
                timezone.localtime(change.history_date).strftime("%Y-%m-%d %H:%M"),
                change.history_user or "—",
                kinds.get(change.history_type, change.history_type),
                change.date,
                change.lambs_born,
                change.lambs_lost,
                "—" if change.lambs_alive is None else change.lambs_alive,
                change.history_change_reason or "",
            )
            for change in changes
        )
        return _html_table(headers, rows)

    @admin.display(description=_("reported figures"))
    def reported_figures(self, record: LambingRecord) -> str:
        figures = ReportedFigure.objects.filter(herder=record.herder).select_related("report")
        return format_html_join(
            "",
            "<p>{}：{} {} {}（{}）<br><small>“{}” — {}</small></p>",
            (
                (
                    figure.as_of,
                    figure.get_metric_display(),
                    figure.get_qualifier_display(),
                    figure.value_text,
                    figure.get_unit_display(),
                    figure.quote,
                    figure.report.title,
                )
                for figure in figures
            ),
        ) or _("none")

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("change_reason", "")
        if not change or form.has_changed():
            obj.save()
            rollups.changed([obj.pk])

    def delete_model(self, request, obj):
        services.record_delete(record=obj)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            services.record_delete(record=record)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason", "")
        entries = formset.save(commit=False)
        for entry in formset.deleted_objects:
            entry._change_reason = reason
            entry.delete()
        for entry in entries:
            if entry.pk is None:
                entry.created_by = request.user
            else:
                entry._change_reason = reason
            entry.save()
        rollups.changed([form.instance.pk])


def _html_table(headers: list, rows, note: str = "") -> str:
    """A read-only table on an admin page, scrolling inside its box on a phone."""
    head = format_html_join("", "<th>{}</th>", ((header,) for header in headers))
    body = format_html_join("", "<tr>" + "<td>{}</td>" * len(headers) + "</tr>", rows)
    note_html = format_html('<p class="help">{}</p>', note) if note else ""
    return format_html(
        '<div class="lambing-table"><table><thead><tr>{}</tr></thead><tbody>{}</tbody>'
        "</table>{}</div>",
        head,
        body,
        note_html,
    )


def _rate(value) -> str:
    return "—" if value is None else f"{value}%"


@admin.register(Review)
class ReviewAdmin(ScopedHistoryAdmin):
    """The reviews of the townships in the user's places, read only: states
    change on the summary pages (``services.review_*``), never by editing here."""

    list_display = [
        "township",
        "season",
        "as_of",
        "state",
        "comment",
        "changed_by",
        "changed_at",
        "approved_by",
    ]
    list_filter = ["state", ("season", RelatedFilter), ("township__county", RelatedOnlyFilter)]
    list_select_related = ["township", "season", "changed_by", "approved_by"]
    readonly_fields = [field.name for field in Review._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "authors", "published_note"]
    search_fields = ["title"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(ScopedAdmin):
    list_display = ["as_of", "place", "metric", "qualifier", "value", "report"]
    list_filter = ["metric", ("season", RelatedFilter), ("county", RelatedOnlyFilter)]
    list_select_related = ["report", "prefecture", "county", "township", "village", "herder"]
    search_fields = ["quote", "key"]


class ScopeGrantInline(admin.TabularInline):
    model = ScopeGrant
    extra = 1
    autocomplete_fields = ["prefecture", "county", "township", "village"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserWithScopeAdmin(UserAdmin):
    """Users with the places they may work in."""

    inlines = [ScopeGrantInline]
