"""Asking for spare capacity: a request for one offer, the holder's answer, and each side's private link.

A request names who is asking (a person, and an organisation if any), what for, when and how much, and a private
contact that only the holder, the requester and staff ever see. Each side gets a private link (only SHA-256s are
stored, like edit links): the requester's is shown once when they send the request; the holder's goes out by
mail, and their edit link reaches every request for their entry too. Accepting a request makes an exchange
(`exchanges.py`). Every write keeps a version (`record_versions`) and an audit row in the same transaction, and
queues its mail there too, so a change and the message about it commit together.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from email_validator import EmailNotValidError, validate_email
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..config import Settings
from ..errors import AssetMapError, NotFound
from . import audit, request_mail
from .contributions import hash_token, new_token
from .submission import ValidationFailed

LIMITS = {"requester_name": 200, "requester_organisation": 200, "purpose": 2000, "wanted_when": 500,
          "contact": 320}
_PHONE = re.compile(r"^\+?[\d\s()-]{7,20}$")


class Refused(AssetMapError):
    """The request cannot move that way now (already answered, offer gone, not this side's turn)."""

    status = 409


@dataclass(frozen=True)
class RequestInput:
    requester_name: str
    requester_organisation: str
    purpose: str
    wanted_when: str
    quantity: float | None
    contact: str
    neighbourhood_code: str | None = None


def validate(fields: dict, neighbourhood_codes: set[str], max_quantity: float = 100_000) -> RequestInput:
    """The rules for a request, every problem at once (ValidationFailed: field → what is wrong)."""
    errors: dict[str, str] = {}
    text = {k: " ".join(str(fields.get(k) or "").split()) if k != "purpose" else str(fields.get(k) or "").strip()
            for k in LIMITS}
    for key, limit in LIMITS.items():
        if len(text[key]) > limit:
            errors[key] = f"must be at most {limit} characters"
    for key in ("requester_name", "purpose", "contact"):
        if not text[key] and key not in errors:
            errors[key] = "is needed"
    if text["contact"] and "contact" not in errors:
        if "@" in text["contact"]:
            try:
                text["contact"] = validate_email(text["contact"], check_deliverability=False).normalized
            except EmailNotValidError:
                errors["contact"] = "is not an email address we can write to (check for a typing mistake)"
        elif not _PHONE.match(text["contact"]):
            errors["contact"] = "must be an email address or a phone number"
    quantity = None
    raw = str(fields.get("quantity") or "").strip()
    if raw:
        try:
            quantity = float(raw)
        except ValueError:
            errors["quantity"] = "must be a number, such as 20"
        else:
            if not 0 < quantity <= max_quantity or quantity != quantity:
                errors["quantity"] = f"must be more than 0 and at most {max_quantity:g}"
    code = str(fields.get("neighbourhood") or "").strip() or None
    if code is not None and code not in neighbourhood_codes:
        errors["neighbourhood"] = "is not one of the neighbourhoods on this map"
    if errors:
        raise ValidationFailed(errors)
    return RequestInput(text["requester_name"], text["requester_organisation"], text["purpose"],
                        text["wanted_when"], quantity, text["contact"], code)


def keep(cur: psycopg.Cursor, entity: str, entity_id: int, *, actor: str, action: str, before: dict | None,
         user_id: int | None = None, reason: str | None = None) -> dict:
    """Keep this request's or exchange's new version and its audit row; returns the version written."""
    after = cur.execute(sql.SQL("SELECT to_jsonb(r) - 'requester_token_hash' - 'holder_token_hash' AS s "
                                "FROM {} r WHERE id = %s").format(sql.Identifier(entity)), (entity_id,)).fetchone()["s"]
    cur.execute("INSERT INTO record_versions (entity, entity_id, version, actor, snapshot) VALUES (%s, %s, %s, %s, %s)",
                (entity, entity_id, after["version"], actor, Jsonb(after)))
    audit.write(cur, actor=actor, action=action, entity=entity, entity_id=entity_id, before=before, after=after,
                reason=reason, user_id=user_id)
    return after


@dataclass(frozen=True)
class Sent:
    public_id: uuid.UUID
    requester_token: str
    holder_token: str
    mailed_holder: bool


def create(conn: psycopg.Connection, offer_id: int, req: RequestInput, settings: Settings, *, actor: str,
           source: str = "form", user_id: int | None = None, need_id: int | None = None) -> Sent:
    """Store a request for a public offer; the holder is told by mail when mail is on and they gave an address."""
    requester_token, holder_token = new_token(), new_token()
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # A resident's skills and hours are published only as totals (migration 0030): planners ask for them on a
        # requester's behalf, so only a planner's request may name one.
        offers = "live_capacity_offers" if source in ("planner", "proposal") else "public_capacity_offers"
        offer = cur.execute(sql.SQL("SELECT o.id, o.asset_id, o.kind, o.unit FROM {} o WHERE o.id = %s").format(
            sql.Identifier(offers)), (offer_id,)).fetchone()
        if offer is None:
            raise NotFound("This offer is no longer on the map. It may have been changed or taken down.")
        row = cur.execute("""
            INSERT INTO capacity_requests (asset_id, offer_id, need_id, kind, requester_name, requester_organisation,
                                           purpose, wanted_when, quantity, unit, contact, neighbourhood_id,
                                           requester_token_hash, holder_token_hash, source, logged_by)
            VALUES (%(asset_id)s, %(offer_id)s, %(need_id)s, %(kind)s, %(name)s, %(org)s, %(purpose)s, %(when)s,
                    %(quantity)s, CASE WHEN %(quantity)s::numeric IS NULL THEN NULL ELSE %(unit)s END, %(contact)s,
                    (SELECT id FROM neighbourhoods WHERE code = %(hood)s), %(rtoken)s, %(htoken)s, %(source)s,
                    %(user_id)s)
            RETURNING id, public_id
        """, {"asset_id": offer["asset_id"], "offer_id": offer["id"], "need_id": need_id, "kind": offer["kind"],
              "name": req.requester_name, "org": req.requester_organisation, "purpose": req.purpose,
              "when": req.wanted_when, "quantity": req.quantity, "unit": offer["unit"] or "places",
              "contact": req.contact, "hood": req.neighbourhood_code, "rtoken": hash_token(requester_token),
              "htoken": hash_token(holder_token), "source": source, "user_id": user_id}).fetchone()
        keep(cur, "capacity_requests", row["id"], actor=actor, action="create", before=None, user_id=user_id)
        mailed = request_mail.new_request(cur, settings, row["id"], holder_token, requester_token)
    return Sent(row["public_id"], requester_token, holder_token, mailed)


@dataclass(frozen=True)
class RequestView:
    """One request as either side (or staff) sees it, with its exchange when it was accepted."""

    id: int
    public_id: uuid.UUID
    status: str
    asset_id: int
    asset_public_id: uuid.UUID
    asset_name: str
    offer_id: int | None
    kind: str
    kind_label: str
    requester_name: str
    requester_organisation: str
    purpose: str
    wanted_when: str
    quantity: float | None
    unit: str | None
    contact: str
    neighbourhood_name: str | None
    holder_message: str | None
    created_at: datetime
    decided_at: datetime | None
    version: int
    source: str
    need_title: str | None
    exchange: dict | None


VIEW = """
    SELECT r.id, r.public_id, r.status, r.asset_id, a.public_id AS asset_public_id, a.name AS asset_name,
           r.offer_id, r.kind, k.label AS kind_label, r.requester_name, r.requester_organisation, r.purpose,
           r.wanted_when, r.quantity::float8 AS quantity, r.unit, r.contact, n.name AS neighbourhood_name,
           r.holder_message, r.created_at, r.decided_at, r.version, r.source, nd.title AS need_title,
           (SELECT to_jsonb(e) FROM exchanges e WHERE e.request_id = r.id) AS exchange
      FROM capacity_requests r
      JOIN assets a ON a.id = r.asset_id
      JOIN capacity_kinds k ON k.code = r.kind
      LEFT JOIN neighbourhoods n ON n.id = r.neighbourhood_id
      LEFT JOIN capacity_needs nd ON nd.id = r.need_id
"""


def _one(conn: psycopg.Connection, where: str, params: tuple) -> RequestView:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(VIEW + " WHERE " + where, params).fetchone()
    if row is None:
        raise NotFound("This link is not valid. Check that you copied all of it.")
    return RequestView(**row)


def by_requester_token(conn: psycopg.Connection, token: str) -> RequestView:
    return _one(conn, "r.requester_token_hash = %s", (hash_token(token),))


def by_holder_token(conn: psycopg.Connection, token: str) -> RequestView:
    return _one(conn, "r.holder_token_hash = %s", (hash_token(token),))


def by_edit_token(conn: psycopg.Connection, edit_token: str, public_id: uuid.UUID) -> RequestView:
    """A request for the entry this edit link belongs to: the holder's way in without mail."""
    return _one(conn, "a.edit_token_hash = %s AND r.public_id = %s", (hash_token(edit_token), public_id))


def by_public_id(conn: psycopg.Connection, public_id: uuid.UUID) -> RequestView:
    """For staff only: the web layer checks the role."""
    return _one(conn, "r.public_id = %s", (public_id,))


def for_edit_token(conn: psycopg.Connection, edit_token: str) -> list[RequestView]:
    """Every request for the entry this edit link belongs to, newest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(VIEW + " WHERE a.edit_token_hash = %s ORDER BY r.created_at DESC, r.id DESC",
                           (hash_token(edit_token),)).fetchall()
    return [RequestView(**r) for r in rows]


def decide(conn: psycopg.Connection, request_id: int, decision: str, message: str, settings: Settings, *,
           actor: str, user_id: int | None = None) -> None:
    """The holder (or a planner brokering) accepts or declines a request; accepting makes its exchange."""
    if decision not in ("accepted", "declined"):
        raise ValueError(decision)
    message = message.strip()[:2000]
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = cur.execute("SELECT to_jsonb(r) - 'requester_token_hash' - 'holder_token_hash' AS s, r.status "
                             "FROM capacity_requests r WHERE id = %s FOR UPDATE", (request_id,)).fetchone()
        if before is None:
            raise NotFound("No such request.")
        if before["status"] != "sent":
            raise Refused(f"This request was already {before['status']}.")
        cur.execute("UPDATE capacity_requests SET status = %s, holder_message = nullif(%s, ''), decided_at = now() "
                    "WHERE id = %s", (decision, message, request_id))
        action = {"accepted": "accept", "declined": "decline"}[decision]
        keep(cur, "capacity_requests", request_id, actor=actor, action=action, before=before["s"], user_id=user_id)
        if decision == "accepted":
            row = cur.execute("""
                INSERT INTO exchanges (request_id, giver_neighbourhood_id, receiver_neighbourhood_id)
                SELECT r.id, a.neighbourhood_id, r.neighbourhood_id
                  FROM capacity_requests r JOIN assets a ON a.id = r.asset_id WHERE r.id = %s
                RETURNING id""", (request_id,)).fetchone()
            keep(cur, "exchanges", row["id"], actor=actor, action="create", before=None, user_id=user_id)
        request_mail.decided(cur, settings, request_id)


def withdraw(conn: psycopg.Connection, request_id: int, *, actor: str) -> None:
    """The requester no longer needs it (only before an answer)."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = cur.execute("SELECT to_jsonb(r) - 'requester_token_hash' - 'holder_token_hash' AS s, r.status "
                             "FROM capacity_requests r WHERE id = %s FOR UPDATE", (request_id,)).fetchone()
        if before is None or before["status"] != "sent":
            raise Refused("Only a request that has not been answered can be withdrawn.")
        cur.execute("UPDATE capacity_requests SET status = 'withdrawn' WHERE id = %s", (request_id,))
        keep(cur, "capacity_requests", request_id, actor=actor, action="withdraw", before=before["s"])
