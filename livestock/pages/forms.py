"""What a summary is asked for: a season, a date and a place. One form reads
it for the pages and for the API, so both take the same parameters, the
same defaults and give the same errors."""

import datetime
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.filtersets import MAX_ID, IsoDateField, sent_more_than_once
from livestock.i18n import isolated
from livestock.models import (
    LADDER,
    TRANSITIONS,
    Place,
    Review,
    Season,
    Township,
)
from livestock.places import scoping
from livestock.places.names import shown

# The earliest date a summary is asked for.
FIRST_AS_OF = datetime.date(1900, 1, 1)

PLACE_LEVELS: dict[str, type[Place]] = {level.name: level.model for level in LADDER}


def place_param(place: Place | None) -> str:
    """How a place is written in a URL: ``county:3``."""
    return f"{place._meta.model_name}:{place.pk}" if place else ""


class _ReadInOneQuery(forms.models.ModelChoiceIterator):
    """A picker's few choices (the seasons) read by one plain query: Django's
    iterator reads them through a server-side cursor, three round trips to
    PostgreSQL (declare, fetch, close) on every page that draws the picker."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for choice in self.queryset.all():
            yield self.choice(choice)


class _SeasonChoice(forms.ModelChoiceField):
    iterator = _ReadInOneQuery
    default_error_messages = {"invalid_choice": _("%(value)s is not a season id.")}

    def label_from_instance(self, obj) -> str:
        return isolated(str(obj))

    def to_python(self, value):
        """Refused with the value said back as every refusal says it (``shown``:
        its start and length), not whole: 5,000 digits made a 5 KB answer."""
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": shown(value)},
            ) from None


class AsOfField(IsoDateField):
    """The one reading of an "as of" date, for the pages, the API's summaries and
    its records alike (``parse_as_of``): YYYY-MM-DD (``iso_date``) from
    ``FIRST_AS_OF`` to today, refused with the value as sent. No date so early that
    days cannot be counted back from it (the week before, the data-quality flags),
    which the records alone accepted; and no day still to come: a figure "as of"
    9999-12-31 was today's, labelled with that date, and asked for again a month
    later it had changed (DOMAIN.md's as-of rule: the same answer, unless a
    correction was recorded)."""

    default_validators = [
        MinValueValidator(
            FIRST_AS_OF,
            message=_("%(show_value)s is too early; ask for %(limit_value)s or later."),
        ),
        MaxValueValidator(
            timezone.localdate,
            message=_(
                "%(show_value)s is still to come; counts are known up to today, "
                "%(limit_value)s: ask for that day or earlier."
            ),
        ),
    ]


def parse_as_of(value: str | None) -> datetime.date | None:
    """``value`` read as an "as of" date (``AsOfField``); ``None`` when it is
    missing or empty, for the caller's default. Raises ``ValidationError``."""
    return AsOfField(required=False).clean(value)


