"""The wire format between the trusted grader and the student process.

A message is one frame::

    b"GLP1" | u32 header length | header (UTF-8 JSON) | per array: u64 length | .npy bytes

The header is ``{"event": str, "payload": tree, "arrays": n}``. A *tree* is plain data
(None, bool, int, float, str, lists, dicts with str keys) in which each array is replaced
by ``{"__nd__": i}``, the index of an ``.npy`` blob that follows the header. Arrays are
read back with ``numpy.load(..., allow_pickle=False)``, so neither side ever unpickles
what the other wrote; object arrays are refused on both ends.

Torch tensors are sent as numpy arrays (detached, on the CPU); tuples travel as lists.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any, BinaryIO

import numpy as np

MAGIC = b"GLP1"
_HEADER_LEN = struct.Struct("<I")
_ARRAY_LEN = struct.Struct("<Q")
MAX_HEADER_BYTES = 16 * 1024 * 1024


class WireError(Exception):
    """A frame could not be written or read: the peer broke the protocol or went away."""


class PeerClosed(WireError):
    """The stream ended cleanly before a new frame started."""


def _to_plain(value: Any, arrays: list[np.ndarray]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise WireError("object arrays cannot be sent; convert to a numeric dtype")
        arrays.append(np.ascontiguousarray(value))
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise WireError(f"dict keys must be str, got {type(key).__name__}")
            out[key] = _to_plain(item, arrays)
        return out
    if isinstance(value, (list, tuple)):
        return [_to_plain(item, arrays) for item in value]
    if type(value).__module__.startswith("torch"):
        # A tensor or a 0-d tensor; imported lazily so the codec does not need torch.
        detach = getattr(value, "detach", None)
        if detach is not None:
            try:
                array = detach().cpu().numpy()
            except (TypeError, RuntimeError) as exc:  # bfloat16, sparse: no numpy form
                raise WireError(f"cannot send this tensor ({exc}); convert it first") from None
            return _to_plain(array, arrays)
        if type(value).__name__ in ("dtype", "device", "Size"):
            return str(value) if type(value).__name__ != "Size" else list(value)
    raise WireError(f"cannot send a value of type {type(value).__module__}.{type(value).__name__}")


def _from_plain(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__nd__"}:
            index = value["__nd__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise WireError(f"array reference {index!r} out of range")
            return arrays[index]
        return {key: _from_plain(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_plain(item, arrays) for item in value]
    return value


def encode(event: str, payload: Any) -> bytes:
    """One frame holding ``payload`` under ``event``."""
    arrays: list[np.ndarray] = []
    tree = _to_plain(payload, arrays)
    header = json.dumps({"event": event, "payload": tree, "arrays": len(arrays)}).encode()
    parts = [MAGIC, _HEADER_LEN.pack(len(header)), header]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        blob = buffer.getvalue()
        parts += [_ARRAY_LEN.pack(len(blob)), blob]
    return b"".join(parts)


def write_frame(stream: BinaryIO, frame: bytes) -> None:
    """Write a frame made by :func:`encode` (so a sender can encode once and check it)."""
    stream.write(frame)
    stream.flush()


def write_message(stream: BinaryIO, event: str, payload: Any) -> None:
    write_frame(stream, encode(event, payload))


def _read_exact(stream: BinaryIO, size: int, what: str) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise WireError(f"stream ended inside the {what} ({size - remaining} of {size} bytes)")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO, *, max_bytes: int = 512 * 1024 * 1024) -> tuple[str, Any]:
    """The next ``(event, payload)``; raises :class:`PeerClosed` at a clean end of stream."""
    magic = stream.read(len(MAGIC))
    if not magic:
        raise PeerClosed("the peer closed the stream")
    if len(magic) < len(MAGIC):
        magic += _read_exact(stream, len(MAGIC) - len(magic), "frame marker")
    if magic != MAGIC:
        raise WireError(f"bad frame marker {magic!r}: something other than the protocol wrote here")
    (header_len,) = _HEADER_LEN.unpack(_read_exact(stream, _HEADER_LEN.size, "header length"))
    if header_len > MAX_HEADER_BYTES:
        raise WireError(f"header of {header_len} bytes exceeds {MAX_HEADER_BYTES}")
    try:
        header = json.loads(_read_exact(stream, header_len, "header"))
        event, tree, count = header["event"], header["payload"], int(header["arrays"])
    except (ValueError, KeyError, TypeError) as exc:
        raise WireError(f"malformed header: {exc}") from None
    if not isinstance(event, str) or count < 0:
        raise WireError("malformed header")
    arrays, total = [], header_len
    for _ in range(count):
        (size,) = _ARRAY_LEN.unpack(_read_exact(stream, _ARRAY_LEN.size, "array length"))
        total += size
        if total > max_bytes:
            raise WireError(f"message larger than the {max_bytes}-byte limit")
        blob = _read_exact(stream, size, "array")
        try:
            arrays.append(np.load(io.BytesIO(blob), allow_pickle=False))
        except ValueError as exc:
            raise WireError(f"array {len(arrays)} is not a plain .npy array: {exc}") from None
    return event, _from_plain(tree, arrays)

