"""What the API reads and writes. Serializers check the shape of a request
(types, required fields, places within the user's scope); the counting rules
are the models' and are applied by ``services``, not here."""

import copy
from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livestock.counting import metrics
from livestock.counting.totals import LambingTotals
from livestock.filtersets import MAX_ID, possible_id
from livestock.models import (
    HOUSEHOLD_COUNT_LIMIT,
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    Report,
    ReportedFigure,
    Review,
    Season,
    Township,
    Village,
)
from livestock.models.fields import (
    CountField,
    EntryDateField,
    not_a_choice,
    not_a_date,
    not_a_whole_number,
    refused_count_text,
)
from livestock.places import scoping
from livestock.places.names import shown
from livestock.selectors.reviews import approved_totals
from livestock.services.guards import REASON_MAX_LENGTH


class DescribedSerializer(serializers.ModelSerializer):
    """A model's fields, each described in the OpenAPI schema by its help text or,
    lacking one, its verbose name.

    The fields are built from the model once per serializer class and copied for
    each serializer (as DRF copies the declared ones): building them reads the
    model's fields, validators and choices one by one, about a millisecond of
    every request that reads or writes an entry, for the same result each time."""

    _built_fields: dict[type, dict] = {}

    def get_fields(self):
        cls = type(self)
        if cls not in DescribedSerializer._built_fields:
            DescribedSerializer._built_fields[cls] = super().get_fields()
        return copy.deepcopy(DescribedSerializer._built_fields[cls])

    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if not kwargs.get("help_text"):
            try:
                model_field = model_class._meta.get_field(field_name)
            except FieldDoesNotExist:
                return field_class, kwargs
            kwargs["help_text"] = model_field.help_text or capfirst(model_field.verbose_name)
        return field_class, kwargs


class WholeNumberKeyField(serializers.PrimaryKeyRelatedField):
    """An id, sent as a whole number or its digits. A JSON number with a point
    (``4.7``, ``4.0``) is refused as the wrong type, as a string or a boolean
    is: Django's query reads 4.7 as the id 4, so an entry meant for no record
    was stored in record 4. An id no object can have
    (text, 0, below it, past the database's range, 5,000 digits) is one that does
    not exist, said back as every refusal says a value (``shown``): read as a
    number, 5,000 digits were refused as "received str", naming no value."""

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str | int) and possible_id(data) is None:
            self.fail("does_not_exist", pk_value=shown(data))
        return super().to_internal_value(data)


class TextUUIDField(serializers.UUIDField):
    """A UUID sent as text, as JSON carries one. DRF also reads a JSON number as
    the UUID of that integer (12345 as 00000000-0000-0000-0000-000000003039), so a
    client that sent a counter or a record's id where the entry's uuid goes had
    it stored under a uuid it never made, and its resend was no longer recognised."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                return super().to_internal_value(data)
            except serializers.ValidationError:
                pass
        raise serializers.ValidationError(
            _("%(value)s is not a UUID; send one as text, like %(example)s.")
            % {"value": data, "example": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
            code="invalid",
        )


class CountSerializerField(serializers.IntegerField):
    """A count: what is no whole number (``"abc"``, ``1.5``, ``true``) is refused as
    the model refuses it, naming the value and the rule (``models/fields.py``)."""

    def to_internal_value(self, data):
        refused = refused_count_text(data, self.validators)
        if refused is not None:
            raise refused
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() != ["invalid"]:
                raise
            raise not_a_whole_number(data) from None


class EntryDateSerializerField(serializers.DateField):
    """An entry's date: what is no date (``2026-13-45``) is refused as the model refuses it."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() != ["invalid"]:
                raise
            raise not_a_date(data) from None


