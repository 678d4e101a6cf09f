from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


class BoundedPagination(PageNumberPagination):
    """Pages of 50 by default; ``page_size`` up to 500, and a clear 400 above it
    rather than a silently smaller page. A ``page`` that is no page number
    (``abc``, ``0``, ``2.5``) is a 400 naming it, and one past the end a 404 that
    says which page was asked for and which is the last: DRF answered both with
    a 404 "Invalid page." that named neither."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        requested = request.query_params.get(self.page_size_query_param)
        in_range = requested is None or (
            requested.isascii()
            and requested.isdigit()
            and len(requested) <= 3
            and 1 <= int(requested) <= self.max_page_size
        )
        if not in_range:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("%(value)s is not a page size; use 1 to %(max)s.")
                        % {"value": requested, "max": self.max_page_size}
                    ]
                }
            )
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        if page_number > paginator.num_pages:
            raise NotFound(
                _("There is no page %(page)s: the last page is %(last)s.")
                % {"page": request.query_params[self.page_query_param], "last": paginator.num_pages}
            )
        self.page = paginator.page(page_number)
        return list(self.page)

    def get_page_number(self, request, paginator) -> int:
        """The page asked for, as a number from 1 (``last``: the last one); a
        number too long to be any page's is past the end."""
        requested = request.query_params.get(self.page_query_param) or "1"
        if requested in self.last_page_strings:
            return paginator.num_pages
        digits = requested.lstrip("0")
        if not (digits.isascii() and digits.isdigit()):  # "" once "0" is stripped
            raise ValidationError(
                {
                    self.page_query_param: [
                        _("%(value)s is not a page number; send a whole number from 1, or last.")
                        % {"value": requested}
                    ]
                }
            )
        return int(digits) if len(digits) <= 18 else paginator.num_pages + 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
