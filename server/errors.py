"""What the service refuses, as exceptions that map to HTTP answers.

::

    ServiceError                      status   when
    ├── NotAuthenticated               401     no token, or one we do not know (or revoked)
    ├── Forbidden                      403     the token's role may not do this
    │   └── PastCutoff                 403     the assignment's hard cutoff has passed
    ├── NotFound                       404     no such thing, or not yours to see
    ├── Conflict                       409     e.g. an Idempotency-Key reused for other bytes
    ├── UploadTooLarge                 413     the body passed upload_max_bytes while streaming
    ├── UnsupportedUpload              415     neither a zip nor a notebook
    ├── InvalidInput                   422     a submission the grader cannot read, a bad field
    └── TooManySubmissions             429     over the daily cap; carries Retry-After
        └── TooManyRefusedUploads      429     too many refused uploads of late; Retry-After

Each message says what is wrong and what to do; the app answers ``{"detail": message}``.
"""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        return {}


class NotAuthenticated(ServiceError):
    status_code = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(ServiceError):
    status_code = 403


class PastCutoff(Forbidden):
    pass


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class UploadTooLarge(ServiceError):
    status_code = 413


class UnsupportedUpload(ServiceError):
    status_code = 415


class InvalidInput(ServiceError):
    status_code = 422


class TooManySubmissions(ServiceError):
    status_code = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class TooManyRefusedUploads(TooManySubmissions):
    pass
