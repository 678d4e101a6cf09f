"""The field app's pages: Today, a village's batch entry, a household; and what
the phone keeps for offline work: the rules description, the roster, the
service worker. Login required, the technician's role (may add entries),
everything within ``scoping``; writes through ``services``, reads through
``field.selectors``. The pages work without the script (each form posts to
the server); with it, entries go to the phone's outbox and on to the API."""

import datetime
import json
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.utils.translation.trans_real import DjangoTranslation
from django.views import View
from django.views.i18n import JavaScriptCatalog

from livestock import i18n
from livestock.access import sessions
from livestock.api.views import etag_of
from livestock.field import catalogs, forms, rules_description
from livestock.field import selectors as field_selectors
from livestock.filtersets import possible_id
from livestock.models import (
    Herder,
    LambingEntry,
    LambingRecord,
    ReportedFigure,
    Season,
    Village,
    approved_through,
)
from livestock.places import names, scoping
from livestock.selectors.records import record_timeline
from livestock.selectors.totals import lambing_totals, records_within
from livestock.services.entries import EntryConflict, entry_create, entry_delete, entry_update
from livestock.services.guards import REASON_MAX_LENGTH
from livestock.services.places import herder_create
from livestock.services.records import record_create

STATIC = Path(__file__).resolve().parent.parent / "static" / "field"
# Whose page or file of the field app an answer is (the user's id): the phone keeps
# it for offline work as theirs alone (static/field/kept.js).
KEPT_FOR_HEADER = "X-Field-User"


class TechnicianView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A technician's page: logged in, and a role that may add counts."""

    login_url = "admin:login"
    permission_required = "livestock.add_lambingentry"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.today = timezone.localdate()
        self.season = field_selectors.current_season(self.today)

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            return render(self.request, "field/no_role.html", status=403)
        if sessions.session_ended(self.request):
            # Told in words the script can read that nobody is logged in; a page opened
            # is sent to the login page, which tells the phone so itself.
            return sessions.told_session_ended(HttpResponse(status=403))
        return super().handle_no_permission()

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if request.user.is_authenticated:
            response[KEPT_FOR_HEADER] = str(request.user.pk)
        return response

    def context(self, **extra) -> dict:
        """What every field page draws with; a row's blank count inputs are drawn
        once a page (``blank_inputs``), not once a household."""
        rules = extra.setdefault(
            "rules", rules_description.describe(season=self.season, today=self.today)
        )
        blank_inputs = render_to_string(
            "field/_count_inputs.html",
            {"rules": rules, "values": None, "default_date": self.today.isoformat()},
        )
        return {
            "today": self.today,
            "season": self.season,
            "nonce": uuid.uuid4(),
            "blank_inputs": blank_inputs,
            # A record's ewes named as the model names them (季初能繁母羊, docs/glossary.md),
            # as its form's label and its errors are.
            "ewes_label": LambingRecord._meta.get_field("ewes_at_start").verbose_name,
            **extra,
        }


