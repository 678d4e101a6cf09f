"""Counts as spreadsheets: a township centre's file of herders, records and
dated entries read in, and the same columns written out.

One row is one herder household, optionally with its record for a season
(``season``, ``ewes_at_start``), optionally with one dated entry of that
record (``date`` and the counts). Places and herders are named by their
Chinese or Latin name, or by id. Exports write the same columns, with the
herder's id and each entry's ``uuid``, so that an export imports back as
"unchanged".

An import is one transaction (all or nothing) run as the importing user
(``attribution.acting_as``), and every write goes through the services, so the
counting rules, the models' ``clean()`` and the record locks apply exactly as
on every other surface. A preview is the same import rolled back.

Each entry needs an identity, so that a file imported twice stores nothing
the second time: its ``uuid`` column when given, otherwise a UUID derived
(uuid5) from its record and its content. Two rows of one file with the same
identity are refused: if both counts are real, give each its own uuid.

One module per job: ``columns`` (declared once), ``reading`` (a file into
rows, within limits), ``importing``, ``exporting``, ``template``, and
``tables`` (any table as a CSV or XLSX file). This package re-exports nothing.
"""
