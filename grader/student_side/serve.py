"""The student process: answers ``run`` requests by running scenarios on the submission.

Started inside the sandbox as::

    python -I -B -c "<bootstrap>" --runtime DIR --submission DIR --package cs231n [--device cpu] [--threads N]
        [--inputs DIR]

Events (see ``wire``):

- out ``ready``   {python, numpy, torch, cuda}            once, after start-up
- in  ``run``     {id, scenario: "module.function", inputs: tree}
- out ``result``  {id, outputs: tree}
- out ``failed``  {id, kind, type, message, traceback}
  kind: ``not_implemented`` | ``missing`` | ``import_error`` | ``not_defined`` |
  ``exception`` | ``bad_output`` | ``bad_request``
- in  ``shutdown``

The protocol owns the process's original stdin and stdout. Student code sees an empty
stdin, and whatever it prints goes to stderr, which the trusted side reads (bounded)
as the check's output.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import traceback
from pathlib import Path
from typing import Any

from student_side import wire
from student_side.loader import Implementation, LoadFailure

MAX_TRACEBACK_CHARS = 4000
#: Requests come from the trusted grader and are not capped here (replies are capped on the
#: trusted side); large arrays arrive as read-only mapped files, not in the frame.
MAX_REQUEST_BYTES = sys.maxsize


def _claim_protocol_streams() -> tuple[Any, Any]:
    """Keep fds 0/1 for the protocol; give student code /dev/null and stderr instead."""
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto_in, proto_out


def _student_traceback(exc: BaseException, submission: Path) -> str:
    """The traceback, keeping the frames in the submission and the last frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    kept = [f for f in frames if str(submission) in f.filename or f.filename.startswith("<") or ".ipynb[" in f.filename]
    if frames and (not kept or kept[-1] is not frames[-1]):
        kept.append(frames[-1])
    text = "".join(traceback.format_list(kept)) + "".join(traceback.format_exception_only(type(exc), exc))
    return text[-MAX_TRACEBACK_CHARS:]


def _where_raised(exc: BaseException, submission: Path) -> str:
    """``cs231n/layers.py, line 170, in batchnorm_forward``: the student's deepest frame."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if str(submission) in frame.filename or ".ipynb[" in frame.filename:
            name = frame.filename.replace(f"{submission}/", "")
            return f"{name}, line {frame.lineno}, in {frame.name}"
    return ""


def _failed(request_id: Any, kind: str, error_type: str, message: str, trace: str = "") -> bytes:
    return wire.encode("failed", {"id": request_id, "kind": kind, "type": error_type, "message": message,
                                  "traceback": trace})


def _run(impl: Implementation, request: dict[str, Any], submission: Path) -> bytes:
    """The reply frame to one ``run`` request: ``result``, or ``failed`` saying why."""
    request_id = request.get("id")
    scenario = request.get("scenario", "")
    module_name, _, function_name = str(scenario).rpartition(".")
    try:
        function = getattr(importlib.import_module(f"scenarios.{module_name}"), function_name)
    except (ImportError, AttributeError, ValueError) as exc:
        return _failed(request_id, "bad_request", type(exc).__name__, f"unknown scenario {scenario!r}: {exc}")
    try:
        outputs = function(impl, **(request.get("inputs") or {}))
    except NotImplementedError as exc:
        where = _where_raised(exc, submission)
        return _failed(request_id, "not_implemented", "NotImplementedError",
                       f"{where or 'your code'} still raises NotImplementedError", _student_traceback(exc, submission))
    except LoadFailure as exc:
        return _failed(request_id, exc.kind, "LoadFailure", str(exc))
    except BaseException as exc:  # noqa: BLE001 - report anything the student code raises
        if isinstance(exc, KeyboardInterrupt):
            raise
        message = f"called sys.exit({exc.code!r})" if isinstance(exc, SystemExit) else str(exc)
        return _failed(request_id, "exception", type(exc).__name__, message[:2000], _student_traceback(exc, submission))
    try:
        return wire.encode("result", {"id": request_id, "outputs": outputs})
    except wire.WireError as exc:
        return _failed(request_id, "bad_output", "WireError",
                       f"the implementation returned something that is not plain data: {exc}")


def _versions() -> dict[str, Any]:
    import numpy

    info: dict[str, Any] = {"python": platform.python_version(), "numpy": numpy.__version__}
    try:
        import torch

        info.update(torch=torch.__version__, cuda=bool(torch.cuda.is_available()))
    except Exception as exc:  # noqa: BLE001 - torch is optional for some assignments
        info.update(torch=None, torch_error=f"{type(exc).__name__}: {exc}", cuda=False)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="student_side.serve")
    parser.add_argument("--runtime", type=Path, required=True)
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--inputs", type=Path, default=None, help="the run's shared input files (read-only)")
    args = parser.parse_args(argv)

    proto_in, proto_out = _claim_protocol_streams()
    sys.path.insert(0, str(args.runtime))
    if args.threads:
        try:
            import torch

            torch.set_num_threads(args.threads)
        except Exception:  # noqa: BLE001, S110 - torch may be absent; threads then don't matter
            pass
    impl = Implementation(args.submission, args.package, device=args.device)
    os.chdir(os.environ.get("TMPDIR", "/tmp"))
    wire.write_message(proto_out, "ready", _versions())
    while True:
        try:
            event, payload = wire.read_message(proto_in, max_bytes=MAX_REQUEST_BYTES, files_dir=args.inputs)
        except wire.PeerClosed:
            return 0
        if event == "shutdown":
            return 0
        if event == "run" and isinstance(payload, dict):
            wire.write_frame(proto_out, _run(impl, payload, args.submission))
        else:
            wire.write_frame(proto_out, _failed(None, "bad_request", "", f"unexpected event {event!r}"))


if __name__ == "__main__":
    sys.exit(main())
