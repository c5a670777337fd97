"""Open Referral UK (HSDS 3.0) importer: the API's JSON shapes or the CSV data package, to service rows.

Accepted inputs:
- a JSON file holding one service (`service_full.json`), a list, or a paginated page (`{"contents": [...]}`); an
  organisation with nested `services`, and service-at-location records, are unfolded into services;
- a folder of such JSON files (a service seen in several files is merged into one);
- a CSV data package: a folder with `services.csv`, `organizations.csv`, `locations.csv`, `service_at_location(s).csv`,
  `schedule(s).csv`, `service_areas.csv`, `address(es).csv`, … (file names from `datapackage.json` when present),
  or a folder whose `csv/` subfolder holds one.

How HSDS maps to our services (each rule is tested):
- agency = the organisation's name; agency_kind from words in it: NHS / Integrated Care Board / Foundation
  Trust → nhs, Police / Constabulary → police, Jobcentre / DWP / Department for Work and Pensions → dwp,
  Council → council, Housing / Homes → housing, School / College / University / Academy → education, anything
  else → voluntary.
- theme: the first of our themes whose keywords appear in the taxonomy terms (attributes, service_taxonomys); failing
  that, in the service name; else "other". client_groups: every group whose keywords appear in the terms, plus groups
  implied by minimum_age/maximum_age; none by default.
- sites: physical locations via service_at_location; address from the location's (physical first) address; a
  postcode that is not a UK postcode is dropped with a note. Virtual and postal-only locations are not sites.
- schedules → OSM opening_hours ("TH,FR" + 10:00:00–18:00:00 → "Th,Fr 10:00-18:00"); a schedule we cannot express
  faithfully (monthly rules, BYMONTHDAY, no times) is dropped with a note; the row is kept.
- service areas → catchment when an extent is a GeoJSON or WKT polygon; else no catchment (with a note).
- A location with impossible coordinates rejects the whole service, saying which location and which numbers; so do
  a missing name, a missing organisation and a status of inactive or defunct.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import shapely
from shapely.geometry import shape

from ..model.submission import normalise_postcode, validate_schedule
from .cli import common_options, run_loaded
from .report import ImportReport

AGENCY_KINDS = [   # first match wins: "NHS Housing Team" is an NHS service
    ("nhs", r"\bNHS\b|integrated care board|foundation trust|clinical commissioning"),
    ("police", r"\bpolice\b|constabulary"),
    ("dwp", r"jobcentre|\bDWP\b|department for work and pensions"),
    ("council", r"\bcouncil\b"),
    ("housing", r"\bhousing\b|\bhomes\b"),
    ("education", r"\bschool\b|\bcollege\b|\buniversity\b|\bacademy\b"),
]

THEMES = [   # specific before general: "mental health" must not fall into "health"
    ("domestic_abuse", r"domestic (abuse|violence)|\brefuge\b"),
    ("substance_misuse", r"\bdrugs?\b|\balcohol|substance|addiction"),
    ("mental_health", r"mental health|counsel+ing|wellbeing|well-being|depression|anxiety"),
    ("early_years", r"early years|family hub|parenting|health visit|children'?s centre"),
    ("youth", r"\byouth\b|young people|teenage"),
    ("housing", r"housing|homeless|tenancy|accommodation"),
    ("employment", r"employment|\bjobs?\b|\bcareers?\b|work coach"),
    ("welfare", r"benefits?\b|\bdebt|money|financial|welfare|food ?bank"),
    ("justice", r"probation|offend|victim|justice"),
    ("community_safety", r"\bpolic(e|ing)\b|community safety|anti-social|\bcrime"),
    ("social_care", r"social care|care at home|\bcarers?\b|reablement"),
    ("education", r"education|learning|\bschools?\b|\bESOL\b|\bskills\b|college"),
    ("health", r"health|\bGP\b|medical|clinic|pharmac|physical activity"),
]

CLIENT_GROUPS = [
    ("older_people", r"older (people|adults)|elderly|pensioner|\bseniors?\b|over 65"),
    ("children_families", r"\bchild(ren)?\b|famil(y|ies)|parents?\b"),
    ("young_people", r"young (people|adults)|\byouth\b|teenage|adolescen"),
    ("disabled_people", r"disab|\bdeaf|\bblind|sensory impair|wheelchair user"),
    ("people_with_mental_ill_health", r"mental (health|ill)"),
    ("carers", r"\bcarers?\b"),
    ("unemployed", r"unemploy|jobseeker|out of work"),
    ("homeless", r"homeless|rough sleep"),
    ("offenders", r"offender|prison|probation"),
    ("substance_users", r"\bdrugs?\b|\balcohol|substance"),
    ("refugees_migrants", r"refugee|asylum|migrant"),
    ("low_income", r"low income|poverty|hardship"),
    ("long_term_conditions", r"long[- ]term condition|diabetes|\bCOPD\b|heart disease"),
    ("domestic_abuse_survivors", r"domestic (abuse|violence)"),
    ("all_residents", r"all residents|everyone"),
]

DAYS = {"MO": "Mo", "TU": "Tu", "WE": "We", "TH": "Th", "FR": "Fr", "SA": "Sa", "SU": "Su"}
DAY_ORDER = list(DAYS)
CLOSED_STATUSES = {"inactive", "defunct"}

# CSV package tables: the datapackage resource name, then the file names seen in the wild.
TABLES = {
    "organization": ("organizations.csv", "organization.csv"),
    "service": ("services.csv", "service.csv"),
    "location": ("locations.csv", "location.csv"),
    "service_at_location": ("service_at_locations.csv", "service_at_location.csv"),
    "address": ("addresses.csv", "address.csv", "physical_addresses.csv"),
    "schedule": ("schedules.csv", "schedule.csv"),
    "service_area": ("service_areas.csv", "service_area.csv"),
    "attribute": ("attributes.csv", "attribute.csv"),
    "taxonomy_term": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "service_taxonomy": ("service_taxonomys.csv", "service_taxonomy.csv"),
    "phone": ("phones.csv", "phone.csv"),
}


@dataclass
class _Read:
    """Services in the API's service_full shape, with where each came from."""
    services: dict[str, dict] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------------------------------

