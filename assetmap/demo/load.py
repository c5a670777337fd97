"""Load the demo town into PostGIS: one transaction, COPY into staging tables, set-based inserts."""

import json

import pandas as pd
import psycopg
import shapely
from psycopg import sql

from .. import schedule_weeks, schedules
from ..ingest.staging import stage
from .generate import DemoTown, generate_town

SOURCE = "demo"
TABLES = ("neighbourhoods", "organisations", "assets", "capacity_offers", "capacity_needs", "services",
          "service_sites", "service_areas", "gazetteer")


class DemoError(Exception):
    """The demo town cannot be loaded as asked."""


class DemoAlreadyLoaded(DemoError):
    """Demo rows are already in the database; load with replace=True to swap them for new ones."""


class VocabularyMissing(DemoError):
    """The vocabulary tables lack codes the demo uses; `assetmap db migrate` fills them from data/."""


def load_demo(conn: psycopg.Connection, seed: int = 1, scale: float = 1, *, replace: bool = False,
              town: DemoTown | None = None) -> dict[str, int]:
    """Generate (or take) the demo town and load it in one transaction; returns rows inserted per table.

    The transaction commits on success, or is a savepoint if the caller already has one open on conn.
    """
    town = town if town is not None else generate_town(seed, scale)
    with conn.transaction(), conn.cursor() as cur:
        # Two loads at once would both see an empty database and then collide on unique keys.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('assetmap.demo'))")
        if _present(cur):
            if not replace:
                raise DemoAlreadyLoaded("demo data is already loaded; use replace to load it again")
            _delete(cur)
        _check_vocabularies(cur, town)
        counts = {
            "neighbourhoods": _neighbourhoods(cur, town.neighbourhoods),
            "organisations": _organisations(cur, town.organisations),
            "assets": _assets(cur, town.assets),
            "capacity_offers": _offers(cur, town.offers),
            "capacity_needs": _needs(cur, town.needs),
            "services": _services(cur, town.services),
            "service_sites": _sites(cur, town.service_sites),
            "service_areas": _areas(cur, town.service_areas),
            "gazetteer": _gazetteer(cur, town.gazetteer),
        }
        schedule_weeks.refresh(cur.connection)
        cur.execute("ANALYZE " + ", ".join(TABLES))
    return counts


