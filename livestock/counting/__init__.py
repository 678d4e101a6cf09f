"""The pure counting core: what a record's dated entries add up to.

No model, query or request here: plain values in, plain values out, so that
every layer above (services, rollups, selectors, quality, the API) reads the
same answer and the tests read it without a database.

- ``totals``: ``LambingTotals``, a set of records' totals and rates, by name;
- ``flags``: the data-quality flags' definitions (``FlagWalk``);
- ``walk``: a record's entries walked a day at a time: per date its running
  totals, the first counting rule its totals break, and its flags.
"""