def read_hsds(path: Path | str) -> tuple[list[tuple[int, dict]], ImportReport]:
    """Service rows (row number, fields) ready for load_services, and a report holding the rejects and notes."""
    path = Path(path)
    report = ImportReport(kind="hsds", source=source_label(path))
    read = _read_any(path)
    report.notes += read.notes
    rows: list[tuple[int, dict]] = []
    for number, (sid, service) in enumerate(read.services.items(), start=1):
        report.read += 1
        try:
            rows.append((number, service_row(service, report)))
        except _Reject as exc:
            report.reject(number, _reject_summary(service, read.origin.get(sid, "")), str(exc))
    return rows, report


def source_label(path: Path) -> str:
    """`hsds:<folder or file stem>`: the source services are recorded under, so a re-import updates them."""
    path = Path(path)
    if path.is_dir() and path.name == "csv" and not (path / "datapackage.json").exists():
        path = path.parent   # the example layout: datapackage.json beside the csv/ folder
    return f"hsds:{path.stem if path.is_file() else path.name}"


def _read_any(path: Path) -> _Read:
    if path.is_file():
        read = _Read()
        _read_json_file(path, read)
        return read
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if _table_path(path, "service"):
        beside = path.parent if (path.parent / "datapackage.json").is_file() else None
        return _read_csv_package(path, beside)
    json_files = sorted(p for p in path.glob("*.json") if p.name != "datapackage.json")
    if not json_files and _table_path(path / "csv", "service", path):
        return _read_csv_package(path / "csv", path)
    read = _Read()
    for file in json_files:
        _read_json_file(file, read)
    return read


def _read_json_file(path: Path, read: _Read) -> None:
    with open(path, encoding="utf-8-sig") as f:
        data = json.load(f)
    items = data.get("contents") if isinstance(data, dict) and "contents" in data else data
    items = items if isinstance(items, list) else [items]
    skipped = 0
    for item in items:
        found = _services_in(item) if isinstance(item, dict) else []
        skipped += not found
        for service in found:
            _add_service(read, service, path.name)
    if skipped:
        read.notes.append(f"{path.name}: {skipped} record(s) that are not services (organisations without services, "
                          "taxonomies, …) skipped")