def _apply(form, error: ValidationError) -> None:
    """A service's refusal shown on the form, at its field when it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _villages_with_households(villages, households) -> list[dict]:
    """Each village with a row (an entry form) per household, those needing a
    visit first; villages with households to visit first."""
    by_village: dict[int, list] = {}
    for household in households:
        by_village.setdefault(household.herder.village_id, []).append(household)
    found = [
        {
            "village": village,
            "rows": [{"h": h, "form": None} for h in by_village.get(village.pk, [])],
            "need_visit": sum(h.needs_visit for h in by_village.get(village.pk, [])),
        }
        for village in villages
    ]
    return sorted(found, key=lambda village: not village["need_visit"])


class TodayPage(TechnicianView):
    """The technician's villages, each with its households of the season:
    running totals as of today, the last count, flags; those needing a visit
    first. ``q`` searches Chinese and Latin names."""

    def get(self, request):
        search = request.GET.get("q", "")
        households = []
        if self.season is not None:
            households = field_selectors.households(
                user=request.user, season=self.season, as_of=self.today, search=search
            )
        villages = list(field_selectors.villages(user=request.user))
        if search:
            shown = {household.herder.village_id for household in households}
            villages = [village for village in villages if village.pk in shown]
        villages = _villages_with_households(villages, households)
        context = self.context(
            search=search,
            villages=villages,
            # In the order of the rows below, as the script lists them after an upload.
            need_visit=[
                row["h"] for village in villages for row in village["rows"] if row["h"].needs_visit
            ],
            rules=rules_description.describe(season=self.season, today=self.today),
        )
        return render(request, "field/today.html", context)


class VillagePage(TechnicianView):
    """A village's batch entry: a row per household taking today's count,
    saved row by row (each a form, posted here without the script) or all at
    once (the script), each saved row showing its new running total."""

    def get_village(self, pk: int) -> Village:
        villages = scoping.within(self.request.user, Village.objects.select_related("township"))
        return get_object_or_404(villages, pk=pk)

    def get(
        self,
        request,
        pk: int,
        *,
        refused: dict | None = None,
        new_household: forms.NewHouseholdForm | None = None,
        new_record: tuple[int, forms.NewRecordForm] | None = None,
        status: int = 200,
    ):
        """The page; drawn again with a refused form (a row's by record, the new
        household's, a new record's by herder) showing what was typed and why."""
        village = self.get_village(pk)
        households = []
        if self.season is not None:
            households = field_selectors.households(
                user=request.user, season=self.season, as_of=self.today, village=village
            )
        refused = refused or {}
        refused_herder, refused_record = new_record or (None, None)
        context = self.context(
            without_record=[
                {"herder": herder, "form": refused_record if herder.pk == refused_herder else None}
                for herder in self.without_record(village)
            ],
            village=village,
            rows=[{"h": h, "form": refused.get(h.record.pk)} for h in households],
            new_household=new_household or forms.NewHouseholdForm(),
            rules=rules_description.describe(season=self.season, today=self.today),
        )
        return render(request, "field/village.html", context, status=status)

    def without_record(self, village: Village) -> list[Herder]:
        """The village's households with no record for the season yet."""
        if self.season is None:
            return []
        herders = scoping.visible(self.request.user, Herder.objects.filter(village=village))
        return list(herders.exclude(lambing_records__season=self.season).order_by("name", "pk"))

    def post(self, request, pk: int):
        village = self.get_village(pk)
        if request.POST.get("action") == "new_household":
            return self.new_household(request, village)
        if request.POST.get("action") == "new_record":
            herders = scoping.visible(request.user, Herder.objects.filter(village=village))
            herder = get_object_or_404(herders, pk=_posted_id(request, "herder"))
            return self.new_record(request, herder)
        records = records_within(season=self.season, place=village, user=request.user)
        record = get_object_or_404(records, pk=_posted_id(request, "record"))
        form = forms.EntryForm(request.POST)
        if form.is_valid():
            try:
                entry_create(
                    record=record,
                    uuid=_entry_uuid(request.POST.get("nonce"), record),
                    created_by=request.user,
                    **form.cleaned_data,
                )
            except EntryConflict:
                # Lazy: the page says it in its two languages (``message_both``), as
                # it says every other refusal.
                form.add_error(
                    None, gettext_lazy("This entry was already saved with other counts.")
                )
            except ValidationError as error:
                _apply(form, error)
        if not form.is_valid():
            return self.get(request, pk, refused={record.pk: form}, status=400)
        totals = lambing_totals(season=self.season, as_of=self.today, place=record.herder)
        messages.success(
            request,
            i18n.in_both(
                gettext_noop("%(household)s saved: lambs born %(born)s, lambs lost %(lost)s."),
                household=record.herder.name,
                born=totals.lambs_born,
                lost=totals.lamb_losses,
            ),
        )
        return HttpResponseRedirect(f"{request.path}#record-{record.pk}")

    def new_record(self, request, herder: Herder):
        if self.season is None:
            return HttpResponseRedirect(request.path)
        made = _new_record(request, herder=herder, season=self.season)
        if isinstance(made, LambingRecord):
            return HttpResponseRedirect(reverse("field:record", args=[made.pk]))
        return self.get(request, herder.village_id, new_record=(herder.pk, made), status=400)

    def new_household(self, request, village: Village):
        form = forms.NewHouseholdForm(request.POST)
        if form.is_valid() and self.season is not None:
            try:
                with transaction.atomic():
                    herder = herder_create(
                        village=village,
                        name=form.cleaned_data["name"],
                        name_latin=form.cleaned_data["name_latin"],
                        name_kazakh=form.cleaned_data["name_kazakh"],
                        confirm_distinct=form.cleaned_data["confirm_distinct"],
                    )
                    record = record_create(
                        herder=herder,
                        season=self.season,
                        ewes_at_start=form.cleaned_data["ewes_at_start"],
                    )
            except ValidationError as error:
                _apply(form, error)
            else:
                return HttpResponseRedirect(reverse("field:record", args=[record.pk]))
        return self.get(request, village.pk, new_household=form, status=400)


