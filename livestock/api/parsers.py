"""How the API reads a JSON body: as DRF does, but bounded by its nesting.

Python's decoder recurses once per level, so a body of 10,000 ``[`` (20 KB)
ends in a ``RecursionError``, which is no ``ValueError`` and was answered as
a 500. No request of this API nests deeper than a list of entries of fields
(three levels), so a body nested deeper than ``MAX_DEPTH`` is refused as a
400 that names the limit, whether the decoder gave up or not.

A number too large for a float (``1e400``) is refused as DRF refuses ``NaN``
and ``Infinity``: Python's decoder reads it as infinity, which no field of
ours can hold, and an id of infinity was a 500 (``OverflowError`` while the
database's query was made).
"""

import codecs
import json
import math

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32


def finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        strict_constant(text)  # raises its ValueError, which names the number
    return number


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # JSONParser.parse, with the floats' hook added.
        try:
            data = json.load(
                codecs.getreader(get_encoding(parser_context or {}))(stream),
                parse_constant=strict_constant,
                parse_float=finite_float,
            )
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = depth_over(data, MAX_DEPTH)
        if too_deep:
            raise ParseError(
                _("JSON parse error - nested too deep: at most %(depth)s levels.")
                % {"depth": MAX_DEPTH}
            )
        return data


def depth_over(data, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` deep, walked without
    recursion (a deep value must not overflow this check either)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
