"""Open Referral UK (HSDS 3.0 and 3.1) importer: the API's JSON shapes or the CSV data package, to service rows and
the places that hold services' spare capacity.

Accepted inputs:
- a JSON file holding one service (`service_full.json`), a list, or a paginated page (`{"contents": [...]}`); an
  organisation with nested `services`, and service-at-location records, are unfolded into services;
- a folder of such JSON files (a service seen in several files is merged into one);
- a CSV data package: a folder with `services.csv`, `organizations.csv`, `locations.csv`, `service_at_location(s).csv`,
  `schedule(s).csv`, `service_areas.csv`, `address(es).csv`, `service_capacity.csv`, `units.csv` … (file names from
  `datapackage.json` when present), or a folder whose `csv/` subfolder holds one.

The rows come from `mapping.service_row`; a service it rejects is reported with the files it came from. Spare capacity
lives on assets, not services, so a service with `service_capacity` rows (3.1) also becomes an asset at its first
site holding them as offers (`capacity.py`), and a service that carries one of our categories is an asset we exported:
it comes back as an asset only, not as a public service.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import spreadsheet
from ..ingest.report import ImportReport
from ..model.submission import Vocabularies
from .capacity import asset_row, capacity_summary, is_our_asset, offers_for
from .mapping import _Reject, service_row
from .vocab import TABLES


@dataclass
class _Read:
    """Services in the API's service_full shape, with where each came from."""
    services: dict[str, dict] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    orphans: list[dict] = field(default_factory=list)   # capacity rows whose service is not in the package


@dataclass
class HsdsRows:
    """What a package holds, ready to load: public services (load_services) and places with spare capacity
    (load_assets), each as (row number, fields), and the report both add to."""
    services: list[tuple[int, dict]]
    assets: list[tuple[int, dict]]
    report: ImportReport


# -- reading ------------------------------------------------------------------------------------------------------

def read_hsds(path: Path | str) -> tuple[list[tuple[int, dict]], ImportReport]:
    """Service rows (row number, fields) ready for load_services, and a report holding the rejects and notes."""
    rows = read_package(path)
    return rows.services, rows.report


def read_package(path: Path | str, vocabularies: Vocabularies | None = None) -> HsdsRows:
    """The services and the places holding spare capacity in an HSDS file, folder or package."""
    path = Path(path)
    vocabularies = vocabularies or Vocabularies.from_files()
    report = ImportReport(kind="hsds", source=source_label(path))
    read = _read_any(path)
    report.notes += read.notes
    out = HsdsRows([], [], report)
    for number, (sid, service) in enumerate(read.services.items(), start=1):
        report.read += 1
        origin = read.origin.get(sid, "")
        try:
            row = service_row(service, report)
        except _Reject as exc:
            report.reject(number, _reject_summary(service, origin), str(exc))
            continue
        ours = is_our_asset(service)
        if not ours:
            out.services.append((number, row))
        if not (ours or service.get("capacities")):
            continue
        offers = offers_for(service, report, vocabularies, origin)
        if ours or (offers and row["sites"]):
            out.assets.append((number, asset_row(service, row, offers, vocabularies)))
        elif offers:
            report.reject(number, _reject_summary(service, origin),
                          f"service '{row['name']}' has spare capacity but no physical location to hold it on the "
                          f"map; its {len(offers)} capacity row(s) were not imported")
    for capacity in read.orphans:
        report.reject(capacity["_row"], capacity_summary(capacity, {"id": capacity.get("service_id")}),
                      f"service_capacity names service {capacity.get('service_id')!r}, which is not in the package")
    return out


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
        return [{k: (spreadsheet.unsafe(v) if v != "" else None) for k, v in row.items() if k}
                for row in csv.DictReader(f)]


def _read_csv_package(folder: Path, root: Path | None = None) -> _Read:
    """Join the package's tables into services of the API's service_full shape."""
    t = {name: _table(folder, name, root) for name in TABLES}
    orgs = {r["id"]: r for r in t["organization"]}
    terms = {r["id"]: r for r in t["taxonomy_term"]}
    attributes: dict[str, list[dict]] = {}
    for a in t["attribute"]:
        attributes.setdefault(a.get("link_id"), []).append({"taxonomy_term": terms.get(a.get("taxonomy_term_id")),
                                                            "value": a.get("value")})
    capacities = _capacities(folder, root, t, attributes)
    locations = {r["id"]: {**r, "addresses": [a for a in t["address"] if a.get("location_id") == r["id"]]}
                 for r in t["location"]}

    read = _Read()
    for row in t["service"]:
        service = {**row, "organization": orgs.get(row.get("organization_id")), "schedules": [],
                   "service_areas": [a for a in t["service_area"] if a.get("service_id") == row["id"]],
                   "attributes": attributes.get(row["id"], []), "capacities": capacities.pop(row["id"], []),
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
    read.orphans = [c for rows in capacities.values() for c in rows]
    return read


def _capacities(folder: Path, root: Path | None, t: dict, attributes: dict) -> dict[str, list[dict]]:
    """service id → its service_capacity rows (3.1), each with its unit, its attributes and its place in the file."""
    units = {r["id"]: r for r in t["unit"]}
    name = (_table_path(folder, "service_capacity", root) or folder).name
    out: dict[str, list[dict]] = {}
    for number, c in enumerate(t["service_capacity"], start=1):
        out.setdefault(c.get("service_id"), []).append(
            {**c, "unit": units.get(c.get("unit_id")), "attributes": attributes.get(c.get("id"), []),
             "_row": number, "_file": f"{folder.name}/{name}"})
    return out


def _reject_summary(service: dict, origin: str) -> dict:
    """The rejected service as a flat row for the rejects CSV."""
    locs = [(s.get("location") or {}) for s in service.get("service_at_locations") or []]
    return {"id": service.get("id"), "name": service.get("name"),
            "organization": (service.get("organization") or {}).get("name"),
            "locations": "; ".join(f"{p.get('name')} ({p.get('latitude')}, {p.get('longitude')})" for p in locs),
            "file": origin}
