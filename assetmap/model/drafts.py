"""A change to a published entry, waiting for a planner while the entry stays on the map as approved.

The resident's edit is kept as typed (`asset_drafts.submission`) beside the published version it was typed against
(`base`). What approving it publishes is `resolve(base, typed, now)`: the entry as it is now, with the fields the
resident changed. So whatever changed the entry meanwhile (a merge filling a blank field or bringing offers, a
"still right" confirmation) is kept, and what the planner is shown is exactly what approving publishes.

Every write of a draft keeps a version of it (`record_versions`, entity 'asset_drafts') and an audit row, in the
caller's transaction. The asset itself is written by `contributions` and `moderation`, never here.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, fields
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from . import audit
from .submission import AssetSubmission, Offer

MOVED_M = 1      # a point that moved less than this (rounding in the form) has not moved


@dataclass(frozen=True)
class Change:
    """One field of an entry: what the public sees now, and what it would see."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Draft:
    asset_id: int
    status: str                  # 'pending' (waiting for a planner) or 'rejected'
    version: int
    typed: AssetSubmission       # what the resident typed
    base: AssetSubmission        # the published version they changed
    reason: str | None           # why a planner turned it down
    created_at: datetime         # waiting since
    updated_at: datetime

    def proposal(self, now: AssetSubmission) -> AssetSubmission:
        """What approving it would publish, the entry being `now`."""
        return resolve(self.base, self.typed, now)


def from_snapshot(s: dict) -> AssetSubmission:
    """An asset snapshot (asset_snapshot(), asset_versions) in the submission's terms; active offers only."""
    offers = tuple(Offer(kind=o["kind"], quantity=float(o["quantity"]) if o["quantity"] is not None else None,
                         unit=o["unit"], schedule=o["schedule"], cost=o["cost"], audience=o["audience"],
                         description=o["description"])
                   for o in s.get("offers") or [] if o.get("status", "active") == "active")
    return AssetSubmission(
        name=s["name"], category=s["category"], lon=s["lon"], lat=s["lat"], description=s["description"],
        audience=s["audience"], accessibility=s["accessibility"], organisation=s.get("organisation_name", ""),
        address=s["address"], postcode=s["postcode"], contact_email=s["contact_email"],
        contact_phone=s["contact_phone"], private_home=s["is_private_home"], offers=offers)


def _to_json(sub: AssetSubmission) -> dict:
    return asdict(sub)


def _from_json(d: dict) -> AssetSubmission:
    return AssetSubmission(**(d | {"offers": tuple(Offer(**o) for o in d.get("offers") or [])}))


def resolve(base: AssetSubmission, typed: AssetSubmission, now: AssetSubmission) -> AssetSubmission:
    """`now` with what `typed` changed from `base`: field by field, the point as one, offers as a multiset."""
    picked = {f.name: getattr(typed, f.name) if getattr(typed, f.name) != getattr(base, f.name)
              else getattr(now, f.name)
              for f in fields(AssetSubmission) if f.name not in ("lon", "lat", "offers")}
    where = typed if metres(base, typed) >= MOVED_M else now
    return AssetSubmission(**picked, lon=where.lon, lat=where.lat,
                           offers=_offers(base.offers, typed.offers, now.offers))


def _offers(base: tuple[Offer, ...], typed: tuple[Offer, ...], now: tuple[Offer, ...]) -> tuple[Offer, ...]:
    if typed == base:
        return now
    gone = Counter(base) - Counter(now)           # taken off the entry since the resident's version
    new = Counter(now) - Counter(base) - Counter(typed)   # put on it since (a merge), and not typed again
    out = []
    for o in typed:
        if gone[o]:
            gone[o] -= 1
        else:
            out.append(o)
    for o in now:
        if new[o]:
            new[o] -= 1
            out.append(o)
    return tuple(out)


def metres(a: AssetSubmission, b: AssetSubmission) -> float:
    """Distance between two points; an equirectangular approximation is plenty for "it moved"."""
    dy = (b.lat - a.lat) * 111_200
    dx = (b.lon - a.lon) * 111_200 * math.cos(math.radians(a.lat))
    return math.hypot(dx, dy)


# What a planner or resident compares, in the words the form uses.
_COMPARED = {"name": "Name", "category": "Category", "description": "Description", "audience": "Who can use it",
             "accessibility": "Accessibility", "organisation": "Organisation", "address": "Address",
             "postcode": "Postcode", "private_home": "A private home", "contact_email": "Contact email",
             "contact_phone": "Contact phone"}
_OFFER_FIELDS = ("kind", "quantity", "unit", "schedule", "cost", "audience", "description")


def changes(before: AssetSubmission, after: AssetSubmission) -> tuple[Change, ...]:
    """The fields that differ, in the form's order, with each side as text."""
    out = [Change(label, _text(getattr(before, k)), _text(getattr(after, k)))
           for k, label in _COMPARED.items() if _text(getattr(before, k)) != _text(getattr(after, k))]
    moved = metres(before, after)
    if moved >= MOVED_M:
        out.append(Change("Location", "where it was", f"moved {moved:,.0f} m"))
    old, new = _offer_lines(before), _offer_lines(after)
    if old != new:
        out.append(Change("Spare capacity", "; ".join(old) or "none", "; ".join(new) or "none"))
    return tuple(out)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        return f"{value:g}"
    return str(value)


