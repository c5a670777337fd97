"""Writing assets: a resident's submission, edits through the private edit link, withdrawal.

Every write happens in one transaction that also keeps a version of the asset (asset_versions) and an audit_log
row, so nothing half-written stays and every change can be traced. The edit token is shown once and stored only as
a SHA-256 hash: a leaked database does not leak edit links.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .. import schedule_weeks, schedules
from ..errors import AssetMapError, NotFound
from . import audit
from .submission import AssetSubmission, Offer

# Public fields: changing any of them sends a published asset back to moderation. Private contact details do not.
MATERIAL_FIELDS = ("name", "category", "description", "audience", "accessibility", "organisation", "address",
                   "postcode", "private_home", "offers")
MOVE_IS_MATERIAL_M = 25


class Conflict(AssetMapError):
    """Someone else changed the asset since it was loaded."""

    status = 409


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Created:
    id: int
    public_id: uuid.UUID
    status: str
    edit_token: str


def snapshot(cur: psycopg.Cursor, asset_id: int) -> dict:
    return cur.execute("SELECT asset_snapshot(%s) AS s", (asset_id,)).fetchone()["s"]


def record(cur: psycopg.Cursor, *, actor: str, action: str, asset_id: int, before: dict | None,
           user_id: int | None = None, reason: str | None = None) -> dict:
    """Keep the asset's new version and write the audit row; returns the snapshot written."""
    after = snapshot(cur, asset_id)
    cur.execute("INSERT INTO asset_versions (asset_id, version, actor, snapshot) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (asset_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot, at = now()",
                (asset_id, after["version"], actor, Jsonb(after)))
    audit.write(cur, actor=actor, action=action, entity="assets", entity_id=asset_id, before=before, after=after,
                reason=reason, user_id=user_id)
    return after


def _insert_offers(cur: psycopg.Cursor, asset_id: int, offers: tuple[Offer, ...]) -> None:
    cur.executemany(
        "INSERT INTO capacity_offers (asset_id, kind, quantity, unit, schedule, schedule_text, cost, audience, "
        "description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [(asset_id, o.kind, o.quantity, o.unit, o.schedule, schedules.words(o.schedule), o.cost, o.audience,
          o.description) for o in offers])
    schedule_weeks.remember(cur, [o.schedule for o in offers])


def _asset_values(sub: AssetSubmission) -> dict:
    return {
        "name": sub.name, "category": sub.category, "description": sub.description, "audience": sub.audience,
        "accessibility": sub.accessibility, "organisation_name": sub.organisation, "address": sub.address,
        "postcode": sub.postcode, "contact_email": sub.contact_email, "contact_phone": sub.contact_phone,
        "is_private_home": sub.private_home,
        "location_precision": "generalised" if sub.private_home else "exact",
        "lon": sub.lon, "lat": sub.lat,
    }


def create_asset(conn: psycopg.Connection, sub: AssetSubmission, *, actor: str = "resident",
                 status: str = "pending", user_id: int | None = None, source: str = "resident") -> Created:
    """Store a new asset with its offers (pending unless staff say otherwise) and a fresh edit token."""
    token = new_token()
    values = _asset_values(sub) | {"status": status, "token": hash_token(token), "source": source}
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("""
            INSERT INTO assets (name, category, description, audience, accessibility, organisation_name, address,
                                postcode, contact_email, contact_phone, is_private_home, location_precision,
                                geom, status, edit_token_hash, source)
            VALUES (%(name)s, %(category)s, %(description)s, %(audience)s, %(accessibility)s,
                    %(organisation_name)s, %(address)s, %(postcode)s, %(contact_email)s, %(contact_phone)s,
                    %(is_private_home)s, %(location_precision)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326),
                    %(status)s, %(token)s, %(source)s)
            RETURNING id, public_id, status
        """, values).fetchone()
        _insert_offers(cur, row["id"], sub.offers)
        record(cur, actor=actor, action="create", asset_id=row["id"], before=None, user_id=user_id)
    return Created(row["id"], row["public_id"], row["status"], token)


@dataclass(frozen=True)
class EditableAsset:
    """What the edit-link holder sees: everything they gave us, private contact included."""

    id: int
    public_id: uuid.UUID
    status: str
    version: int
    submission: AssetSubmission
    moderation_reason: str | None


