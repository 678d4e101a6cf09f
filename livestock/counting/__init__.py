"""Counting: what a record's dated entries add up to, and where it is kept.

The pure core holds no model, query or request: plain values in, plain values
out, so that every layer above (services, rollups, selectors, quality, the
API) reads the same answer and the tests read it without a database.

- ``rules``: the counting rules of DOMAIN.md and their messages (pure);
- ``totals``: ``LambingTotals``, a set of records' totals and rates, by name (pure);
- ``flags``: the data-quality flags' definitions (``FlagWalk``, pure);
- ``walk``: a record's entries walked a day at a time: per date its running
  totals, the first counting rule its totals break, and its flags (pure);
- ``metrics``: the registry of what the summaries count and the rates they
  show, with their names and definitions for people;
- ``rollups``: the daily rollups kept from each record's walk (writes, called
  by the services only);
- ``quality``: the flags counted per place and per record, from the rollups.
"""