class ChoiceSerializerField(serializers.ChoiceField):
    """A choice: a value not among them is refused as the model refuses it, listing them."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() != ["invalid_choice"]:
                raise
            raise not_a_choice(data, self.choices.items()) from None


class StrictSerializer(DescribedSerializer):
    """Refuses fields it does not know, so that a misspelt ``lamb_born`` is an
    error and not a count silently left at 0; and keeps the model's own
    validators and messages, which name the value and the rule."""

    serializer_related_field = WholeNumberKeyField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        CountField: CountSerializerField,
        EntryDateField: EntryDateSerializerField,
    }
    serializer_choice_field = ChoiceSerializerField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if any(validator in HOUSEHOLD_COUNT_LIMIT for validator in model_field.validators):
            kwargs.pop("min_value", None)
            kwargs.pop("max_value", None)
            kwargs["validators"] = list(model_field.validators)
        return field_class, kwargs

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field.")] for name in unknown}
                )
        return super().to_internal_value(data)


class ScopedPrimaryKeyField(WholeNumberKeyField):
    """A reference to a place, herder or record: only those the user may see
    can be named; any other id reads as "does not exist".

    A serializer that validates many items (the bulk endpoint) reads the
    objects its items name at once, through the same scope (``preload``),
    instead of one query per item. One whose service reads the object itself,
    locked and within the same scope (a single entry's create: the context's
    ``read_by_the_service``), takes its id only, and answers ``not_found`` when
    the service found none."""

    preloaded: dict | None = None

    def get_queryset(self):
        return scoping.visible(self.context["request"].user, super().get_queryset())

    def preload(self, values: Iterable) -> None:
        """Read the objects named by ``values`` that the user may see, in one query."""
        keys = {key for key in map(integer_key, values) if key is not None and 1 <= key <= MAX_ID}
        self.preloaded = {obj.pk: obj for obj in self.get_queryset().filter(pk__in=keys)}

    def to_internal_value(self, data):
        key = integer_key(data)
        if key is not None and not 1 <= key <= MAX_ID:
            # No id is out of the database's range; asking it would be an overflow.
            self.fail("does_not_exist", pk_value=data)
        if key is not None and self.context.get("read_by_the_service"):
            # Not read here: the service reads it once, locked and narrowed to
            # the user's scope in the same query, and says when it is not there
            # (``not_found``).
            return self.queryset.model(pk=key)
        if self.preloaded is None or key is None:
            return super().to_internal_value(data)  # its own query, and its messages
        if key not in self.preloaded:
            self.fail("does_not_exist", pk_value=data)
        return self.preloaded[key]

    def not_found(self, data) -> serializers.ValidationError:
        """The error of an object named by ``data`` that the service did not find
        within the user's scope (``read_by_the_service``): as if read here."""
        try:
            self.fail("does_not_exist", pk_value=data)
        except serializers.ValidationError as error:
            return serializers.ValidationError({self.field_name: error.detail})


def integer_key(value) -> int | None:
    """An id sent as a number or as digits; anything else is left to DRF's checks."""
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


class PrefectureSerializer(DescribedSerializer):
    class Meta:
        model = Prefecture
        fields = ["id", "name", "name_latin"]


class CountySerializer(DescribedSerializer):
    class Meta:
        model = County
        fields = ["id", "name", "name_latin", "prefecture"]


class TownshipSerializer(DescribedSerializer):
    class Meta:
        model = Township
        fields = ["id", "name", "name_latin", "county"]


class VillageSerializer(DescribedSerializer):
    county = serializers.IntegerField(
        source="township.county_id", read_only=True, help_text="The county's id."
    )

    class Meta:
        model = Village
        fields = ["id", "name", "name_latin", "township", "county"]


