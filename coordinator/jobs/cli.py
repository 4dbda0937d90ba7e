"""`flask --app wsgi worker`: run queued jobs and the periodic scheduler (Huey's consumer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Jobs run at the same time (threads).",
)
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Run queued jobs only, no periodic ones. Safe either way: a periodic job "
    "runs once per period however many schedulers run.",
)
@click.option(
    "--max-delay",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 60),
    help="Longest pause, in seconds, between two looks at an empty SQLite queue.",
)
@with_appcontext
def worker_command(workers: int, no_scheduler: bool, max_delay: float) -> None:
    """Run background jobs (mail, documents sweep, periodic work) until stopped (SIGINT or
    SIGTERM)."""
    from coordinator.config import require_base_url
    from coordinator.jobs import get_queue

    try:
        require_base_url(current_app, "the worker (mail, notifications)")
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    queue = get_queue(current_app)
    if queue is None or queue.immediate:
        raise click.ClickException(
            "JOBS_URL=immediate runs jobs inside the process that queues them: there is no "
            "queue for a worker. Unset JOBS_URL (SQLite in the instance folder) or set "
            "redis://..."
        )
    click.echo(
        f"worker: {workers} thread(s) on {queue.display_url}"
        f"{'' if no_scheduler else ', with the periodic scheduler'}"
    )
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=not no_scheduler, max_delay=max_delay
    )
    consumer.run()
