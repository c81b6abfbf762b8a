import io
import json

import numpy as np
import pytest

from grader.student_side import wire


def roundtrip(payload):
    return wire.read_message(io.BytesIO(wire.encode("x", payload)))


def test_nested_values_and_arrays_survive_the_trip():
    payload = {"a": np.arange(6.0).reshape(2, 3), "b": [1, 2.5, None, True, "s"], "c": {"d": np.int64(4)},
               "e": (np.float32(1.5), np.array([1, 2], dtype=np.int32))}
    event, got = roundtrip(payload)
    assert event == "x"
    np.testing.assert_array_equal(got["a"], payload["a"])
    assert got["b"] == [1, 2.5, None, True, "s"]
    assert got["c"] == {"d": 4} and isinstance(got["c"]["d"], int)
    assert got["e"][0] == 1.5 and got["e"][1].dtype == np.int32


def test_torch_tensors_become_arrays():
    torch = pytest.importorskip("torch")
    _, got = roundtrip({"t": torch.ones(2, 2, requires_grad=True) * 2})
    assert isinstance(got["t"], np.ndarray) and got["t"].sum() == 8


def test_tensors_without_a_numpy_form_are_refused_not_crashed_on():
    torch = pytest.importorskip("torch")
    for tensor in (torch.ones(2, dtype=torch.bfloat16), torch.ones(2).to_sparse()):
        with pytest.raises(wire.WireError, match="cannot send this tensor"):
            wire.encode("x", {"t": tensor})


@pytest.mark.parametrize("bad", [np.array([object()], dtype=object), {1: "non-str key"}, object()])
def test_unsendable_values_are_refused(bad):
    with pytest.raises(wire.WireError):
        wire.encode("x", {"v": bad})


def test_a_pickled_array_is_refused_on_reading():
    frame = bytearray(wire.encode("x", {"a": np.zeros(3)}))
    # Splice in an object-array .npy (pickled payload) in place of the real array.
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    blob = buffer.getvalue()
    header_end = 8 + int.from_bytes(frame[4:8], "little")
    forged = bytes(frame[:header_end]) + len(blob).to_bytes(8, "little") + blob
    with pytest.raises(wire.WireError, match="not a plain .npy"):
        wire.read_message(io.BytesIO(forged))


def test_garbage_and_truncation_are_protocol_errors():
    with pytest.raises(wire.WireError, match="bad frame marker"):
        wire.read_message(io.BytesIO(b"hello world, not a frame"))
    frame = wire.encode("x", {"a": np.zeros(100)})
    with pytest.raises(wire.WireError, match="stream ended"):
        wire.read_message(io.BytesIO(frame[:-10]))
    with pytest.raises(wire.PeerClosed):
        wire.read_message(io.BytesIO(b""))


def test_size_limit_is_enforced():
    frame = wire.encode("x", {"a": np.zeros(1000)})
    with pytest.raises(wire.WireError, match="limit"):
        wire.read_message(io.BytesIO(frame), max_bytes=500)


def test_large_arrays_travel_as_shared_read_only_files(tmp_path):
    spill = wire.FileSpill(tmp_path, threshold_bytes=1024)
    big, small = np.arange(1000, dtype=np.float64).reshape(10, 100), np.arange(3)
    frame = wire.encode("x", {"big": big, "small": small, "again": [big]}, spill=spill)
    assert len(frame) < big.nbytes  # the big array is not in the frame
    assert len(list(tmp_path.glob("*.npy"))) == 1  # written once, whatever the references
    _, got = wire.read_message(io.BytesIO(frame), files_dir=tmp_path)
    np.testing.assert_array_equal(got["big"], big)
    np.testing.assert_array_equal(got["again"][0], big)
    assert isinstance(got["big"], np.memmap) and not got["big"].flags.writeable
    assert not isinstance(got["small"], np.memmap)


def test_a_shared_file_reference_is_refused_where_none_may_appear(tmp_path):
    spill = wire.FileSpill(tmp_path, threshold_bytes=0)
    frame = wire.encode("x", {"a": np.zeros(4)}, spill=spill)
    with pytest.raises(wire.WireError, match="shared-file reference"):
        wire.read_message(io.BytesIO(frame))  # the trusted side reading a reply


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a.npy", 7])
def test_a_shared_file_name_cannot_point_elsewhere(tmp_path, name):
    header = json.dumps({"event": "x", "payload": {"a": {"__file__": name}}, "arrays": 0}).encode()
    frame = wire.MAGIC + len(header).to_bytes(4, "little") + header
    with pytest.raises(wire.WireError, match="bad shared-file name"):
        wire.read_message(io.BytesIO(frame), files_dir=tmp_path)


def _frame_with_blob(blob: bytes, header: bytes | None = None) -> bytes:
    header = header or json.dumps({"event": "result", "payload": {"__nd__": 0}, "arrays": 1}).encode()
    return wire.MAGIC + wire._HEADER_LEN.pack(len(header)) + header + wire._ARRAY_LEN.pack(len(blob)) + blob


def test_an_npy_header_that_declares_more_than_its_bytes_is_refused_before_allocating():
    # 128 bytes of .npy claiming 2**40 float64s: numpy would allocate 8 TiB before reading.
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)})
    blob = buffer.getvalue() + b"\0" * 64
    with pytest.raises(wire.WireError, match="declares"):
        wire.read_message(io.BytesIO(_frame_with_blob(blob)), max_bytes=1 << 20)


def test_a_header_over_the_message_cap_is_refused():
    frame = wire.encode("result", {"losses": [0.5] * 100_000})
    with pytest.raises(wire.WireError, match="10000-byte cap"):
        wire.read_message(io.BytesIO(frame), max_bytes=10_000)


def test_a_reply_header_that_would_parse_into_hundreds_of_megabytes_is_refused():
    # 16 MiB of "[]," parses into 5.6M list objects (about 400 MiB); a reply's header is capped.
    frame = wire.encode("result", {"out": [[]] * 400_000})
    with pytest.raises(wire.WireError, match=f"{wire.MAX_REPLY_HEADER_BYTES}-byte cap on headers"):
        wire.read_message(io.BytesIO(frame), max_bytes=64 << 20, max_header_bytes=wire.MAX_REPLY_HEADER_BYTES)
    assert wire.read_message(io.BytesIO(frame), max_bytes=64 << 20)[1]["out"] == [[]] * 400_000  # requests: 16 MiB


def test_deeply_nested_json_is_a_protocol_error_not_a_crash_of_the_reader():
    depth = 200_000
    header = ('{"event": "result", "arrays": 0, "payload": ' + "[" * depth + "]" * depth + "}").encode()
    frame = wire.MAGIC + wire._HEADER_LEN.pack(len(header)) + header
    with pytest.raises(wire.WireError):
        wire.read_message(io.BytesIO(frame), max_bytes=1 << 20)
