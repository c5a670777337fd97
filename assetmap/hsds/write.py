"""Open Referral UK export: our services, and optionally our assets, as an HSDS 3.1 tabular data package.

Services are written with their touchpoints as locations (opening times as schedules) and their catchments as service
areas; assets become services of their organisation at one location each, their category an attribute, and their
offers HSDS 3.1 service capacities (capacity.py). Ids that are not a public_id are stable uuid5 names, so the same
row gets the same id every export. The caller runs it inside one snapshot.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import psycopg
from psycopg import sql

from .. import spreadsheet
from ..ingest.rows import cell, sources, stream
from .capacity import ASSET_ITSELF, AUDIENCE_LABEL, write_capacity
from .terms import attribute, hsds_id

# The tables written and their fields, named and typed as in HSDS 3.0's datapackage.json (the UK profile's examples);
# the last five as in HSDS 3.1 (openreferral/specification, branch 3.1-dev, datapackage.json and schema/*.json).
HSDS_TABLES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "organization": ("organizations.csv", (
        ("id", "string", "uuid"), ("name", "string", ""), ("description", "string", ""), ("email", "string", "email"),
        ("website", "string", "uri"), ("logo", "string", ""), ("uri", "string", "uri"),
        ("parent_organization_id", "string", "uuid"))),
    "service": ("services.csv", (
        ("id", "string", "uuid"), ("organization_id", "string", "uuid"), ("name", "string", ""),
        ("description", "string", ""), ("url", "string", "uri"), ("email", "string", "email"),
        ("status", "string", ""), ("fees", "string", ""), ("accreditations", "string", ""),
        ("minimum_age", "number", ""), ("maximum_age", "number", ""), ("assured_date", "date", ""),
        ("assurer_email", "string", "email"), ("alert", "string", ""), ("last_modified", "datetime", ""))),
    "location": ("locations.csv", (
        ("id", "string", "uuid"), ("location_type", "string", ""), ("name", "string", ""),
        ("description", "string", ""), ("latitude", "number", ""), ("longitude", "number", ""),
        ("external_identifier", "string", ""), ("external_identifier_type", "string", ""))),
    "service_at_location": ("service_at_locations.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("location_id", "string", "uuid"))),
    "schedule": ("schedules.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("service_at_location_id", "string", "uuid"),
        ("valid_from", "date", ""), ("valid_to", "date", ""), ("dtstart", "date", ""), ("freq", "string", ""),
        ("interval", "number", ""), ("byday", "string", ""), ("bymonthday", "string", ""),
        ("description", "string", ""), ("opens_at", "time", ""), ("closes_at", "time", ""),
        ("schedule_link", "string", "uri"), ("attending_type", "string", ""), ("notes", "string", ""))),
    "service_area": ("service_areas.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("name", "string", ""),
        ("extent", "string", ""), ("extent_type", "string", ""), ("uri", "string", ""),
        ("service_area", "string", ""))),
    "taxonomy": ("taxonomies.csv", (
        ("id", "string", "uuid"), ("name", "string", ""), ("description", "string", ""), ("uri", "string", "uri"),
        ("version", "string", ""))),
    "taxonomy_term": ("taxonomy_terms.csv", (
        ("id", "string", "uuid"), ("code", "string", ""), ("name", "string", ""), ("description", "string", ""),
        ("parent_id", "string", "uuid"), ("taxonomy", "string", ""), ("language", "string", ""),
        ("taxonomy_id", "string", "uuid"), ("term_uri", "string", "uri"))),
    "attribute": ("attributes.csv", (
        ("id", "string", "uuid"), ("link_id", "string", "uuid"), ("taxonomy_term_id", "string", "uuid"),
        ("link_type", "string", ""), ("link_entity", "string", ""), ("value", "string", ""),
        ("label", "string", ""))),
    "unit": ("units.csv", (
        ("id", "string", "uuid"), ("name", "string", ""), ("scheme", "string", ""), ("identifier", "string", ""),
        ("uri", "string", "uri"))),
    "service_capacity": ("service_capacity.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("unit_id", "string", "uuid"),
        ("available", "number", ""), ("maximum", "number", ""), ("description", "string", ""),
        ("updated", "datetime", ""))),
}
FOREIGN_KEYS = {"service_capacity": [{"fields": "service_id", "reference": {"resource": "service", "fields": "id"}},
                                     {"fields": "unit_id", "reference": {"resource": "unit", "fields": "id"}}]}

_SERVICE_STATUS = {"active": "active", "planned": "inactive", "closed": "defunct"}
_ASSET_STATUS = {"published": "active", "pending": "inactive", "rejected": "defunct", "archived": "defunct"}
_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def weekly_times(opening_hours: str) -> list[tuple[str, str, str]]:
    """(byday, opens_at, closes_at) for each time range of a simple weekly OSM opening_hours string, such as
    "Mo-Fr 09:00-17:00; Sa 10:00-12:00; PH off"; [] when it says more than that (the text is kept anyway)."""
    out = []
    for rule in (r.strip() for r in opening_hours.split(";")):
        if rule in ("", "PH off"):   # public holidays have no RRULE form; the description keeps them
            continue
        days_text, _, times_text = rule.partition(" ")
        days: list[str] = []
        for part in days_text.split(","):
            m = _DAY_RANGE.match(part)
            if not m:
                return []
            first = _DAYS.index(m.group(1))
            last = _DAYS.index(m.group(2) or m.group(1))
            # A wrapping range (Fr-Mo) is a valid OSM form: walk round the week.
            days += [_DAYS[(first + i) % 7] for i in range((last - first) % 7 + 1)]
        ranges = [_TIME_RANGE.match(t) for t in times_text.split(",")]
        if not times_text or not all(ranges):
            return []
        byday = ",".join(d.upper() for d in days)
        out += [(byday, f"{m.group(1)}:{m.group(2)}", f"{m.group(3)}:{m.group(4)}") for m in ranges]
    return out


def _schedule_rows(opening_hours: str, service_id: str, sal_id: str, key: object, **extra) -> list[dict]:
    """HSDS schedule rows for one opening_hours string: one per weekly time range, or one with just the text."""
    times = weekly_times(opening_hours)
    base = {"service_id": service_id, "service_at_location_id": sal_id, "description": opening_hours, **extra}
    if not times:
        return [{"id": hsds_id("schedule", key, 0), **base}]
    return [{"id": hsds_id("schedule", key, i), **base, "freq": "WEEKLY", "byday": byday,
             "opens_at": opens, "closes_at": closes} for i, (byday, opens, closes) in enumerate(times)]


class _Package:
    """The CSV files of an HSDS package, open for writing; organisations deduplicated as they come."""

    def __init__(self, folder: Path):
        self.files = {name: open(folder / path, "w", newline="", encoding="utf-8")
                      for name, (path, _) in HSDS_TABLES.items()}
        self.writers = {name: csv.writer(f) for name, f in self.files.items()}
        for name, (_, fields) in HSDS_TABLES.items():
            self.writers[name].writerow([f for f, _, _ in fields])
        self.organisations: set[str] = set()
        self.counts = dict.fromkeys(HSDS_TABLES, 0)

    def write(self, table: str, row: dict) -> None:
        self.writers[table].writerow([cell(spreadsheet.safe(row.get(f))) for f, _, _ in HSDS_TABLES[table][1]])
        self.counts[table] += 1

    def organisation(self, name: str, description: str, website: str | None = None, key: str | None = None) -> str:
        """The id of the organisation called `name`, written the first time it is seen."""
        org_id = hsds_id("organisation", key or " ".join(name.lower().split()))
        if org_id not in self.organisations:
            self.organisations.add(org_id)
            self.write("organization", {"id": org_id, "name": name, "description": description, "website": website})
        return org_id

    def location(self, service_id: str, key: object, name: str, address: str | None, postcode: str | None,
                 lat: float, lon: float) -> str:
        """Write a physical location and its service_at_location link; the link's id."""
        location_id = hsds_id("location", key)
        where = ", ".join(p for p in (address, postcode) if p)
        self.write("location", {"id": location_id, "location_type": "physical", "name": name,
                                "description": where, "latitude": lat, "longitude": lon})
        sal_id = hsds_id("service_at_location", service_id, location_id)
        self.write("service_at_location", {"id": sal_id, "service_id": service_id, "location_id": location_id})
        return sal_id

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def _hsds_services(conn: psycopg.Connection, package: _Package) -> None:
    """Public services, their touchpoints (with opening times) and their catchments."""
    for public_id, agency, kind, name, description, status, updated_at in stream(conn, """
            SELECT public_id::text, agency, agency_kind, name, description, status, updated_at
              FROM services ORDER BY id"""):
        org_id = package.organisation(agency, f"Public service agency ({kind.replace('_', ' ')})")
        package.write("service", {"id": public_id, "organization_id": org_id, "name": name,
                                  "description": description, "status": _SERVICE_STATUS.get(status, "inactive"),
                                  "last_modified": updated_at})
    for service_id, site_id, name, address, postcode, lat, lon, schedule in stream(conn, """
            SELECT s.public_id::text, t.id, t.name, t.address, t.postcode, ST_Y(t.geom), ST_X(t.geom), t.schedule
              FROM service_sites t JOIN services s ON s.id = t.service_id ORDER BY s.id, t.id"""):
        key = f"site:{service_id}:{site_id}"
        sal_id = package.location(service_id, key, name, address, postcode, lat, lon)
        for row in _schedule_rows(schedule, service_id, sal_id, key) if schedule else ():
            package.write("schedule", row)
    for service_id, area_id, name, extent in stream(conn, """
            SELECT s.public_id::text, a.id, a.name, ST_AsGeoJSON(a.geom, 6)
              FROM service_areas a JOIN services s ON s.id = a.service_id ORDER BY s.id, a.id"""):
        package.write("service_area", {"id": hsds_id("service_area", service_id, area_id), "service_id": service_id,
                                       "name": name, "service_area": name, "extent": extent,
                                       "extent_type": "geojson"})