class HerderSerializer(StrictSerializer):
    village = ScopedPrimaryKeyField(
        queryset=Village.objects.all(), help_text="The village's id (within your places)."
    )
    township = serializers.IntegerField(
        source="village.township_id", read_only=True, help_text="The township's id."
    )
    county = serializers.IntegerField(
        source="village.township.county_id", read_only=True, help_text="The county's id."
    )
    confirm_distinct = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=(
            "On creation, or a change of name or village: true to add, rename or move the "
            "household although its name looks like a name of another household of its "
            "village (another script's letter, a traditional character, a full-width one, an "
            "invisible character, a space, or the very same name), which without it is a 400 "
            "at name naming that household (name, id) and the characters that differ. Send "
            "it only once a person has checked that it truly is another household. A name "
            "and village sent as they are stored are not checked."
        ),
    )

    class Meta:
        model = Herder
        fields = [
            "id",
            "name",
            "name_latin",
            "name_kazakh",
            "village",
            "township",
            "county",
            "version",
            "confirm_distinct",
        ]
        read_only_fields = ["version"]


class SeasonSerializer(DescribedSerializer):
    name = serializers.CharField(read_only=True, help_text="E.g. 2024–2025 冬羔.")

    class Meta:
        model = Season
        fields = ["id", "kind", "name", "start_date", "end_date"]


def _rate(code: str) -> serializers.DecimalField:
    metric = metrics.get(code)
    return serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text=format_lazy(
            "{} ({}) = {}. In %; null when there is nothing to divide by (so with no "
            "household). Its numbers are in rates.{}; its definition in /api/v1/metrics/.",
            metric.name,
            code,
            metric.formula,
            code,
        ),
    )


# Where a place has no household (households 0), nothing was counted: every
# count of head and every rate is null (``LambingTotals.shown``).
NOTHING_COUNTED = " Null when the place has no household (households 0): nothing was counted."


def _count(code: str) -> serializers.IntegerField:
    metric = metrics.get(code)
    unknown = (
        " Null (unknown, not 0) when no household has it." if metric.households_covered else ""
    )
    if metric.unit != "households":
        unknown += NOTHING_COUNTED
    return serializers.IntegerField(
        allow_null=metric.unit != "households",
        help_text=format_lazy("{} ({}): {}{}", metric.name, code, metric.description, unknown),
    )


# When a rate's two numbers are null (``RateParts.numbers_known``).
NUMBERS_UNKNOWN = (
    " Null (unknown, not 0) when the rate divides the records' counts and none of the "
    "households it covers has them (households 0: no survival check made yet, no ewes lambed "
    "counted, no household); completeness and timeliness, counted by the service, only where "
    "the place has no household (of_households 0)."
)


class RatePartsSerializer(serializers.Serializer):
    """A rate with the numbers it divides (``counting.totals.RateParts``); its
    numbers null where they are unknown (``RateParts.numbers_known``), never 0 ÷ 0."""

    value = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="numerator ÷ denominator × 100, to 0.1; null when the denominator is 0 or "
        "unknown.",
    )
    numerator = serializers.IntegerField(
        allow_null=True, help_text="The number divided (see the metric)." + NUMBERS_UNKNOWN
    )
    denominator = serializers.IntegerField(
        allow_null=True,
        help_text="The number divided by; 0 where the households covered have nothing to "
        "divide by (value null)." + NUMBERS_UNKNOWN,
    )
    households = serializers.IntegerField(
        help_text="Households the two numbers cover (the metric's households_covered); 0, "
        "never null, when none has them."
    )
    of_households = serializers.IntegerField(
        help_text="Households of the place (its households recorded)."
    )

    def to_representation(self, parts):
        data = super().to_representation(parts)
        if not parts.numbers_known:
            data["numerator"] = data["denominator"] = None
        return data


# Drawn many times a response by method fields, so made once: a serializer made
# for each value deep-copies its declared fields each time (a quarter of a
# summary's time). Read-only and without context, so one instance serves all.
RATE_PARTS = RatePartsSerializer()


