"""The API's description (/api/schema/) and its interactive docs (/api/docs/),
taking only the query parameters they read, as every endpoint of the API does
(``KnownParametersMixin``).

drf-spectacular's views read ``lang`` (the language the descriptions are
written in) and ``format`` (``json`` or ``yaml`` for the schema); the docs page
passes its ``lang`` on to its start-up script and to the schema it loads, and
asks for that script with ``script``. Anything else was ignored: a misspelt
``?formt=json`` answered YAML, ``?lang=english`` the default language. Its
``version`` is not taken either: this API is versioned by its path (/api/v1/),
and a ``?version=`` was written into the schema's own version as sent.

Their errors are answered in JSON, as the API's are (``errors.exception_handler``):
the schema's renderers would write a 400 as YAML by default, and the docs page's
as an HTML page that named neither the parameter nor the rule.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from livestock.api.filtering import KnownParametersMixin

LANGUAGE_PARAMETER = "lang"


class DocumentationParametersMixin(KnownParametersMixin):
    query_parameters = (LANGUAGE_PARAMETER,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        language = request.query_params.get(LANGUAGE_PARAMETER)
        languages = [code for code, _name in settings.LANGUAGES]
        if language is not None and language not in languages:
            raise ValidationError(
                {
                    LANGUAGE_PARAMETER: [
                        _("%(value)s is not a language of this service; use one of: %(codes)s.")
                        % {"value": language, "codes": ", ".join(languages)}
                    ]
                }
            )

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(DocumentationParametersMixin, SpectacularAPIView):
    """The OpenAPI 3 schema, in YAML or JSON (``format`` or the Accept header)."""


class DocsView(DocumentationParametersMixin, SpectacularSwaggerSplitView):
    """Swagger UI, its start-up script served from its own URL (``?script=``)."""

    query_parameters = (LANGUAGE_PARAMETER, "script")
