"""The source reports and the figures taken from them: added and corrected by
the admin's pages and by the report data's loader (``manage.py seed_reports``),
each validated by the model (a figure's places must lie in one another)."""

from django.db import models, transaction

from livestock.models import Report, ReportedFigure
from livestock.services.guards import only_fields


def _editable(model: type[models.Model]) -> set[str]:
    return {
        field.name
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key
    }


def _create(model: type[models.Model], name: str, fields: dict) -> models.Model:
    only_fields(name, fields, _editable(model), verb="set")
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    return obj


def _update(obj: models.Model, name: str, changes: dict) -> models.Model:
    only_fields(name, changes, _editable(type(obj)), verb="change")
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def report_create(**fields) -> Report:
    """A report: its key, title, publisher, authors, date and source."""
    return _create(Report, "report_create", fields)


@transaction.atomic
def report_update(report: Report, **changes) -> Report:
    return _update(report, "report_update", changes)


@transaction.atomic
def figure_create(**fields) -> ReportedFigure:
    """A figure as a report states it, at its place (the levels above it given
    too), for a season or none, as of a date."""
    return _create(ReportedFigure, "figure_create", fields)


@transaction.atomic
def figure_update(figure: ReportedFigure, **changes) -> ReportedFigure:
    return _update(figure, "figure_update", changes)
