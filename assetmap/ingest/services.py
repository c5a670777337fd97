"""Loading public services (Total Place): the service, its sites (touchpoints) and its catchment, set-based.

`load_services` takes rows of fields (checked by `service_rules.validate_service`) and, on re-import, replaces each
service's sites and areas that changed (those given again unchanged are kept); `import_services` in
`service_files.py` reads a flat file of one service per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from ..config import Settings
from ..model import audit
from .report import ImportReport, check_rows
from .service_rules import AGENCY_KINDS, AGENCY_LABELS, SITE_KINDS, _text, validate_service
from .staging import Ticker, geocode_missing, import_transaction, stable_ref, stage

__all__ = ["AGENCY_KINDS", "AGENCY_LABELS", "SITE_KINDS", "load_services", "validate_service"]

SERVICE_COLUMNS = {"ord": "bigint", "source_ref": "text", "agency": "text", "agency_kind": "text", "name": "text",
                   "description": "text", "theme": "text", "client_groups": "text[]", "annual_spend": "numeric",
                   "contact": "text", "openreferral_id": "text", "radius_m": "float8", "catchment_codes": "text[]",
                   "catchment_wkb": "bytea"}
SITE_COLUMNS = {"source_ref": "text", "ord": "bigint", "name": "text", "kind": "text", "address": "text",
                "postcode": "text", "lon": "float8", "lat": "float8", "schedule": "text",
                "contacts_per_week": "integer"}


def _vocab(conn: psycopg.Connection) -> tuple[set[str], set[str], set[str]]:
    with conn.cursor(row_factory=tuple_row) as cur:
        themes = {r[0] for r in cur.execute("SELECT code FROM themes")}
        groups = {r[0] for r in cur.execute("SELECT code FROM client_groups")}
        codes = {r[0] for r in cur.execute("SELECT code FROM neighbourhoods")}
    return themes, groups, codes


def load_services(conn: psycopg.Connection, rows: Iterable[tuple[int, dict[str, Any]]], *, source: str,
                  report: ImportReport, dry_run: bool = False, settings: Settings | None = None,
                  progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate service rows, reject the bad ones, upsert the rest by (source, source_ref) with sites and areas."""
    rows = list(rows)   # counted in report.read by whoever read them from the file
    check_rows(max(report.read, len(rows)), settings)
    report.dry_run = dry_run
    themes, groups, codes = _vocab(conn)
    all_sites = [s for _, f in rows for s in (f.get("sites") or [])]
    located = geocode_missing(conn, settings, all_sites)
    ticker = Ticker(progress)
    services, sites, seen = [], [], {}
    for number, fields in rows:
        ticker.tick()
        svc, svc_sites, errors, dropped = validate_service(fields, themes=themes, groups=groups, codes=codes,
                                                           located=located)
        ref = _text(fields.get("source_ref")) or stable_ref(svc["agency"], svc["name"])
        if not errors and ref in seen:
            errors.append(f"source_ref {ref!r} repeats row {seen[ref]}")
        if errors:
            report.reject(number, _shown(fields), "; ".join(errors + [f"sites.{i}: {w}" for i, w in dropped.items()]))
            continue
        seen[ref] = number
        for i, why in dropped.items():
            name = _text(fields["sites"][i].get("name"))[:80]
            report.drop(number, svc["name"][:80], f"site {i + 1}" + (f" ({name})" if name else ""), why, "service")
        services.append((number, ref, *(svc[k] for k in list(SERVICE_COLUMNS)[2:])))
        sites += [(ref, i, *(s[k] for k in list(SITE_COLUMNS)[2:])) for i, s in enumerate(svc_sites)]
    ticker.flush()

    with import_transaction(conn, dry_run) as cur:
        audit.acting(cur, actor=f"import:{source}")
        stage(cur, "import_services", SERVICE_COLUMNS, services)
        stage(cur, "import_sites", SITE_COLUMNS, sites)
        _upsert(cur, source)
        report.inserted, report.updated = cur.execute(
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM import_done"
        ).fetchone()
        audit.write(cur, actor=f"import:{source}", action="import", entity="services", after=report.counts())
    return report