class _TotalsBase(serializers.Serializer):
    """The values of ``LambingTotals`` as every surface shows them
    (``LambingTotals.shown``: unknown is null, never 0), and each rate with the
    numbers it divides."""

    rates = serializers.SerializerMethodField(
        help_text="Each rate by its metric code, with its numerator, denominator and the "
        "households it covers: value = numerator ÷ denominator. The two numbers are null, "
        "not 0, where none of the households it covers has them."
    )

    def to_representation(self, totals):
        data = super().to_representation(totals)
        for name, field in self.fields.items():
            if name in metrics.METRICS:
                value = totals.shown(name)
                data[name] = None if value is None else field.to_representation(value)
        return data

    @extend_schema_field(serializers.DictField(child=RatePartsSerializer()))
    def get_rates(self, totals) -> dict:
        return {
            metric.code: RATE_PARTS.to_representation(totals.rate_parts(metric.code))
            for metric in metrics.RATES
        }


# Recorded totals and rates (``counting.totals.LambingTotals``): a field per metric of
# the registry, each key the code of its metric in ``/api/v1/metrics/``, so a
# count added there is in every response that carries totals.
TotalsSerializer = type(
    "TotalsSerializer",
    (_TotalsBase,),
    {
        "__doc__": "Recorded totals and rates; each key is its metric's code in /api/v1/metrics/.",
        "__module__": __name__,
        **{
            metric.code: _count(metric.code)
            for metric in (*metrics.COUNTS, *metrics.HOUSEHOLDS_COVERED)
        },
        **{metric.code: _rate(metric.code) for metric in metrics.RATES},
    },
)


TOTALS = TotalsSerializer()  # made once, as RATE_PARTS


class LambingRecordSerializer(StrictSerializer):
    herder = ScopedPrimaryKeyField(
        queryset=Herder.objects.all(), help_text="The herder household's id (within your places)."
    )
    as_of = serializers.SerializerMethodField(help_text="The date the totals hold for.")
    totals = serializers.SerializerMethodField(help_text="Totals and rates as of as_of.")

    class Meta:
        model = LambingRecord
        fields = ["id", "herder", "season", "ewes_at_start", "version", "as_of", "totals"]
        read_only_fields = ["version"]
        validators = []  # one record per herder and season: the model's constraint says it

    def get_as_of(self, record) -> str:
        return self.context["as_of"].isoformat()

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, record) -> dict:
        totals: LambingTotals = self.context["totals_of"](record)
        return TOTALS.to_representation(totals)


@extend_schema_field({"type": "string", "maxLength": REASON_MAX_LENGTH})
class ReasonField(serializers.CharField):
    """Why saved counts are corrected. How long it may be is the service's rule
    (``services.guards.check_reason``), which refuses a longer one saying its
    length and the limit: no second check here (a ``max_length`` would refuse it
    first with DRF's message, which says no length). The schema says the limit
    all the same, so that a client generated from it knows it."""


def _reason() -> ReasonField:
    return ReasonField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why saved counts are corrected; kept in the history. Needed to change "
        f"a count already given. At most {REASON_MAX_LENGTH} characters, what the history "
        "keeps: a longer one is refused, not cut short.",
    )


class LambingRecordUpdateSerializer(LambingRecordSerializer):
    """Once made, a record stays with its herder and season."""

    reason = _reason()

    herder = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The herder household's id."
    )

    class Meta(LambingRecordSerializer.Meta):
        fields = [*LambingRecordSerializer.Meta.fields, "reason"]
        read_only_fields = ["version", "season"]


class LambingEntrySerializer(StrictSerializer):
    uuid = TextUUIDField(
        help_text=(
            "Made by the client (a random UUID, version 4), and required: sending the same "
            "entry again with it, after a timeout or a lost answer, stores it once."
        ),
    )
    record = ScopedPrimaryKeyField(
        queryset=LambingRecord.objects.all(),
        help_text="The lambing record's id (within your places).",
    )
    created_by = serializers.StringRelatedField(
        read_only=True, allow_null=True, help_text="Who entered it; null for loaded report data."
    )

    class Meta:
        model = LambingEntry
        fields = [
            "id",
            "uuid",
            "record",
            *LambingEntry.CONTENT_FIELDS,
            "version",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["version", "created_at"]


class LambingEntryUpdateSerializer(LambingEntrySerializer):
    """An entry's counts and date can be corrected, with a reason; its record and
    UUID cannot."""

    reason = _reason()

    uuid = serializers.UUIDField(read_only=True, help_text="Made by the client that sent it.")
    record = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The lambing record's id."
    )

    class Meta(LambingEntrySerializer.Meta):
        fields = [*LambingEntrySerializer.Meta.fields, "reason"]


