"""The field app's inputs, drawn from the rules description: a field's value by
its name, from a bound form's data, an entry, or nothing; and the address of a
page's catalog."""

from django import template

from livestock.field.catalogs import catalog_url

register = template.Library()


@register.filter
def value_of(values, name: str):
    """``values[name]`` of a form's data, or ``values.name`` of an entry; none
    without values (a blank row)."""
    if values is None:
        return None
    if hasattr(values, "get"):
        return values.get(name)
    return getattr(values, name, None)


@register.simple_tag
def field_catalog_url(language: str) -> str:
    """The address of the catalog of ``language``, with its texts' version."""
    return catalog_url(language)