def _upsert(cur: psycopg.Cursor, source: str) -> None:
    cur.execute("CREATE TEMP TABLE import_done (id bigint PRIMARY KEY, source_ref text, inserted boolean) "
                "ON COMMIT DROP")
    cur.execute("""
        WITH up AS (
            INSERT INTO services (agency, agency_kind, name, description, theme, client_groups, annual_spend,
                                  contact, openreferral_id, source, source_ref)
            SELECT agency, agency_kind, name, description, theme, client_groups, annual_spend, contact,
                   openreferral_id, %(source)s, source_ref
              FROM import_services ORDER BY ord
            ON CONFLICT (source, source_ref) DO UPDATE SET
                agency = EXCLUDED.agency, agency_kind = EXCLUDED.agency_kind, name = EXCLUDED.name,
                description = EXCLUDED.description, theme = EXCLUDED.theme, client_groups = EXCLUDED.client_groups,
                annual_spend = EXCLUDED.annual_spend, contact = EXCLUDED.contact,
                openreferral_id = EXCLUDED.openreferral_id
            RETURNING id, source_ref, (xmax = 0) AS inserted)
        INSERT INTO import_done SELECT id, source_ref, inserted FROM up""", {"source": source})
    # Sites and catchments the file gives again unchanged are kept, not deleted and inserted again: each change is
    # an audit row (migration 0028), and a re-import that changes nothing should add none.
    cur.execute("""
        CREATE TEMP TABLE import_site_rows ON COMMIT DROP AS
        SELECT d.id AS service_id, s.ord, s.name, s.kind, s.address, s.postcode,
               ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom, s.schedule, s.contacts_per_week
          FROM import_sites s JOIN import_done d USING (source_ref)""")
    cur.execute("""
        DELETE FROM service_sites t USING import_done d
         WHERE t.service_id = d.id
           AND NOT EXISTS (SELECT 1 FROM import_site_rows s
                            WHERE s.service_id = t.service_id AND s.geom = t.geom
                              AND (s.name, s.kind, s.address) = (t.name, t.kind, t.address)
                              AND (s.postcode, s.schedule, s.contacts_per_week)
                                  IS NOT DISTINCT FROM (t.postcode, t.schedule, t.contacts_per_week))""")
    cur.execute("""
        INSERT INTO service_sites (service_id, name, kind, address, postcode, geom, schedule, contacts_per_week)
        SELECT s.service_id, s.name, s.kind, s.address, s.postcode, s.geom, s.schedule, s.contacts_per_week
          FROM import_site_rows s
         WHERE NOT EXISTS (SELECT 1 FROM service_sites t
                            WHERE s.service_id = t.service_id AND s.geom = t.geom
                              AND (s.name, s.kind, s.address) = (t.name, t.kind, t.address)
                              AND (s.postcode, s.schedule, s.contacts_per_week)
                                  IS NOT DISTINCT FROM (t.postcode, t.schedule, t.contacts_per_week))
         ORDER BY s.service_id, s.ord""")
    # Catchments: a polygon given, a radius round the first site (as geography, so metres), or named
    # neighbourhoods dissolved into one area.
    cur.execute("""
        CREATE TEMP TABLE import_area_rows ON COMMIT DROP AS
        SELECT d.id AS service_id, ST_Multi(ST_CollectionExtract(ST_MakeValid(a.geom), 3)) AS geom
          FROM import_services s JOIN import_done d USING (source_ref)
          CROSS JOIN LATERAL (
              SELECT ST_GeomFromWKB(s.catchment_wkb, 4326) AS geom WHERE s.catchment_wkb IS NOT NULL
              UNION ALL
              SELECT ST_Buffer(ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326)::geography, s.radius_m)::geometry
                FROM import_sites f WHERE s.radius_m IS NOT NULL AND f.source_ref = s.source_ref AND f.ord = 0
              UNION ALL
              SELECT ST_Union(n.geom) FROM neighbourhoods n
               WHERE s.catchment_codes IS NOT NULL AND n.code = ANY(s.catchment_codes)
              HAVING count(*) > 0) a""")
    cur.execute("""
        DELETE FROM service_areas t USING import_done d
         WHERE t.service_id = d.id
           AND NOT EXISTS (SELECT 1 FROM import_area_rows a WHERE a.service_id = t.service_id AND a.geom = t.geom)""")
    cur.execute("""
        INSERT INTO service_areas (service_id, name, geom)
        SELECT a.service_id, 'catchment', a.geom FROM import_area_rows a
         WHERE NOT EXISTS (SELECT 1 FROM service_areas t WHERE t.service_id = a.service_id AND t.geom = a.geom)""")


def _shown(fields: dict[str, Any]) -> dict[str, Any]:
    """The row for the rejects file: geometries as WKT, so the CSV stays readable."""
    out = dict(fields)
    catchment = out.get("catchment") or {}
    if catchment.get("geometry") is not None:
        out["catchment"] = {"geometry": catchment["geometry"].wkt[:200]}
    return out
