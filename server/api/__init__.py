"""The HTTP API: routes, their dependencies, upload streaming and response views."""

#: Where version 1 of the API lives.
API_PREFIX = "/api/v1"