def _hsds_assets(conn: psycopg.Connection, package: _Package, internal: bool) -> int:
    """Assets as services of their organisation, at one location each; offers' schedules as their schedules."""
    assets, offers = sources(internal)
    status, email = ("a.status", "a.contact_email") if internal else ("'published'", "NULL")
    rows = 0
    for (public_id, name, description, audience, organisation, website, address, postcode, lat, lon, updated_at,
         state, contact, category) in stream(conn, sql.SQL("""
            SELECT a.public_id::text, a.name, a.description, a.audience, a.organisation, a.organisation_website,
                   a.address, a.postcode, ST_Y(a.geom), ST_X(a.geom), a.updated_at, {status}, {email}, a.category
              FROM {assets} a
             ORDER BY a.id""").format(status=sql.SQL(status), email=sql.SQL(email),
                                      assets=sql.Identifier(assets))):
        if organisation:
            org_id = package.organisation(organisation, "Community organisation", website)
        else:   # HSDS needs an organisation for every service: the asset stands for itself
            org_id = package.organisation(name, ASSET_ITSELF, key=f"asset:{public_id}")
        text = description + (f"{AUDIENCE_LABEL}{audience}" if audience else "")
        package.write("service", {"id": public_id, "organization_id": org_id, "name": name, "description": text,
                                  "email": contact, "status": _ASSET_STATUS.get(state, "inactive"),
                                  "last_modified": updated_at})
        package.location(public_id, f"asset:{public_id}", name, address, postcode, lat, lon)
        package.write("attribute", attribute("service", public_id, "categories", category))
        rows += 1
    for public_id, offer_id, kind, schedule, valid_from, valid_to in stream(conn, sql.SQL("""
            SELECT a.public_id::text, c.id, c.kind, c.schedule, c.valid_from, c.valid_to
              FROM {offers} c JOIN {assets} a ON a.id = c.asset_id
             WHERE c.schedule IS NOT NULL ORDER BY a.id, c.id""").format(offers=sql.Identifier(offers),
                                                                        assets=sql.Identifier(assets))):
        sal_id = hsds_id("service_at_location", public_id, hsds_id("location", f"asset:{public_id}"))
        for row in _schedule_rows(schedule, public_id, sal_id, f"offer:{public_id}:{offer_id}",
                                  valid_from=valid_from, valid_to=valid_to,
                                  notes=f"When spare capacity ({kind.replace('_', ' ')}) is available"):
            package.write("schedule", row)
    return rows


