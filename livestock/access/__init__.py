"""Who may come in and how often: the roles' groups and permissions
(``roles``), the limits on logins and API requests (``throttling``), and the
proxy headers a request may carry (``proxy_headers``)."""
