"""Which household of a village a new household's name looks like, and how the
two are written differently: what every surface that adds, renames or moves a
household says when it refuses one (``services.places.check_not_lookalike`` for
the admin, the API, the field app and an import's renames; the spreadsheet
import's new households, which it checks in memory against the households it
read, ``spreadsheets.importing``).

A household here is anything with ``id``, ``name``, ``name_latin`` and
``name_kazakh``: a ``Herder``, a row of one read as a tuple, or a household new
on an earlier line of a file (``id`` None).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from livestock.places.names import differences, lookalike_key

DIFFERENCES_SHOWN = 4


@dataclass(frozen=True)
class Resemblance:
    """A household whose name looks like a new one's ``name``."""

    name: str  # the new household's name
    household: Any  # the household it looks like
    written: str  # that household's name (Chinese, Latin or Kazakh) that looks like it

    @property
    def label(self) -> str:
        """The household as a person finds it: its Chinese and Latin names."""
        household = self.household
        return " ".join(filter(None, (household.name, household.name_latin)))

    @property
    def differences(self) -> str | Promise:
        """The characters one name has and the other has not, by code point and
        Unicode name (an invisible one cannot be shown); in words where none
        differs: the two differ by their spaces alone, or are the same name
        (translated as it is shown)."""
        listed = "; ".join(differences(self.name, self.written)[:DIFFERENCES_SHOWN])
        if listed:
            return listed
        if self.name == self.written:
            return _("nothing, the same name")
        return _("spaces")


def resemblance(name: str, households: Iterable[Any]) -> Resemblance | None:
    """The first of ``households`` with a name that looks like ``name``
    (``lookalike_key``: another script's letter, a full-width one, an invisible
    character, a space or a middle dot), or None."""
    key = lookalike_key(name)
    if not key:
        return None
    for household in households:
        for written in (household.name, household.name_latin, household.name_kazakh):
            if written and lookalike_key(written) == key:
                return Resemblance(name=name, household=household, written=written)
    return None
