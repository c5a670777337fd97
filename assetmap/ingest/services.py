"""Loading public services (Total Place): the service, its sites (touchpoints) and its catchment, set-based.

`load_services` takes rows of fields (see `validate_service`) and replaces each service's sites and areas on
re-import; `import_services` in `service_files.py` reads a flat file of one service per row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
import shapely
from psycopg.rows import tuple_row

from ..config import Settings
from ..model import audit
from ..model.submission import normalise_postcode, validate_schedule
from .report import ImportReport
from .staging import Ticker, geocode_missing, has_coordinates, import_transaction, location_query, stable_ref, stage

# The kinds of agency, in the words a council officer uses for pages and filters.
AGENCY_LABELS = {"nhs": "NHS", "council": "Council", "housing": "Housing", "police": "Police",
                 "dwp": "DWP / Jobcentre", "voluntary": "Voluntary sector", "education": "Education", "other": "Other"}
AGENCY_KINDS = tuple(AGENCY_LABELS)
SITE_KINDS = ("fixed", "outreach", "home_visit")

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


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def validate_service(fields: dict[str, Any], *, themes: set[str], groups: set[str], codes: set[str],
                     located: dict) -> tuple[dict, list[dict], list[str], dict[int, str]]:
    """(clean service, clean sites, problems, dropped sites); `located` maps geocoding queries to results.

    A bad site does not sink its service: it is left out (dropped: its index → why) and the service is kept with
    its other sites; the problems are the service's own, each a reason to reject the row."""
    errors: list[str] = []
    svc: dict[str, Any] = {}
    for key, limit, required in (("agency", 200, True), ("name", 200, True), ("description", 5000, False),
                                 ("contact", 1000, False), ("openreferral_id", 200, False)):
        svc[key] = _text(fields.get(key))
        if required and not svc[key]:
            errors.append(f"{key}: missing")
        elif len(svc[key]) > limit:
            errors.append(f"{key}: at most {limit} characters")
    svc["openreferral_id"] = svc["openreferral_id"] or None
    svc["agency_kind"] = _text(fields.get("agency_kind")).lower() or "other"
    if svc["agency_kind"] not in AGENCY_KINDS:
        errors.append(f"agency_kind: must be one of {', '.join(AGENCY_KINDS)}")
    svc["theme"] = _text(fields.get("theme"))
    if svc["theme"] not in themes:
        errors.append(f"theme: unknown theme {svc['theme'][:40]!r}" if svc["theme"] else "theme: missing")
    raw_groups = fields.get("client_groups") or []
    if isinstance(raw_groups, str):
        raw_groups = [g for g in raw_groups.split(";")]
    svc["client_groups"] = sorted({_text(g) for g in raw_groups if _text(g)})
    unknown = [g for g in svc["client_groups"] if g not in groups]
    if unknown:
        errors.append(f"client_groups: unknown {', '.join(unknown)}")
    svc["annual_spend"] = None
    if _text(fields.get("annual_spend")):
        try:
            spend = float(str(fields["annual_spend"]).replace(",", "").lstrip("£"))
            if not math.isfinite(spend) or spend < 0 or spend >= 1e12:
                raise ValueError
            svc["annual_spend"] = round(spend, 2)
        except ValueError:
            errors.append("annual_spend: must be a number of pounds, 0 or more")
    sites, dropped = [], {}
    for i, raw in enumerate(fields.get("sites") or []):
        problems: list[str] = []
        site = _site(i, raw, located, problems)
        if problems:
            dropped[i] = "; ".join(p.removeprefix(f"sites.{i}.") for p in problems)
        sites += [] if problems else [site]
    svc.update(radius_m=None, catchment_codes=None, catchment_wkb=None)
    catchment = fields.get("catchment") or {}
    if catchment.get("geometry") is not None:
        geom = catchment["geometry"]
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append("catchment: not a polygon")
        else:
            svc["catchment_wkb"] = shapely.to_wkb(geom)
    elif catchment.get("radius_m") not in (None, ""):
        try:
            svc["radius_m"] = float(catchment["radius_m"])
            if not 0 < svc["radius_m"] <= 200_000:
                raise ValueError
        except (TypeError, ValueError):
            errors.append("catchment_radius_m: must be a distance in metres, more than 0 and at most 200000")
        if not sites:
            errors.append("catchment_radius_m: a radius needs a site to draw it round")
    elif catchment.get("neighbourhoods"):
        svc["catchment_codes"] = sorted({_text(c) for c in catchment["neighbourhoods"] if _text(c)})
        unknown = [c for c in svc["catchment_codes"] if c not in codes]
        if unknown:
            errors.append(f"catchment_neighbourhoods: unknown {', '.join(unknown[:10])}")
    return svc, sites, errors, dropped


