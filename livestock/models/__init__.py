"""The data: places, seasons, lambing records with their dated entries,
reports with their figures, and users' scope grants. One module per part;
everything is importable from ``livestock.models``."""

from livestock.models import lookups  # noqa: F401 (registers ``__in_array``)
from livestock.models.idempotency import IdempotentRequest
from livestock.models.lambing import HOUSEHOLD_COUNT_LIMIT, LambingEntry, LambingRecord, Season
from livestock.models.places import (
    GRANT_LADDER,
    LADDER,
    LEVEL_NAMED,
    LEVEL_OF,
    County,
    Herder,
    Level,
    Place,
    Prefecture,
    Township,
    Versioned,
    Village,
    villages_within,
)
from livestock.models.reports import Report, ReportedFigure
from livestock.models.review import (
    TRANSITIONS,
    Review,
    ReviewState,
    actions_allowed,
    approved_through,
)
from livestock.models.rollups import DailyRollup, RollupLevel
from livestock.models.scopes import SCOPE_LEVELS, ScopeGrant
from livestock.models.throttles import RequestCount
from livestock.models.users import USER_FIELDS_NOT_KEPT

__all__ = [
    "GRANT_LADDER",
    "LADDER",
    "LEVEL_NAMED",
    "LEVEL_OF",
    "Level",
    "HOUSEHOLD_COUNT_LIMIT",
    "SCOPE_LEVELS",
    "USER_FIELDS_NOT_KEPT",
    "County",
    "DailyRollup",
    "Herder",
    "IdempotentRequest",
    "LambingEntry",
    "LambingRecord",
    "Place",
    "Prefecture",
    "Report",
    "ReportedFigure",
    "RequestCount",
    "Review",
    "TRANSITIONS",
    "actions_allowed",
    "ReviewState",
    "RollupLevel",
    "ScopeGrant",
    "Season",
    "Township",
    "Versioned",
    "Village",
    "approved_through",
    "villages_within",
]
