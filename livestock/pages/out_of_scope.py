"""The answer to a link to a place outside the user's places, shared by every
page that is asked for a place (the summaries, the bulletin, the outliers, the
reporting rates), so that all of them say it the same way."""

from urllib.parse import urlencode

from django.shortcuts import render

from livestock.pages.forms import SummaryQuery


def out_of_scope(request, query: SummaryQuery):
    """A link to a place outside the user's places (or to none): a page that
    says so and leads back to the user's own places, as a 404. Every page
    asked for a place answers it so (the summaries, the bulletin, the
    outliers, the reporting rates)."""
    season = query.cleaned_data.get("season")
    as_of = query.cleaned_data.get("as_of")
    params = {"season": season.pk if season else "", "as_of": as_of.isoformat() if as_of else ""}
    back = "?" + urlencode({key: value for key, value in params.items() if value})
    context = {"message": query.errors["place"][0], "back": back}
    return render(request, "livestock/out_of_scope.html", context, status=404)