def _services_in(item: dict) -> list[dict]:
    """The services one API record holds: itself, an organisation's `services`, or a service-at-location's."""
    if isinstance(item.get("service"), dict) and isinstance(item.get("location"), dict):
        service = dict(item["service"])
        sal = {k: v for k, v in item.items() if k != "service"}
        service["service_at_locations"] = [sal]
        return [service]
    if isinstance(item.get("services"), list):
        org = {k: v for k, v in item.items() if k != "services"}
        return [{**s, "organization": s.get("organization") or org} for s in item["services"] if isinstance(s, dict)]
    if "id" in item and any(k in item for k in ("organization", "organization_id", "status", "service_at_locations")):
        return [item]
    return []


def _add_service(read: _Read, service: dict, origin: str) -> None:
    """Keep each service once; the same id in several files is merged (fields filled, locations unioned)."""
    sid = str(service.get("id") or f"{origin}#{len(read.services) + 1}")
    if sid not in read.services:
        read.services[sid] = service
        read.origin[sid] = origin
        return
    kept = read.services[sid]
    for key, value in service.items():
        if key == "service_at_locations":
            known = {_sal_key(s) for s in kept.get(key) or []}
            kept[key] = (kept.get(key) or []) + [s for s in value or [] if _sal_key(s) not in known]
        elif kept.get(key) in (None, "", []):
            kept[key] = value
    read.origin[sid] += f", {origin}"


def _sal_key(sal: dict) -> str:
    return str((sal.get("location") or {}).get("id") or sal.get("id"))


# -- the CSV data package ------------------------------------------------------------------------------------------

def _table_path(folder: Path, name: str, package_root: Path | None = None) -> Path | None:
    """The file for one table: as `datapackage.json` names it, else by the usual file names."""
    candidates: list[str] = []
    for root in (folder, package_root):
        descriptor = root / "datapackage.json" if root else None
        if descriptor and descriptor.is_file():
            resources = json.loads(descriptor.read_text(encoding="utf-8")).get("resources", [])
            candidates += [Path(r["path"]).name for r in resources if r.get("name") == name and r.get("path")]
    for file in [*candidates, *TABLES[name]]:
        if (folder / file).is_file():
            return folder / file
    return None


def _table(folder: Path, name: str, root: Path | None) -> list[dict]:
    path = _table_path(folder, name, root)
    if not path:
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [{k: (v if v != "" else None) for k, v in row.items() if k} for row in csv.DictReader(f)]


def _read_csv_package(folder: Path, root: Path | None = None) -> _Read:
    """Join the package's tables into services of the API's service_full shape."""
    t = {name: _table(folder, name, root) for name in TABLES}
    orgs = {r["id"]: r for r in t["organization"]}
    terms = {r["id"]: r for r in t["taxonomy_term"]}
    locations = {r["id"]: {**r, "addresses": [a for a in t["address"] if a.get("location_id") == r["id"]]}
                 for r in t["location"]}

    read = _Read()
    for row in t["service"]:
        service = {**row, "organization": orgs.get(row.get("organization_id")), "schedules": [],
                   "service_areas": [a for a in t["service_area"] if a.get("service_id") == row["id"]],
                   "attributes": [{"taxonomy_term": terms.get(a.get("taxonomy_term_id"))} for a in t["attribute"]
                                  if a.get("link_id") == row["id"]],
                   "service_taxonomys": [{"taxonomy": terms.get(a.get("taxonomy_id"))}
                                         for a in t["service_taxonomy"] if a.get("service_id") == row["id"]],
                   "phones": [p for p in t["phone"] if p.get("service_id") == row["id"]],
                   "service_at_locations": []}
        for sal in t["service_at_location"]:
            if sal.get("service_id") == row["id"] and sal.get("location_id") in locations:
                service["service_at_locations"].append({**sal, "location": locations[sal["location_id"]],
                                                        "schedules": []})
        _add_service(read, service, folder.name + "/" + (_table_path(folder, "service", root) or folder).name)

    # A schedule belongs to the most specific thing it names: a service at a location, a service, or a location.
    for sched in t["schedule"]:
        for service in read.services.values():
            sals = service["service_at_locations"]
            if sched.get("service_at_location_id"):
                for sal in sals:
                    if sal.get("id") == sched["service_at_location_id"]:
                        sal["schedules"].append(sched)
            elif sched.get("service_id") == service["id"]:
                service["schedules"].append(sched)
            elif sched.get("location_id"):
                for sal in sals:
                    if sal["location"]["id"] == sched["location_id"]:
                        sal["schedules"].append(sched)
    return read


