"""The REST API, v1. Every queryset goes through ``scoping.visible`` (outside
the scope is a 404), every write through ``services`` (the models' rules),
every total through ``selectors``."""

import datetime
import json
import threading
import uuid
from contextlib import ExitStack

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import fields as rest_fields
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from livestock import filtersets
from livestock.api import bulk, errors, idempotency, serializers
from livestock.api.filtering import KnownParametersMixin
from livestock.api.idempotency import IdempotentCreateMixin
from livestock.api.parsers import BoundedJSONParser, NotJSON
from livestock.counting import metrics
from livestock.models import (
    GRANT_LADDER,
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    ReportedFigure,
    Review,
    Season,
    Township,
    Village,
)
from livestock.monitoring.summary import summary_monitoring
from livestock.pages.forms import SummaryQuery, parse_as_of
from livestock.places import scoping
from livestock.selectors.records import record_totals
from livestock.selectors.summaries import place_summary
from livestock.services.entries import (
    USED_UUID,
    EntryConflict,
    NewEntry,
    entries_create,
    entry_create,
    entry_delete,
    entry_update,
)
from livestock.services.guards import check_version
from livestock.services.places import herder_create, herder_update
from livestock.services.records import record_create, record_update
from livestock.spreadsheets.importing import ImportResult, import_counts, listed
from livestock.spreadsheets.reading import FileRefused

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="Totals as of the end of this day, YYYY-MM-DD from 1900-01-01 to today "
    "(default: today); a day still to come is a 400.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the version being changed; another version is a 412.",
)


def idempotent_create(serializer):
    """A create's schema: its Idempotency-Key, and the 200 of a resend."""
    return extend_schema(
        parameters=[idempotency.PARAMETER],
        responses={
            201: serializer,
            200: OpenApiResponse(
                serializer,
                description="Sent before under this Idempotency-Key: the object it created.",
            ),
        },
    )


BULK_LIMIT = 1000
# A spreadsheet sent to the bulk endpoint; larger files are for manage.py import_counts.
BULK_FILE_LIMIT = 10 * 1024 * 1024


class RolePermissions(permissions.DjangoModelPermissions):
    """The role's model permissions, reading included (``view_…``)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def _queryset(self, view):
        """Only its model is read: the view's queryset as declared, not narrowed
        to the user's scope (``get_queryset``), which would build the scope's
        conditions (and, for records, the totals) for nothing on every request."""
        if getattr(view, "queryset", None) is not None:
            return view.queryset
        return super()._queryset(view)


class CanReadRecords(permissions.BasePermission):
    """Totals are read from lambing records: a role that may read them."""

    def has_permission(self, request, view):
        return request.user.has_perm("livestock.view_lambingrecord")


def as_of_param(request) -> datetime.date:
    """The ``as_of`` a request asks for (default: today), read as the pages and
    the summaries read it (``parse_as_of``)."""
    try:
        as_of = parse_as_of(request.query_params.get("as_of"))
    except DjangoValidationError as error:
        raise ValidationError({"as_of": error.messages}) from None
    return as_of or timezone.localdate()


def etag_of(obj) -> str:
    return f'"{obj._meta.model_name}-{obj.pk}-v{obj.version}"'


class ScopedViewSet(KnownParametersMixin, viewsets.GenericViewSet):
    permission_classes = [RolePermissions]

    def get_queryset(self):
        return scoping.visible(self.request.user, super().get_queryset())

    def dispatch(self, request, *args, **kwargs):
        """A write is one transaction up to its answer, kept only when the answer
        is a success: whatever fails on the way, in the services or while
        answering (``errors``), undoes all of it, so a client that got an error
        or no answer at all can send the same request again. The transaction
        opens after the request is authenticated, allowed and throttled
        (``initial``); a write safe to resend whatever its answer is its
        service's transaction alone (``writes_in_their_service``)."""
        if request.method in permissions.SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        try:
            with ExitStack() as self.write_transaction:
                response = super().dispatch(request, *args, **kwargs)
                if response.status_code >= 400 and self.write_transaction_open:
                    transaction.set_rollback(True)
        except (OperationalError, InterfaceError) as error:
            # The commit itself failed (SQLite: "database is locked"): nothing
            # was stored, and the request may be sent again.
            response = errors.fault(error, {"request": self.request, "view": self})
            response = self.finalize_response(self.request, response, *args, **kwargs)
        return response

    write_transaction_open = False
    # Actions whose service's own transaction is the whole write, ended before
    # the answer is made: writes that are safe to send again whatever their
    # answer said (a single entry's create, by its uuid). They take no
    # transaction of the request's, and so no savepoint for the service's.
    writes_in_their_service: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        """Authentication, permissions and throttles, then a write's transaction.
        Outside it, a throttle counts every request, also one refused or undone
        (inside, a write answered 400 would undo its own count, and a client
        sending bad writes would never be slowed), and its count is stored at
        once instead of being held locked until the write commits, which made
        every write of one token wait for the one before it."""
        super().initial(request, *args, **kwargs)
        if (
            request.method not in permissions.SAFE_METHODS
            and self.action not in self.writes_in_their_service
        ):
            self.write_transaction.enter_context(transaction.atomic())
            self.write_transaction_open = True


