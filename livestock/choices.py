"""The fixed lists of the domain: season kinds, loss causes, survival-check stages,
what a reported figure counts and how exact it is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeasonKind(models.TextChoices):
    WINTER = "winter", _("winter lambing")
    SPRING = "spring", _("spring lambing")


class LossCause(models.TextChoices):
    COLD = "cold", _("cold")
    STARVATION = "starvation", _("starvation")
    DISEASE = "disease", _("disease")
    MISMOTHERING = "mismothering", _("mismothering")
    PREDATOR = "predator", _("predator")
    ACCIDENT = "accident", _("accident")
    UNKNOWN = "unknown", _("unknown")


class CheckStage(models.TextChoices):
    """When a survival check counts the live lambs."""

    BIRTH = "birth", _("at birth")
    DAY_7 = "day7", _("day 7")
    DAY_30 = "day30", _("day 30")
    WEANING = "weaning", _("at weaning")


class Qualifier(models.TextChoices):
    """How a reported number is meant: 多 / 余 say "more than", 左右 says "about"."""

    EXACT = "exact", _("exact")
    MORE_THAN = "more_than", _("more than")
    ABOUT = "about", _("about")


class Unit(models.TextChoices):
    HEAD = "head", _("head")
    HOUSEHOLDS = "households", _("households")
    PERCENT = "percent", _("%")
    KILOGRAMS_PER_DAY = "kg_per_day", _("kg per day")
    KILOGRAMS_PER_HEAD_PER_DAY = "kg_per_head_per_day", _("kg per head per day")
    SQUARE_METRES = "m2", _("m²")
    ENTERPRISES = "enterprises", _("enterprises")


class Metric(models.TextChoices):
    """What a reported figure counts. Its unit follows from it (``METRIC_UNITS``)."""

    EWES = "ewes", _("over-wintering ewes")
    EWES_LAMBED = "ewes_lambed", _("ewes lambed")
    LAMBS_BORN = "lambs_born", _("lambs born")
    LAMB_LOSSES = "lamb_losses", _("lamb losses")
    LAMBS_ALIVE = "lambs_alive", _("lambs alive")
    SHEEP = "sheep", _("sheep in the flock")
    FAMILY_RANCHES = "family_ranches", _("family ranches")
    DAIRY_RANCH_SHARE = "dairy_ranch_share", _("share of family ranches keeping dairy cows")
    RANCH_AREA = "ranch_area", _("ranch area")
    DAIRY_COWS_BROUGHT_IN = "dairy_cows_brought_in", _("dairy cows brought in")
    MILK_YIELD_PER_COW = "milk_yield_per_cow", _("milk yield per cow")
    MILK_SOLD = "milk_sold", _("fresh milk sold")
    DAIRY_PROCESSORS = "dairy_processors", _("dairy processing enterprises")
    PROCESSING_COOPERATIVES = "processing_cooperatives", _("processing cooperatives")
    SALES_POINTS = "sales_points", _("licensed sales points")


METRIC_UNITS: dict[str, str] = {
    Metric.EWES: Unit.HEAD,
    Metric.EWES_LAMBED: Unit.HEAD,
    Metric.LAMBS_BORN: Unit.HEAD,
    Metric.LAMB_LOSSES: Unit.HEAD,
    Metric.LAMBS_ALIVE: Unit.HEAD,
    Metric.SHEEP: Unit.HEAD,
    Metric.FAMILY_RANCHES: Unit.HOUSEHOLDS,
    Metric.DAIRY_RANCH_SHARE: Unit.PERCENT,
    Metric.RANCH_AREA: Unit.SQUARE_METRES,
    Metric.DAIRY_COWS_BROUGHT_IN: Unit.HEAD,
    Metric.MILK_YIELD_PER_COW: Unit.KILOGRAMS_PER_HEAD_PER_DAY,
    Metric.MILK_SOLD: Unit.KILOGRAMS_PER_DAY,
    Metric.DAIRY_PROCESSORS: Unit.ENTERPRISES,
    Metric.PROCESSING_COOPERATIVES: Unit.ENTERPRISES,
    Metric.SALES_POINTS: Unit.ENTERPRISES,
}


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("sent back")
    REOPENED = "reopened", _("reopened")
