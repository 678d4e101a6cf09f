"""The places one level below a page's place, as the summary's rows are."""

from livestock.models import Place
from livestock.places import scoping
from livestock.selectors import summaries


def places_below(*, user: scoping.User, place: Place | None) -> tuple[list[Place], type[Place]]:
    """The places one level below ``place`` that ``user`` may see, in the
    order they were set up (with no place, the overview's counties or
    prefectures), and their model: the summary's rows (``summaries.places_below``)."""
    return summaries.places_below(user=user, place=place)
