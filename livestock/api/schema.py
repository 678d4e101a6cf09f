"""The API's error answers, documented once for every operation.

drf-spectacular documents the answers a view declares; the errors every
operation can give (a bad parameter, no token, no permission, not in your
places, too many requests …) would otherwise be declared on none, and a
client generated from the schema could not read them. ``document_errors``
(a postprocessing hook, settings ``SPECTACULAR_SETTINGS``) adds each to every
operation that does not declare it, with the body ``livestock.api.errors``
answers: ``{"detail": …}``, or for a 400 the messages keyed by field.

It adds the headers of the field app's script too (``i18n.SHOWN_LANGUAGES_HEADER``,
``i18n.SHOWN_APART_HEADER``) to the operations whose refusals they change: those
said as ``errors.Refusal`` (a rule's, a body that is not JSON, a role that may
not, an object not found by its id, a used uuid, an older version), which any
write and any operation on an object by its id can answer. Asked apart, a
refusal of no field is ``{language: text}`` itself, with no ``detail``: its 403,
404, 409 and 412 are ``Error`` or ``ErrorInEachLanguage``.
"""

from django.conf import settings
from django.utils import translation

from livestock import i18n

ERROR = {
    "type": "object",
    "description": (
        "An error: what went wrong, in the language of Accept-Language, or in the two of "
        f'{i18n.SHOWN_LANGUAGES_HEADER}, "first · beside".'
    ),
    "properties": {"detail": {"type": "string", "description": "What went wrong."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "A refused request: per field (or non_field_errors), the messages naming the rule "
        f"and the value; or a detail. With {i18n.SHOWN_APART_HEADER}: 1, each message that "
        "differs in the two languages is {language: text} (ErrorInEachLanguage), and a body "
        "that is not JSON is refused with that object itself."
    ),
    "additionalProperties": {},
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer"},
    }
}
WRITES = {"post", "put", "patch", "delete"}

# status → (description, component, which methods, headers)
ERRORS = {
    "400": (
        "A parameter or the body is not valid: the messages say which field, rule and value.",
        "ValidationError",
        None,
        None,
    ),
    "401": ("No credentials, or a token that is not valid.", "Error", None, None),
    "403": ("Your role may not do this.", "Error", None, None),
    "404": ("No such object in your places (or no such page).", "Error", None, None),
    "406": ("The API answers in JSON only.", "Error", None, None),
    "409": ("This uuid or Idempotency-Key is used with other content.", "Error", {"post"}, None),
    "412": (
        "If-Match names an older version: it was changed since you read it.",
        "Error",
        {"put", "patch", "delete"},
        None,
    ),
    "413": ("The body is larger than the server takes.", "Error", WRITES, None),
    "415": ("The body's content type is not one this operation reads.", "Error", WRITES, None),
    "429": ("Too many requests; Retry-After says when to try again.", "Error", None, RETRY_AFTER),
}
# The errors said as an ``errors.Refusal`` of no field: ``{language: text}`` when asked apart.
SAID_APART = {"403", "404", "409", "412"}


def error_in_each_language() -> dict:
    """An ``Error`` asked for apart: its two languages' texts, keyed by language."""
    names = {code: translation.get_language_info(code)["name"] for code in dict(settings.LANGUAGES)}
    return {
        "type": "object",
        "description": (
            f"An error asked for with {i18n.SHOWN_LANGUAGES_HEADER} and "
            f"{i18n.SHOWN_APART_HEADER}: 1: what went wrong in each of the two languages, "
            "keyed by language, with no detail."
        ),
        "properties": {
            code: {"type": "string", "description": f"What went wrong, in {name}."}
            for code, name in names.items()
        },
        "additionalProperties": False,
        "minProperties": 2,
        "maxProperties": 2,
    }


def shown_languages_enums() -> dict[str, dict]:
    """The values of the field app's language headers, as components: one enum each
    for a generated client, not one per operation."""
    return {
        "ShownLanguagesEnum": {
            "type": "string",
            "enum": list(dict(settings.LANGUAGES)),
            "description": "A language of the service.",
        },
        "ShownApartEnum": {
            "type": "string",
            "enum": ["1"],
            "description": "1: each language apart.",
            # Its name in a generated client (openapi-python-client): APART, not VALUE_0.
            "x-enum-varnames": ["APART"],
        },
    }


# The headers with which the field app's script asks for a refusal in its page's two
# languages (i18n.asked_languages), and each apart (i18n.asked_apart).
SHOWN_LANGUAGES_PARAMETERS = [
    {
        "in": "header",
        "name": i18n.SHOWN_LANGUAGES_HEADER,
        "required": False,
        "schema": {"$ref": "#/components/schemas/ShownLanguagesEnum"},
        "description": (
            "A field page's language: a refusal of this request (a rule's, a body that is "
            "not JSON, a role that may not, an object not found, a used uuid, an older "
            'version) is said in that page\'s two languages, "first · beside": Chinese with '
            "the English beside it, or Kazakh with the Chinese. Other answers (a query "
            "parameter's refusal, 401, 429 …) are in the language of Accept-Language."
        ),
    },
    {
        "in": "header",
        "name": i18n.SHOWN_APART_HEADER,
        "required": False,
        "schema": {"$ref": "#/components/schemas/ShownApartEnum"},
        "description": (
            f"1, with {i18n.SHOWN_LANGUAGES_HEADER}: each message of a refusal in its two "
            "languages apart, {language: text}; a refusal of no field (403, 404, 409, 412, "
            "a body that is not JSON) is that object itself, with no detail "
            "(ErrorInEachLanguage)."
        ),
    },
]


def document_errors(result, generator, request, public):
    """Every operation's error answers, and its body required when it must send one;
    the field app's language headers where they change a refusal."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    schemas.setdefault("ErrorInEachLanguage", error_in_each_language())
    for name, enum in shown_languages_enums().items():
        schemas.setdefault(name, enum)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            if method in ("post", "put") and "requestBody" in operation:
                # A create or a replacement reads its body: never optional.
                operation["requestBody"]["required"] = True
            # A write's refusals and an object's 404 are errors.Refusal; a list's are not.
            takes_languages = method in WRITES or "{" in path
            if takes_languages:
                operation.setdefault("parameters", []).extend(SHOWN_LANGUAGES_PARAMETERS)
            responses = operation.setdefault("responses", {})
            for status, (description, component, methods, headers) in ERRORS.items():
                content = _json(component, apart=takes_languages and status in SAID_APART)
                declared = responses.get(status)
                if declared is not None and "content" not in declared:
                    # Declared by its view with a description only: the body too.
                    declared["content"] = content
                if status in responses or (methods is not None and method not in methods):
                    continue
                response = {"description": description, "content": content}
                if headers:
                    response["headers"] = headers
                responses[status] = response
    return result


def _json(component: str, *, apart: bool = False) -> dict:
    schema = {"$ref": f"#/components/schemas/{component}"}
    if apart:
        schema = {"oneOf": [schema, {"$ref": "#/components/schemas/ErrorInEachLanguage"}]}
    return {"application/json": {"schema": schema}}