def _new_record(request, *, herder: Herder, season: Season) -> LambingRecord | forms.NewRecordForm:
    """A household's record for ``season`` from a posted form: the record made, or
    the form refused (by the counts' rule, or the service's), to be shown again.
    One the household has already (the form sent twice: a double tap without the
    script, a second phone) is the record it leads to: the page that offered the
    form offers it no more, and its refusal was a page with nothing said. When
    the ewes typed are not the record's, the page says the record was there."""
    made = LambingRecord.objects.filter(herder=herder, season=season).first()
    if made is not None:
        typed = request.POST.get("ewes_at_start", "").strip()
        if typed != ("" if made.ewes_at_start is None else str(made.ewes_at_start)):
            messages.warning(
                request,
                i18n.in_both(gettext_noop("This household already has a record for this season.")),
            )
        return made
    form = forms.NewRecordForm(request.POST)
    if form.is_valid():
        try:
            return record_create(
                herder=herder, season=season, ewes_at_start=form.cleaned_data["ewes_at_start"]
            )
        except ValidationError as error:
            _apply(form, error)
    return form


def _posted_id(request, name: str) -> int | None:
    """The id a form posted in ``name``; None (so not found, as an id of no
    record) when it is not a whole number an id can be (``possible_id``), never a 500."""
    return possible_id(request.POST.get(name, ""))


def _entry_uuid(nonce: str | None, record: LambingRecord) -> uuid.UUID | None:
    """An entry posted without the script is named by the page it came from
    (a nonce made when the page was drawn) and its record: the same form sent
    twice (a double tap, a resend) is stored once. One nonce a page, not a
    uuid a row, so that a page of hundreds of rows compresses to little."""
    try:
        return uuid.uuid5(uuid.UUID(nonce), str(record.pk)) if nonce else None
    except ValueError:
        return None


# The dates and the entries a household's page shows at once, newest first: two weeks
# of daily counts. A season's record holds 50 to 150 entries; shown whole, the page
# was 23,700 px tall at 150, the latest count's correction seven screens down past
# every date's totals. The earlier ones are on the page too, each list behind a line
# that opens it (kept for offline work with the page).
RECENT_SHOWN = 14


