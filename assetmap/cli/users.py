"""`assetmap user …`: staff accounts and their API tokens, from the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from ..config import Settings
from ..db.connect import connect
from ..errors import AssetMapError
from ..model import users


@contextmanager
def _refusals() -> Iterator[None]:
    """The model's refusals (no such account, a short password…) as the command's error message."""
    try:
        yield
    except AssetMapError as exc:
        raise click.ClickException(str(exc)) from None


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
    """Staff accounts: add, list, disable and enable people; make and revoke their API tokens."""


@user.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(users.ROLES),
              help="planner: moderates and analyses; facilitator: runs workshops; admin: everything.")
@click.option("--name", default="", help="Name shown to other staff.")
@click.pass_obj
def add(settings: Settings, email: str, role: str, name: str) -> None:
    """Add a staff account; the password is read from standard input (asked twice at a terminal)."""
    with _refusals():
        email = users.normalise_email(email)   # fail before asking for a password
        password = _read_password()
        users.check_password(password)
        with connect(settings) as conn:
            user_id = users.add_user(conn, email, password, role, name)
    click.echo(f"added {email} as {role} (user {user_id})")


@user.command("token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for, e.g. 'QGIS on the GIS team laptop'.")
@click.option("--days", default=users.TOKEN_DAYS, show_default=True, type=int, help="How long the token works.")
@click.pass_obj
def token(settings: Settings, email: str, label: str, days: int) -> None:
    """Make an API token for EMAIL and print it; it is stored only as a hash, so it cannot be shown again."""
    with _refusals(), connect(settings) as conn:
        value = users.create_token(conn, email, label, days)
    click.echo(value)
    click.echo("Send it as `Authorization: Bearer <token>`. It is shown only this once.", err=True)


@user.command("list")
@click.pass_obj
def list_cmd(settings: Settings) -> None:
    """List staff accounts and their API tokens (the tokens' values are never shown again)."""
    with connect(settings) as conn:
        accounts, tokens = users.list_users(conn), users.list_tokens(conn)
    for a in accounts:
        state = "active" if a.active else "disabled"
        click.echo(f"{a.email}\t{a.role}\t{state}\t{a.live_tokens} live token(s)\t{a.display_name}")
    _echo_tokens(tokens)


def _echo_tokens(tokens: list[users.Token]) -> None:
    for t in tokens:
        if t.revoked_at:
            state = f"revoked {t.revoked_at:%Y-%m-%d}"
        elif t.expires_at <= datetime.now(UTC):
            state = f"expired {t.expires_at:%Y-%m-%d}"
        else:
            state = f"live, expires {t.expires_at:%Y-%m-%d}"
        used = f"last used {t.last_used_at:%Y-%m-%d}" if t.last_used_at else "never used"
        click.echo(f"token {t.id}\t{t.email}\t{state}\t{used}\t{t.label}")


@user.command("tokens")
@click.pass_obj
def tokens_cmd(settings: Settings) -> None:
    """List API tokens: whose, when they expire or were revoked, when last used (their values are never kept)."""
    with connect(settings) as conn:
        _echo_tokens(users.list_tokens(conn))


@user.command("password")
@click.argument("email")
@click.pass_obj
def password(settings: Settings, email: str) -> None:
    """Set a new password for EMAIL (read from standard input); the account's open sessions end."""
    with _refusals():
        new = _read_password()
        with connect(settings) as conn:
            account = users.set_password(conn, email, new)
    click.echo(f"{account.email} has a new password; their open sessions are ended")


def _set_active(settings: Settings, email: str, active: bool) -> None:
    with _refusals(), connect(settings) as conn:
        account = users.set_active(conn, email, active)
    click.echo(f"{account.email} is {'active' if active else 'disabled'}")


@user.command("disable")
@click.argument("email")
@click.pass_obj
def disable(settings: Settings, email: str) -> None:
    """Disable an account: it can no longer sign in, and its API tokens stop working."""
    _set_active(settings, email, False)


@user.command("enable")
@click.argument("email")
@click.pass_obj
def enable(settings: Settings, email: str) -> None:
    """Enable a disabled account again (its revoked tokens stay revoked)."""
    _set_active(settings, email, True)


@user.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke(settings: Settings, token_id: int) -> None:
    """Revoke the API token with this number (see `assetmap user list`)."""
    with _refusals(), connect(settings) as conn:
        t = users.revoke_token(conn, token_id)
    click.echo(f"token {t.id} of {t.email} is revoked")
