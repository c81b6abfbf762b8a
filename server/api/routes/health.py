"""/healthz (database and queue reachable; how a sandbox here is confined) and /metrics
(Prometheus), outside /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from grader.sandbox.health import describe_sandbox
from server.api.deps import DatabaseDep, RuntimeDep, SettingsDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(database: DatabaseDep, runtime: RuntimeDep, settings: SettingsDep) -> JSONResponse:
    """200 when the database answers and the queue (broker, or local workers) works; 503 otherwise.

    ``sandbox`` says how a sandbox started on this machine would be confined (its memory cap
    above all: where no cgroup can be made it says so); it does not change the status."""
    checks, healthy = {}, True
    for name, probe in (("database", database.ping), ("queue", runtime.check)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unavailable: {type(exc).__name__}: {exc}"
            healthy = False
    checks["dispatch"] = runtime.mode
    checks["sandbox"] = describe_sandbox(settings)
    return JSONResponse({"status": "ok" if healthy else "unavailable", **checks}, status_code=200 if healthy else 503)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