class RecordPage(TechnicianView):
    """A household's record: totals as of each date (read only), its reported
    figures, its entries each with a correction or deletion that needs a
    reason, and a new record for the season when it has none."""

    def get_record(self, pk: int) -> LambingRecord:
        records = scoping.visible(
            self.request.user,
            LambingRecord.objects.select_related("herder__village__township", "season"),
        )
        return get_object_or_404(records, pk=pk)

    def get(
        self,
        request,
        pk: int,
        *,
        forms_by_entry: dict | None = None,
        new_record: forms.NewRecordForm | None = None,
        status: int = 200,
    ):
        record = self.get_record(pk)
        entries = list(
            scoping.visible(request.user, LambingEntry.objects.filter(record=record))
            .select_related("created_by")
            .order_by("-date", "-pk")
        )
        forms_by_entry = forms_by_entry or {}
        locked_through = approved_through(season_id=record.season_id, herder_id=record.herder_id)
        rows = [
            {
                "entry": entry,
                "etag": etag_of(entry),
                "form": forms_by_entry.get(entry.pk),
                "locked": _locked(entry, record=record, locked_through=locked_through),
            }
            for entry in entries
        ]
        figures = (
            scoping.visible(request.user, ReportedFigure.objects.filter(herder=record.herder))
            .select_related("report")
            .order_by("-as_of", "metric")
        )
        other_seasons = []
        if self.season is not None and record.season_id != self.season.pk:
            other_seasons = [self.season]
        household = next(
            iter(
                field_selectors.households(
                    user=request.user,
                    season=record.season,
                    as_of=self.today,
                    record_ids={record.pk},
                )
            ),
            None,
        )
        # Lambs alive as every surface shows them: "—" before a survival check.
        timeline = [
            (date, totals, totals.shown("lambs_alive"))
            for date, totals in reversed(record_timeline(record=record))
        ]
        context = self.context(
            record=record,
            herder=record.herder,
            row={"h": household, "form": None} if household else None,
            timeline=timeline[:RECENT_SHOWN],
            earlier_timeline=timeline[RECENT_SHOWN:],
            entries=rows[:RECENT_SHOWN],
            earlier_entries=rows[RECENT_SHOWN:],
            # An earlier entry's correction refused (drawn again with its errors) shows.
            earlier_entries_open=any(row["form"] for row in rows[RECENT_SHOWN:]),
            figures=figures,
            new_record_seasons=[
                season
                for season in other_seasons
                if not LambingRecord.objects.filter(herder=record.herder, season=season).exists()
            ],
            new_record=new_record,
            reason_max_length=REASON_MAX_LENGTH,
            rules=rules_description.describe(season=record.season, today=self.today),
        )
        return render(request, "field/record.html", context, status=status)

    def post(self, request, pk: int):
        record = self.get_record(pk)
        action = request.POST.get("action")
        if action == "new_record":
            return self.new_record(request, record)
        entry = get_object_or_404(
            scoping.visible(request.user, LambingEntry.objects.filter(record=record)),
            pk=_posted_id(request, "entry"),
        )
        form_class = forms.DeletionForm if action == "delete" else forms.CorrectionForm
        form = form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version, reason = data.pop("version"), data.pop("reason")
            try:
                if action == "delete":
                    entry_delete(entry=entry, reason=reason, seen_version=version)
                else:
                    entry_update(entry=entry, reason=reason, seen_version=version, **data)
            except ValidationError as error:
                _apply(form, error)
        if not form.is_valid():
            return self.get(request, pk, forms_by_entry={entry.pk: form}, status=400)
        if action == "delete":
            messages.success(request, i18n.in_both(gettext_noop("Entry deleted.")))
        else:
            messages.success(request, i18n.in_both(gettext_noop("Saved.")))
        return HttpResponseRedirect(request.path)

    def new_record(self, request, record: LambingRecord):
        if self.season is None:
            return HttpResponseRedirect(request.path)
        made = _new_record(request, herder=record.herder, season=self.season)
        if isinstance(made, LambingRecord):
            return HttpResponseRedirect(reverse("field:record", args=[made.pk]))
        return self.get(request, record.pk, new_record=made, status=400)


def _locked(entry: LambingEntry, *, record: LambingRecord, locked_through) -> bool:
    """Whether ``entry`` is locked by its township's approval (the model's one check,
    given the date looked up once for the page): shown 🔒 with no correction or
    deletion, as the admin shows it. Offered one, the technician's change went to the
    outbox and came back refused, under 需要处理, once the signal returned."""
    entry.record = record
    entry.locked_through_known = True
    entry.locked_through = locked_through
    try:
        entry.check_not_locked()
    except ValidationError:
        return True
    return False