def _offer_lines(sub: AssetSubmission) -> list[str]:
    return [", ".join(_text(getattr(o, k)) for k in _OFFER_FIELDS if _text(getattr(o, k))) for o in sub.offers]


# -- storing ----------------------------------------------------------------------------------------------------

_COLUMNS = ("asset_id, status, version, submission, base, moderation_reason AS reason, created_at, updated_at")


def _draft(row: dict) -> Draft:
    typed, base = _from_json(row.pop("submission")), _from_json(row.pop("base"))
    return Draft(**row, typed=typed, base=base)


def load(cur: psycopg.Cursor, asset_ids: list[int], *, waiting_only: bool = False) -> dict[int, Draft]:
    """The drafts of these assets (dict rows), by asset id."""
    rows = cur.execute(f"SELECT {_COLUMNS} FROM asset_drafts WHERE asset_id = ANY(%s) "
                       "AND (status = 'pending' OR NOT %s)", (asset_ids, waiting_only)).fetchall()
    return {r["asset_id"]: _draft(r) for r in rows}


def save(cur: psycopg.Cursor, asset_id: int, typed: AssetSubmission, base: AssetSubmission, base_version: int,
         *, actor: str) -> Draft:
    """Keep the resident's change (replacing any earlier one) to wait for a planner."""
    before = _row(cur, asset_id)
    cur.execute("""
        INSERT INTO asset_drafts (asset_id, submission, base, base_version, actor, version)
        VALUES (%(id)s, %(typed)s, %(base)s, %(base_version)s, %(actor)s,
                coalesce((SELECT max(version) FROM record_versions
                           WHERE entity = 'asset_drafts' AND entity_id = %(id)s), 0) + 1)
        ON CONFLICT (asset_id) DO UPDATE
           SET submission = EXCLUDED.submission, base = EXCLUDED.base, base_version = EXCLUDED.base_version,
               actor = EXCLUDED.actor, status = 'pending', moderation_reason = NULL, moderated_by = NULL,
               moderated_at = NULL,
               created_at = CASE WHEN asset_drafts.status = 'pending' THEN asset_drafts.created_at ELSE now() END
    """, {"id": asset_id, "typed": Jsonb(_to_json(typed)), "base": Jsonb(_to_json(base)),
          "base_version": base_version, "actor": actor})
    _record(cur, asset_id, actor=actor, action="propose", before=before, after=_row(cur, asset_id))
    return load(cur, [asset_id])[asset_id]


def reject(cur: psycopg.Cursor, asset_id: int, reason: str, *, actor: str, user_id: int) -> None:
    """Turn a waiting change down; the published entry stays as it is, and the resident sees the reason."""
    before = _row(cur, asset_id)
    cur.execute("UPDATE asset_drafts SET status = 'rejected', moderation_reason = %s, moderated_by = %s, "
                "moderated_at = now() WHERE asset_id = %s", (reason, user_id, asset_id))
    _record(cur, asset_id, actor=actor, action="moderate", before=before, after=_row(cur, asset_id),
            reason=f"reject: {reason}", user_id=user_id)


def remove(cur: psycopg.Cursor, asset_id: int, *, actor: str, outcome: str, reason: str,
           user_id: int | None = None) -> bool:
    """Delete the asset's draft, if it has one, keeping its last version as `outcome` ('approved', 'withdrawn',
    'merged', 'dropped'); whether there was one."""
    before = _row(cur, asset_id, lock=True)
    if before is None:
        return False
    cur.execute("DELETE FROM asset_drafts WHERE asset_id = %s", (asset_id,))
    _record(cur, asset_id, actor=actor, action=outcome, before=before,
            after=before | {"status": outcome, "version": before["version"] + 1}, reason=reason, user_id=user_id,
            deleted=True)
    return True


def _row(cur: psycopg.Cursor, asset_id: int, *, lock: bool = False) -> dict | None:
    row = cur.execute("SELECT to_jsonb(d) AS d FROM asset_drafts d WHERE asset_id = %s"
                      + (" FOR UPDATE" if lock else ""), (asset_id,)).fetchone()
    return row["d"] if row else None


def _record(cur: psycopg.Cursor, asset_id: int, *, actor: str, action: str, before: dict | None, after: dict,
            reason: str | None = None, user_id: int | None = None, deleted: bool = False) -> None:
    cur.execute("INSERT INTO record_versions (entity, entity_id, version, actor, snapshot) "
                "VALUES ('asset_drafts', %s, %s, %s, %s)", (asset_id, after["version"], actor, Jsonb(after)))
    audit.write(cur, actor=actor, action=action, entity="asset_drafts", entity_id=asset_id, before=before,
                after=None if deleted else after, reason=reason, user_id=user_id)