class VersionedMixin:
    """Detail responses carry an ``ETag``; a change sent with an ``If-Match`` that
    is not the stored version's is a 412 and changes nothing."""

    def retrieve(self, request, *args, **kwargs):
        return self.answer(self.get_object())

    def answer(self, instance, status: int = status.HTTP_200_OK) -> Response:
        """``instance`` as a detail answer, with its ETag."""
        data = self.get_serializer(instance).data
        return Response(data, status=status, headers={"ETag": etag_of(instance)})

    def check_if_match(self, request, instance) -> None:
        if_match = request.headers.get("If-Match")
        if if_match is None or if_match.strip() == "*":
            return
        wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
        if etag_of(instance) not in wanted:
            raise errors.Refusal(
                lambda: (
                    _("This was changed since you read it; its ETag is now %(etag)s.")
                    % {"etag": etag_of(instance)}
                ),
                status_code=status.HTTP_412_PRECONDITION_FAILED,
            )
        # Lock it, and refuse if it changed between reading and locking.
        check_version(instance, seen_version=instance.version)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, partial=False, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(request, instance)
            changes = errors.validated(
                lambda: self.get_serializer(instance, partial=partial).run_validation(request.data)
            )
            instance = self.save_update(instance, changes)
        data = self.get_serializer(instance).data
        return Response(data, headers={"ETag": etag_of(instance)})

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class PlaceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    ordering_fields = ["name", "name_latin", "id"]
    ordering = ["name"]


class PrefectureViewSet(PlaceViewSet):
    """Prefectures (地区) in your places."""

    queryset = Prefecture.objects.all()
    serializer_class = serializers.PrefectureSerializer
    filterset_class = filtersets.NameSearchFilterSet


class CountyViewSet(PlaceViewSet):
    """Counties and county-level cities (县 / 市) in or above your places."""

    queryset = County.objects.all()
    serializer_class = serializers.CountySerializer
    filterset_class = filtersets.CountyFilterSet


class TownshipViewSet(PlaceViewSet):
    """Townships and towns (乡 / 镇) in or above your places."""

    queryset = Township.objects.all()
    serializer_class = serializers.TownshipSerializer
    filterset_class = filtersets.TownshipFilterSet


class VillageViewSet(PlaceViewSet):
    """Villages (村) in your places."""

    queryset = Village.objects.select_related("township")
    serializer_class = serializers.VillageSerializer
    filterset_class = filtersets.VillageFilterSet


@extend_schema_view(create=idempotent_create(serializers.HerderSerializer))
class HerderViewSet(
    IdempotentCreateMixin,
    VersionedMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PlaceViewSet,
):
    """Herder households in your places."""

    queryset = Herder.objects.select_related("village__township")
    serializer_class = serializers.HerderSerializer
    filterset_class = filtersets.HerderFilterSet

    def perform_create(self, serializer):
        serializer.instance = herder_create(**serializer.validated_data)

    def save_update(self, instance, changes):
        confirm_distinct = changes.pop("confirm_distinct", False)
        return herder_update(instance, confirm_distinct=confirm_distinct, **changes)


class SeasonViewSet(KnownParametersMixin, viewsets.ReadOnlyModelViewSet):
    """Lambing seasons: winter (冬羔) and spring (春羔), with their dates."""

    queryset = Season.objects.all()
    serializer_class = serializers.SeasonSerializer
    permission_classes = [RolePermissions]
    filterset_fields = ["kind"]
    ordering = ["-start_date"]


