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

What it refuses is a ``NotJSON``, which says what is wrong (the decoder's own
words, with the line and column where it stopped) in whichever language it is
asked, so that the answer says it in each language asked for, as every refusal
(``errors.Refusal``).
"""

import codecs
import json
import math

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32


class NotJSON(ParseError):
    """A body the parser refused: ``message`` (a msgid, marked with
    ``gettext_noop``) filled with ``params``, said by ``say()`` in the active
    language, so that the answer can say it in each language asked for."""

    def __init__(self, message: str, **params):
        self.message = message
        self.params = params
        super().__init__(self.say())

    def say(self) -> str:
        return _(self.message) % self.params


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
        except json.JSONDecodeError as error:
            # Where the decoder stopped, and what it expected there in its own words.
            raise NotJSON(
                gettext_noop(
                    "The request's body is not valid JSON at line %(line)s, column "
                    "%(column)s (%(error)s); nothing was stored."
                ),
                line=error.lineno,
                column=error.colno,
                error=error.msg,
            ) from None
        except ValueError as error:  # not UTF-8, or a number too large (finite_float)
            raise NotJSON(
                gettext_noop(
                    "The request's body is not valid JSON (%(error)s); nothing was stored."
                ),
                error=str(error),
            ) from None
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = depth_over(data, MAX_DEPTH)
        if too_deep:
            raise NotJSON(
                gettext_noop(
                    "The request's body is JSON nested too deep (at most %(depth)s levels of "
                    "lists and objects); nothing was stored."
                ),
                depth=MAX_DEPTH,
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
