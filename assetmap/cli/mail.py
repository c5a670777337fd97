"""`assetmap mail …`: the mail worker, one round of sending, the queue's state, and a given-up message sent again."""

from __future__ import annotations

import logging
import signal

import click

from ..config import Settings
from ..db.connect import connect
from ..errors import AssetMapError
from ..mail import outbox, smtp
from ..mail.worker import Worker, send_due
from ..model import freshness

# What the worker does every hour besides sending: each task is idempotent, as every worker runs it.
PERIODIC = (freshness.queue_reminders,)

OFF = "mail is off: ASSETMAP_SMTP_URL is not set"


@click.group()
def mail() -> None:
    """Mail: the worker that sends the outbox over SMTP, and its queue."""


@mail.command("worker")
@click.option("--poll", "poll_seconds", default=60.0, show_default=True,
              help="Most seconds between looks at the queue when nothing wakes the worker.")
@click.pass_obj
def worker(settings: Settings, poll_seconds: float) -> None:
    """Send queued mail until stopped (SIGTERM or Ctrl-C); `assetmap serve` starts one when mail is configured."""
    if not outbox.enabled(settings):
        click.echo(f"{OFF}; the worker has nothing to do", err=True)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    w = Worker(settings, PERIODIC, poll_seconds=poll_seconds)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: w.stop())
    w.run()


@mail.command("send-due")
@click.pass_obj
def send_due_cmd(settings: Settings) -> None:
    """Send what is due now, once, and print how many were sent, failed (to be tried again) and given up."""
    if not outbox.enabled(settings):
        click.echo(OFF, err=True)
        return
    with connect(settings) as conn:
        result = send_due(conn, settings)
    click.echo(f"sent {result.sent}, failed {result.failed}, dead {result.dead}")
    if result.unavailable:
        raise click.ClickException(f"the SMTP server could not be used: {result.unavailable}")


@mail.command("status")
@click.pass_obj
def status(settings: Settings) -> None:
    """Messages queued (and how many of them are due now), sent in the last 24 hours, and given up."""
    with connect(settings) as conn:
        c = outbox.counts(conn)
    click.echo(f"server: {smtp.server(settings) or OFF}")
    click.echo(f"queued: {c.queued} (due now: {c.due})\nsent in the last 24 hours: {c.sent_24h}\ndead: {c.dead}")


@mail.command("retry")
@click.argument("message_id", type=int)
@click.pass_obj
def retry(settings: Settings, message_id: int) -> None:
    """Put a given-up (dead) message back in the queue, with a full set of attempts."""
    try:
        with connect(settings) as conn:
            row = outbox.retry(conn, message_id)
    except AssetMapError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"message {row.id} ({row.topic}) is queued again")
    if not outbox.enabled(settings):
        click.echo(f"{OFF}: it will wait until mail is configured", err=True)
