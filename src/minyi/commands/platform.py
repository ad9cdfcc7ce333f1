"""Platform commands: migrate, demo-data, create-user, serve, run-jobs."""

from __future__ import annotations

import click

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.settings import get_settings


def _factory():
    return make_session_factory(make_engine(get_settings().database_url))


@click.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from minyi.core.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo(f"database ready: {settings.database_url}")


@click.command("demo-data")
def demo_data() -> None:
    """Load demo departments, staff and messages (once); prints the staff logins."""
    from minyi.demo import load_demo

    with transaction(_factory()) as session:
        result = load_demo(session)
    if not result.created:
        click.echo(
            "demo data already loaded (staff passwords were printed the first time; "
            "use `minyi reset-password USERNAME` to set a new one)"
        )
        return
    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}/staff/login"
    click.echo(f"\n=== staff logins (shown once; log in at {url} once `minyi serve` runs) ===")
    for username, password, display in result.logins:
        click.echo(f"  {username:<12} {password}   {display}")
    click.echo("")


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name")
@click.option("--role", type=click.Choice(["coordinator", "handler", "supervisor", "admin"]), required=True)
@click.option("--department-id", type=int, default=None, help="Required for handlers")
def create_user(username: str, display_name: str, role: str, department_id: int | None) -> None:
    """Create a staff account with a random password (printed once)."""
    from minyi.accounts.services import create_user as create
    from minyi.accounts.services import generate_password
    from minyi.core.errors import DomainError

    password = generate_password()
    try:
        with transaction(_factory()) as session:
            create(
                session,
                username=username,
                display_name=display_name,
                password=password,
                role=role,
                department_id=department_id,
            )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {username} ({role}); password: {password}")


@click.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Give a staff account a new random password (printed once) and end its sessions and API tokens."""
    from minyi.accounts.services import generate_password, hash_password
    from minyi.accounts.services import reset_password as reset
    from minyi.core.errors import DomainError

    password = generate_password()
    password_hash = hash_password(password)  # before the write transaction: argon2 takes ~0.3 s
    try:
        with transaction(_factory()) as session:
            reset(session, username=username, password_hash=password_hash)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"new password for {username}: {password}")
    click.echo("every login session and API token of this account has been ended")


@click.command()
@click.option("--host", default=None, help="Default MINYI_HOST or 127.0.0.1")
@click.option("--port", type=int, default=None, help="Default MINYI_PORT or 8000")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web app (uvicorn)."""
    import uvicorn

    from minyi.commands.jobs import start_worker_process, stop_worker_process
    from minyi.web.app import create_app

    settings = get_settings()
    # The web process only enqueues; MINYI_RUN_SCHEDULER=1 (the embedded default) starts one `minyi worker`
    # process beside it, so that one command runs everything (docs/jobs.md).
    worker = start_worker_process() if settings.run_scheduler else None
    try:
        # The app decides who the client is (MINYI_TRUSTED_PROXIES, docs/deploy.md); uvicorn's own
        # X-Forwarded-For handling would believe any loopback peer, so it is switched off.
        uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, proxy_headers=False)
    finally:
        if worker is not None:
            stop_worker_process(worker)


@click.command("run-jobs")
def run_jobs() -> None:
    """Run the scheduled tasks once (auto-close unrated replies) and print what they did."""
    from minyi.jobs.runner import run_scheduled_tasks

    done = run_scheduled_tasks(_factory())
    click.echo("scheduled tasks run once:")
    for task, count in done.items():
        click.echo(f"  {task:<24} {count}")


@click.command("export-labels")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def export_labels(out: str) -> None:
    """Write coordinators' classifications as JSON lines for `minyi train --extra-labels`."""
    import json

    from minyi.messages.analysis import export_labels as collect

    with transaction(_factory()) as session:
        examples = collect(session)
    with open(out, "w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example, ensure_ascii=False) + "\n")
    click.echo(f"wrote {len(examples)} labelled messages to {out}")


def register(group: click.Group) -> None:
    """Add these commands to the CLI."""
    for command in (migrate, demo_data, create_user, reset_password, serve, run_jobs, export_labels):
        group.add_command(command)