# -- mapping one service -------------------------------------------------------------------------------------------

class _Reject(Exception):
    """The service cannot be imported; the message says why."""


def service_row(service: dict, report: ImportReport) -> dict:
    """One HSDS service (service_full shape) as a load_services row; raises _Reject with every reason."""
    problems = []
    name = _text(service.get("name"))
    org = service.get("organization") or {}
    agency = _text(org.get("name"))
    sid = _text(service.get("id"))
    if not name:
        problems.append("service has no name")
    if not agency:
        problems.append("service has no organisation (needed as its agency)")
    status = _text(service.get("status")).lower()
    if status in CLOSED_STATUSES:
        problems.append(f"service status is '{status}'")

    sites = []
    for sal in service.get("service_at_locations") or []:
        try:
            site = _site(sal, service, name, report)
        except _Reject as exc:
            problems.append(str(exc))
            continue
        if site:
            sites.append(site)
    if problems:
        raise _Reject("; ".join(problems))

    terms = _terms(service)
    return {
        "source_ref": sid,
        "openreferral_id": sid,
        "agency": agency,
        "agency_kind": agency_kind(agency),
        "name": name,
        "description": _text(service.get("description")),
        "theme": theme_for(terms, name),
        "client_groups": client_groups_for(terms, service.get("minimum_age"), service.get("maximum_age")),
        "annual_spend": None,   # HSDS has no spend; funding is free text
        "contact": _contact(service),
        "sites": sites,
        "catchment": _catchment(service.get("service_areas") or [], name, report),
    }


def agency_kind(agency: str) -> str:
    """nhs, police, dwp, council, housing, education or voluntary, from words in the organisation's name."""
    for kind, pattern in AGENCY_KINDS:
        if re.search(pattern, agency, re.IGNORECASE):
            return kind
    return "voluntary"


def theme_for(terms: list[str], name: str = "") -> str:
    """Our theme for a service: from its taxonomy terms, else its name, else 'other'."""
    for texts in (terms, [name]):
        for theme, pattern in THEMES:
            if any(re.search(pattern, t, re.IGNORECASE) for t in texts):
                return theme
    return "other"


def client_groups_for(terms: list[str], minimum_age: Any = None, maximum_age: Any = None) -> list[str]:
    """Every client group named by the taxonomy terms, plus those the age limits imply."""
    groups = [g for g, pattern in CLIENT_GROUPS if any(re.search(pattern, t, re.IGNORECASE) for t in terms)]
    lo, hi = _int(minimum_age), _int(maximum_age)
    if hi is not None and hi < 11:
        groups.append("children_families")
    elif hi is not None and hi <= 25 and (lo or 0) >= 11:
        groups.append("young_people")
    if lo is not None and lo >= 65:
        groups.append("older_people")
    return list(dict.fromkeys(groups))


def _terms(service: dict) -> list[str]:
    """The words of every taxonomy term attached to the service (HSDS 3 attributes, ORUK 1 service_taxonomys)."""
    out = []
    for link in (service.get("attributes") or []) + (service.get("service_taxonomys") or []):
        term = (link or {}).get("taxonomy_term") or (link or {}).get("taxonomy") or {}
        out += [_text(term.get(k)) for k in ("term", "name", "description") if _text(term.get(k))]
    return out


