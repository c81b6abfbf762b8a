"""``gradelab serve``, ``gradelab worker`` and ``gradelab admin``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from gradelab.settings import Settings, get_settings


def _settings(**overrides) -> Settings:
    settings = get_settings()
    changes = {key: value for key, value in overrides.items() if value is not None}
    return settings.model_copy(update=changes) if changes else settings


def _database(settings: Settings):
    """Bring the schema up to date, then open the database."""
    from server.core.db import Database
    from server.core.migrate import upgrade

    upgrade(settings)
    return Database.from_settings(settings)


@click.command("serve")
@click.option("--host", help="Default: GRADELAB_HOST or 127.0.0.1.")
@click.option("--port", type=int, help="Default: GRADELAB_PORT or 8000.")
@click.option("--workers", "local_workers", type=int,
              help="Local grading threads (default GRADELAB_LOCAL_WORKERS); ignored with a broker.")
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Make the demo student 'demo' and print a token for it.")
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve_command(host: str | None, port: int | None, local_workers: int | None, demo: bool,
                  access_log: bool) -> None:
    """Run the grading service: the API under uvicorn, and (without GRADELAB_BROKER_URL)
    the local grading workers. Migrates the database and registers the assignments under
    solutions/ on first start; prints the URL and fresh tokens."""
    import uvicorn

    from server.app import create_app
    from server.bootstrap import register_assignments, startup_tokens
    from server.core.logging import configure_logging

    settings = _settings(host=host, port=port, local_workers=local_workers)
    configure_logging(settings.log_level)
    database = _database(settings)
    try:
        with database.session() as session:
            registered = register_assignments(session, settings)
            tokens = startup_tokens(session, demo_student=demo)
    finally:
        database.dispose()

    url = f"http://{settings.host}:{settings.port}"
    mode = f"Celery on {settings.broker_url}" if settings.broker_url else f"{settings.local_workers} local workers"
    click.echo(f"GradeLab at {url}  (sign in there with a token; API docs: {url}/docs)")
    click.echo(f"Database: {_safe_url(settings.resolved_database_url())}; grading: {mode}")
    if registered:
        click.echo(f"Registered assignments: {', '.join(registered)}")
    for name, token in tokens.items():
        click.echo(f"Token for {name}: {token}")
    if "demo" in tokens:
        click.echo(f"Try: gradelab submit a2_code_submission.zip --assignment a2 --server {url} "
                   f"--token {tokens['demo']} --wait   (or upload it at {url}/)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=access_log, timeout_graceful_shutdown=5)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("worker")
@click.option("--queues", default="cpu", show_default=True,
              help="Which jobs to take: cpu, gpu, or cpu,gpu.")
@click.option("--concurrency", "-c", type=int, help="Jobs graded at once. Default: GRADELAB_LOCAL_WORKERS.")
@click.option("--name", help="Worker name (Celery's -n). Default: gradelab@<host>.")
def worker_command(queues: str, concurrency: int | None, name: str | None) -> None:
    """Run a Celery grading worker (scale-out). Needs GRADELAB_BROKER_URL (Redis) and
    GRADELAB_DATABASE_URL (PostgreSQL) pointing where the server's do."""
    import socket

    from server.core.logging import configure_logging
    from server.jobs.celery_app import make_celery, queue_name
    from server.jobs.tasks import register_tasks

    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        names = [queue_name(settings, q.strip()) for q in queues.split(",") if q.strip()]
        app = make_celery(settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    register_tasks(app, settings)
    app.worker_main([
        "worker", "--queues", ",".join(names), "--pool", "threads",
        "--concurrency", str(concurrency or settings.local_workers),
        "--hostname", name or f"gradelab@{socket.gethostname()}",
        "--loglevel", settings.log_level, "--without-gossip", "--without-mingle",
    ])


@click.group("admin")
def admin_group() -> None:
    """Manage users, tokens and assignments of the service (works on GRADELAB_DATABASE_URL)."""


@admin_group.command("migrate")
def migrate_command() -> None:
    """Bring the database schema to the newest migration."""
    settings = get_settings()
    _database(settings).dispose()
    click.echo(f"Database {_safe_url(settings.resolved_database_url())} is up to date.")


@admin_group.group("user")
def user_group() -> None:
    """Users: students, instructors and CI systems."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["student", "instructor", "ci"]), required=True)
@click.option("--token", "with_token", is_flag=True, help="Also create a token and print it.")
def user_add(name: str, role: str, with_token: bool) -> None:
    """Add the user NAME with role R."""
    from server.crud.users import create_token, create_user

    with _admin_session() as session:
        user = create_user(session, name, role)
        token = create_token(session, user, label="gradelab admin") if with_token else None
    click.echo(f"Added {role} {name}.", err=True)
    if token:
        click.echo(token)


@user_group.command("list")
def user_list() -> None:
    from server.crud.users import list_users

    with _admin_session() as session:
        for user in list_users(session):
            click.echo(f"{user.name}\t{user.role}")


@admin_group.group("token")
def token_group() -> None:
    """Bearer tokens. A token is shown once, when it is created."""


@token_group.command("create")
@click.argument("name")
@click.option("--label", default="gradelab admin", show_default=True, help="A note on what the token is for.")
def token_create(name: str, label: str) -> None:
    """Create a token for user NAME and print it (only the token, on stdout)."""
    from server.crud.users import create_token, require_user

    with _admin_session() as session:
        token = create_token(session, require_user(session, name), label=label)
    click.echo(token)


@token_group.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke every token of user NAME."""
    from server.crud.users import require_user, revoke_tokens

    with _admin_session() as session:
        count = revoke_tokens(session, require_user(session, name))
    click.echo(f"Revoked {count} token(s) of {name}.")


@admin_group.group("assignment")
def assignment_group() -> None:
    """Assignments (also possible over HTTP: PUT /api/v1/assignments/{id})."""


@assignment_group.command("set")
@click.argument("assignment_id")
@click.option("--master", help="Master directory (default solutions/<id>).")
@click.option("--release-dir", type=click.Path(path_type=Path), help="Release directory to serve for download.")
@click.option("--due", "due_at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
              help="Due date with zone, e.g. 2026-05-01T23:59:00+0000.")
@click.option("--cutoff", "hard_cutoff_at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
              help="Hard cutoff with zone; no submissions after it.")
@click.option("--penalty", "late_penalty_per_day", type=click.FloatRange(0, 1), help="Fraction off per day late.")
@click.option("--daily-cap", type=click.IntRange(min=1), help="Submissions per student per 24 hours.")
@click.option("--profile", type=click.Choice(["smoke", "full"]), help="full: graded on the GPU queue.")
@click.option("--policy", "score_policy", type=click.Choice(["best", "latest"]), help="Which submission counts.")
def assignment_set(assignment_id: str, **options) -> None:
    """Create or update ASSIGNMENT_ID."""
    from server.crud.assignments import upsert_assignment
    from server.schemas.assignments import AssignmentUpsert

    fields = {key: value for key, value in options.items() if value is not None}
    if "release_dir" in fields:
        fields["release_dir"] = str(Path(fields["release_dir"]).resolve())
    with _admin_session() as session:
        assignment, created = upsert_assignment(session, get_settings(), assignment_id, AssignmentUpsert(**fields))
        summary = (f"{'Created' if created else 'Updated'} {assignment.id}: due {_when(assignment.due_at)}, "
                   f"cutoff {_when(assignment.hard_cutoff_at)}, {assignment.late_penalty_per_day:g}/day late, "
                   f"daily cap {assignment.daily_cap or 'none'}")
    click.echo(summary)


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else "none"


@contextmanager
def _admin_session() -> Iterator:
    """A session on the migrated database, committed on success; service errors become
    click errors (a message, exit 1)."""
    from server.errors import ServiceError

    database = _database(get_settings())
    try:
        with database.session() as session:
            yield session
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        database.dispose()
