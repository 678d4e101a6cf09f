"""The Django admin, where field technicians enter counts.

Forms validate through the models' ``clean()``, where the rules of
``rules.py`` are applied, so a broken rule shows at its field.
"""

from django.contrib import admin

from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    Report,
    ReportedFigure,
    Season,
    Township,
    Village,
)


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["name", "name_latin"]
    search_fields = ["name", "name_latin"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "name_latin", "prefecture"]
    list_select_related = ["prefecture"]
    search_fields = ["name", "name_latin"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "name_latin", "county"]
    list_filter = ["county"]
    list_select_related = ["county"]
    search_fields = ["name", "name_latin"]
    autocomplete_fields = ["county"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "name_latin", "township"]
    list_filter = ["township__county"]
    list_select_related = ["township"]
    search_fields = ["name", "name_latin"]
    autocomplete_fields = ["township"]


@admin.register(Herder)
class HerderAdmin(admin.ModelAdmin):
    list_display = ["name", "name_latin", "village"]
    list_filter = ["village__township__county"]
    list_select_related = ["village"]
    search_fields = ["name", "name_latin"]
    autocomplete_fields = ["village"]


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date"]


class LambingEntryInline(admin.TabularInline):
    model = LambingEntry
    extra = 1
    # Deleting an entry can break the running totals of the entries after it;
    # until the admin deletes through services.entry_delete, it does not delete.
    can_delete = False
    fields = [
        "date",
        "ewes_lambed",
        "lambs_born",
        "lambs_lost",
        "loss_cause",
        "lambs_alive",
        "check_stage",
        "note",
    ]


@admin.register(LambingRecord)
class LambingRecordAdmin(admin.ModelAdmin):
    list_display = ["herder", "season", "ewes_at_start"]
    list_filter = ["season", "herder__village__township__county"]
    list_select_related = ["herder", "season"]
    search_fields = ["herder__name", "herder__name_latin"]
    autocomplete_fields = ["herder"]
    inlines = [LambingEntryInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "authors", "published_note"]
    search_fields = ["title"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(admin.ModelAdmin):
    list_display = ["as_of", "place", "metric", "qualifier", "value", "report"]
    list_filter = ["metric", "county", "season"]
    list_select_related = ["report", "prefecture", "county", "township", "village", "herder"]
    search_fields = ["quote", "key"]