def _site(sal: dict, service: dict, service_name: str, report: ImportReport) -> dict | None:
    loc = sal.get("location") or {}
    label = _text(loc.get("name")) or service_name
    if _text(loc.get("location_type")).lower() in ("virtual", "postal"):
        report.notes.append(f"{service_name}: {loc['location_type']} location '{label}' is not a site; skipped")
        return None
    lat, lon = _coordinate(loc.get("latitude")), _coordinate(loc.get("longitude"))
    if (lat is None) != (lon is None) or isinstance(lat, str) or isinstance(lon, str):
        raise _Reject(f"location '{label}' has unreadable coordinates "
                      f"(lat {loc.get('latitude')}, long {loc.get('longitude')})")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Reject(f"location '{label}' has impossible coordinates (lat {_num(lat)}, long {_num(lon)})")
    if lat == 0 and lon == 0:
        report.notes.append(f"{service_name}: location '{label}' is at 0,0 (a placeholder); left to the geocoder")
        lat = lon = None
    address, postcode = _address(loc, service_name, report)
    return {"name": label[:200], "kind": "fixed", "address": address, "postcode": postcode, "lon": lon, "lat": lat,
            "schedule": _schedule(sal.get("schedules") or loc.get("schedules") or service.get("schedules") or [],
                                  f"{service_name} at {label}", report),
            "contacts_per_week": None}


def _address(loc: dict, service_name: str, report: ImportReport) -> tuple[str, str | None]:
    addresses = loc.get("addresses") or loc.get("physical_addresses") or []
    addresses = sorted(addresses, key=lambda a: _text(a.get("address_type")).lower() != "physical")
    if not addresses:
        return "", None
    a = addresses[0]
    text = ", ".join(_text(a.get(k)) for k in ("address_1", "address_2", "city") if _text(a.get(k)))
    raw = _text(a.get("postal_code"))
    postcode = normalise_postcode(raw) if raw else None
    if raw and not postcode:
        report.notes.append(f"{service_name}: postcode '{raw}' of '{loc.get('name')}' is not a UK postcode; dropped")
    return text, postcode


def _schedule(schedules: list[dict], label: str, report: ImportReport) -> str | None:
    """HSDS recurrence rules as one opening_hours string; None (with a note) when any cannot be expressed."""
    rules: dict[str, list[str]] = {}
    for s in schedules:
        try:
            days, hours = schedule_rule(s)
        except ValueError as exc:
            report.notes.append(f"{label}: schedule dropped ({exc})")
            return None
        rules.setdefault(days, []).append(hours)
    if not rules:
        return None
    text = "; ".join(f"{days} {','.join(hours)}" for days, hours in rules.items())
    try:
        return validate_schedule(text)
    except ValueError as exc:
        report.notes.append(f"{label}: schedule '{text}' dropped ({exc})")
        return None


def schedule_rule(s: dict) -> tuple[str, str]:
    """One HSDS schedule as (days, hours) in opening_hours syntax, e.g. ("Th,Fr", "10:00-18:00"); or ValueError."""
    freq = _text(s.get("freq")).upper() or "WEEKLY"
    if freq not in ("WEEKLY", "DAILY"):
        raise ValueError(f"freq {freq} has no weekly pattern")
    if _int(s.get("interval")) not in (None, 1):
        raise ValueError(f"every {s['interval']} weeks cannot be written as opening hours")
    for key in ("bymonthday", "byweekno", "byyearday"):
        if _text(s.get(key)):
            raise ValueError(f"{key} {s[key]} cannot be written as opening hours")
    opens, closes = _time(s.get("opens_at")), _time(s.get("closes_at"))
    if not opens or not closes:
        raise ValueError("no opening and closing times")
    byday = [d.strip().upper()[-2:] for d in _text(s.get("byday")).split(",") if d.strip()]
    if freq == "DAILY" and not byday:
        byday = DAY_ORDER
    elif not byday and _text(s.get("dtstart")):
        byday = [DAY_ORDER[date.fromisoformat(_text(s["dtstart"])[:10]).weekday()]]   # RFC 5545: dtstart's day
    unknown = [d for d in byday if d not in DAYS]
    if not byday or unknown:
        raise ValueError(f"byday '{s.get('byday') or ''}' names no weekdays")
    days = ",".join(DAYS[d] for d in sorted(set(byday), key=DAY_ORDER.index))
    return days, f"{opens}-{closes}"