class ReportSerializer(DescribedSerializer):
    class Meta:
        model = Report
        fields = [
            "slug",
            "title",
            "publisher",
            "authors",
            "published_on",
            "published_note",
            "source",
        ]


@extend_schema_field(
    {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": True,
        "maximum": 10**12,
    }
)
class ReportedValueField(serializers.ReadOnlyField):
    """A reported figure's value as the report wrote it (``ReportedFigure.number``):
    a JSON number, whole where it is whole (150 ewes, not 150.0), a fraction
    exactly as stored (12.35): the model keeps at most 14 digits, which a JSON
    reader's double holds, so 12.35 is read back as 12.35."""


class ReportedFigureSerializer(DescribedSerializer):
    report = ReportSerializer(read_only=True, help_text="Where the figure was published.")
    unit = serializers.CharField(read_only=True, help_text="What the value is counted in.")
    value = ReportedValueField(
        source="number",
        help_text="As reported, in its unit: a whole number for a count (head, households, "
        "enterprises) and wherever the report gave one (150, never 150.0 or 150.00); "
        "otherwise exact to two decimal places (a share in %, kg a day: 12.35). Always a "
        "JSON number, never a string; its qualifier (more than, about) is beside it.",
    )

    class Meta:
        model = ReportedFigure
        fields = [
            "id",
            "key",
            "prefecture",
            "county",
            "township",
            "village",
            "herder",
            "season",
            "as_of",
            "as_of_note",
            "metric",
            "value",
            "unit",
            "qualifier",
            "quote",
            "report",
        ]


class PlaceRefSerializer(serializers.Serializer):
    level = serializers.CharField(help_text="prefecture, county, township, village or herder.")
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(help_text="In Chinese, as written.")
    name_latin = serializers.CharField(help_text="Latin transliteration.")


class MonitoringSerializer(serializers.Serializer):
    """A place's reporting and forecast as of the date (``PlaceMonitoring``):
    each key is its metric's code in /api/v1/metrics/; null where unknown."""

    completeness = RatePartsSerializer(
        help_text="Households with a count in the last 7 days ÷ households recorded."
    )
    timeliness = RatePartsSerializer(
        source="timeliness_parts",
        allow_null=True,
        help_text="Counts entered on time ÷ counts; null unless asked for with timeliness=true.",
    )
    lambs_expected = serializers.IntegerField(
        allow_null=True,
        help_text="Lambs expected by the season's end; null without ewes and ewes lambed counted.",
    )
    share_done = RatePartsSerializer(
        allow_null=True,
        help_text="Lambs born ÷ lambs expected (households with ewes counted); null, as "
        "lambs_expected is, with no records or no lambs expected yet (no ewes, or no ewes "
        "lambed, counted).",
    )
    previous_share_done = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="The previous season's share of its lambs born reached on the same day; null "
        "with no previous season.",
    )
    finish_date = serializers.DateField(
        allow_null=True,
        help_text="When the lambs expected are born at the last 7 days' pace; null when "
        "nothing is expected or nothing was born in them.",
    )
    on_time = serializers.BooleanField(
        allow_null=True, help_text="Whether finish_date is by the season's expected end."
    )
    behind_curve = serializers.BooleanField(
        help_text="Its share done is more than 10 points below that of the place above it."
    )


MONITORING = MonitoringSerializer()  # made once, as RATE_PARTS