class EntryChange(TechnicianView):
    """Who last changed an entry, when and why, from its history: what the phone says
    of a correction made offline that met a change made meanwhile (a conflict), in
    place of the API's 412, which names an ETag."""

    def get(self, request, pk: int):
        entry = get_object_or_404(scoping.visible(request.user, LambingEntry.objects.all()), pk=pk)
        latest = entry.history.select_related("history_user").order_by("-history_date").first()
        if latest is None:
            return JsonResponse({"changed_by": None, "changed_at": None, "reason": ""})
        user = latest.history_user
        return JsonResponse(
            {
                "changed_by": user.get_username() if user is not None else None,
                "changed_at": timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M"),
                "reason": latest.history_change_reason or "",
            },
            json_dumps_params={"ensure_ascii": False},
        )


def offline_page(request):
    """What a field page asked for offline is answered with when the phone may show
    none it kept: never kept, or kept for someone who has since logged out (or for
    another user). Kept by the service worker at installation, for anyone: in every
    language of the app, since it cannot know the page's."""
    # Chinese first, English beside it, then Kazakh in each script (the settings' order).
    first = [i18n.CHINESE, "en"]
    languages = sorted(
        settings.LANGUAGES,
        key=lambda language: first.index(language[0]) if language[0] in first else len(first),
    )
    return render(request, "field/offline.html", {"languages": languages})


class RulesDescription(TechnicianView):
    """The per-entry rules as JSON, for checking an entry on the phone offline."""

    def get(self, request):
        description = rules_description.describe(season=self.season, today=self.today)
        return JsonResponse(description, json_dumps_params={"ensure_ascii": False})


class Roster(TechnicianView):
    """The technician's households, records, totals as of today, flags (by key,
    with each flag's label in every language) and villages, and the season's
    dates: what the phone keeps to work offline.
    ``since`` (the ``refreshed`` of the last answer) sends only the records
    changed after it, with the ids of every record so the phone drops the
    others; ``full`` says which it is."""

    # Writes committed just after a roster was read may carry an earlier time:
    # a refresh looks this far back before ``since``.
    OVERLAP = datetime.timedelta(minutes=2)

    def since(self, value: str, *, refreshed: datetime.datetime) -> datetime.datetime | None:
        """The time to look back to for ``since``; None (the whole roster) for a
        time that is not one (2024-13-45), has no zone, or lies beyond what a
        date can hold once moved (0001-01-01), or comes after this answer's own
        (9999-12-31): no ``refreshed`` the server sent can be later than now."""
        try:
            since = parse_datetime(value)
            if since is None or not timezone.is_aware(since) or since > refreshed:
                return None
            return since - self.OVERLAP
        except (ValueError, OverflowError):
            return None

    def get(self, request):
        refreshed = timezone.now()
        body = {"refreshed": refreshed.isoformat(), "today": self.today.isoformat()}
        if self.season is None:
            return JsonResponse({**body, "full": True, "season": None, "households": []})
        since = self.since(request.GET.get("since", ""), refreshed=refreshed)
        changed = None
        if since is not None:
            changed = field_selectors.changed_since(
                user=request.user, season=self.season, since=since
            )
        households = field_selectors.households(
            user=request.user, season=self.season, as_of=self.today, record_ids=changed
        )
        all_ids = list(
            records_within(season=self.season, user=request.user).values_list("pk", flat=True)
        )
        villages = field_selectors.villages(user=request.user)
        body.update(
            full=changed is None,
            season={
                "id": self.season.pk,
                "name": self.season.name,
                "start": self.season.start_date.isoformat(),
                "end": self.season.end_date.isoformat(),
            },
            record_ids=all_ids,
            # How names are written, for a search on the phone to find them as the
            # server does (livestock/places/names.py).
            spelling=names.SPELLING,
            villages=[
                {
                    "id": village.pk,
                    "name": village.name,
                    "name_latin": village.name_latin,
                    "url": reverse("field:village", args=[village.pk]),
                }
                for village in villages
            ],
            households=[_household_json(household) for household in households],
            flag_labels=rules_description.flag_labels(),
        )
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _household_json(household: field_selectors.Household) -> dict:
    record, herder, totals = household.record, household.herder, household.totals
    return {
        "record": record.pk,
        "version": record.version,
        "herder": herder.pk,
        "name": herder.name,
        "name_latin": herder.name_latin,
        "name_kazakh": herder.name_kazakh,
        "village": herder.village_id,
        "ewes_at_start": record.ewes_at_start,
        "totals": {
            "ewes_lambed": totals.ewes_lambed,
            "lambs_born": totals.lambs_born,
            "lamb_losses": totals.lamb_losses,
            "lambs_alive": household.lambs_alive,
        },
        "last_count": household.last_count.isoformat() if household.last_count else None,
        "flags": [flag.key for flag in household.flags],
        "sent_back": bool(household.sent_back),
        "needs_visit": household.needs_visit,
    }


