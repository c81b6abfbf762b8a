"""The application factory.

``create_app(settings)`` builds the FastAPI app; its lifespan opens the database, starts
the job runtime (local grading threads or the Celery dispatcher, and the reaper) and
stops them at shutdown. It serves the API under /api/v1, the health and metrics
endpoints, and the web pages (``server.web``). The schema must exist already:
``gradelab serve`` runs the migrations first; the app never creates tables itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from server.api import API_PREFIX
from server.api.main import api_router
from server.api.routes import health
from server.api.timing import ServerTiming
from server.core.config import Settings, app_settings, get_settings
from server.core.db import Database
from server.errors import ServiceError
from server.jobs.runtime import JobRuntime
from server.jobs.similarity_runner import SimilarityRunner
from server.metrics import make_registry
from server.web import pages, similarity_pages
from server.web.pages import error_page

#: The pages' own CSS and script.
WEB_STATIC = Path(pages.__file__).with_name("static")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app_settings(app)
    database = Database.from_settings(settings)
    runtime = JobRuntime(database, settings)
    similarity = SimilarityRunner(database, settings)
    app.state.database, app.state.runtime, app.state.similarity = database, runtime, similarity
    app.state.metrics = make_registry(database, runtime)
    await run_in_threadpool(runtime.start)
    await run_in_threadpool(similarity.start)
    try:
        yield
    finally:
        await run_in_threadpool(similarity.stop)
        await run_in_threadpool(runtime.stop)
        database.dispose()


async def service_error(request: Request, exc: ServiceError) -> Response:
    if getattr(request.state, "web_page", False):
        return error_page(request, exc)
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=exc.headers())


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service; ``settings`` overrides :func:`get_settings` (tests, ``gradelab serve``)."""
    app = FastAPI(
        title="GradeLab",
        version=_version(),
        summary="Submit notebooks, get them graded in a sandbox, read feedback and grades.",
        lifespan=lifespan,
        docs_url=None,   # served below from our own copy of Swagger UI: /docs works offline
        redoc_url=None,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    app.add_exception_handler(ServiceError, service_error)
    app.add_middleware(ServerTiming)
    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(similarity_pages.router)
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
    _offline_docs(app)
    return app


def _offline_docs(app: FastAPI) -> None:
    """/docs and /redoc with Swagger UI and ReDoc served by GradeLab itself (the files
    fastapi-offline ships), never from a CDN."""
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).with_name("static")
    app.mount("/docs/assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                                   oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                                   swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/assets/swagger-ui.css",
                                   swagger_favicon_url="/docs/assets/favicon.png")

    @app.get(app.swagger_ui_oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                              redoc_js_url="/docs/assets/redoc.standalone.js",
                              redoc_favicon_url="/docs/assets/favicon.png", with_google_fonts=False)


def _version() -> str:
    try:
        return version("gradelab")
    except PackageNotFoundError:
        return "0"
