"""The wire format between the trusted grader and the student process.

A message is one frame::

    b"GLP1" | u32 header length | header (UTF-8 JSON) | per array: u64 length | .npy bytes

The header is ``{"event": str, "payload": tree, "arrays": n}``. A *tree* is plain data
(None, bool, int, float, str, lists, dicts with str keys) in which each array is replaced
by ``{"__nd__": i}``, the index of an ``.npy`` blob that follows the header. Arrays are
read back with ``numpy.load(..., allow_pickle=False)``, so neither side ever unpickles
what the other wrote; object arrays are refused on both ends.

Large inputs (the full profile's 49,000 training images) do not travel in the frame: the
trusted side writes each array over a size threshold once into the run's shared-files
directory, named by its content hash, and sends ``{"__file__": "<sha256>.npy"}``. The
student side maps that file read-only (``mmap_mode="r"``), so it is neither copied
through the pipe nor held twice in memory. Only the trusted side ever writes such files
(see :class:`FileSpill`); a reply that names one is refused.

Torch tensors are sent as numpy arrays (detached, on the CPU); tuples travel as lists.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

MAGIC = b"GLP1"
_HEADER_LEN = struct.Struct("<I")
_ARRAY_LEN = struct.Struct("<Q")
MAX_HEADER_BYTES = 16 * 1024 * 1024
#: The header of a reply the trusted side reads. A correct reply's is a few KiB (its arrays,
#: loss histories included, travel as .npy blobs under the message cap), and JSON grows ~25x
#: when parsed (each "[]," is a list object), so a reply's tree is kept small.
MAX_REPLY_HEADER_BYTES = 1024 * 1024
#: Names of shared files: a content hash, nothing a path could be smuggled through.
_FILE_NAME = re.compile(r"^[0-9a-f]{64}\.npy$")


class WireError(Exception):
    """A frame could not be written or read: the peer broke the protocol or went away."""


class PeerClosed(WireError):
    """The stream ended cleanly before a new frame started."""


class FileSpill:
    """Writes arrays of at least ``threshold_bytes`` into ``directory`` (once per content)
    and stands a ``{"__file__": name}`` reference in for them. Trusted side only."""

    def __init__(self, directory: Path, threshold_bytes: int = 8 << 20):
        self.directory = Path(directory)
        self.threshold_bytes = threshold_bytes

    def __call__(self, array: np.ndarray) -> dict[str, str] | None:
        if array.nbytes < self.threshold_bytes:
            return None
        array = np.ascontiguousarray(array)
        digest = hashlib.sha256()
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
        name = f"{digest.hexdigest()}.npy"
        path = self.directory / name
        if not path.exists():
            partial = path.with_name(f".{name}.{os.getpid()}.partial")
            with open(partial, "wb") as handle:  # a handle: np.save would append ".npy" to a name
                np.save(handle, array, allow_pickle=False)
            partial.chmod(0o444)
            partial.replace(path)
        return {"__file__": name}


def _to_plain(value: Any, arrays: list[np.ndarray], spill: FileSpill | None = None) -> Any:
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
        reference = spill(value) if spill is not None else None
        if reference is not None:
            return reference
        arrays.append(np.ascontiguousarray(value))
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise WireError(f"dict keys must be str, got {type(key).__name__}")
            out[key] = _to_plain(item, arrays, spill)
        return out
    if isinstance(value, (list, tuple)):
        return [_to_plain(item, arrays, spill) for item in value]
    if type(value).__module__.startswith("torch"):
        # A tensor or a 0-d tensor; imported lazily so the codec does not need torch.
        detach = getattr(value, "detach", None)
        if detach is not None:
            try:
                array = detach().cpu().numpy()
            except (TypeError, RuntimeError) as exc:  # bfloat16, sparse: no numpy form
                raise WireError(f"cannot send this tensor ({exc}); convert it first") from None
            return _to_plain(array, arrays, spill)
        if type(value).__name__ in ("dtype", "device", "Size"):
            return str(value) if type(value).__name__ != "Size" else list(value)
    raise WireError(f"cannot send a value of type {type(value).__module__}.{type(value).__name__}")


def _shared_file(name: Any, files_dir: Path | None) -> np.ndarray:
    if files_dir is None:
        raise WireError("a shared-file reference where none may appear")
    if not isinstance(name, str) or not _FILE_NAME.match(name):
        raise WireError(f"bad shared-file name {name!r}")
    try:
        array = np.load(Path(files_dir) / name, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise WireError(f"shared file {name} could not be mapped: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise WireError(f"shared file {name} is not a plain .npy array")
    return array


def _from_plain(value: Any, arrays: list[np.ndarray], files_dir: Path | None = None) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__nd__"}:
            index = value["__nd__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise WireError(f"array reference {index!r} out of range")
            return arrays[index]
        if set(value) == {"__file__"}:
            return _shared_file(value["__file__"], files_dir)
        return {key: _from_plain(item, arrays, files_dir) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_plain(item, arrays, files_dir) for item in value]
    return value


def encode(event: str, payload: Any, *, spill: FileSpill | None = None) -> bytes:
    """One frame holding ``payload`` under ``event``; ``spill`` moves large arrays to files."""
    arrays: list[np.ndarray] = []
    tree = _to_plain(payload, arrays, spill)
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


def write_message(stream: BinaryIO, event: str, payload: Any, *, spill: FileSpill | None = None) -> None:
    write_frame(stream, encode(event, payload, spill=spill))


def _read_exact(stream: BinaryIO, size: int, what: str) -> bytearray:
    """``size`` bytes, read into one buffer (which an array can then use without a copy)."""
    buffer = bytearray(size)
    view, done = memoryview(buffer), 0
    readinto = getattr(stream, "readinto", None)
    while done < size:
        if readinto is not None:
            got = readinto(view[done:])
        else:  # a stream that only reads
            chunk = stream.read(size - done)
            got = len(chunk)
            view[done:done + got] = chunk
        if not got:
            raise WireError(f"stream ended inside the {what} ({done} of {size} bytes)")
        done += got
    return buffer


def _read_array(blob: bytearray, index: int) -> np.ndarray:
    """The array in one ``.npy`` blob, its header checked before anything is allocated:
    numpy would allocate whatever shape a header declares before reading a byte of data."""
    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            raise ValueError(f".npy format version {version} (1.0 and 2.0 are read)")
        shape, fortran_order, dtype = read_header(stream, max_header_size=10_000)
    except (ValueError, SyntaxError, TypeError) as exc:
        raise WireError(f"array {index} is not a plain .npy array: {exc}") from None
    if dtype.hasobject:
        raise WireError(f"array {index} is not a plain .npy array: it holds Python objects (pickled)")
    count = 1
    for size in shape:
        count *= size
    declared, held = count * dtype.itemsize, len(blob) - stream.tell()
    if declared != held:
        raise WireError(f"array {index} declares shape {shape} of {dtype} ({declared} bytes) but holds {held} bytes")
    array = np.frombuffer(blob, dtype=dtype, count=count, offset=stream.tell())
    # The blob's own bytes, not a copy (the blob is a bytearray, so the array is writable).
    return array.reshape(shape[::-1]).transpose() if fortran_order else array.reshape(shape)


def read_message(stream: BinaryIO, *, max_bytes: int = 512 * 1024 * 1024, max_header_bytes: int = MAX_HEADER_BYTES,
                 files_dir: Path | None = None) -> tuple[str, Any]:
    """The next ``(event, payload)``; raises :class:`PeerClosed` at a clean end of stream.

    ``max_bytes``: the largest message read (its header included, and never more than
    ``max_header_bytes`` of header): a bigger one is refused before its data is read, with
    :class:`WireError`, as is anything that would make the reader allocate more than the
    frame holds (an .npy header declaring a larger shape, JSON nested too deep to parse).
    ``files_dir``: where ``{"__file__": ...}`` references point (the student side's view
    of the shared-files directory); None refuses them (the trusted side reading replies)."""
    magic = stream.read(len(MAGIC))
    if not magic:
        raise PeerClosed("the peer closed the stream")
    if len(magic) < len(MAGIC):
        magic += _read_exact(stream, len(MAGIC) - len(magic), "frame marker")
    if magic != MAGIC:
        raise WireError(f"bad frame marker {magic!r}: something other than the protocol wrote here")
    (header_len,) = _HEADER_LEN.unpack(_read_exact(stream, _HEADER_LEN.size, "header length"))
    header_cap = min(max_header_bytes, max_bytes)
    if header_len > header_cap:
        raise WireError(f"a message header of {header_len} bytes, over the {header_cap}-byte cap on headers "
                        "(arrays go as arrays, not as lists)")
    try:
        header = json.loads(_read_exact(stream, header_len, "header"))
        event, tree, count = header["event"], header["payload"], int(header["arrays"])
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise WireError(f"malformed header: {type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(event, str) or count < 0:
        raise WireError("malformed header")
    arrays, total = [], header_len
    for _ in range(count):
        (size,) = _ARRAY_LEN.unpack(_read_exact(stream, _ARRAY_LEN.size, "array length"))
        total += size
        if total > max_bytes:
            raise WireError(f"a message of more than {total} bytes, over the {max_bytes}-byte cap on messages "
                            "(the limit is GRADELAB_MAX_MESSAGE_BYTES)")
        arrays.append(_read_array(_read_exact(stream, size, "array"), len(arrays)))
    try:
        return event, _from_plain(tree, arrays, files_dir)
    except RecursionError:
        raise WireError("malformed payload: nested too deep") from None
