"""What a summary is asked for: a season, a date and a place. One form reads
it for the pages and for the API, so both take the same parameters, the
same defaults and give the same errors."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock import scoping
from livestock.filtersets import MAX_ID
from livestock.models import County, Herder, Place, Prefecture, Season, Township, Village

PLACE_LEVELS: dict[str, type[Place]] = {
    "prefecture": Prefecture,
    "county": County,
    "township": Township,
    "village": Village,
    "herder": Herder,
}


def place_param(place: Place | None) -> str:
    """How a place is written in a URL: ``county:3``."""
    return f"{place._meta.model_name}:{place.pk}" if place else ""


class SummaryQuery(forms.Form):
    """``season`` (default: the latest), ``as_of`` (default: today, or the
    season's end once it is over) and ``place`` as ``LEVEL:ID`` (default: the
    counties in the user's scope), read within ``user``'s scope: a place
    outside it reads as one that does not exist."""

    season = forms.ModelChoiceField(
        Season.objects.order_by("-start_date"), required=False, label=_("season")
    )
    as_of = forms.DateField(
        required=False, label=_("as of"), widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, user: scoping.User, levels=tuple(PLACE_LEVELS)):
        super().__init__(data)
        self.user = user
        self.levels = levels

    def clean_season(self) -> Season:
        season = self.cleaned_data["season"] or self.fields["season"].queryset.first()
        if season is None:
            raise forms.ValidationError(_("No season is defined yet."), code="no_season")
        return season

    def clean_place(self) -> Place | None:
        value = self.cleaned_data["place"]
        if not value:
            return None
        level, _colon, place_id = value.partition(":")
        if level not in self.levels or not (place_id.isascii() and place_id.isdigit()):
            raise forms.ValidationError(
                _("Give a place as LEVEL:ID, LEVEL one of %(levels)s."),
                code="bad_place",
                params={"levels": ", ".join(self.levels)},
            )
        places = scoping.visible(self.user, PLACE_LEVELS[level].objects.all())
        place = places.filter(pk=int(place_id)).first() if int(place_id) <= MAX_ID else None
        if place is None:
            raise forms.ValidationError(
                _("No %(level)s %(id)s in your places."),
                code="no_such_place",
                params={"level": level, "id": place_id},
            )
        return place

    def clean(self):
        cleaned_data = super().clean()
        season = cleaned_data.get("season")
        if season is not None and cleaned_data.get("as_of") is None:
            cleaned_data["as_of"] = default_as_of(season)
        return cleaned_data


def default_as_of(season: Season) -> datetime.date:
    return min(timezone.localdate(), season.end_date)
