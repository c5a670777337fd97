"""Loading community assets in bulk: validate every row with the shared rules, then upsert them set-based.

`load_assets` is the core every asset importer calls (files here, OpenStreetMap elsewhere); `import_assets` in
`asset_files.py` reads a file into its rows. A row without a source_ref gets `stable_ref(name, postcode, lon, lat)`:
a hash of what identifies the place rather than its row number, so re-importing the same file in another order (or
with rows added) updates the same assets instead of swapping their details round. The cost: renaming a place in a
file without source_refs imports it as a new asset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from psycopg import sql

from .. import schedule_weeks, schedules
from ..config import Settings
from ..model import audit
from ..model.submission import AssetSubmission, ValidationFailed, validate_submission, vocabularies
from .report import ImportReport
from .staging import Ticker, geocode_missing, has_coordinates, import_transaction, location_query, stable_ref, stage

STATUSES = ("published", "pending")

ASSET_COLUMNS = {"ord": "bigint", "source_ref": "text", "name": "text", "category": "text", "description": "text",
                 "audience": "text", "accessibility": "text", "organisation_name": "text", "address": "text",
                 "postcode": "text", "contact_email": "text", "contact_phone": "text", "is_private_home": "boolean",
                 "lon": "float8", "lat": "float8"}
OFFER_COLUMNS = {"source_ref": "text", "ord": "bigint", "kind": "text", "quantity": "numeric", "unit": "text",
                 "schedule": "text", "schedule_text": "text", "cost": "text", "audience": "text",
                 "description": "text"}


def load_assets(conn: psycopg.Connection, rows: Iterable[tuple[int, dict[str, Any]]], *, source: str,
                report: ImportReport, status: str = "published", dry_run: bool = False,
                settings: Settings | None = None, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate (row_number, fields) rows, reject the bad ones, upsert the rest by (source, source_ref)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    rows = list(rows)   # counted in report.read by whoever read them from the file
    report.dry_run = dry_run
    known = vocabularies(conn)
    found = geocode_missing(conn, settings, [f for _, f in rows])

    ticker = Ticker(progress)
    valid: list[tuple[int, str, AssetSubmission]] = []
    seen: dict[str, int] = {}
    geocoded = 0
    for number, fields in rows:
        ticker.tick()
        data = dict(fields)
        if not has_coordinates(fields):
            query = location_query(fields)
            if query is None:
                report.reject(number, fields, "no location: give lon and lat, a postcode or an address")
                continue
            result = found.get(query)
            if result is None:
                what = "postcode" if fields.get("postcode") not in (None, "") else "address"
                report.reject(number, fields, f"could not geocode {what} {query}")
                continue
            data["lon"], data["lat"] = result.lon, result.lat
            geocoded += 1
        try:
            sub = validate_submission({k: data.get(k) for k in _SUBMISSION_KEYS}, vocabularies=known,
                                      inside_service_area=None)
        except ValidationFailed as exc:
            report.reject(number, fields, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
            continue
        ref = _text(fields.get("source_ref")) or stable_ref(sub.name, sub.postcode, round(sub.lon, 6),
                                                             round(sub.lat, 6))
        if ref in seen:
            report.reject(number, fields, f"source_ref {ref!r} repeats row {seen[ref]}")
            continue
        seen[ref] = number
        valid.append((number, ref, sub))
    ticker.flush()
    if geocoded:
        report.notes.append(f"{geocoded} located by geocoding their postcode or address")

    with import_transaction(conn, dry_run) as cur:
        inserted, updated = _upsert(cur, valid, source=source, status=status)
        report.inserted += inserted
        report.updated += updated
        # Counted before the commit, so a dry run says it too: a point in no neighbourhood is often a wrong one.
        report.outside = cur.execute("""
            SELECT count(*) FROM import_done d JOIN assets a ON a.id = d.id
             WHERE a.neighbourhood_id IS NULL AND EXISTS (SELECT 1 FROM neighbourhoods)""").fetchone()[0]
        audit.write(cur, actor=f"import:{source}", action="import", entity="assets",
                    after=report.counts() | {"status": status})
    return report


_SUBMISSION_KEYS = ("name", "category", "description", "audience", "accessibility", "organisation", "address",
                    "postcode", "contact_email", "contact_phone", "private_home", "capacity", "lon", "lat")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _upsert(cur: psycopg.Cursor, valid: list[tuple[int, str, AssetSubmission]], *, source: str,
            status: str) -> tuple[int, int]:
    """COPY the valid rows and their offers to staging; upsert assets, replace offers, keep versions."""
    stage(cur, "import_assets", ASSET_COLUMNS, (
        (n, ref, s.name, s.category, s.description, s.audience, s.accessibility, s.organisation, s.address,
         s.postcode, s.contact_email, s.contact_phone, s.private_home, s.lon, s.lat) for n, ref, s in valid))
    stage(cur, "import_offers", OFFER_COLUMNS, (
        (ref, i, o.kind, o.quantity, o.unit, o.schedule, schedules.words(o.schedule), o.cost, o.audience,
         o.description)
        for _, ref, s in valid for i, o in enumerate(s.offers)))
    cur.execute("CREATE TEMP TABLE import_done (id bigint PRIMARY KEY, source_ref text, inserted boolean) "
                "ON COMMIT DROP")
    # A planner's archive (or merge) or rejection outlives a re-import; anything else takes the status given.
    cur.execute("""
        WITH up AS (
            INSERT INTO assets (name, category, description, audience, accessibility, organisation_name, address,
                                postcode, contact_email, contact_phone, is_private_home, location_precision, geom,
                                status, source, source_ref)
            SELECT name, category, description, audience, accessibility, organisation_name, address, postcode,
                   contact_email, contact_phone, is_private_home,
                   CASE WHEN is_private_home THEN 'generalised' ELSE 'exact' END,
                   ST_SetSRID(ST_MakePoint(lon, lat), 4326), %(status)s, %(source)s, source_ref
              FROM import_assets ORDER BY ord
            ON CONFLICT (source, source_ref) DO UPDATE SET
                name = EXCLUDED.name, category = EXCLUDED.category, description = EXCLUDED.description,
                audience = EXCLUDED.audience, accessibility = EXCLUDED.accessibility,
                organisation_name = EXCLUDED.organisation_name, address = EXCLUDED.address,
                postcode = EXCLUDED.postcode, contact_email = EXCLUDED.contact_email,
                contact_phone = EXCLUDED.contact_phone, is_private_home = EXCLUDED.is_private_home,
                location_precision = EXCLUDED.location_precision, geom = EXCLUDED.geom,
                status = CASE WHEN assets.status IN ('archived', 'rejected') THEN assets.status
                              ELSE EXCLUDED.status END
            RETURNING id, source_ref, (xmax = 0) AS inserted)
        INSERT INTO import_done SELECT id, source_ref, inserted FROM up""", {"status": status, "source": source})
    cur.execute("ANALYZE import_done")
    cur.execute("DELETE FROM capacity_offers o USING import_done d WHERE o.asset_id = d.id")
    cur.execute("""
        INSERT INTO capacity_offers (asset_id, kind, quantity, unit, schedule, schedule_text, cost, audience,
                                     description)
        SELECT d.id, s.kind, s.quantity, s.unit, s.schedule, s.schedule_text, s.cost, s.audience, s.description
          FROM import_offers s JOIN import_done d USING (source_ref)
         ORDER BY d.id, s.ord""")
    schedule_weeks.remember(cur, [r[0] for r in cur.execute("SELECT DISTINCT schedule FROM import_offers")])
    _versions(cur, f"import:{source}")
    return cur.execute("SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                       "FROM import_done").fetchone()


def _versions(cur: psycopg.Cursor, actor: str) -> None:
    """asset_versions rows for every imported asset: asset_snapshot(id), written out set-based.

    Called per row, asset_snapshot costs ~0.3 ms, mostly to_jsonb(a) turning both geometry columns into GeoJSON
    only to drop them; naming the other columns (read from the catalogue, so new columns are kept) avoids that.
    tests/ingest/test_import_assets.py checks the result equals asset_snapshot(id)."""
    columns = [r[0] for r in cur.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'assets'::regclass AND attnum > 0 AND NOT attisdropped "
        "AND attname NOT IN ('edit_token_hash', 'geom', 'public_geom', 'tile_geom') ORDER BY attnum")]
    # jsonb_build_object takes at most 100 arguments: build it in slices of 40 columns joined with ||.
    parts = [sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(
        sql.SQL("{}, a.{}").format(sql.Literal(c), sql.Identifier(c)) for c in columns[i:i + 40]))
        for i in range(0, len(columns), 40)]
    cur.execute(sql.SQL("""
        INSERT INTO asset_versions (asset_id, version, actor, snapshot)
        SELECT a.id, a.version, %(actor)s,
               {} || jsonb_build_object('lon', ST_X(a.geom), 'lat', ST_Y(a.geom),
                                        'offers', coalesce(o.offers, '[]'::jsonb))
          FROM import_done d
          JOIN assets a ON a.id = d.id
          LEFT JOIN (SELECT o.asset_id, jsonb_agg(to_jsonb(o) - 'asset_id' ORDER BY o.id) AS offers
                       FROM capacity_offers o JOIN import_done d ON d.id = o.asset_id
                      GROUP BY o.asset_id) o ON o.asset_id = a.id
        ON CONFLICT (asset_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot, at = now()""").format(
        sql.SQL(" || ").join(parts)), {"actor": actor})
