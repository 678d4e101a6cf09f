"""Writes. The API, imports and commands change herders, records and entries
through these functions, so each write is validated by the model's rules and
serialised per record: the record's row is locked while its entries are
checked and saved, so two technicians adding to one record at once cannot
both pass a check that only one of them may. The admin writes through them
too: an edit made from a page carries the version the page showed
(``seen_version``), and is refused when someone saved a newer one meanwhile.

Each write that changes what a record counts keeps the daily rollups in its
own transaction, and says so (``rollups.changed``, ``rollups.moved``): the
models keep nothing but their own rows.

One module per job: ``guards`` (versions, reasons, locks), ``places`` (households
and places), ``seasons``, ``records``, ``entries``, ``reviews``, ``users``. Import
the function from its module; this package re-exports nothing."""
