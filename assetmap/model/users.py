"""Staff accounts: argon2id password hashes, sign-in checks and API tokens. Residents never have an account.

Only hashes are stored: argon2id for passwords, SHA-256 for API tokens (a token is 256 random bits, so a fast
hash is enough; a leaked table gives nothing to replay). A token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from ..errors import AssetMapError, InvalidParameter, NotFound
from . import audit
from .audit import Staff

ROLES = ("planner", "facilitator", "admin")
MIN_PASSWORD = 12
# argon2 takes any length, but nobody types more than this; longer is someone making the server work.
MAX_PASSWORD = 1024
# Touching last_used_at on every API call would make every read a write; once a minute is precise enough.
TOKEN_TOUCH_SECONDS = 60

_hasher = PasswordHasher()   # argon2id with argon2-cffi's RFC 9106 low-memory profile
_dummy_hash: str | None = None


class UserExists(AssetMapError):
    """Another account already has this email address."""

    status = 409


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    display_name: str
    active: bool
    session_generation: int = 1   # a session made in an older generation no longer works (migration 0021)


_COLUMNS = sql.SQL("u.id, u.email, u.role, u.display_name, u.active, u.session_generation")
TOKEN_DAYS = 365


def normalise_email(raw: str) -> str:
    """A checked, lower-case address; InvalidParameter when it is not an email address."""
    try:
        return validate_email(str(raw).strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidParameter("email", f"is not an email address we can use: {exc}") from None


def check_password(password: str) -> None:
    """Raise InvalidParameter unless the password is long enough (and not absurdly long)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidParameter("password", f"must be at least {MIN_PASSWORD} characters "
                                           f"(this one has {len(password)})")
    if len(password) > MAX_PASSWORD:
        raise InvalidParameter("password", f"must be at most {MAX_PASSWORD} characters")


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def add_user(conn: psycopg.Connection, email: str, password: str, role: str, display_name: str = "") -> int:
    """Create a staff account; returns its id. UserExists when the email is taken."""
    email = normalise_email(email)
    if role not in ROLES:
        raise InvalidParameter("role", f"must be one of {', '.join(ROLES)}")
    check_password(password)
    display_name = display_name.strip()
    if len(display_name) > 200:
        raise InvalidParameter("name", "must be at most 200 characters")
    password_hash = _hasher.hash(password)
    try:
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            return cur.execute(
                "INSERT INTO users (email, role, display_name, password_hash) VALUES (%s, %s, %s, %s) RETURNING id",
                (email, role, display_name, password_hash)).fetchone()[0]
    except psycopg.errors.UniqueViolation:
        raise UserExists(f"there is already an account for {email}") from None


def _dummy() -> str:
    """A hash to verify against when the email is unknown, made on first use (not at import)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def authenticate(conn: psycopg.Connection, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; takes about as long either way."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = None
        if len(password) <= MAX_PASSWORD:
            row = cur.execute(sql.SQL("SELECT {}, u.password_hash FROM users u "
                                      "WHERE lower(u.email) = lower(%s) AND u.active").format(_COLUMNS),
                              (str(email).strip(),)).fetchone()
        if row is None or row["password_hash"] is None:
            # Verify anyway, so the response time does not tell which addresses have accounts.
            _verify(_dummy(), password[:MAX_PASSWORD])
            return None
        if not _verify(row["password_hash"], password):
            return None
        new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(row["password_hash"]) else None
        cur.execute("UPDATE users SET last_login_at = now(), password_hash = coalesce(%s, password_hash) "
                    "WHERE id = %s", (new_hash, row["id"]))
    row.pop("password_hash")
    return User(**row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_user(conn: psycopg.Connection, user_id: int) -> User | None:
    """The account with this id (active or not), or None."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql.SQL("SELECT {} FROM users u WHERE u.id = %s").format(_COLUMNS), (user_id,)).fetchone()
    return User(**row) if row else None


def create_token(conn: psycopg.Connection, email: str, label: str = "", days: int = TOKEN_DAYS) -> str:
    """A new API token for an active account, live for `days`; only its hash is kept, so this is the one chance to
    see it."""
    if not 1 <= days <= 3650:
        raise InvalidParameter("days", "a token lives from 1 to 3650 days")
    token = secrets.token_urlsafe(32)
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("""
            INSERT INTO api_tokens (user_id, token_hash, label, expires_at)
            SELECT u.id, %s, %s, now() + make_interval(days => %s) FROM users u
             WHERE lower(u.email) = lower(%s) AND u.active
            RETURNING id
        """, (hash_token(token), label.strip(), days, str(email).strip())).fetchone()
    if row is None:
        raise NotFound(f"there is no active account for {email}")
    return token


