"""How often someone may try to sign in, so a password cannot be guessed and a planner cannot be locked out.

A limit per address alone locks out everyone behind it (an office, a library's Wi-Fi), correct password included,
and a limit per account alone lets anyone anywhere lock a planner out by failing on purpose. So:

- Failures are counted per account and address. The first `FREE` cost nothing; after that each next attempt from
  that address for that account waits twice as long as the last (1 s, 2 s, 4 s … up to `MAX_DELAY`). A correct
  password afterwards resets the count. Failures elsewhere never slow the planner at their own address.
- One address trying many accounts (password spraying) is stopped after `ADDRESS_FAILURES` failures in
  `ADDRESS_WINDOW`, but only for accounts that have never signed in from that address: the office's own planners
  keep signing in while someone on the same network sprays.

Emails are compared in lower case, the way accounts are looked up; unknown emails are counted like known ones,
so the answers do not tell which addresses have accounts.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import tuple_row

FREE = 5
MAX_DELAY = 900              # seconds: the longest wait between two attempts for one account from one address
FORGET_AFTER = 86_400        # seconds: failures older than a day are forgotten
ADDRESS_FAILURES = 100
ADDRESS_WINDOW = 900         # seconds


def delay(failures: int) -> int:
    """Seconds to wait after the last of `failures` failed attempts before the next one is heard."""
    return 0 if failures < FREE else min(2 ** (failures - FREE), MAX_DELAY)


def wait(conn: psycopg.Connection, email: str, client: str) -> int:
    """Seconds before this account may be tried from this address again; 0 when it may be tried now."""
    email = email.strip().lower()
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("""
            SELECT failures, extract(epoch FROM now() - last_failed_at)::float8
              FROM sign_in_failures WHERE email = %s AND client = %s
               AND last_failed_at > now() - make_interval(secs => %s)""", (email, client, FORGET_AFTER)).fetchone()
        if row is not None:
            failures, since = row
            if since < delay(failures):
                return max(1, round(delay(failures) - since))
        sprayed = cur.execute("""
            SELECT coalesce(sum(failures), 0) FROM sign_in_failures
             WHERE client = %s AND last_failed_at > now() - make_interval(secs => %s)""",
                              (client, ADDRESS_WINDOW)).fetchone()[0]
        if sprayed >= ADDRESS_FAILURES and not _known(cur, email, client):
            return ADDRESS_WINDOW
    return 0


def _known(cur, email: str, client: str) -> bool:
    return cur.execute("""
        SELECT EXISTS (SELECT FROM sign_in_known k JOIN users u ON u.id = k.user_id
                        WHERE lower(u.email) = %s AND k.client = %s)""", (email, client)).fetchone()[0]


def failed(conn: psycopg.Connection, email: str, client: str) -> None:
    with conn.cursor() as cur:
        cur.execute("""
            INSERT INTO sign_in_failures AS f (email, client, failures, last_failed_at)
            VALUES (%(email)s, %(client)s, 1, now())
            ON CONFLICT (email, client) DO UPDATE
               SET failures = CASE WHEN f.last_failed_at > now() - make_interval(secs => %(forget)s)
                                   THEN f.failures + 1 ELSE 1 END,
                   last_failed_at = now()""",
                    {"email": email.strip().lower(), "client": client, "forget": FORGET_AFTER})
        # Housekeeping, cheap beside an argon2 hash: forgotten failures are useless.
        cur.execute("DELETE FROM sign_in_failures WHERE last_failed_at < now() - make_interval(secs => %s)",
                    (FORGET_AFTER,))


def succeeded(conn: psycopg.Connection, user_id: int, email: str, client: str) -> None:
    with conn.cursor() as cur:
        cur.execute("DELETE FROM sign_in_failures WHERE email = %s AND client = %s", (email.strip().lower(), client))
        cur.execute("""
            INSERT INTO sign_in_known (user_id, client, last_at) VALUES (%s, %s, now())
            ON CONFLICT (user_id, client) DO UPDATE SET last_at = now()""", (user_id, client))
