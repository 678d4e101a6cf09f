"""What happened to the data: who made each write and through what surface
(``attribution``), the audit trail read from the models' histories
(``trail``), new rows written with their history rows (``bulk_insert``), and
backups of the whole database (``backups``)."""
