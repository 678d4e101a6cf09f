"""The audit trail in the admin, for superusers: every change to every audited
model, filtered by date, user, model, surface and place, a page at a time, and
as CSV or XLSX. The rows come from ``audit_trail``; the screen and the files
show the same columns (``Change.as_row``)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from livestock.audit import trail
from livestock.audit.attribution import Surface
from livestock.models import County, Township
from livestock.spreadsheets import tables

PAGE_SIZE = 50
# The files are read this many changes at a time: a few queries per chunk.
EXPORT_CHUNK = 1000


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    user = forms.CharField(label=gettext_lazy("user name"), required=False, max_length=150)
    model = forms.ChoiceField(label=gettext_lazy("kind of object"), required=False)
    surface = forms.ChoiceField(
        label=gettext_lazy("surface"),
        required=False,
        choices=[("", "—"), *Surface.choices],
    )
    place = forms.ChoiceField(label=gettext_lazy("place"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "—")] + [
            (label, history.instance_type._meta.verbose_name)
            for label, history in trail.audited_models().items()
        ]
        self.fields["place"].choices = [("", "—")] + [
            (f"{model._meta.model_name}:{place.pk}", f"{model._meta.verbose_name} · {place}")
            for model in (County, Township)
            for place in model.objects.order_by("name")
        ]

    def clean_user(self):
        name = self.cleaned_data["user"].strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("No user is named %(name)s."), params={"name": name})
        return user

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return cleaned

    def audit_filter(self) -> trail.AuditFilter:
        data = self.cleaned_data
        level, _colon, place_id = (data.get("place") or "").partition(":")
        return trail.AuditFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            user_id=data["user"].pk if data.get("user") else None,
            model=data.get("model") or None,
            surface=data.get("surface") or None,
            place_level=level or None,
            place_id=int(place_id) if place_id else None,
        )


def audit_view(request: HttpRequest) -> HttpResponse:
    """The list, or with ``?format=csv`` / ``xlsx`` every change it holds as a file."""
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only a superuser may read the audit trail."))
    form = AuditFilterForm(request.GET or None)
    context = {
        **admin.site.each_context(request),
        "title": _("Audit trail"),
        "form": form,
        "headers": trail.HEADERS,
    }
    if request.GET and not form.is_valid():
        return render(request, "admin/audit_trail.html", context, status=400)
    audit_filter = form.audit_filter() if form.is_bound else trail.AuditFilter()
    changes = trail.changes(audit_filter)
    kind = request.GET.get("format")
    if kind in ("csv", "xlsx"):
        return _export(kind, form, changes)
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context.update(
        page=page,
        changes=trail.describe(list(page.object_list)),
        query=query.urlencode(),
    )
    return render(request, "admin/audit_trail.html", context)


def _export(kind: str, form: AuditFilterForm, changes: trail.ChangeList) -> HttpResponse:
    rows = [
        change.as_row()
        for chunk in changes.chunks(EXPORT_CHUNK)
        for change in trail.describe(chunk)
    ]
    filters = []
    for name, value in form.cleaned_data.items() if form.is_bound else []:
        if value:
            choices = dict(getattr(form.fields[name], "choices", []))
            filters.append((str(form.fields[name].label), str(choices.get(value, value))))
    context = [
        (_("Audit trail"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        *filters,
    ]
    return tables.table_file(
        kind=kind,
        filename="audit-trail",
        context=context,
        headers=[str(header) for header in trail.HEADERS],
        rows=rows,
    )
