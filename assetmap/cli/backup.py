"""`assetmap backup FILE` and `assetmap restore FILE`: see assetmap/db/backup.py."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Settings
from ..db import backup as backups
from ..db.connect import database_url


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(settings: Settings, file: Path) -> None:
    """Write the whole database to FILE (pg_dump's custom format)."""
    try:
        size = backups.backup(database_url(settings), file, settings.pg_bindir)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up to {file} ({size / 1_048_576:,.1f} MB)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database's contents.")
@click.pass_obj
def restore(settings: Settings, file: Path, yes: bool) -> None:
    """Replace the database's contents with the backup in FILE (its schema version checked first)."""
    if not yes:
        click.confirm("This replaces everything in the database with the backup. Go on?", abort=True)
    try:
        backups.restore(database_url(settings), file, settings.pg_bindir, log=click.echo)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