class SummaryRowSerializer(serializers.Serializer):
    place = serializers.SerializerMethodField(help_text="The place of this row.")
    scope = serializers.SerializerMethodField(
        help_text="When your places lie below this row's place (a village's technician's "
        "county): those places, the only ones its totals and monitoring sum, so they are "
        "not the whole place's figures. null when you see the whole place."
    )
    totals = TotalsSerializer(
        help_text="Recorded totals and rates of its herders: of the places in scope only, "
        "when scope is set."
    )
    monitoring = serializers.SerializerMethodField(
        help_text="Its reporting completeness and timeliness and its forecast."
    )
    reported = serializers.SerializerMethodField(
        help_text="The latest reported figure per metric on or before as_of."
    )
    coverage = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="Recorded lambs born ÷ reported lambs born, in %; null without a reported "
        "figure or with no household recorded.",
    )

    @extend_schema_field(PlaceRefSerializer)
    def get_place(self, row) -> dict:
        return place_ref(row.place)

    @extend_schema_field(PlaceRefSerializer(many=True, allow_null=True))
    def get_scope(self, row) -> list[dict] | None:
        return scope_refs(row.part)

    @extend_schema_field(serializers.DictField(child=ReportedFigureSerializer()))
    def get_reported(self, row) -> dict:
        return {
            metric: ReportedFigureSerializer(figure).data for metric, figure in row.reported.items()
        }

    @extend_schema_field(MonitoringSerializer)
    def get_monitoring(self, row) -> dict:
        return MONITORING.to_representation(self.context["monitoring"].by_place[row.place.pk])


class SummarySerializer(serializers.Serializer):
    season = SeasonSerializer(help_text="The season summed.")
    as_of = serializers.DateField(help_text="Totals hold as of the end of this day.")
    place = serializers.SerializerMethodField(
        help_text="The place summed; null for all counties in your places."
    )
    scope = serializers.SerializerMethodField(
        help_text="When your places lie below the place (a county's official reading its "
        "prefecture): those places, the only ones its totals, monitoring and rows sum, so "
        "they are not the whole place's figures. null when you see the whole place."
    )
    totals = TotalsSerializer(
        help_text="The place's own totals: of the places in scope only, when scope is set."
    )
    monitoring = serializers.SerializerMethodField(
        help_text="The place's reporting completeness and timeliness and its forecast."
    )
    rows = SummaryRowSerializer(many=True, help_text="A row per place one level below.")

    @extend_schema_field(PlaceRefSerializer(many=True, allow_null=True))
    def get_scope(self, summary) -> list[dict] | None:
        return scope_refs(summary.part)

    @extend_schema_field(MonitoringSerializer)
    def get_monitoring(self, summary) -> dict:
        return MONITORING.to_representation(self.context["monitoring"].whole)

    @extend_schema_field(PlaceRefSerializer(allow_null=True))
    def get_place(self, summary) -> dict | None:
        return place_ref(summary.place) if summary.place else None


def scope_refs(part) -> list[dict] | None:
    """The places of the part seen (``scoping.PartSeen``), null for the whole."""
    if part is None:
        return None
    return [place_ref(place) for place in part.places]


def place_ref(place) -> dict:
    return {
        "level": place._meta.model_name,
        "id": place.pk,
        "name": place.name,
        "name_latin": place.name_latin,
    }


