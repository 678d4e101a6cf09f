"""Reads: totals and rates of a season as of a date, for one place or per place.

Every page, API response and export asks these functions, so they cannot
disagree. Everything is summed in the database, in one query per call,
whatever the number of herders and entries.

As of a date, a record's counts are the sums of its entries dated on or
before it, and its lambs alive are those of its latest survival check on or
before it. An entry dated later never changes an earlier answer.

One module per job: ``totals`` (sums of the daily rollups), ``records`` (one
record's totals and timeline), ``summaries`` (a place's rows one level down),
``figures`` (the source reports' figures), ``reviews``. Import the function
from its module; this package re-exports nothing.
"""
