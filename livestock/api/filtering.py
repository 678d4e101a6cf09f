"""The API's query parameters: each request takes only those its endpoint reads
(``KnownParametersMixin``), and the lists' filters and ordering are refused by
the parameter the client sent.

A parameter no endpoint reads was ignored, and the answer looked like one to what
was asked: ``/herders/?cuonty=2`` listed every household of the prefecture,
``/entries/?date=2025-02-11`` every entry of every day (the filter is
``date_after`` / ``date_before``). Now it is a 400 at that parameter listing
the ones the endpoint takes: ``format``, the pagination's on a list, the
filters and ordering wherever the view filters its queryset (a list, and an
object read, changed or deleted by its id), and whatever the view reads itself
(``query_parameters``: a record's ``as_of``, a deletion's ``reason``).

django-filter reads ``date_after`` and ``date_before`` as one field, ``date``, and
refused a bad one as ``{"date": ["Enter a valid date."]}``: a field the client never
sent, and no value. Here a range's bad bound is refused at its own parameter, with
the value as sent; every other filter's error is already at its parameter."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import MultiWidget
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import SuffixedMultiWidget
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.settings import api_settings

from livestock.filtersets import iso_date, not_a_date, sent_more_than_once


def is_date(value: str) -> bool:
    try:
        iso_date(value)
    except DjangoValidationError:
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


def _filter_parameters(filterset_class) -> tuple[str, ...]:
    """The query parameters ``filterset_class`` reads: a filter's name, or the
    names its form field's widget reads (a range's ``NAME_after``, ``NAME_before``)."""
    names = []
    for name, filter_ in filterset_class.base_filters.items():
        widget = filter_.field.widget
        if isinstance(widget, SuffixedMultiWidget):
            names += [widget.suffixed(name, suffix) for suffix in widget.suffixes]
        elif isinstance(widget, MultiWidget):
            names += [name + suffix for suffix in widget.widgets_names]
        else:
            names.append(name)
    return tuple(names)


class SentParameterFilterBackend(DjangoFilterBackend):
    def parameter_names(self, view) -> Iterable[str]:
        """The parameters the view's filters read (a date range's two bounds)."""
        filterset_class = self.get_filterset_class(view, view.queryset)
        return _filter_parameters(filterset_class) if filterset_class else ()

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

    def parameter_names(self, view) -> Iterable[str]:
        return (self.ordering_param,)


class KnownParametersMixin:
    """Refuses a request sent a query parameter its endpoint does not read (see
    the module's docstring), or one parameter more than once (every parameter
    takes one value: the last was read, the others dropped), once the request is
    authenticated and allowed: an anonymous client learns no endpoint's
    parameters."""

    # Parameters the view reads itself, on every action.
    query_parameters: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        accepted = self.accepted_parameters()
        unknown = [name for name in request.query_params if name not in accepted]
        if unknown:
            listed = ", ".join(sorted(accepted))
            raise ValidationError(
                {
                    name: [
                        _("%(name)s is not a parameter of this request; it takes: %(accepted)s.")
                        % {"name": name, "accepted": listed}
                    ]
                    for name in unknown
                }
            )
        repeated = sent_more_than_once(request.query_params)
        if repeated:
            raise ValidationError({name: [message] for name, message in repeated.items()})

    def accepted_parameters(self) -> set[str]:
        accepted = {api_settings.URL_FORMAT_OVERRIDE, *self.query_parameters}
        action = getattr(self, "action", None)
        if action == "list" and getattr(self, "paginator", None) is not None:
            paginator = self.paginator
            accepted |= {paginator.page_query_param, paginator.page_size_query_param}
        # get_object() filters the queryset too: an object by its id is read,
        # changed or deleted within the filters sent.
        if action == "list" or getattr(self, "detail", False):
            for backend in getattr(self, "filter_backends", ()):
                accepted.update(backend().parameter_names(self))
        accepted.discard(None)
        return accepted
