"""Request and response bodies, per resource and per role of the data (``XCreate``,
``XPublic``, list wrappers with a count)."""
