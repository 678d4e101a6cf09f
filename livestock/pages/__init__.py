"""The officials' pages: a season's summary as of a date from the counties in
the user's scope down to a herder (``views``), what a summary is asked for
(``forms``), its columns written once for the page and its files
(``summary_table``), its charts (``charts``), and the answer to a link to a
place outside the user's places (``out_of_scope``)."""
