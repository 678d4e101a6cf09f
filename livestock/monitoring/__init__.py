"""Watching a season from the officials' desk: whether the counts come in
(``completeness``), which households and townships stand out against their
neighbours (``outliers``), where the season is heading (``forecast``), and the
bureau's bulletin written from all of them (``bulletin``, ``pdf``).

Reads only, like ``selectors``: each function takes the season, the date and
the user (keyword-only) and reads within ``scoping``'s answer, so a page, a
PDF and a test see the same figures.
"""
