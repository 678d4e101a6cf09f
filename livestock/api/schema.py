"""The API's error answers, documented once for every operation.

drf-spectacular documents the answers a view declares; the errors every
operation can give (a bad parameter, no token, no permission, not in your
places, too many requests …) would otherwise be declared on none, and a
client generated from the schema could not read them. ``document_errors``
(a postprocessing hook, settings ``SPECTACULAR_SETTINGS``) adds each to every
operation that does not declare it, with the body ``livestock.api.errors``
answers: ``{"detail": …}``, or for a 400 the messages keyed by field.
"""

ERROR = {
    "type": "object",
    "description": "An error: what went wrong, in the language of Accept-Language.",
    "properties": {"detail": {"type": "string", "description": "What went wrong."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "A refused request: per field (or non_field_errors), the messages naming the rule "
        "and the value; or a detail."
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


def document_errors(result, generator, request, public):
    """Every operation's error answers, and its body required when it must send one."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            if method in ("post", "put") and "requestBody" in operation:
                # A create or a replacement reads its body: never optional.
                operation["requestBody"]["required"] = True
            responses = operation.setdefault("responses", {})
            for status, (description, component, methods, headers) in ERRORS.items():
                declared = responses.get(status)
                if declared is not None and "content" not in declared:
                    # Declared by its view with a description only: the body too.
                    declared["content"] = _json(component)
                if status in responses or (methods is not None and method not in methods):
                    continue
                response = {"description": description, "content": _json(component)}
                if headers:
                    response["headers"] = headers
                responses[status] = response
    return result


def _json(component: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}
