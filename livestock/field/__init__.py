"""The field app (``/field/``): technicians' pages for a day of counting on a
phone, offline when the signal goes. Pages read through ``field.selectors``
(which asks ``selectors``, ``quality`` and ``scoping``), write through
``services``; the script on top keeps an outbox on the phone and sends it
through the API's bulk endpoint (``static/field/field.js``)."""