def find_by_token(conn: psycopg.Connection, token: str) -> EditableAsset:
    """The asset this edit link belongs to; NotFound when the link is wrong or the asset was merged away."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT a.id, k.public_id AS kept FROM assets a LEFT JOIN assets k ON k.id = a.merged_into"
                          " WHERE a.edit_token_hash = %s", (hash_token(token),)).fetchone()
        if row is None:
            raise NotFound("This edit link is not valid. Check that you copied all of it.")
        if row["kept"] is not None:
            raise NotFound("A planner found that this entry described the same place as another one, and merged "
                           f"the two. The place is now at /assets/{row['kept']} (once published); to change it, "
                           "add a new entry or contact the people who run this map.")
        return _editable(cur, row["id"])


def _editable(cur: psycopg.Cursor, asset_id: int) -> EditableAsset:
    s = snapshot(cur, asset_id)
    offers = tuple(Offer(kind=o["kind"], quantity=float(o["quantity"]) if o["quantity"] is not None else None,
                         unit=o["unit"], schedule=o["schedule"], cost=o["cost"], audience=o["audience"],
                         description=o["description"]) for o in s["offers"] if o["status"] == "active")
    sub = AssetSubmission(
        name=s["name"], category=s["category"], lon=s["lon"], lat=s["lat"], description=s["description"],
        audience=s["audience"], accessibility=s["accessibility"], organisation=s["organisation_name"],
        address=s["address"], postcode=s["postcode"], contact_email=s["contact_email"],
        contact_phone=s["contact_phone"], private_home=s["is_private_home"], offers=offers)
    return EditableAsset(s["id"], uuid.UUID(s["public_id"]), s["status"], s["version"], sub,
                         s["moderation_reason"])


def is_material_change(before: AssetSubmission, after: AssetSubmission, moved_m: float) -> bool:
    """Would the public see a difference? Then a planner should look again."""
    return moved_m > MOVE_IS_MATERIAL_M or any(getattr(before, f) != getattr(after, f) for f in MATERIAL_FIELDS)


def update_by_token(conn: psycopg.Connection, token: str, sub: AssetSubmission, expected_version: int,
                    actor: str = "resident") -> EditableAsset:
    """Replace the asset's details and offers; a material change to a published asset sends it back to pending."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT id, version, status FROM assets WHERE edit_token_hash = %s "
                          "AND merged_into IS NULL FOR UPDATE", (hash_token(token),)).fetchone()
        if row is None:
            raise NotFound("This edit link is not valid. Check that you copied all of it.")
        if row["version"] != expected_version:
            raise Conflict("This entry was changed by someone else while you were editing it. "
                           "Reload the page to see the latest version, then make your change again.")
        if row["status"] == "archived":
            raise Conflict("This entry has been withdrawn and can no longer be edited.")
        current = _editable(cur, row["id"])
        moved_m = cur.execute("SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"
                              " AS m FROM assets WHERE id = %s", (sub.lon, sub.lat, row["id"])).fetchone()["m"]
        before = snapshot(cur, row["id"])
        status = row["status"]
        if is_material_change(current.submission, sub, moved_m) and status in ("published", "rejected"):
            status = "pending"
        cur.execute("""
            UPDATE assets SET name = %(name)s, category = %(category)s, description = %(description)s,
                   audience = %(audience)s, accessibility = %(accessibility)s,
                   organisation_name = %(organisation_name)s, address = %(address)s, postcode = %(postcode)s,
                   contact_email = %(contact_email)s, contact_phone = %(contact_phone)s,
                   is_private_home = %(is_private_home)s, location_precision = %(location_precision)s,
                   geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), status = %(status)s
             WHERE id = %(id)s
        """, _asset_values(sub) | {"status": status, "id": row["id"]})
        cur.execute("DELETE FROM capacity_offers WHERE asset_id = %s", (row["id"],))
        _insert_offers(cur, row["id"], sub.offers)
        record(cur, actor=actor, action="update", asset_id=row["id"], before=before)
        return _editable(cur, row["id"])


def withdraw_by_token(conn: psycopg.Connection, token: str, actor: str = "resident") -> None:
    """The resident takes their entry off the map; it is archived, not deleted, so its history stays."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT id FROM assets WHERE edit_token_hash = %s AND merged_into IS NULL FOR UPDATE",
                          (hash_token(token),)).fetchone()
        if row is None:
            raise NotFound("This edit link is not valid. Check that you copied all of it.")
        before = snapshot(cur, row["id"])
        cur.execute("UPDATE assets SET status = 'archived', moderation_reason = 'withdrawn by the person who "
                    "added it' WHERE id = %s", (row["id"],))
        record(cur, actor=actor, action="withdraw", asset_id=row["id"], before=before)