def remove_demo(conn: psycopg.Connection) -> dict[str, int]:
    """Delete every demo row in one transaction; returns rows deleted per table."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('assetmap.demo'))")
        return _delete(cur)


def _present(cur: psycopg.Cursor) -> bool:
    """Whether any demo row is in the database."""
    cur.execute("""
        SELECT EXISTS (SELECT 1 FROM assets WHERE source = %(s)s)
            OR EXISTS (SELECT 1 FROM neighbourhoods WHERE source = %(s)s)
            OR EXISTS (SELECT 1 FROM organisations WHERE source = %(s)s)
            OR EXISTS (SELECT 1 FROM services WHERE source = %(s)s)
            OR EXISTS (SELECT 1 FROM capacity_needs WHERE source = %(s)s)
            OR EXISTS (SELECT 1 FROM gazetteer WHERE source = %(s)s)""", {"s": SOURCE})
    return cur.fetchone()[0]


def _delete(cur: psycopg.Cursor) -> dict[str, int]:
    """Delete demo rows, children first."""
    statements = {
        "capacity_needs": "DELETE FROM capacity_needs WHERE source = %(s)s",
        "capacity_offers": "DELETE FROM capacity_offers WHERE asset_id IN (SELECT id FROM assets WHERE source = %(s)s)",
        "assets": "DELETE FROM assets WHERE source = %(s)s",
        "service_areas": "DELETE FROM service_areas WHERE service_id IN "
                         "(SELECT id FROM services WHERE source = %(s)s)",
        "service_sites": "DELETE FROM service_sites WHERE service_id IN "
                         "(SELECT id FROM services WHERE source = %(s)s)",
        "services": "DELETE FROM services WHERE source = %(s)s",
        "organisations": "DELETE FROM organisations WHERE source = %(s)s",
        "neighbourhoods": "DELETE FROM neighbourhoods WHERE source = %(s)s",
        "gazetteer": "DELETE FROM gazetteer WHERE source = %(s)s",
    }
    counts = {}
    for table, query in statements.items():
        cur.execute(query, {"s": SOURCE})
        counts[table] = cur.rowcount
    return counts


def _check_vocabularies(cur: psycopg.Cursor, town: DemoTown) -> None:
    """Fail early, and clearly, if a code the demo uses is not in its vocabulary table."""
    used = {
        "categories": set(town.assets["category"]),
        "capacity_kinds": set(town.offers["kind"]) | set(town.needs["kind"]),
        "themes": set(town.services["theme"]),
        "client_groups": {g for groups in town.services["client_groups"] for g in groups},
    }
    missing = []
    for table, codes in used.items():
        cur.execute(sql.SQL("SELECT code FROM {} WHERE code = ANY(%s)").format(sql.Identifier(table)), [sorted(codes)])
        missing += [f"{table}.{c}" for c in sorted(codes - {r[0] for r in cur.fetchall()})]
    if missing:
        raise VocabularyMissing(f"vocabulary codes missing (run `assetmap db migrate`): {', '.join(missing)}")


def _values(frame: pd.DataFrame, column: str) -> list:
    """A column as Python values, with every kind of missing value as None."""
    s = frame[column]
    return s.astype(object).where(s.notna(), None).tolist()


def _stage(cur: psycopg.Cursor, table: str, columns: dict[str, str], rows) -> None:
    """Stage rows as the importers do, after a row number (ord) that keeps their order."""
    stage(cur, table, {"ord": "bigint", **columns}, ((i, *row) for i, row in enumerate(rows)))


def _frame_rows(frame: pd.DataFrame, columns) -> zip:
    """Rows of the given columns, as tuples of Python values."""
    return zip(*(_values(frame, c) for c in columns))


def _insert(cur: psycopg.Cursor, table: str, query: str) -> int:
    """Run one INSERT … SELECT from a staging table, drop the table, and return the rows inserted."""
    cur.execute(query, {"s": SOURCE})
    inserted = cur.rowcount
    cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(table)))
    return inserted


def _neighbourhoods(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    """Neighbourhoods first: the triggers on assets and sites look them up."""
    rows = zip(_values(frame, "code"), _values(frame, "name"), _values(frame, "population"),
               _values(frame, "need_score"), [json.dumps(a, sort_keys=True) for a in frame["attrs"]],
               shapely.to_wkb(frame["geom"].to_numpy()).tolist())
    cols = {"code": "text", "name": "text", "population": "integer", "need_score": "float8", "attrs": "jsonb",
            "wkb": "bytea"}
    _stage(cur, "demo_stage_neighbourhoods", cols, rows)
    return _insert(cur, "demo_stage_neighbourhoods", """
        INSERT INTO neighbourhoods (code, name, population, need_score, attrs, geom, source)
        SELECT code, name, population, need_score, attrs, ST_Multi(ST_GeomFromWKB(wkb, 4326)), %(s)s
          FROM demo_stage_neighbourhoods ORDER BY ord""")


def _organisations(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"source_ref": "text", "name": "text", "kind": "text", "website": "text"}
    _stage(cur, "demo_stage_organisations", cols, _frame_rows(frame, cols))
    return _insert(cur, "demo_stage_organisations", """
        INSERT INTO organisations (name, kind, website, source, source_ref)
        SELECT name, kind, website, %(s)s, source_ref FROM demo_stage_organisations ORDER BY ord""")


def _assets(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"source_ref": "text", "public_id": "uuid", "name": "text", "category": "text", "tags": "text[]",
            "description": "text", "audience": "text", "accessibility": "text", "org_ref": "text",
            "address": "text", "postcode": "text", "lon": "float8", "lat": "float8", "location_precision": "text",
            "is_private_home": "boolean", "contact_email": "text", "contact_phone": "text", "status": "text",
            "confirmed_days_ago": "integer"}
    _stage(cur, "demo_stage_assets", cols, _frame_rows(frame, cols))
    return _insert(cur, "demo_stage_assets", """
        INSERT INTO assets (public_id, name, category, tags, description, audience, accessibility, organisation_id,
                            address, postcode, geom, location_precision, is_private_home, contact_email,
                            contact_phone, status, source, source_ref, last_confirmed_at)
        SELECT s.public_id, s.name, s.category, s.tags, s.description, s.audience, s.accessibility, o.id,
               s.address, s.postcode, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.location_precision,
               s.is_private_home, s.contact_email, s.contact_phone, s.status, %(s)s, s.source_ref,
               now() - make_interval(days => s.confirmed_days_ago)
          FROM demo_stage_assets s
          LEFT JOIN organisations o ON o.source = %(s)s AND o.source_ref = s.org_ref
         ORDER BY s.ord""")


def _offers(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"asset_ref": "text", "kind": "text", "description": "text", "quantity": "numeric", "unit": "text",
            "schedule": "text", "schedule_text": "text", "audience": "text", "cost": "text", "status": "text",
            "confirmed_days_ago": "integer"}
    frame = frame.assign(schedule_text=[schedules.words(s) for s in _values(frame, "schedule")])
    _stage(cur, "demo_stage_offers", cols, _frame_rows(frame, cols))
    return _insert(cur, "demo_stage_offers", """
        INSERT INTO capacity_offers (asset_id, kind, description, quantity, unit, schedule, schedule_text, audience,
                                     cost, status, last_confirmed_at)
        SELECT a.id, s.kind, s.description, s.quantity, s.unit, s.schedule, s.schedule_text, s.audience, s.cost,
               s.status, now() - make_interval(days => s.confirmed_days_ago)
          FROM demo_stage_offers s
          JOIN assets a ON a.source = %(s)s AND a.source_ref = s.asset_ref
         ORDER BY s.ord""")


def _needs(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"title": "text", "kind": "text", "description": "text", "quantity": "numeric", "unit": "text",
            "schedule": "text", "audience": "text", "org_ref": "text", "lon": "float8", "lat": "float8",
            "status": "text"}
    _stage(cur, "demo_stage_needs", cols, _frame_rows(frame, cols))
    # Needs have no trigger of their own, so their neighbourhood is looked up here, the same way.
    return _insert(cur, "demo_stage_needs", """
        INSERT INTO capacity_needs (title, kind, description, quantity, unit, schedule, audience, organisation_id,
                                    neighbourhood_id, geom, status, source, source_ref)
        SELECT s.title, s.kind, s.description, s.quantity, s.unit, s.schedule, s.audience, o.id,
               neighbourhood_at(p.geom), p.geom, s.status, %(s)s, 'need-' || lpad(s.ord::text, 4, '0')
          FROM demo_stage_needs s
         CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom) p
          LEFT JOIN organisations o ON o.source = %(s)s AND o.source_ref = s.org_ref
         ORDER BY s.ord""")


def _services(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"source_ref": "text", "public_id": "uuid", "agency": "text", "agency_kind": "text", "name": "text",
            "description": "text", "theme": "text", "client_groups": "text[]", "annual_spend": "numeric",
            "contact": "text", "status": "text"}
    _stage(cur, "demo_stage_services", cols, _frame_rows(frame, cols))
    return _insert(cur, "demo_stage_services", """
        INSERT INTO services (public_id, agency, agency_kind, name, description, theme, client_groups, annual_spend,
                              contact, status, source, source_ref)
        SELECT public_id, agency, agency_kind, name, description, theme, client_groups, annual_spend, contact, status,
               %(s)s, source_ref
          FROM demo_stage_services ORDER BY ord""")


def _sites(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"service_ref": "text", "name": "text", "kind": "text", "address": "text", "postcode": "text",
            "lon": "float8", "lat": "float8", "schedule": "text", "contacts_per_week": "integer"}
    _stage(cur, "demo_stage_sites", cols, _frame_rows(frame, cols))
    return _insert(cur, "demo_stage_sites", """
        INSERT INTO service_sites (service_id, name, kind, address, postcode, geom, schedule, contacts_per_week)
        SELECT v.id, s.name, s.kind, s.address, s.postcode, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
               s.schedule, s.contacts_per_week
          FROM demo_stage_sites s
          JOIN services v ON v.source = %(s)s AND v.source_ref = s.service_ref
         ORDER BY s.ord""")


def _areas(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    rows = zip(_values(frame, "service_ref"), _values(frame, "name"),
               shapely.to_wkb(frame["geom"].to_numpy()).tolist())
    _stage(cur, "demo_stage_areas", {"service_ref": "text", "name": "text", "wkb": "bytea"}, rows)
    return _insert(cur, "demo_stage_areas", """
        INSERT INTO service_areas (service_id, name, geom)
        SELECT v.id, s.name, ST_Multi(ST_GeomFromWKB(s.wkb, 4326))
          FROM demo_stage_areas s
          JOIN services v ON v.source = %(s)s AND v.source_ref = s.service_ref
         ORDER BY s.ord""")


def _gazetteer(cur: psycopg.Cursor, frame: pd.DataFrame) -> int:
    cols = {"kind": "text", "name": "text", "normalised": "text", "lon": "float8", "lat": "float8"}
    _stage(cur, "demo_stage_gazetteer", cols, _frame_rows(frame, cols))
    return _insert(cur, "demo_stage_gazetteer", """
        INSERT INTO gazetteer (kind, name, normalised, geom, source)
        SELECT kind, name, normalised, ST_SetSRID(ST_MakePoint(lon, lat), 4326), %(s)s
          FROM demo_stage_gazetteer ORDER BY ord""")