class SummaryQuery(forms.Form):
    """``season`` (default: the latest), ``as_of`` (default: today, or the
    season's end once it is over) and ``place`` as ``LEVEL:ID`` (default: the
    counties in the user's scope), read within ``user``'s scope: a place
    outside it reads as one that does not exist."""

    season = _SeasonChoice(
        Season.objects.order_by("-start_date"), required=False, label=_("season")
    )
    as_of = AsOfField(
        required=False,
        label=_("as of"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    place = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, user: scoping.User, levels=tuple(PLACE_LEVELS), initial=None):
        super().__init__(data, initial=initial)
        self.user = user
        self.levels = levels
        # The date picker offers the days the field takes (``AsOfField``): up to today.
        self.fields["as_of"].widget.attrs["max"] = timezone.localdate().isoformat()

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
        if (
            level not in self.levels
            or not (place_id.isascii() and place_id.isdigit())
            or len(place_id) > 19
        ):
            raise forms.ValidationError(
                _("%(value)s is not a place as LEVEL:ID, LEVEL one of %(levels)s."),
                code="bad_place",
                params={"value": shown(value), "levels": ", ".join(self.levels)},
            )
        places = scoping.visible(self.user, PLACE_LEVELS[level].objects.all())
        place = places.filter(pk=int(place_id)).first() if int(place_id) <= MAX_ID else None
        if place is None:
            raise forms.ValidationError(
                _("No %(level)s %(id)s in your places."),
                code="no_such_place",
                # The level by its name in the page's language (县（市）, not "county").
                params={"level": PLACE_LEVELS[level]._meta.verbose_name, "id": place_id},
            )
        return place

    def refuse_unknown(self, name: str, allowed: tuple[str, ...]) -> bool:
        """True, with the error added, when the page was sent ``name`` with a
        value it does not know (``?format=xyz``): a page that ignored it would
        answer with something other than what was asked for."""
        value = self.data.get(name)
        if not value or value in allowed:
            return False
        message = _("%(value)s is not one of: %(choices)s") % {
            "value": value,
            "choices": ", ".join(allowed),
        }
        self.add_error(None, f"{name}: {message}")
        return True

    def shown(self) -> "SummaryQuery":
        """The picker a page shows once this query is read: the season, date and
        place in use, defaults included (a page of the latest season as of today
        said so in its title while its picker stood empty)."""
        season, as_of, place = (self.cleaned_data[name] for name in ("season", "as_of", "place"))
        return SummaryQuery(
            None,
            user=self.user,
            levels=self.levels,
            initial={"season": season.pk, "as_of": as_of.isoformat(), "place": place_param(place)},
        )

    def clean(self):
        cleaned_data = super().clean()
        for name, message in sent_more_than_once(self.data).items():
            if name in self.fields:
                self.add_error(name, message)
        season = cleaned_data.get("season")
        if season is not None and cleaned_data.get("as_of") is None:
            cleaned_data["as_of"] = default_as_of(season)
        return cleaned_data


def default_as_of(season: Season) -> datetime.date:
    return min(timezone.localdate(), season.end_date)


class ReviewActionForm(forms.Form):
    """A review state change posted from a township's summary page. The
    township and its review are read within ``user``'s scope (a review of
    another township is no review of this page); whether the user may make the
    change is the services' to say."""

    ACTIONS = [(transition.action, transition.label) for transition in TRANSITIONS.values()]
    DONE = {
        "submit": _("The township's counts are submitted for review."),
        "approve": _("Approved: the counts up to this date are locked."),
        "return": _("Sent back to the township's technicians with your comment."),
        "reopen": _("Reopened: the counts can be corrected, each with a reason."),
    }

    action = forms.ChoiceField(choices=ACTIONS, label=_("action"))
    township = forms.IntegerField(min_value=1, max_value=MAX_ID, label=_("township"))
    season = forms.ModelChoiceField(Season.objects.all(), label=_("season"))
    as_of = AsOfField(label=_("as of"))
    review = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False, label=_("review"))
    comment = forms.CharField(required=False, max_length=1000, label=_("comment"))

    def __init__(self, data, *, user: scoping.User):
        super().__init__(data)
        self.user = user

    def clean_township(self) -> Township:
        township = scoping.within(self.user, Township.objects.all()).filter(
            pk=self.cleaned_data["township"]
        )
        if not township:
            raise forms.ValidationError(_("No such township in your places."), code="scope")
        return township.get()

    def clean(self):
        cleaned_data = super().clean()
        review_id = cleaned_data.get("review")
        if cleaned_data.get("action") not in (None, "submit"):
            township = cleaned_data.get("township")
            review = (
                scoping.visible(self.user, Review.objects.filter(township=township))
                .filter(pk=review_id)
                .first()
                if review_id and isinstance(township, Township)
                else None
            )
            if review is None:
                raise forms.ValidationError(_("No such review in your places."), code="scope")
            cleaned_data["review"] = review
        return cleaned_data

    def named_errors(self) -> list[str]:
        """Each error as a line of its own, led by the field it is about: the
        page it is shown on has no form beside it to point at."""
        return [
            f"{self.fields[name].label}: {error}" if name in self.fields else str(error)
            for name, errors in self.errors.items()
            for error in errors
        ]

    def back_link(self) -> str:
        """The township's summary page for the date, or the overview when the
        form named no township it may see."""
        data = getattr(self, "cleaned_data", {})
        township, season, as_of = (data.get(name) for name in ("township", "season", "as_of"))
        params = {}
        if season is not None:
            params["season"] = season.pk
        if as_of is not None:
            params["as_of"] = as_of.isoformat()
        if isinstance(township, Township):
            params["place"] = place_param(township)
        return reverse("summary") + ("?" + urlencode(params) if params else "")
