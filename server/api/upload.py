"""Reading a multipart upload from the request stream, with the size cap enforced while
the bytes arrive (a body over ``upload_max_bytes`` is refused before it is all read).

The file part goes to a scratch file in a private directory that the caller deletes;
nothing reaches the database until the upload has been validated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from server.errors import InvalidInput, UnsupportedUpload, UploadTooLarge
from server.validation import safe_filename

#: Room for multipart boundaries and headers on top of the file's own size cap.
ENVELOPE_BYTES = 64 * 1024


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    size: int
    sha256: str
    head: bytes  # the first bytes, to tell a zip from a notebook


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None


async def receive_file(request: Request, directory: Path, *, field_name: str, max_bytes: int) -> ReceivedFile:
    """Stream the multipart body of ``request``; returns its ``field_name`` file part."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UnsupportedUpload(f"send the file as multipart/form-data with a part named {field_name!r} "
                                f"(curl -F {field_name}=@FILE ...)")
    limit = max_bytes + ENVELOPE_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(_too_large(max_bytes))

    reader = _PartReader(directory, field_name, max_bytes)
    parser = MultipartParser(boundary, reader.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise UploadTooLarge(_too_large(max_bytes))
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise InvalidInput(f"the multipart body is malformed ({exc}); send it with curl -F or an HTTP library") from None
    finally:
        reader.close()
    if reader.error is not None:
        raise reader.error
    if reader.result is None:
        raise InvalidInput(f"the request has no file part named {field_name!r}")
    return reader.result


def _too_large(max_bytes: int) -> str:
    return (f"the upload is larger than {max_bytes} bytes, the most accepted; submit only the code and "
            "notebooks (collect_submission's zip), without data sets or checkpoints")


class _PartReader:
    """python-multipart callbacks that write the wanted file part to disk, counting bytes."""

    def __init__(self, directory: Path, field_name: str, max_bytes: int):
        self.directory, self.field_name, self.max_bytes = directory, field_name, max_bytes
        self.result: ReceivedFile | None = None
        self.error: Exception | None = None
        self._part = _Part()
        self._header_field = b""
        self._header_value = b""
        self._file = None
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = b""
        self._path: Path | None = None

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._add("_header_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("_header_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _add(self, attribute: str, data: bytes) -> None:
        setattr(self, attribute, getattr(self, attribute) + data)

    def _begin(self) -> None:
        self._part = _Part()

    def _header_end(self) -> None:
        self._part.headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._part.headers.get(b"content-disposition"))
        self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        if self._part.name != self.field_name or self.error is not None:
            return
        if self.result is not None or self._file is not None:
            self.error = InvalidInput(f"send exactly one file part named {self.field_name!r}")
            return
        try:
            name = safe_filename(self._part.filename)
        except InvalidInput as exc:
            self.error = exc
            return
        self._path = self.directory / name
        self._file = open(self._path, "wb")  # noqa: SIM115 - closed in _end / close

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is None or self.error is not None:
            return
        chunk = data[start:end]
        self._size += len(chunk)
        if self._size > self.max_bytes:
            self.error = UploadTooLarge(_too_large(self.max_bytes))
            self.close()
            raise self.error  # stop parsing: nothing more of this body is read
        if len(self._head) < 8:
            self._head += chunk[: 8 - len(self._head)]
        self._hash.update(chunk)
        self._file.write(chunk)

    def _end(self) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        self.result = ReceivedFile(self._path, self._path.name, self._size, self._hash.hexdigest(), self._head)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
