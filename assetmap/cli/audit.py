"""`assetmap audit export`: the audit log for a date range, as JSON Lines (one change a line)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import click

from ..config import Settings
from ..db.connect import connect
from ..model import audit as audit_log


@click.group()
def audit() -> None:
    """The audit log: every change and disclosure, who made it, when, before and after."""


@audit.command("export")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC), included.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", show_default="standard output")
@click.pass_obj
def export(settings: Settings, start: datetime, end: datetime, output) -> None:
    """Write the log from --from to --to (whole days, UTC) as JSON Lines, oldest first."""
    first, last = _day(start.date()), _day(end.date() + timedelta(days=1))
    if last <= first:
        raise click.BadParameter("--to is before --from")
    count = 0
    with connect(settings) as conn:
        for row in audit_log.rows(conn, first, last):
            output.write(json.dumps(row, default=_jsonable, ensure_ascii=False) + "\n")
            count += 1
    click.echo(f"{count} audit rows from {start:%Y-%m-%d} to {end:%Y-%m-%d}", err=True)


def _day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