def user_for_token(conn: psycopg.Connection, token: str) -> User | None:
    """The active user a live (not revoked, not expired) API token belongs to, or None; notes when the token was
    used."""
    if not token or len(token) > 200:
        return None
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql.SQL("""
            SELECT {}, t.id AS token_id,
                   t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => %s) AS stale
              FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > now() AND u.active
        """).format(_COLUMNS), (TOKEN_TOUCH_SECONDS, hash_token(token))).fetchone()
        if row is None:
            return None
        if row.pop("stale"):
            cur.execute("UPDATE api_tokens SET last_used_at = now() WHERE id = %s", (row["token_id"],))
    row.pop("token_id")
    return User(**row)


# -- administration: the admin page and `assetmap user list|disable|enable|revoke` ---------------------------------

@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    display_name: str
    active: bool
    last_login_at: datetime | None
    live_tokens: int


@dataclass(frozen=True)
class Token:
    id: int
    email: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


def _actor(by: Staff | None) -> str:
    return audit.staff_actor(by) if by is not None else "cli"


def list_users(conn: psycopg.Connection) -> list[Account]:
    with conn.cursor(row_factory=dict_row) as cur:
        return [Account(**r) for r in cur.execute("""
            SELECT u.id, u.email, u.role, u.display_name, u.active, u.last_login_at,
                   (SELECT count(*) FROM api_tokens t
                     WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > now())::int
                       AS live_tokens
              FROM users u ORDER BY u.active DESC, lower(u.email)""")]


def list_tokens(conn: psycopg.Connection) -> list[Token]:
    """Every token ever made, live ones first; their values were shown once and are not kept."""
    with conn.cursor(row_factory=dict_row) as cur:
        return [Token(**r) for r in cur.execute("""
            SELECT t.id, u.email, t.label, t.created_at, t.last_used_at, t.revoked_at, t.expires_at
              FROM api_tokens t JOIN users u ON u.id = t.user_id
             ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC, t.id DESC""")]


def set_active(conn: psycopg.Connection, email: str, active: bool, by: Staff | None = None) -> User:
    """Disable (or enable again) an account. A disabled account cannot sign in and its tokens stop working; the
    row stays, so the audit log keeps naming who did what. Nobody can disable their own account."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql.SQL("SELECT {} FROM users u WHERE lower(u.email) = lower(%s) FOR UPDATE")
                          .format(_COLUMNS), (str(email).strip(),)).fetchone()
        if row is None:
            raise NotFound(f"there is no account for {email}")
        if by is not None and row["id"] == by.id and not active:
            raise InvalidParameter("email", "you cannot disable your own account: ask another admin")
        cur.execute("UPDATE users SET active = %s, updated_at = now(), version = version + 1, "
                    "session_generation = session_generation + 1 WHERE id = %s", (active, row["id"]))
        audit.write(cur, actor=_actor(by), action="enable" if active else "disable", entity="users",
                    entity_id=row["id"], before={"active": row["active"]}, after={"active": active},
                    user_id=by.id if by is not None else None)
    return User(**{**row, "active": active})


def revoke_token(conn: psycopg.Connection, token_id: int, by: Staff | None = None) -> Token:
    """Revoke an API token for good; revoking one already revoked changes nothing."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("""
            UPDATE api_tokens t SET revoked_at = coalesce(t.revoked_at, now()) FROM users u
             WHERE t.id = %s AND u.id = t.user_id
            RETURNING t.id, u.email, t.label, t.created_at, t.last_used_at, t.revoked_at, t.expires_at
        """, (token_id,)).fetchone()
        if row is None:
            raise NotFound(f"there is no API token {token_id}")
        audit.write(cur, actor=_actor(by), action="revoke", entity="api_tokens", entity_id=token_id,
                    reason=f"token of {row['email']}" + (f" ({row['label']})" if row["label"] else ""),
                    user_id=by.id if by is not None else None)
    return Token(**row)


def end_sessions(conn: psycopg.Connection, user_id: int) -> int:
    """Every open session of this account stops working (sign-out ends them all: a session is a signed cookie, and
    a copy of it cannot be told from the original). The new generation, for a session made now."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("UPDATE users SET session_generation = session_generation + 1 WHERE id = %s "
                          "RETURNING session_generation", (user_id,)).fetchone()
    return row[0] if row else 0


def set_password(conn: psycopg.Connection, email: str, password: str, by: Staff | None = None) -> User:
    """A new password for an account; its open sessions end (its API tokens stay: revoke those on their own)."""
    check_password(password)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql.SQL("""
            UPDATE users u SET password_hash = %s, session_generation = u.session_generation + 1,
                               updated_at = now(), version = u.version + 1
             WHERE lower(u.email) = lower(%s) RETURNING {}""").format(_COLUMNS),
                          (_hasher.hash(password), str(email).strip())).fetchone()
        if row is None:
            raise NotFound(f"there is no account for {email}")
        audit.write(cur, actor=_actor(by), action="password", entity="users", entity_id=row["id"],
                    user_id=by.id if by is not None else None)
    return User(**row)
