"""A lambing record's page, a technician's daily tool: its ewes at the start,
its totals as of each date (the walk's), today's count and its entries
(``admin.entries``), its data-quality flags."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from livestock.admin.base import (
    RelatedFilter,
    RelatedOnlyFilter,
    ScopedHistoryAdmin,
    ServiceForm,
    WrittenByServiceAdmin,
)
from livestock.admin.entries import RecordEntriesMixin
from livestock.admin.spreadsheet_views import SpreadsheetAdminMixin
from livestock.counting import quality
from livestock.models import LambingEntry, LambingRecord, ReportedFigure, Season, Village
from livestock.pages.forms import default_as_of
from livestock.selectors.records import record_timeline
from livestock.services.records import record_create, record_delete, record_update
from livestock.spreadsheets.exporting import entries_of, entry_rows, record_rows


class LambingRecordForm(ServiceForm):
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
                # As every surface shows them: lambs alive before any check are
                # unknown (—), not 0 (LambingTotals.shown).
                *(
                    _count(totals.shown(name))
                    for name in ("ewes_lambed", "lambs_born", "lamb_losses", "lambs_alive")
                ),
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


def _count(value) -> int | str:
    return "—" if value is None else value


def _rate(value) -> str:
    return "—" if value is None else f"{value}%"
