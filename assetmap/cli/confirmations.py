"""`assetmap confirmations …`: remind the holders of entries that are due, and the staleness report."""

from __future__ import annotations

import click

from ..config import Settings
from ..db.connect import connect
from ..mail import outbox
from ..model import freshness


@click.group()
def confirmations() -> None:
    """Keeping the map fresh: reminders to confirm entries, and how fresh each neighbourhood's entries are."""


@confirmations.command("remind")
@click.pass_obj
def remind(settings: Settings) -> None:
    """Queue a reminder for each published entry whose confirmation is due (once per period); prints how many."""
    with connect(settings) as conn:
        queued = freshness.queue_reminders(conn, settings)
    click.echo(f"{queued} reminder{'' if queued == 1 else 's'} queued")
    if not outbox.enabled(settings):
        click.echo("mail is not configured (ASSETMAP_SMTP_URL): no reminders can be sent", err=True)


@confirmations.command("report")
@click.pass_obj
def report(settings: Settings) -> None:
    """Per neighbourhood, published entries and offers that are fresh, due and stale, as CSV."""
    with connect(settings) as conn:
        table = freshness.report_table(freshness.report(conn, settings))
    click.echo(table.to_csv(), nl=False)
