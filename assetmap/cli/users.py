"""`assetmap user …`: staff accounts and their API tokens, from the command line."""

from __future__ import annotations

import sys

import click

from ..config import Settings
from ..db.connect import connect
from ..errors import AssetMapError
from ..model import users


def _stdin_is_a_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    if _stdin_is_a_terminal():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # Piped: one line, so `pass show x | assetmap user add …` works; only the line ending is removed.
    line = sys.stdin.readline()
    if not line.strip():
        raise click.ClickException("no password on standard input (give it as one line)")
    return line.rstrip("\r\n")


@click.group()
def user() -> None:
    """Staff accounts: add people, give them API tokens."""


@user.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(users.ROLES),
              help="planner: moderates and analyses; facilitator: runs workshops; admin: everything.")
@click.option("--name", default="", help="Name shown to other staff.")
@click.pass_obj
def add(settings: Settings, email: str, role: str, name: str) -> None:
    """Add a staff account; the password is read from standard input (asked twice at a terminal)."""
    try:
        email = users.normalise_email(email)   # fail before asking for a password
        password = _read_password()
        users.check_password(password)
        with connect(settings) as conn:
            user_id = users.add_user(conn, email, password, role, name)
    except AssetMapError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {email} as {role} (user {user_id})")


@user.command("token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for, e.g. 'QGIS on the GIS team laptop'.")
@click.pass_obj
def token(settings: Settings, email: str, label: str) -> None:
    """Make an API token for EMAIL and print it; it is stored only as a hash, so it cannot be shown again."""
    try:
        with connect(settings) as conn:
            value = users.create_token(conn, email, label)
    except AssetMapError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(value)
    click.echo("Send it as `Authorization: Bearer <token>`. It is shown only this once.", err=True)
