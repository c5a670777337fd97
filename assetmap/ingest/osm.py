"""OpenStreetMap importer: community amenities from an OSM extract, as assets.

Accepted inputs: Overpass JSON (`{"elements": [...]}`; ways and relations need `out center` or `out geom`, or their
nodes in the same file), OSM XML (`<osm><node/><way/><relation/></osm>`; a way's position is the centroid of its
nodes in the file) and GeoJSON exported from OSM (osmtogeojson / overpass turbo: tags as properties, ids like
`node/123`; also Geofabrik-style features with `osm_id`).

Tags map to our categories through `data/osm_categories.csv` (key, value, category; `*` matches any value). The first
row that matches wins, so more specific rows (social_facility=food_bank) stand before general ones
(amenity=social_facility). Features without a name, without a mapped tag, marked access=private/no, or with
impossible coordinates are rejected with the reason. Untagged elements (a way's nodes) are geometry, not features.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPoint, Polygon, shape

from ..config import Settings, project_root
from ..model.submission import normalise_postcode
from .assets import load_assets
from .report import ImportReport, check_rows

WHEELCHAIR = {"yes": "Wheelchair accessible", "designated": "Wheelchair accessible",
              "limited": "Partly wheelchair accessible", "no": "Not wheelchair accessible"}
# Tags worth naming when a feature maps to no category, so a planner can see what it was and extend the table.
SHOWN_KEYS = ("amenity", "leisure", "landuse", "tourism", "shop", "office", "club", "building", "fclass")


def category_table(path: Path | None = None) -> list[tuple[str, str, str]]:
    """(key, value, category) rows of data/osm_categories.csv, in order of precedence."""
    with open(path or project_root() / "data" / "osm_categories.csv", newline="", encoding="utf-8") as f:
        return [(r["key"].strip(), r["value"].strip(), r["category"].strip()) for r in csv.DictReader(f)]


def category_for(tags: dict[str, str], table: list[tuple[str, str, str]]) -> str | None:
    """The category of the first table row the tags match, or None."""
    for key, value, category in table:
        if key in tags and (value == "*" or tags[key] == value):
            return category
    return None


# -- reading the formats into (ref, tags, lon, lat) ----------------------------------------------------------------

def _features_overpass(data: dict) -> list[tuple[str, dict, float | None, float | None]]:
    elements = data.get("elements") or []
    nodes = {e["id"]: (e["lon"], e["lat"]) for e in elements if e.get("type") == "node" and "lat" in e}
    out = []
    for e in elements:
        tags = e.get("tags") or {}
        if not tags:
            continue
        ref = f"{e.get('type')}/{e.get('id')}"
        if e.get("type") == "node":
            out.append((ref, tags, e.get("lon"), e.get("lat")))
        elif "center" in e:
            out.append((ref, tags, e["center"].get("lon"), e["center"].get("lat")))
        elif e.get("geometry"):
            out.append((ref, tags, *_centroid([(p["lon"], p["lat"]) for p in e["geometry"] if p])))
        elif e.get("type") == "way":
            out.append((ref, tags, *_centroid([nodes[n] for n in e.get("nodes", []) if n in nodes])))
        elif "bounds" in e:
            b = e["bounds"]
            out.append((ref, tags, (b["minlon"] + b["maxlon"]) / 2, (b["minlat"] + b["maxlat"]) / 2))
        else:
            out.append((ref, tags, None, None))
    return out


def _features_xml(root: ET.Element) -> list[tuple[str, dict, float | None, float | None]]:
    nodes = {el.get("id"): (float(el.get("lon")), float(el.get("lat")))
             for el in root.iter("node") if el.get("lat") is not None}
    out = []
    for el in root:
        if el.tag not in ("node", "way", "relation"):
            continue
        tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
        if not tags:
            continue
        ref = f"{el.tag}/{el.get('id')}"
        center = el.find("center")
        if el.tag == "node":
            out.append((ref, tags, _float(el.get("lon")), _float(el.get("lat"))))
        elif center is not None:
            out.append((ref, tags, _float(center.get("lon")), _float(center.get("lat"))))
        elif el.tag == "way":
            out.append((ref, tags, *_centroid([nodes[nd.get("ref")] for nd in el.findall("nd")
                                               if nd.get("ref") in nodes])))
        else:
            out.append((ref, tags, None, None))
    return out


def _features_geojson(data: dict) -> list[tuple[str, dict, float | None, float | None]]:
    out = []
    for number, f in enumerate(data.get("features") or [], start=1):
        props = dict(f.get("properties") or {})
        tags = {**{k: v for k, v in props.items() if k != "tags"}, **(props.get("tags") or {})}
        tags = {k: str(v) for k, v in tags.items() if v is not None}
        ref = _geojson_ref(f, props) or f"feature/{number}"
        lon = lat = None
        if f.get("geometry"):
            geom = shape(f["geometry"])
            point = geom if geom.geom_type == "Point" else geom.centroid
            if not point.is_empty:
                lon, lat = point.x, point.y
        out.append((ref, tags, lon, lat))
    return out


def _geojson_ref(f: dict, props: dict) -> str | None:
    for candidate in (f.get("id"), props.get("@id"), props.get("id")):
        if isinstance(candidate, str) and "/" in candidate:
            return candidate
    if props.get("osm_id"):
        kind = props.get("osm_type") or ("node" if str(props.get("osm_geom", "node")) == "node" else "area")
        return f"{kind}/{props['osm_id']}"
    return None


def _centroid(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    """A closed ring's area centroid, else the centre of the points; (None, None) when there are none."""
    if not points:
        return None, None
    if len(points) >= 4 and points[0] == points[-1]:
        ring = Polygon(points)
        if ring.is_valid and ring.area > 0:
            return ring.centroid.x, ring.centroid.y
    c = MultiPoint(points).centroid
    return c.x, c.y