class MetricSerializer(serializers.Serializer):
    """A definition of ``livestock.counting.metrics``: what a count or rate of the
    summaries is, by the code that names its value in the totals."""

    code = serializers.CharField(help_text="The key of this value in the summaries' totals.")
    name_zh = serializers.SerializerMethodField(help_text="Its name in Chinese.")
    name_en = serializers.SerializerMethodField(help_text="Its name in English.")
    kind = serializers.CharField(help_text="count or rate.")
    unit = serializers.CharField(help_text="head, households or %.")
    description = serializers.CharField(help_text="What it counts.")
    formula = serializers.CharField(help_text="For a rate: numerator ÷ denominator; else empty.")
    numerator = serializers.CharField(
        help_text="For a rate: the totals' number it divides (its code); else empty."
    )
    denominator = serializers.CharField(
        help_text="For a rate: the totals' number it divides by (its code); else empty."
    )
    households = serializers.CharField(help_text="Which households it counts.")
    households_covered = serializers.CharField(
        help_text="The code of the count of households it covers, when not every household."
    )
    standard = serializers.CharField(help_text="The definition it follows.")
    differences = serializers.CharField(
        help_text="Where Chinese textbooks, statistical reporting rules or other tools differ."
    )

    def get_name_zh(self, metric) -> str:
        return metric.name_in("zh-hans")

    def get_name_en(self, metric) -> str:
        return metric.name_in("en")


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Entries stored by this request.")
    unchanged = serializers.IntegerField(help_text="Entries sent before under the same uuid.")
    errors = serializers.ListField(
        child=serializers.DictField(),
        help_text=(
            "Per refused item: its index and its errors; for a spreadsheet's row, its line, "
            "column and value too."
        ),
    )
    errors_not_listed = serializers.IntegerField(
        required=False,
        help_text=(
            "For a spreadsheet: how many more refused rows' errors there are beyond those "
            "listed (IMPORT_MAX_ERRORS_LISTED)."
        ),
    )
    entries = LambingEntrySerializer(
        many=True, help_text="The entries, in the order sent (none for a spreadsheet)."
    )
    spreadsheet = serializers.DictField(
        required=False,
        help_text=(
            "For a spreadsheet: its rows, whether it was stored, and per kind (herder, record, "
            "entry) how many were created, changed and unchanged; new_herders: the first 100 "
            "herder households it creates (line, village id, village_name, name, name_latin, "
            "name_kazakh; resembles: the household whose name it looks like, for which its row "
            "is refused, or null), and new_herders_not_listed: how many more."
        ),
    )


class ReviewChangeSerializer(serializers.Serializer):
    """One change of a review's state, as kept in its history."""

    state = serializers.CharField(
        help_text="submitted, approved, returned (sent back) or reopened."
    )
    comment = serializers.CharField(help_text="The comment, or the reason for reopening.")
    changed_by = serializers.CharField(
        source="changed_by.username", default=None, help_text="Who changed the state."
    )
    changed_at = serializers.DateTimeField(source="history_date", help_text="When.")
    approved_totals = serializers.SerializerMethodField(
        help_text="The totals approved (on an approval and after it), or null."
    )

    @extend_schema_field(TotalsSerializer(allow_null=True))
    def get_approved_totals(self, change) -> dict | None:
        totals = approved_totals(change.approved_totals)
        return None if totals is None else TOTALS.to_representation(totals)


class ReviewSerializer(DescribedSerializer):
    """A township's counts of a season as of a date under review: its state and
    the totals approved, so that a published figure can be read again."""

    changed_by = serializers.CharField(
        source="changed_by.username", default=None, help_text="Who made the latest change."
    )
    approved_by = serializers.CharField(
        source="approved_by.username", default=None, help_text="Who approved, or null."
    )
    approved_totals = serializers.SerializerMethodField(
        help_text="The township's totals as of as_of when approved, or null if never approved."
    )
    history = serializers.SerializerMethodField(
        help_text="Every state change, oldest first: who, when, the comment."
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "township",
            "season",
            "as_of",
            "state",
            "comment",
            "changed_by",
            "changed_at",
            "approved_by",
            "approved_at",
            "approved_totals",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(TotalsSerializer(allow_null=True))
    def get_approved_totals(self, review) -> dict | None:
        totals = approved_totals(review.approved_totals)
        return None if totals is None else TOTALS.to_representation(totals)

    @extend_schema_field(ReviewChangeSerializer(many=True))
    def get_history(self, review) -> list:
        changes = self.context.get("history", {}).get(review.pk, [])
        return ReviewChangeSerializer(changes, many=True).data
