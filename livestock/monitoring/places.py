"""The places one level below a page's place, as the summary's rows are."""

from livestock import scoping, selectors
from livestock.models import Place


def places_below(*, user: scoping.User, place: Place | None) -> tuple[list[Place], type[Place]]:
    """The places one level below ``place`` that ``user`` may see, in the
    order they were set up (``selectors.CHILD_LEVEL``; with no place, the
    overview's counties or prefectures), and their model."""
    child_model, parent_field = selectors.CHILD_LEVEL[type(place) if place else None]
    if place is None:
        child_model = selectors.overview_level(user)
    children = child_model.objects.order_by("pk")
    if parent_field:
        children = children.filter(**{parent_field: place})
    return list(scoping.visible(user, children)), child_model