def _site(i: int, raw: dict[str, Any], located: dict, errors: list[str]) -> dict[str, Any]:
    at = f"sites.{i}"
    site = {"name": _text(raw.get("name")), "kind": _text(raw.get("kind")) or "fixed",
            "address": _text(raw.get("address")), "postcode": None, "schedule": None, "contacts_per_week": None}
    if not site["name"] or len(site["name"]) > 200:
        errors.append(f"{at}.name: give the site a name (at most 200 characters)")
    if site["kind"] not in SITE_KINDS:
        errors.append(f"{at}.kind: must be one of {', '.join(SITE_KINDS)}")
    if _text(raw.get("postcode")):
        site["postcode"] = normalise_postcode(_text(raw["postcode"]))
        if site["postcode"] is None:
            errors.append(f"{at}.postcode: is not a UK postcode")
    if _text(raw.get("schedule")):
        try:
            site["schedule"] = validate_schedule(_text(raw["schedule"]))
        except ValueError as exc:
            errors.append(f"{at}.schedule: {exc}")
    if _text(raw.get("contacts_per_week")):
        try:
            n = float(raw["contacts_per_week"])
            if n < 0 or n != int(n) or n > 1e7:
                raise ValueError
            site["contacts_per_week"] = int(n)
        except (TypeError, ValueError):
            errors.append(f"{at}.contacts_per_week: must be a whole number, 0 or more")
    site["lon"] = site["lat"] = None
    if has_coordinates(raw):
        try:
            site["lon"], site["lat"] = float(raw["lon"]), float(raw["lat"])
            if not (-180 <= site["lon"] <= 180 and -90 <= site["lat"] <= 90):
                errors.append(f"{at}.location: the coordinates are outside the world")
        except (TypeError, ValueError):
            errors.append(f"{at}.location: the coordinates are not numbers")
    else:
        query = location_query(raw)
        result = located.get(query) if query else None
        if query is None:
            errors.append(f"{at}.location: give lon and lat, a postcode or an address")
        elif result is None:
            errors.append(f"{at}.location: could not geocode {'postcode' if raw.get('postcode') else 'address'} "
                          f"{query}")
        else:
            site["lon"], site["lat"] = result.lon, result.lat
    return site


def load_services(conn: psycopg.Connection, rows: Iterable[tuple[int, dict[str, Any]]], *, source: str,
                  report: ImportReport, dry_run: bool = False, settings: Settings | None = None,
                  progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate service rows, reject the bad ones, upsert the rest by (source, source_ref) with sites and areas."""
    rows = list(rows)   # counted in report.read by whoever read them from the file
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
    cur.execute("DELETE FROM service_sites s USING import_done d WHERE s.service_id = d.id")
    cur.execute("DELETE FROM service_areas a USING import_done d WHERE a.service_id = d.id")
    cur.execute("""
        INSERT INTO service_sites (service_id, name, kind, address, postcode, geom, schedule, contacts_per_week)
        SELECT d.id, s.name, s.kind, s.address, s.postcode, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
               s.schedule, s.contacts_per_week
          FROM import_sites s JOIN import_done d USING (source_ref)
         ORDER BY d.id, s.ord""")
    # Catchments: a polygon given, a radius round the first site (as geography, so metres), or named
    # neighbourhoods dissolved into one area.
    cur.execute("""
        INSERT INTO service_areas (service_id, name, geom)
        SELECT d.id, 'catchment', ST_Multi(ST_CollectionExtract(ST_MakeValid(a.geom), 3))
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


def _shown(fields: dict[str, Any]) -> dict[str, Any]:
    """The row for the rejects file: geometries as WKT, so the CSV stays readable."""
    out = dict(fields)
    catchment = out.get("catchment") or {}
    if catchment.get("geometry") is not None:
        out["catchment"] = {"geometry": catchment["geometry"].wkt[:200]}
    return out
