"""Idempotency keys: the same write sent twice is done once, and the second sender gets the first answer.

A client that times out cannot know whether its write committed; with an `Idempotency-Key` it can send it again
safely. The key is claimed by inserting its row in the same transaction as the write, so a retry that arrives while
the first is still running waits on the row's lock and then reads the first answer. A write that fails rolls its
key back with it, so it can be tried again. The same key with a different request is refused (the client has a
bug, and answering with the other request's result would hide it).

Answers can hold an edit token, which is otherwise stored only as a hash: the answer is encrypted (Fernet) with a
key derived from the client's key, and the row is found by another hash of it, so the table alone reveals nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass

import psycopg
from cryptography.fernet import Fernet
from psycopg.rows import tuple_row

from ..errors import AssetMapError, InvalidParameter

KEEP_HOURS = 24
_KEY = re.compile(r"^[\x21-\x7e]{8,255}$")   # printable ASCII, as the IETF draft's examples; long enough to be random


class KeyReused(AssetMapError):
    status = 422

    def __init__(self):
        super().__init__("This Idempotency-Key was already used for a different request. Use a new key for each "
                         "new request, and the same key only to send the same request again.")


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: dict[str, str]


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise InvalidParameter("Idempotency-Key", "must be 8 to 255 printable characters, such as a random UUID")
    return key


def _digest(purpose: bytes, key: str) -> bytes:
    return hashlib.sha256(purpose + b"\0" + key.encode()).digest()


def _cipher(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_digest(b"answer", key)))


def claim(conn: psycopg.Connection, key: str, route: str, request: bytes) -> Answer | None:
    """Inside the caller's transaction: claim `key` for this request (None: go ahead, then `remember`), or the
    answer stored for it. Raises KeyReused when the key came with another request."""
    key_hash, request_hash = _digest(b"key", key), hashlib.sha256(route.encode() + b"\0" + request).digest()
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %s)",
                    (KEEP_HOURS,))
        claimed = cur.execute("""
            INSERT INTO idempotency_keys (key_hash, route, request_hash, status, response)
            VALUES (%s, %s, %s, 0, '') ON CONFLICT (key_hash) DO NOTHING RETURNING 1""",
                              (key_hash, route, request_hash)).fetchone()
        if claimed:
            return None
        row = cur.execute("SELECT route, request_hash, status, response FROM idempotency_keys WHERE key_hash = %s",
                          (key_hash,)).fetchone()
    if row is None:          # it was deleted as too old between the two statements: nothing to replay
        raise KeyReused()
    if (row[0], bytes(row[1])) != (route, request_hash):
        raise KeyReused()
    stored = json.loads(_cipher(key).decrypt(bytes(row[3])))
    return Answer(row[2], stored["body"], stored["headers"])


def remember(conn: psycopg.Connection, key: str, answer: Answer) -> None:
    """The answer to the request that claimed `key`, in the same transaction as its write."""
    sealed = _cipher(key).encrypt(json.dumps({"body": answer.body, "headers": answer.headers}).encode())
    conn.execute("UPDATE idempotency_keys SET status = %s, response = %s WHERE key_hash = %s",
                 (answer.status, sealed, _digest(b"key", key)))


def release(conn: psycopg.Connection, key: str) -> None:
    """Give the key up (the answer was "try again later"): the same request may be sent again with it."""
    conn.execute("DELETE FROM idempotency_keys WHERE key_hash = %s", (_digest(b"key", key),))