@extend_schema(parameters=[AS_OF])
@extend_schema_view(create=idempotent_create(serializers.LambingRecordSerializer))
class LambingRecordViewSet(
    IdempotentCreateMixin,
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Lambing records, each with its totals and rates as of ``as_of``."""

    query_parameters = ("as_of",)  # the totals of what is read, created or changed
    queryset = LambingRecord.objects.select_related("herder", "season")
    filterset_class = filtersets.LambingRecordFilterSet
    ordering_fields = ["id", "herder__name", "season__start_date"]
    ordering = ["id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.LambingRecordUpdateSerializer
        return serializers.LambingRecordSerializer

    @property
    def as_of(self) -> datetime.date:
        return as_of_param(self.request)

    def paginate_queryset(self, queryset):
        """The page's records, with their totals read for them all in one query."""
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.totals = record_totals(page, as_of=self.as_of)
        return page

    totals: dict = {}

    def get_serializer_context(self):
        as_of = self.as_of if self.request else timezone.localdate()

        def totals_of(record):
            """The record's totals as of ``as_of``: the same rollup rows a summary
            reads (``record_totals``), read for the page at once."""
            if record.pk not in self.totals:
                self.totals = {**self.totals, **record_totals([record], as_of=as_of)}
            return self.totals[record.pk]

        return {**super().get_serializer_context(), "as_of": as_of, "totals_of": totals_of}

    def perform_create(self, serializer):
        serializer.instance = record_create(**serializer.validated_data)

    def save_update(self, instance, changes):
        return record_update(
            record=instance,
            ewes_at_start=changes.get("ewes_at_start", instance.ewes_at_start),
            reason=changes.get("reason", ""),
        )


class LambingEntryViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """The dated counts of lambing records."""

    # A create is entry_create's transaction, committed before the answer is
    # made: an entry is safe to send again by its uuid (the stored one is the
    # answer), so a failure while answering needs no undoing (as one while
    # rendering the answer never had), and the rows it locks (its record's,
    # its places' daily rollups, which every create of a county shares) are
    # held for the write alone, not for the answer too.
    writes_in_their_service = frozenset({"create"})

    def accepted_parameters(self) -> set[str]:
        # A deletion's reason comes in the query string (a DELETE has no body).
        return super().accepted_parameters() | ({"reason"} if self.action == "destroy" else set())

    queryset = LambingEntry.objects.select_related("created_by")
    filterset_class = filtersets.LambingEntryFilterSet
    ordering_fields = ["id", "date", "record"]
    ordering = ["record", "date", "id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers.LambingEntryUpdateSerializer
        return serializers.LambingEntrySerializer

    @extend_schema(
        responses={
            201: serializers.LambingEntrySerializer,
            200: OpenApiResponse(
                serializers.LambingEntrySerializer,
                description="The same entry was sent before under this uuid; nothing changed.",
            ),
            409: OpenApiResponse(
                description="This uuid is used by another entry (or by other content)."
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        # Read by a serializer whose fields are built once per thread, not per
        # request (``entry_reader``); the record is read once, by the service:
        # locked, within the user's scope, with what the rules and the rollups
        # read of it.
        reader = entry_reader(self.get_serializer_context())
        values = errors.validated(lambda: reader.run_validation(request.data))
        try:
            entry, created = entry_create(
                **values, created_by=request.user, visible_to=request.user
            )
        except LambingRecord.DoesNotExist:
            record = request.data.get("record")
            raise errors.Refusal(lambda: reader.fields["record"].not_found(record).detail) from None
        except EntryConflict as conflict:
            used = conflict.stored.uuid
            raise errors.Refusal(
                lambda: USED_UUID % {"uuid": used}, status_code=status.HTTP_409_CONFLICT
            ) from None
        # Answered as the bulk answers each entry (``bulk.entries_data``, held
        # equal to the serializer's representation by a test).
        return Response(
            bulk.entries_data([entry])[0],
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"ETag": etag_of(entry)},
        )

    def save_update(self, instance, changes):
        return entry_update(entry=instance, **{"reason": "", **changes})

    @extend_schema(
        parameters=[
            IF_MATCH,
            OpenApiParameter("reason", str, required=True, description="Why it is deleted."),
        ]
    )
    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            entry = self.get_object()
            self.check_if_match(request, entry)
            entry_delete(entry=entry, reason=request.query_params.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={
            "application/json": {
                "type": "array",
                "minItems": 1,
                "maxItems": BULK_LIMIT,
                "items": {"$ref": "#/components/schemas/LambingEntryRequest"},
            },
            "multipart/form-data": {
                "type": "object",
                "description": "A spreadsheet, as the admin's import takes it.",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": (
                            "CSV (UTF-8 or GB18030) or XLSX in the columns of the admin's "
                            f"template, up to {BULK_FILE_LIMIT // 1024 // 1024} MB: herders, "
                            "records and dated entries, by place and herder names or ids."
                        ),
                    },
                    "dry_run": {
                        "type": "boolean",
                        "description": "Check and count, store nothing.",
                    },
                    "reason": {
                        "type": "string",
                        "description": "Why saved ewes at a season's start are corrected.",
                    },
                },
                "required": ["file"],
            },
        },
        responses={
            200: serializers.BulkResultSerializer,
            201: serializers.BulkResultSerializer,
            400: serializers.BulkResultSerializer,
        },
        description=(
            f"Add up to {BULK_LIMIT} entries at once, all or nothing; or import a spreadsheet "
            "(multipart `file`), all or nothing, each refused row with its line, column and "
            "value."
        ),
    )
    @action(detail=False, methods=["post"], parser_classes=[BoundedJSONParser, MultiPartParser])
    def bulk(self, request):
        """Creates every entry, or none: with any item refused, the answer lists
        each refused item's index and errors and nothing is stored."""
        if request.content_type.startswith("multipart/"):
            return self.bulk_file(request)
        try:
            items = request.data
        except NotJSON as error:
            # What the parser said as it read the body, in each language asked for.
            say = error.say  # ``error`` is unbound once this clause ends
            raise errors.Refusal(lambda: _refused_whole(say())) from None
        if not isinstance(items, list) or not 1 <= len(items) <= BULK_LIMIT:
            # Said in each language asked for, as every refusal (``errors.Refusal``).
            raise errors.Refusal(lambda: _refused_whole(_not_a_bulk(items)))
        # Items plainly well-typed are read directly, others by the serializer
        # (its fields built once): ``api/bulk.py``. The records the items name
        # are read by the service, locked and within the user's places.
        serializer = self.get_serializer()
        valid, unread = bulk.ItemReader(serializer).read(items)
        new = [
            NewEntry(
                record=data.pop("record"), uuid=data.pop("uuid", None) or uuid.uuid4(), content=data
            )
            for _index, data in valid
        ]

        def refused(unread: list[dict]) -> list[dict]:
            """Each refused item's index and errors, in the active language."""
            found = list(unread)
            for (index, _data), item in zip(valid, new, strict=True):
                if item.not_found:
                    not_found = serializer.fields["record"].not_found(items[index]["record"])
                    found.append({"index": index, "errors": not_found.detail})
                elif item.conflict is not None:
                    message = USED_UUID % {"uuid": item.uuid}
                    found.append({"index": index, "errors": {"uuid": [message]}})
                elif item.error is not None:
                    found.append({"index": index, "errors": _error_detail(item.error)})
            return sorted(found, key=lambda error: error["index"])

        def answer(refusals: list[dict]) -> dict:
            return {"created": 0, "unchanged": 0, "errors": refusals, "entries": []}

        # All or nothing: with any item refused, nothing of the bulk is stored
        # (its entries, their history, the daily rollups they changed).
        with transaction.atomic():
            entries_create(items=new, created_by=request.user, visible_to=request.user)
            refusals = refused(unread)
            if refusals:
                transaction.set_rollback(True)
        if refusals:
            # Said in another language, the items are read again: what the reader
            # refuses it says in the language it reads in.
            raise errors.Refusal(
                lambda: answer(refused(bulk.ItemReader(self.get_serializer()).read(items)[1])),
                said=answer(refusals),
            )
        created = sum(item.is_new for item in new)
        result = {
            "created": created,
            "unchanged": len(new) - created,
            "errors": [],
            "entries": bulk.entries_data(item.entry for item in new),
        }
        return Response(result, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def bulk_file(self, request):
        """A spreadsheet, imported as ``import_counts`` does for the
        admin and the command: the same rules, scope and identity of rows."""
        upload = request.FILES.get("file")
        if upload is None or upload.size > BULK_FILE_LIMIT:
            message = (
                _("Send the spreadsheet as the multipart field 'file'.")
                if upload is None
                else _("The file is larger than %(limit)s MB.")
                % {"limit": BULK_FILE_LIMIT // 1024 // 1024}
            )
            return _file_result(ImportResult(), refused=message)
        try:
            # A value that is no boolean ("\x00", "please") is refused, not read
            # as false: a client asking for a dry run in a way we do not read
            # had its file stored.
            dry_run = rest_fields.BooleanField().run_validation(
                request.data.get("dry_run") or False
            )
        except ValidationError as error:
            return _file_result(ImportResult(), refused=error.detail[0], field="dry_run")
        try:
            result = import_counts(
                content=upload.read(),
                user=request.user,
                dry_run=dry_run,
                reason=request.data.get("reason", ""),
                source=f"API {request.method} {request.path} {upload.name}"[:200],
            )
        except FileRefused as refused:
            result = ImportResult(errors=refused.errors)
            return _file_result(result, refused=str(refused))
        return _file_result(result)


_readers = threading.local()


def entry_reader(context: dict) -> serializers.LambingEntrySerializer:
    """The serializer that reads a single entry's create, for a request's
    ``context``: one per thread, its fields built once (building them, deep
    copies of every field of the model, was a tenth of a create's CPU). Its
    record field takes the record's id only (``read_by_the_service``)."""
    reader = getattr(_readers, "entry", None)
    if reader is None:
        reader = _readers.entry = serializers.LambingEntrySerializer()
        reader.fields  # noqa: B018 (built now, once)
    reader._context = {**context, "read_by_the_service": True}
    return reader


def _refused_whole(message: str) -> dict:
    """A bulk refused whole, in the same shape as a list refused item by item."""
    refused = {"index": None, "errors": {"non_field_errors": [message]}}
    return {"created": 0, "unchanged": 0, "errors": [refused], "entries": []}


# How much of a body that is no list a bulk's refusal quotes.
QUOTED_BODY_LENGTH = 40


def _not_a_bulk(items) -> str:
    """Why a JSON body is no bulk, in the active language: what it holds (how
    many entries, or the start of what it is) and the rule it breaks."""
    if isinstance(items, list):
        return _(
            "The request's body is a list of %(count)s entries (rule: 1 to %(limit)s "
            "entries at once)."
        ) % {"count": len(items), "limit": BULK_LIMIT}
    sent = json.dumps(items, ensure_ascii=False)
    if len(sent) > QUOTED_BODY_LENGTH:
        sent = sent[:QUOTED_BODY_LENGTH] + "…"
    return _(
        "The request's body is %(value)s, not a list of entries (rule: 1 to %(limit)s "
        "entries at once)."
    ) % {"value": sent, "limit": BULK_LIMIT}


def _error_detail(error: DjangoValidationError) -> dict | list:
    """A refused item's errors as a serializer's: by field, or a list."""
    return error.message_dict if hasattr(error, "error_dict") else error.messages


def _file_result(result, *, refused: str = "", field: str = "non_field_errors") -> Response:
    """A spreadsheet's answer in the bulk answer's shape: entries created and
    unchanged, each refused row (line, column, value, rule), and what the file
    did to herders, records and entries (``spreadsheet``); a whole request
    ``refused``, at its ``field``."""
    errors = [{"index": None, "errors": {field: [refused]}}] if refused else []
    rows_listed, not_listed = listed(result.errors)
    errors += [
        {
            "index": None,
            "line": error.line,
            "column": error.column,
            "value": error.value,
            "errors": {error.column: [error.message]},
        }
        for error in rows_listed
    ]
    body = {
        "created": 0 if errors else result.count("entry", "created"),
        "unchanged": 0 if errors else result.count("entry", "unchanged"),
        "errors": errors,
        "errors_not_listed": not_listed,
        "entries": [],
        "spreadsheet": {
            "rows": result.rows,
            "stored": result.applied,
            **{
                kind: {"created": created, "changed": changed, "unchanged": unchanged}
                for kind, _name, created, changed, unchanged in result.kinds
            },
            "new_herders": [
                {
                    "line": household.line,
                    "village": household.village_id,
                    "village_name": household.village,
                    "name": household.name,
                    "name_latin": household.name_latin,
                    "name_kazakh": household.name_kazakh,
                    "resembles": household.resembles or None,
                }
                for household in result.new_herders
            ],
            "new_herders_not_listed": result.new_herders_not_listed,
        },
    }
    if errors:
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    stored_something = result.applied and any(row[2] or row[3] for row in result.kinds)
    return Response(
        body, status=status.HTTP_201_CREATED if stored_something else status.HTTP_200_OK
    )


class ReportedFigureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Figures as the reports give them, with qualifier, date and the sentence quoted."""

    queryset = ReportedFigure.objects.select_related("report")
    serializer_class = serializers.ReportedFigureSerializer
    filterset_class = filtersets.ReportedFigureFilterSet
    ordering_fields = ["as_of", "id", "value"]
    ordering = ["as_of", "id"]


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reviews of townships' counts as of a date: their state, the totals
    approved and every state change. Read only: states change on the
    township's summary page."""

    queryset = Review.objects.select_related("changed_by", "approved_by")
    serializer_class = serializers.ReviewSerializer
    filterset_class = filtersets.ReviewFilterSet
    ordering_fields = ["as_of", "id"]
    ordering = ["-as_of", "id"]

    def get_serializer(self, *args, **kwargs):
        """The state changes of the reviews being shown, read in one query."""
        if args:
            shown = args[0] if isinstance(args[0], list) else [args[0]]
            changes = (
                Review.history.filter(id__in=[review.pk for review in shown])
                .select_related("changed_by")
                .order_by("history_date", "history_id")
            )
            history: dict[int, list] = {}
            for change in changes:
                history.setdefault(change.id, []).append(change)
            kwargs["context"] = {**self.get_serializer_context(), "history": history}
        return super().get_serializer(*args, **kwargs)


PLACE_LEVELS = {level.name: level.model for level in GRANT_LADDER}


class SummaryView(KnownParametersMixin, APIView):
    """A season's totals as of a date for a place, and a row per place one level
    below it, beside the reported figures: what the summary pages show."""

    permission_classes = [permissions.IsAuthenticated, CanReadRecords]
    query_parameters = (*SummaryQuery.base_fields, "timeliness")

    @extend_schema(
        parameters=[
            OpenApiParameter("season", int, description="Season id (default: the latest)."),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD from 1900-01-01 to today; a day still to come is a "
                "400. Default: today, or the season's end when it is over.",
            ),
            OpenApiParameter(
                "place",
                str,
                description="LEVEL:ID, e.g. county:3 (default: the counties in your scope).",
            ),
            OpenApiParameter(
                "timeliness",
                bool,
                description="true: each monitoring's timeliness too (it reads the entries: "
                "slower, about a second at 100,000 households). Default: false, timeliness null.",
            ),
        ],
        responses=serializers.SummarySerializer,
    )
    def get(self, request):
        query = SummaryQuery(request.query_params, user=request.user, levels=PLACE_LEVELS)
        if not query.is_valid():
            if query.has_error("place", code="no_such_place"):
                raise NotFound(query.errors["place"][0])
            raise ValidationError(query.errors)
        try:
            timeliness = rest_fields.BooleanField().to_internal_value(
                request.query_params.get("timeliness", "false")
            )
        except ValidationError as error:
            raise ValidationError({"timeliness": error.detail}) from error
        summary = place_summary(user=request.user, **query.cleaned_data, desk=True)
        monitoring = summary_monitoring(summary, user=request.user, timeliness=timeliness)
        return Response(
            serializers.SummarySerializer(summary, context={"monitoring": monitoring}).data
        )


class MetricListView(KnownParametersMixin, APIView):
    """The definitions of every count and rate the summaries show: code, name in
    Chinese and English, formula, numerator, denominator, which households count,
    the definition followed and where others differ. Each value of a summary's
    totals is keyed by its metric's code."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=serializers.MetricSerializer(many=True))
    def get(self, request):
        return Response(serializers.MetricSerializer(metrics.METRICS.values(), many=True).data)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any path under the API that names no resource (``/api/v1/entries/1.5e-40/``,
    which the router's patterns do not match): a 404 in JSON, as every other
    answer of the API, whoever asks."""

    permission_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound()
