"""Who may come in and how often: the roles' groups and permissions
(``roles``), the limits on logins and API requests (``throttling``), the
proxy headers a request may carry (``proxy_headers``), and how the field app's
phone is told its technician's session has ended (``sessions``)."""
