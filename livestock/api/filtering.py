"""The API lists' filters, refused by the parameter the client sent.

django-filter reads ``date_after`` and ``date_before`` as one field, ``date``, and
refused a bad one as ``{"date": ["Enter a valid date."]}``: a field the client never
sent, and no value. Here a range's bad bound is refused at its own parameter, with
the value as sent; every other filter's error is already at its parameter."""

import datetime

from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import SuffixedMultiWidget
from rest_framework.exceptions import ValidationError

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
