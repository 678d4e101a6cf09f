"""The API lists' filters and ordering, refused by the parameter the client sent.

django-filter reads ``date_after`` and ``date_before`` as one field, ``date``, and
refused a bad one as ``{"date": ["Enter a valid date."]}``: a field the client never
sent, and no value. Here a range's bad bound is refused at its own parameter, with
the value as sent; every other filter's error is already at its parameter."""

import datetime

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import SuffixedMultiWidget
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from livestock.pages.forms import not_a_date


def is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def sent_parameter_errors(form, params) -> dict:
    """``form``'s errors keyed by the query parameters sent: a date range's
    bounds (``NAME_after``, ``NAME_before``) each at its own, naming its value."""
    errors = {}
    for name, messages in form.errors.items():
        widget = form.fields[name].widget if name in form.fields else None
        if isinstance(widget, SuffixedMultiWidget):
            bounds = [widget.suffixed(name, suffix) for suffix in widget.suffixes]
            bad = {
                bound: [not_a_date(params[bound])]
                for bound in bounds
                if params.get(bound) and not is_date(params[bound])
            }
            if bad:
                errors.update(bad)
                continue
        errors[name] = messages
    return errors


class SentParameterFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise ValidationError(sent_parameter_errors(filterset.form, request.query_params))
        return filterset.qs


class StrictOrderingFilter(OrderingFilter):
    """``ordering`` as DRF reads it (fields separated by commas, ``-`` before one
    for the reverse order), but a field the list cannot be ordered by is refused,
    naming it and the fields it can: DRF drops it, and a client that misspelt
    ``-date`` got the list in another order without a word."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        terms = [term for term in fields if term]
        valid = super().remove_invalid_fields(queryset, terms, view, request)
        refused = [term for term in terms if term not in valid]
        if refused:
            names = (
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            )
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("%(value)s is not a field to order by; use one of: %(fields)s.")
                        % {"value": refused[0], "fields": ", ".join(names)}
                    ]
                }
            )
        return valid