def _filled(text: str, marker: str, value: str) -> str:
    if marker not in text:
        raise ValueError(f"{marker!r} is not in the service worker any more")
    return text.replace(marker, value)


def service_worker(request):
    """The service worker, served from ``/field/`` so that it may control the
    field app's pages (a worker's scope is the folder it is served from)."""
    worker = (STATIC / "sw.js").read_text(encoding="utf-8")
    worker = _filled(
        worker, "const CATALOGS = [];", f"const CATALOGS = {json.dumps(catalogs.catalog_urls())};"
    )
    offline_files = [static("field/kept.js"), static("field/offline.js")]
    worker = _filled(
        worker,
        "const NOT_AVAILABLE_FILES = [];",
        f"const NOT_AVAILABLE_FILES = {json.dumps(offline_files)};",
    )
    worker = _filled(
        worker,
        'importScripts("/static/field/kept.js");',
        f"importScripts({json.dumps(static('field/kept.js'))});",
    )
    response = HttpResponse(worker, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("field:today")
    return response


def manifest(request):
    """The app as a phone installs it, named in the two languages of the page it is
    installed from (the icons and the rest are the static file's)."""
    app = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    first, beside = i18n.shown_languages()
    texts = {}
    for language in (first, beside):
        with translation.override(language):
            texts[language] = {
                "name": _("Lambing-season tracker: field app"),
                "short_name": _("Lambing field app"),
                "description": _("A technician's daily counts, offline too."),
            }
    app.update(
        name=f"{texts[first]['name']} · {texts[beside]['name']}",
        short_name=texts[first]["short_name"],
        description=f"{texts[first]['description']} {texts[beside]['description']}",
        lang=first,
        dir=i18n.text_direction(first),
    )
    response = JsonResponse(app, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Cookie, Accept-Language"
    return response


class FieldCatalog(JavaScriptCatalog):
    """The texts the field app's script writes (``static/field/field.js``: the outbox,
    the sync's state, what needs attention), as Django's JavaScript catalog of our
    ``djangojs`` domain, in the two languages a page in ``language`` shows: the first
    as ``django.gettext``, the one beside it as ``django.besideCatalog``.

    The language is in the address, not taken from the cookie: the service worker
    keeps one copy per address, and a page kept for offline work must find its own
    language's catalog, whatever language was used since."""

    domain = "djangojs"
    packages = ["livestock"]

    def get(self, request, language: str):
        if language not in dict(settings.LANGUAGES):
            raise Http404(language)
        first, beside = i18n.shown_languages(language)
        self.translation = DjangoTranslation(
            beside, domain=self.domain, localedirs=self.get_paths(self.packages)
        )
        self.beside = self.get_catalog() if beside != "en" else {}  # English is the msgids
        with translation.override(first):
            return super().get(request)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        beside = json.dumps(self.beside, ensure_ascii=False, sort_keys=True)
        response.content += f"\nwindow.django.besideCatalog = {beside};\n".encode()
        return response
