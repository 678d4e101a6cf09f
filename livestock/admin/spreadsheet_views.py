"""Spreadsheets in the admin: a template to fill in, an import with a preview
before anything is stored, and exports of the change lists as shown (filters,
search and the user's scope), in the columns the import takes back.

The preview is the import itself, rolled back (``import_counts``
with ``dry_run``), so it shows exactly what the confirmation will store. The
file travels from the preview to the confirmation inside the page, signed for
the user who previewed it, so no server keeps it in between.
"""

import base64
import datetime

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from livestock.services.guards import REASON_MAX_LENGTH
from livestock.spreadsheets.exporting import write_csv, write_xlsx
from livestock.spreadsheets.importing import import_counts, listed, may_import
from livestock.spreadsheets.reading import FileRefused
from livestock.spreadsheets.tables import CSV_TYPE, XLSX_TYPE
from livestock.spreadsheets.template import template_rows

# Larger files are for ``manage.py import_counts``; the preview carries the file
# back in the page, which must stay within Django's request limits.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# How long a preview can be confirmed.
PREVIEW_MAX_AGE = datetime.timedelta(hours=2)
KINDS = ("csv", "xlsx")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy(
            "CSV in UTF-8 or GB18030, or XLSX, with the template's columns. "
            "Nothing is stored before you confirm the preview."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("reason for the correction"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Needed when the file changes saved ewes at the season's start."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; the admin takes up to %(limit)s MB. Split it, "
                    "or import it with manage.py import_counts."
                ),
                params={
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": MAX_UPLOAD_BYTES // 1024 // 1024,
                },
            )
        return upload.read()


def _salt(request) -> str:
    return f"livestock.import:{request.user.pk}"


def _sign(request, content: bytes, reason: str) -> str:
    payload = {"content": base64.b64encode(content).decode("ascii"), "reason": reason}
    return signing.dumps(payload, salt=_salt(request), compress=True)


def _unsign(request, token: str) -> tuple[bytes, str]:
    payload = signing.loads(token, salt=_salt(request), max_age=PREVIEW_MAX_AGE)
    return base64.b64decode(payload["content"]), payload["reason"]


def file_response(*, rows, kind: str, name: str) -> HttpResponse:
    """Rows in the import's columns, as a CSV or XLSX download."""
    if kind == "csv":
        content, content_type = write_csv(rows), CSV_TYPE
    else:
        content, content_type = write_xlsx(rows), XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


class SpreadsheetAdminMixin:
    """Export links for a change list (``export_kinds``: what each exports from the
    list's queryset), and, on the record list, the import and its template."""

    # name → (label, function from the list's queryset to rows)
    export_kinds: dict = {}
    with_import = False

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "export/<str:what>.<str:kind>",
                wrap(self.export_view),
                name=f"{prefix}_export",
            ),
        ]
        if self.with_import:
            urls += [
                path("import/", wrap(self.import_view), name=f"{prefix}_import"),
                path(
                    "import/template.<str:kind>",
                    wrap(self.template_view),
                    name=f"{prefix}_import_template",
                ),
            ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_import": may_import(request.user),
            "export_links": [(what, label) for what, (label, _rows) in self.export_kinds.items()],
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request, what: str, kind: str):
        """The list as it is on screen (filters, search, scope), every page of it."""
        if what not in self.export_kinds or kind not in KINDS:
            raise Http404(_("No such download."))
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # The list page sends the user back with "?e=1"; a download says why.
            return HttpResponseBadRequest(
                _("A filter of the list has a value that is not valid; clear the filters."),
                content_type="text/plain; charset=utf-8",
            )
        _label, rows = self.export_kinds[what]
        stamp = timezone.localdate().isoformat()
        return file_response(rows=rows(changelist.queryset), kind=kind, name=f"{what}-{stamp}")

    def template_view(self, request, kind: str):
        if kind not in KINDS:
            raise Http404(_("No such download."))
        return file_response(rows=template_rows(), kind=kind, name="lambing-counts-template")

    def import_view(self, request):
        """Upload → preview (nothing stored) → confirm (stored, all or nothing)."""
        if not may_import(request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import counts from a spreadsheet"),
            "template_kinds": KINDS,
        }
        form = ImportForm()
        if request.method == "POST" and "confirm" in request.POST:
            try:
                content, reason = _unsign(request, request.POST["confirm"])
            except (signing.BadSignature, KeyError, ValueError):
                messages.error(request, _("The preview has expired; upload the file again."))
                return redirect(request.path)
            result = self._run(request, content, reason, dry_run=False, context=context)
            if result is not None and result.applied:
                created = sum(row[2] for row in result.kinds)
                changed = sum(row[3] for row in result.kinds)
                messages.success(
                    request,
                    _("Imported %(rows)s rows: %(created)s created, %(changed)s changed.")
                    % {"rows": result.rows, "created": created, "changed": changed},
                )
                return redirect(reverse("admin:livestock_lambingrecord_changelist"))
        elif request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                content, reason = form.cleaned_data["file"], form.cleaned_data["reason"]
                result = self._run(request, content, reason, dry_run=True, context=context)
                if result is not None and not result.errors:
                    context["confirm"] = _sign(request, content, reason)
        context["form"] = form
        return TemplateResponse(request, "admin/livestock/import.html", context)

    def _run(self, request, content, reason, *, dry_run, context):
        try:
            result = import_counts(
                content=content,
                user=request.user,
                dry_run=dry_run,
                reason=reason,
                source=f"admin {request.method} {request.path}"[:200],
            )
        except FileRefused as refused:
            context["file_error"] = str(refused)
            context["errors"], context["errors_not_listed"] = listed(refused.errors)
            return None
        context["result"] = result
        context["errors"], context["errors_not_listed"] = listed(result.errors)
        return result