def _datapackage(internal: bool) -> dict:
    resources = []
    for name, (path, fields) in HSDS_TABLES.items():
        schema_fields = [{"name": f, "type": t, **({"format": fmt} if fmt else {})} for f, t, fmt in fields]
        resources.append({"name": name, "path": path, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "profile": "tabular-data-resource",
                          "schema": {"fields": schema_fields, "primaryKey": "id",
                                     **({"foreignKeys": FOREIGN_KEYS[name]} if name in FOREIGN_KEYS else {})}})
    return {"name": "assetmap_hsds", "title": "AssetMap: services and community assets (Open Referral UK)",
            "description": ("Internal export: includes unpublished entries and contact details." if internal
                            else "Public export: published entries only, private homes at a generalised point."),
            "profile": "tabular-data-package", "version": "3.1.0", "homepage": "http://docs.openreferral.org",
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "resources": resources}


def write_hsds(conn: psycopg.Connection, folder: Path, *, with_assets: bool, internal: bool) -> int:
    """An HSDS 3.1 tabular data package in `folder`; the number of services written (assets included)."""
    if folder.is_file():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    package = _Package(folder)
    try:
        _hsds_services(conn, package)
        if with_assets:
            _hsds_assets(conn, package, internal)
            write_capacity(conn, package, internal)
    finally:
        package.close()
    (folder / "datapackage.json").write_text(json.dumps(_datapackage(internal), indent=2) + "\n", encoding="utf-8")
    return package.counts["service"]
