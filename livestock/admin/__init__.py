"""The Django admin: the field technicians' daily tool.

Every list, form choice, autocomplete and URL is narrowed by
``scoping.visible``; an object outside the user's scope is a 404. Forms check
what was typed; every write is a call of ``services`` (which hold the rules,
the locks, the reasons a correction needs and the versions), whose refusals
are shown at their fields. A record's entries are written one at a time from
its page (``admin.entries``).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from livestock.admin.entries import RecordEntriesMixin, add_service_error
from livestock.admin.spreadsheet_views import SpreadsheetAdminMixin
from livestock.counting import quality
from livestock.filtersets import MAX_ID
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
)
from livestock.pages.forms import default_as_of
from livestock.places import scoping
from livestock.places.names import normalize_name
from livestock.selectors.records import record_timeline
from livestock.services.places import herder_create, herder_update, place_update
from livestock.services.records import record_create, record_delete, record_update
from livestock.services.seasons import season_update
from livestock.spreadsheets.exporting import entries_of, entry_rows, herder_rows, record_rows

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


class ServiceForm(forms.ModelForm):
    """A model form that checks what was typed (whole numbers, real dates, a
    place in scope) and leaves the rest to a service (``write``): the model's
    rules, the reason a correction needs, and the version the page showed
    (``seen_version``), so that a save made from an older version is refused,
    naming who saved the newer one. Django's admin saves after validating, with
    no way to show a refusal at its field; so the service is called as the
    form's last validation step, inside the admin's transaction, and what it
    refuses is shown at the field it names."""

    seen_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )
    # The service's names for the form's fields, where they differ.
    service_names: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    def _post_clean(self):
        if self._errors:
            return
        try:
            with transaction.atomic():
                self.instance = self.write(self.cleaned_data)
        except ValidationError as error:
            add_service_error(self, error, self.service_names)

    def write(self, data: dict) -> Model:
        raise NotImplementedError


class WrittenByServiceAdmin:
    """An admin whose form has saved its object through a service already."""

    def save_model(self, request, obj, form, change):
        pass


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, which redraws a refused form's choice by looking
    its value up: a value that is no id (abc, 1e5, past the database's range)
    is not looked up, so the form shows its field's error instead of a 500."""

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if str(v).isascii() and str(v).isdigit() and int(v) <= MAX_ID]
        return super().optgroups(name, ids, attr)


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
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", IdAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
            )
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
        """A change goes through ``place_update``: a place moved under
        another takes its households' counts along."""
        if not change:
            return super().save_model(request, obj, form, change)
        place_update(obj, **{name: form.cleaned_data[name] for name in form.changed_data})


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


class HerderForm(ServiceForm):
    """A household, written by ``herder_create``/``herder_update`` (a
    household moved to another village takes its counts along)."""

    NAMES = ("village", "name", "name_latin", "name_kazakh")

    class Meta:
        model = Herder
        fields = ["village", "name", "name_latin", "name_kazakh"]

    def write(self, data: dict) -> Herder:
        names = {field: data[field] for field in self.NAMES}
        if self.instance.pk is None:
            return herder_create(**names)
        changes = {field: names[field] for field in self.changed_data if field in names}
        if not changes:
            return self.instance
        return herder_update(self.instance, seen_version=data.get("seen_version"), **changes)


@admin.register(Herder)
class HerderAdmin(WrittenByServiceAdmin, SpreadsheetAdminMixin, ScopedHistoryAdmin):
    form = HerderForm
    export_kinds = {"herders": (_("herder households"), herder_rows)}
    list_display = ["name", "name_latin", "name_kazakh", "village", "township"]
    list_filter = PLACE_FILTERS
    list_select_related = ["village__township"]
    search_fields = ["name", "name_latin", "name_kazakh"]
    autocomplete_fields = ["village"]

    @admin.display(description=_("township"), ordering="village__township__name")
    def township(self, herder: Herder) -> Township:
        return herder.village.township


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date"]

    def save_model(self, request, obj, form, change):
        """A change goes through ``season_update``: its records' flags
        move with its dates."""
        if not change:
            return super().save_model(request, obj, form, change)
        season_update(obj, **{name: form.cleaned_data[name] for name in form.changed_data})


class LambingRecordForm(ServiceForm):
    # A count's range is the model's rule, with its message naming the value.
    ewes_at_start = LambingRecord._meta.get_field("ewes_at_start").formfield(min_value=None)
    change_reason = forms.CharField(
        label=_("reason for the correction"),
        required=False,
        help_text=_("Needed when saved counts are changed or deleted; kept in the history."),
    )
    service_names = {"reason": "change_reason"}

    class Meta:
        model = LambingRecord
        fields = ["herder", "season", "ewes_at_start"]

    def write(self, data: dict) -> LambingRecord:
        if self.instance.pk is None:
            return record_create(
                herder=data["herder"], season=data["season"], ewes_at_start=data["ewes_at_start"]
            )
        if "ewes_at_start" not in self.changed_data:
            return self.instance
        return record_update(
            record=self.instance,
            ewes_at_start=data["ewes_at_start"],
            reason=data["change_reason"],
            seen_version=data.get("seen_version"),
        )


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
class LambingRecordAdmin(
    RecordEntriesMixin, WrittenByServiceAdmin, SpreadsheetAdminMixin, ScopedHistoryAdmin
):
    """A record's page: today's count at the top, the record's own figures, its
    entries newest first (read only, each with a link to correct or delete it),
    its township's reviews when the user may see them, running totals and
    history (``admin.entries``)."""

    form = LambingRecordForm
    with_import = True
    export_kinds = {
        "records": (_("lambing records"), record_rows),
        "entries": (
            _("their entries"),
            lambda records: entry_rows(entries_of(records)),
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
    readonly_fields = ["data_quality", "running_totals", "reported_figures", "entry_history"]

    def get_readonly_fields(self, request, obj=None):
        """A saved record stays with its household and season (``LambingRecord.clean``)."""
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "herder", "season"]

    def get_fieldsets(self, request, obj=None):
        """The record's own figures first; its entries follow them on the page
        (``change_form.html``), then the running totals and the history."""
        record = ["herder", "season", "ewes_at_start", "seen_version"]
        if obj is None:
            return [(None, {"fields": record})]
        return [
            (_("Lambing record"), {"fields": ["data_quality", *record, "change_reason"]}),
            (
                _("Running totals and history"),
                {"fields": ["running_totals", "reported_figures", "entry_history"]},
            ),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.entries_context(request, obj, context.get("entry_form")))
        return super().render_change_form(request, context, add, change, form_url, obj)

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

    def delete_model(self, request, obj):
        record_delete(record=obj)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            record_delete(record=record)


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
    change on the summary pages (``services.reviews``), never by editing here."""

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