def _load(path: Path) -> list[tuple[str, dict, float | None, float | None]]:
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("<"):
        return _features_xml(ET.fromstring(text))
    data = json.loads(text)
    if "elements" in data:
        return _features_overpass(data)
    if data.get("type") in ("FeatureCollection", "Feature"):
        return _features_geojson(data if data["type"] == "FeatureCollection" else {"features": [data]})
    raise ValueError(f"{path.name} is neither Overpass JSON, OSM XML nor GeoJSON")


# -- mapping -------------------------------------------------------------------------------------------------------

def read_osm(path: Path | str, table: list[tuple[str, str, str]] | None = None
             ) -> tuple[list[tuple[int, dict]], ImportReport]:
    """Asset rows (feature number, fields) ready for load_assets, and a report holding the rejects."""
    path = Path(path)
    table = table if table is not None else category_table()
    report = ImportReport(kind="osm", source=path.name)
    rows = []
    for number, (ref, tags, lon, lat) in enumerate(_load(path), start=1):
        report.read += 1
        fields, problems = asset_row(ref, tags, lon, lat, table, report)
        if problems:
            report.reject(number, {"source_ref": ref, "name": tags.get("name", ""), "lon": lon, "lat": lat,
                                   "tags": tags}, "; ".join(problems))
        else:
            rows.append((number, fields))
    return rows, report


def asset_row(ref: str, tags: dict, lon: float | None, lat: float | None, table: list, report: ImportReport
              ) -> tuple[dict, list[str]]:
    """One OSM feature as load_assets fields, and every reason to reject it (none when it is fine)."""
    problems = []
    name = (tags.get("name") or "").strip()
    category = category_for(tags, table)
    if not name:
        problems.append(f"{ref} has no name")
    if category is None:
        shown = ", ".join(f"{k}={tags[k]}" for k in SHOWN_KEYS if k in tags) or "no amenity/leisure/landuse tag"
        problems.append(f"{ref}: no category for its tags ({shown})")
    if tags.get("access") in ("private", "no"):
        problems.append(f"{ref} is not open to the public (access={tags['access']})")
    if lon is None or lat is None:
        problems.append(f"{ref} has no position (export ways and relations with `out center`)")
    elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append(f"{ref} has impossible coordinates (lat {lat:g}, long {lon:g})")
    postcode = None
    raw = (tags.get("addr:postcode") or "").strip()
    if raw:
        postcode = normalise_postcode(raw)
        if postcode is None and not problems:
            report.notes.append(f"{ref}: addr:postcode '{raw}' is not a UK postcode; dropped")
    street = " ".join(p for p in (tags.get("addr:housenumber"), tags.get("addr:street")) if p)
    address = ", ".join(p for p in (tags.get("addr:housename"), street) if p)
    access = WHEELCHAIR.get((tags.get("wheelchair") or "").strip().lower(), "")
    if access and tags.get("wheelchair:description"):
        access += f". {tags['wheelchair:description']}"
    return ({"source_ref": ref, "name": name[:200], "category": category, "description": tags.get("description", ""),
             "address": address, "postcode": postcode, "accessibility": access,
             "organisation": tags.get("operator", ""), "lon": lon, "lat": lat}, problems)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def import_osm(conn, path: Path | str, *, dry_run: bool = False, progress=None,
               settings: Settings | None = None) -> ImportReport:
    """Read an OSM extract and load its community amenities as published assets (source "osm")."""
    rows, report = read_osm(path)
    return load_osm(conn, rows, report, dry_run=dry_run, progress=progress, settings=settings)


def load_osm(conn, rows: list, report: ImportReport, *, dry_run: bool = False, progress=None,
             settings: Settings | None = None) -> ImportReport:
    """Load rows read_osm has read (the command line reads first, to size its progress bar)."""
    check_rows(report.read, settings, "OSM features")
    return load_assets(conn, rows, source="osm", report=report, status="published", dry_run=dry_run,
                       progress=progress, settings=settings)
