"""Writing assets: a resident's submission, edits through the private edit link, withdrawal.

Every write happens in one transaction that also keeps a version of the asset (asset_versions) and an audit_log
row, so nothing half-written stays and every change can be traced. The edit token is shown once and stored only as
a SHA-256 hash: a leaked database does not leak edit links.

An entry on the map stays as approved while a change the public would see waits for a planner (`drafts`); `apply`
is the one path that writes what an entry says, for edits and approved changes alike, and keeps the ids of offers
that stay (requests name them).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .. import schedule_weeks, schedules
from ..errors import AssetMapError, NotFound
from . import audit, drafts
from .drafts import Change, Draft
from .submission import AssetSubmission, Offer

# Public fields: a change to any of them waits for a planner. Private contact details do not.
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


def match_offers(old: list[Offer], new: list[Offer]) -> list[int | None]:
    """For each new offer, the index of the old offer whose row (and id) it keeps, or None for a new row.

    The form keeps the offers' order (rows are emptied or added at the end, never moved), so an offer that stays
    lies between those kept before and after it. An unchanged offer keeps its own row; a changed one takes a
    remaining row of the same kind between those neighbours (else anywhere), the one it differs from in the fewest
    fields, the first on a tie. Rows nobody takes are deleted."""
    free = set(range(len(old)))
    out: list[int | None] = [None] * len(new)
    for j, offer in enumerate(new):
        if same := [i for i in sorted(free) if old[i] == offer]:
            out[j] = same[0]
            free.discard(same[0])
    for j, offer in enumerate(new):
        kin = [i for i in sorted(free) if old[i].kind == offer.kind]
        if out[j] is not None or not kin:
            continue
        lo = max((i for i in out[:j] if i is not None), default=-1)
        hi = min((i for i in out[j + 1:] if i is not None), default=len(old))
        out[j] = min([i for i in kin if lo < i < hi] or kin, key=lambda i, o=offer: _differences(old[i], o))
        free.discard(out[j])
    return out


def _differences(a: Offer, b: Offer) -> int:
    return sum(getattr(a, f) != getattr(b, f) for f in ("quantity", "unit", "schedule", "cost", "audience",
                                                         "description"))


def _sync_offers(cur: psycopg.Cursor, asset_id: int, offers: tuple[Offer, ...]) -> None:
    """Make the asset's active offers these, updating in place the rows that stay (match_offers); all of them
    confirmed. Paused and ended offers are not on the form, so they are left alone."""
    rows = cur.execute("SELECT id, kind, quantity::float8 AS quantity, unit, schedule, cost, audience, description "
                       "FROM capacity_offers WHERE asset_id = %s AND status = 'active' ORDER BY id FOR UPDATE",
                       (asset_id,)).fetchall()
    ids = [r.pop("id") for r in rows]
    matched = match_offers([Offer(**r) for r in rows], list(offers))
    cur.execute("DELETE FROM capacity_offers WHERE id = ANY(%s)",
                ([ids[i] for i in range(len(ids)) if i not in matched],))
    kept = [(o, ids[i]) for o, i in zip(offers, matched) if i is not None]
    cur.executemany(
        "UPDATE capacity_offers SET kind = %s, quantity = %s, unit = %s, schedule = %s, schedule_text = %s, "
        "cost = %s, audience = %s, description = %s, last_confirmed_at = now() WHERE id = %s",
        [(o.kind, o.quantity, o.unit, o.schedule, schedules.words(o.schedule), o.cost, o.audience, o.description,
          offer_id) for o, offer_id in kept])
    schedule_weeks.remember(cur, [o.schedule for o, _ in kept])
    _insert_offers(cur, asset_id, tuple(o for o, i in zip(offers, matched) if i is None))


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
    submission: AssetSubmission          # the entry as it is (for a published one: as the public sees it)
    moderation_reason: str | None
    draft: Draft | None = None           # their change waiting for a planner, or the last one turned down
    proposed: AssetSubmission | None = None   # what approving that change would publish
    changes: tuple[Change, ...] = ()     # and how it differs from the published entry


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
    sub = drafts.from_snapshot(s)
    draft = drafts.load(cur, [asset_id]).get(asset_id)
    proposed = draft.proposal(sub) if draft else None
    return EditableAsset(s["id"], uuid.UUID(s["public_id"]), s["status"], s["version"], sub,
                         s["moderation_reason"], draft, proposed, drafts.changes(sub, proposed) if draft else ())


def is_material_change(before: AssetSubmission, after: AssetSubmission, moved_m: float) -> bool:
    """Would the public see a difference? Then a planner should look first."""
    return moved_m > MOVE_IS_MATERIAL_M or any(getattr(before, f) != getattr(after, f) for f in MATERIAL_FIELDS)


def apply(cur: psycopg.Cursor, asset_id: int, sub: AssetSubmission, *, status: str | None = None,
          moderated_by: int | None = None) -> None:
    """Write the submission to the asset and its offers, and confirm the entry (saving it says it is right).
    `status` changes the status too; `moderated_by` records the planner who approved it."""
    cur.execute("""
        UPDATE assets SET name = %(name)s, category = %(category)s, description = %(description)s,
               audience = %(audience)s, accessibility = %(accessibility)s,
               organisation_name = %(organisation_name)s, address = %(address)s, postcode = %(postcode)s,
               contact_email = %(contact_email)s, contact_phone = %(contact_phone)s,
               is_private_home = %(is_private_home)s, location_precision = %(location_precision)s,
               geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), status = coalesce(%(status)s, status),
               last_confirmed_at = now(),
               moderation_reason = CASE WHEN %(moderated)s THEN NULL ELSE moderation_reason END,
               moderated_by = CASE WHEN %(moderated)s THEN %(by)s ELSE moderated_by END,
               moderated_at = CASE WHEN %(moderated)s THEN now() ELSE moderated_at END
         WHERE id = %(id)s
    """, _asset_values(sub) | {"status": status, "id": asset_id, "moderated": moderated_by is not None,
                               "by": moderated_by})
    _sync_offers(cur, asset_id, sub.offers)
    if moderated_by is not None:   # approved here: later small moves are measured from this point
        cur.execute("DELETE FROM asset_approved_points WHERE asset_id = %s", (asset_id,))


def update_by_token(conn: psycopg.Connection, token: str, sub: AssetSubmission, expected_version: int,
                    actor: str = "resident") -> EditableAsset:
    """Save the edit-link holder's changes, which confirms the entry. On a published entry a change the public
    would see waits for a planner (replacing any change waiting before) while the published version stays on the
    map; private contact details apply at once. Other entries change in place (a rejected one goes back to be
    checked when its public fields change)."""
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
        asset_id, current = row["id"], _editable(cur, row["id"])
        # From where it was last approved, not from the last small move: small moves must not add up unseen.
        moved_m = cur.execute("""
            SELECT ST_Distance(coalesce(p.geom, a.geom)::geography,
                               ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) AS m
              FROM assets a LEFT JOIN asset_approved_points p ON p.asset_id = a.id WHERE a.id = %s""",
                              (sub.lon, sub.lat, asset_id)).fetchone()["m"]
        material = is_material_change(current.submission, sub, moved_m)
        before = snapshot(cur, asset_id)
        if row["status"] == "published" and material:
            published = replace(current.submission, contact_email=sub.contact_email, contact_phone=sub.contact_phone)
            apply(cur, asset_id, published)
            after = record(cur, actor=actor, action="update", asset_id=asset_id, before=before)
            waiting = current.draft is not None and current.draft.status == "pending"
            if not (waiting and current.proposed == sub):    # the same change sent again changes nothing
                drafts.save(cur, asset_id, sub, published, after["version"], actor=actor)
        else:
            if row["status"] == "published":
                cur.execute("INSERT INTO asset_approved_points (asset_id, geom) SELECT id, geom FROM assets "
                            "WHERE id = %s ON CONFLICT (asset_id) DO NOTHING", (asset_id,))
            apply(cur, asset_id, sub, status="pending" if material and row["status"] == "rejected" else None)
            record(cur, actor=actor, action="update", asset_id=asset_id, before=before)
            # Saved with nothing for a planner to look at: a change that waited (or was turned down) is over.
            drafts.remove(cur, asset_id, actor=actor, outcome="dropped",
                          reason="saved again with no change to what the public sees")
        return _editable(cur, asset_id)


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
        drafts.remove(cur, row["id"], actor=actor, outcome="withdrawn", reason="the entry was withdrawn")
