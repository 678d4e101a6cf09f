"""Places and their names: which places, herders, records and figures a user
may see (``scoping``), how a name is stored and searched (``names``), and the
report data's places, seasons and figures loaded (``report_data``). The place
ladder itself is beside the place models (``models/places.py``: ``LADDER``)."""
