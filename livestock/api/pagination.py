from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class BoundedPagination(PageNumberPagination):
    """Pages of 50 by default; ``page_size`` up to 500, and a clear 400 above it
    rather than a silently smaller page."""

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
                    self.page_size_query_param: _("%(value)s is not a page size; use 1 to %(max)s.")
                    % {"value": requested, "max": self.max_page_size}
                }
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
