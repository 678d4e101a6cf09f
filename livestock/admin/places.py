"""The places' and the households' pages: a household is written by the
services (moved to another village, it takes its counts along)."""

from functools import partial

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from livestock.admin.base import (
    RelatedOnlyFilter,
    ScopedAdmin,
    ScopedHistoryAdmin,
    ServiceForm,
    WrittenByServiceAdmin,
)
from livestock.admin.spreadsheet_views import SpreadsheetAdminMixin
from livestock.models import County, Herder, Place, Prefecture, Township, Village
from livestock.services.places import (
    LOOKALIKE_NAME,
    herder_create,
    herder_update,
    place_create,
    place_update,
)
from livestock.spreadsheets.exporting import herder_rows


class PlaceForm(ServiceForm):
    """A place, added by ``place_create`` and changed by ``place_update`` (a
    place moved under another takes its households' counts along)."""

    def write(self, data: dict) -> Place:
        create = partial(place_create, type(self.instance))
        return self.added_or_changed(data, create=create, update=place_update)


class PlaceAdmin(WrittenByServiceAdmin, ScopedAdmin):
    form = PlaceForm
    list_display = ["name", "name_latin"]
    search_fields = ["name", "name_latin"]


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
    household moved to another village takes its counts along). A new one, or
    one renamed or moved, whose name looks like another household's of its
    village is refused, and the box to confirm it is another household is shown
    then, not before: ticked ahead of any refusal, it would be ticked by habit."""

    NAMES = ("village", "name", "name_latin", "name_kazakh")

    confirm_distinct = forms.BooleanField(
        label=_("This is another household"),
        help_text=_(
            "Its name looks like the name of a household of its village: tick this only "
            "when it truly is another household."
        ),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Herder
        fields = ["village", "name", "name_latin", "name_kazakh"]

    def _post_clean(self):
        super()._post_clean()
        if self.has_error("name", LOOKALIKE_NAME):
            self.fields["confirm_distinct"].widget = forms.CheckboxInput()

    def write(self, data: dict) -> Herder:
        names = {field: data[field] for field in self.NAMES}
        if self.instance.pk is None:
            return herder_create(**names, confirm_distinct=data["confirm_distinct"])
        changes = {field: names[field] for field in self.changed_data if field in names}
        if not changes:
            return self.instance
        return herder_update(
            self.instance,
            seen_version=data.get("seen_version"),
            confirm_distinct=data["confirm_distinct"],
            **changes,
        )


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