def _catchment(areas: list[dict], service_name: str, report: ImportReport) -> dict | None:
    shapes = []
    for area in areas:
        extent, kind = area.get("extent"), _text(area.get("extent_type")).lower()
        if not extent:
            continue
        try:
            geom = _extent(extent, kind)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
            report.notes.append(f"{service_name}: service area '{_text(area.get('name'))[:60]}' has an extent we "
                                f"cannot read as {kind or 'GeoJSON or WKT'} ({str(exc)[:80]}); no catchment from it")
            continue
        shapes.append(geom)
    if not shapes:
        return None
    return {"geometry": shapely.union_all(shapes)}


def _extent(extent: Any, kind: str):
    if kind == "wkt" or (isinstance(extent, str) and not extent.lstrip().startswith("{") and kind != "geojson"):
        geom = shapely.from_wkt(extent)
    else:
        data = json.loads(extent) if isinstance(extent, str) else extent
        if data.get("type") == "Feature":
            data = data["geometry"]
        if data.get("type") == "FeatureCollection":
            geom = shapely.union_all([shape(f["geometry"]) for f in data["features"]])
        else:
            geom = shape(data)
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise ValueError(f"a catchment must be an area, not a {geom.geom_type}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError("coordinates outside longitude/latitude")
    return geom if geom.is_valid else shapely.make_valid(geom)


def _contact(service: dict) -> str:
    phones = [_text(p.get("number")) for p in service.get("phones") or [] if _text(p.get("number"))]
    parts = [_text(service.get("email")), phones[0].strip('"') if phones else "", _text(service.get("url"))]
    return " · ".join(p for p in parts if p)


# -- small helpers -------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if _text(value) else None
    except ValueError:
        return None


def _coordinate(value: Any) -> float | str | None:
    """A float, None when blank, or the text itself when it is not a number (reported as unreadable)."""
    if _text(value) == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return _text(value)


def _num(x: float) -> str:
    return f"{x:g}"


def _time(value: Any) -> str | None:
    m = re.match(r"^(\d{1,2}):(\d{2})", _text(value))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _reject_summary(service: dict, origin: str) -> dict:
    """The rejected service as a flat row for the rejects CSV."""
    locs = [(s.get("location") or {}) for s in service.get("service_at_locations") or []]
    return {"id": service.get("id"), "name": service.get("name"),
            "organization": (service.get("organization") or {}).get("name"),
            "locations": "; ".join(f"{l.get('name')} ({l.get('latitude')}, {l.get('longitude')})" for l in locs),
            "file": origin}


# -- importing -----------------------------------------------------------------------------------------------------

def import_hsds(conn, path: Path | str, *, dry_run: bool = False, progress=None) -> ImportReport:
    """Read an Open Referral UK JSON file, folder or CSV package and load its services (source hsds:<name>)."""
    from .services import load_services   # written alongside; imported late so the reader works without it
    rows, report = read_hsds(path)
    report.read -= len(rows)   # load_services counts the rows it is given
    return load_services(conn, rows, source=report.source, report=report, dry_run=dry_run, progress=progress)


# -- command -------------------------------------------------------------------------------------------------------

@click.command("hsds")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@common_options
@click.pass_context
def hsds_command(ctx: click.Context, path: Path, dry_run: bool, rejects: Path | None) -> None:
    """Import Open Referral UK services: an API JSON file, a folder of them, or a CSV data package."""
    from .services import load_services
    try:
        rows, report = read_hsds(path)
    except (ValueError, OSError) as exc:   # unreadable JSON or CSV: one line, not a traceback
        raise click.ClickException(f"{path}: {exc}") from None
    run_loaded(ctx, path, rejects, rows, report, lambda conn, progress: load_services(
        conn, rows, source=report.source, report=report, dry_run=dry_run, progress=progress))

