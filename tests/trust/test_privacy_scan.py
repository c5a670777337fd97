"""A privacy scanner: every public page, API response, OGC page, public export and vector tile of the demo town is
read and searched for what must never be public: a contact email or phone, a requester's name or contact, the exact
point of a private home (also by shrinking a bbox or zooming a tile around it), the stored point of a home-visit
service site, and any offer a private home made of a totals-only kind (skills, volunteer time: published only as
neighbourhood totals), by its words or its id; and every published total is checked against the minimum count.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlsplit

import mapbox_vector_tile
import mercantile
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row
from scipy.spatial import cKDTree

from assetmap.ingest import export as ex
from assetmap.model import requests
from tests.helpers import running_app

NEAR = 3e-5          # degrees, about 2–3 m: a point this close to a private home's front door gives it away
REQUESTER = "Zebedee Quillfeather"
REQUESTER_CONTACT = "zebedee.secret@example.net"
WORLD = 2 * math.pi * 6378137
NUMBER = r"-?\d{1,3}\.\d{4,}"
WITHHELD = "Withheld offer Q"


@pytest.fixture
def town(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn, \
            running_app(fresh_demo_db_url, api_max_limit=5000, min_count=3) as app:
        offer = conn.execute("SELECT id FROM public_capacity_offers ORDER BY id LIMIT 1").fetchone()["id"]
        requests.create(conn, offer, requests.RequestInput(REQUESTER, "", "A lunch club", "Tuesdays", None,
                                                           REQUESTER_CONTACT), app.config["ASSETMAP"],
                        actor="requester")
        # Every home offers skills, so that some neighbourhoods' totals reach the minimum and others do not; each
        # offer published only as a total gets words of its own, so that it is recognised wherever it shows.
        conn.execute("""
            INSERT INTO capacity_offers (asset_id, kind, quantity, unit)
            SELECT id, 'skills', 2, 'hours_per_week' FROM assets WHERE is_private_home AND status = 'published'""")
        conn.execute("""
            UPDATE capacity_offers o SET description = %s || o.id || 'Q'
              FROM live_capacity_offers l WHERE l.id = o.id AND l.totals_only""", (WITHHELD,))
        yield conn, app


class Secrets:
    """What must not be read anywhere public, and the points that must not be found."""

    def __init__(self, conn):
        contacts = conn.execute("SELECT contact_email, contact_phone FROM assets").fetchall()
        self.words = {c["contact_email"] for c in contacts if c["contact_email"]}
        self.words |= {c["contact_phone"] for c in contacts if c["contact_phone"]}
        # A service's contact is public; the demo draws phone numbers from Ofcom's 1,000 drama numbers, so some
        # asset's private number is also some service's public one: those numbers tell nothing.
        public = " ".join(r["contact"] for r in conn.execute("SELECT contact FROM services"))
        self.words = {w for w in self.words if w not in public} | {REQUESTER, REQUESTER_CONTACT}
        homes = conn.execute("""
            SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y, ST_X(public_geom) AS gx, ST_Y(public_geom) AS gy
              FROM assets WHERE is_private_home AND status = 'published'""").fetchall()
        visits = conn.execute("SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM service_sites "
                              "WHERE kind = 'home_visit'").fetchall()
        # A home whose generalised point happens to lie at its door cannot be told apart: left out.
        self.homes = [h for h in homes if math.dist((h["x"], h["y"]), (h["gx"], h["gy"])) > 2 * NEAR]
        self.points = [(h["x"], h["y"]) for h in self.homes] + [(v["x"], v["y"]) for v in visits]
        # Other entries' own exact points are public: a number near a home that is one of them is not a leak.
        self.public_points = cKDTree(np.array([(r["x"], r["y"]) for r in conn.execute(
            "SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM assets WHERE status = 'published' AND NOT is_private_home")]))
        self.tree = cKDTree(np.array(self.points))
        self.withheld = {r["id"] for r in conn.execute("SELECT id FROM live_capacity_offers WHERE totals_only")}
        self.words |= {f"{WITHHELD}{i}Q" for i in self.withheld}
        assert len(self.homes) > 10 and len(visits) > 0 and len(self.words) > 100 and len(self.withheld) > 10

    def withheld_in(self, body, where: str) -> list[str]:
        """Withheld offers named in a JSON body: an asset's `capacity`, capacity search's `offer_id`, OGC items."""
        ids = offer_ids(body, ogc_capacity="/ogc/collections/capacity/" in where)
        return [f"{where}: lists offer {i}, published only as a total" for i in sorted(ids & self.withheld)]

    def leaks_in_points(self, points, where: str) -> list[str]:
        if not points:
            return []
        found = []
        arr = np.array(points, dtype=float)
        for i, near in enumerate(self.tree.query_ball_point(arr, NEAR)):
            if near and not self.public_points.query_ball_point(arr[i], 1e-7):
                found.append(f"{where}: {tuple(arr[i])} is within 3 m of a private point")
        return found

    def leaks_in_text(self, text: str, where: str) -> list[str]:
        found = [f"{where}: contains {w!r}" for w in self.words if w in text]
        # Numbers the request itself sent (a bbox echoed in a self link) tell nothing new.
        asked = set(re.findall(NUMBER, where))
        numbers = [float(n) for n in re.findall(NUMBER, text) if n not in asked]
        # Both orders: GeoJSON is [lon, lat], Leaflet is [lat, lon].
        pairs = list(zip(numbers, numbers[1:])) + [(b, a) for a, b in zip(numbers, numbers[1:])]
        return found + self.leaks_in_points([p for p in pairs if -10 < p[0] < 5 and 45 < p[1] < 60], where)


def offer_ids(value, ogc_capacity: bool = False) -> set:
    ids = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "offer_id":
                ids.add(v)
            elif k == "capacity" and isinstance(v, list):
                ids |= {o.get("id") for o in v if isinstance(o, dict)}
            elif k == "features" and ogc_capacity and isinstance(v, list):
                ids |= {f.get("id") for f in v if isinstance(f, dict)}
            else:
                ids |= offer_ids(v, ogc_capacity)
    elif isinstance(value, list):
        for v in value:
            ids |= offer_ids(v, ogc_capacity)
    return ids


def coordinates(value) -> list[tuple[float, float]]:
    """Every [x, y] pair in a JSON document's geometries."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "coordinates":
                out += _pairs(v)
            else:
                out += coordinates(v)
    elif isinstance(value, list):
        for v in value:
            out += coordinates(v)
    return out


def _pairs(c) -> list:
    if isinstance(c, list) and len(c) >= 2 and all(isinstance(n, (int, float)) for n in c[:2]):
        return [(c[0], c[1])]
    return [p for item in c for p in _pairs(item)] if isinstance(c, list) else []


def scan(client, secrets, url, found, seen):
    if url in seen:
        return None
    seen.add(url)
    response = client.get(url)
    assert response.status_code < 500, url
    text = response.get_data(as_text=True)
    found += secrets.leaks_in_text(text, url)
    if response.is_json or response.mimetype.endswith("json"):
        body = json.loads(text)
        found += secrets.leaks_in_points(coordinates(body), url)
        found += secrets.withheld_in(body, url)
        return body
    return None


def follow(client, secrets, url, found, seen, pages=200):
    """A paged JSON collection, by its next links."""
    for _ in range(pages):
        body = scan(client, secrets, url, found, seen)
        nxt = [link["href"] for link in (body or {}).get("links", []) if link.get("rel") == "next"]
        if not nxt:
            return
        parts = urlsplit(nxt[0])
        url = parts.path + (f"?{parts.query}" if parts.query else "")


def tile_points(body: bytes, z: int, x: int, y: int) -> list[tuple[float, float]]:
    out = []
    for layer in mapbox_vector_tile.decode(body, default_options={"y_coord_down": True}).values():
        extent = layer.get("extent", 4096)
        for feature in layer["features"]:
            for px, py in _pairs(feature["geometry"]["coordinates"]):
                mx = (x + px / extent) / 2 ** z * WORLD - WORLD / 2
                my = WORLD / 2 - (y + py / extent) / 2 ** z * WORLD
                lat = math.degrees(2 * math.atan(math.exp(my / 6378137)) - math.pi / 2)
                out.append((math.degrees(mx / 6378137), lat))
    return out


def tile_ids(body: bytes) -> set[int]:
    """The offer ids of a capacity tile's points (grid cells carry counts, not ids)."""
    return {f["properties"]["id"] for layer in mapbox_vector_tile.decode(body).values()
            for f in layer["features"] if "id" in f["properties"]}


def totals_below_minimum(conn, client, min_count: int) -> list[str]:
    """Each neighbourhood's published totals against the offers behind them, counted here from the tables."""
    truth: dict[tuple, list] = {}
    for r in conn.execute("""
            SELECT n.code, o.kind, o.unit, a.id AS home, o.quantity
              FROM capacity_offers o JOIN assets a ON a.id = o.asset_id
              JOIN neighbourhoods n ON n.id = a.neighbourhood_id JOIN capacity_kinds k ON k.code = o.kind
             WHERE a.is_private_home AND a.status = 'published' AND k.totals_only AND o.status = 'active'
               AND (o.valid_to IS NULL OR o.valid_to >= current_date)"""):
        truth.setdefault((r["code"], r["kind"], r["unit"]), []).append(r)
    expected = {key: (len({r["home"] for r in rows}), len(rows), float(sum(r["quantity"] or 0 for r in rows)))
                for key, rows in truth.items() if len({r["home"] for r in rows}) >= min_count}
    published = {}
    for f in client.get("/api/v1/neighbourhoods").get_json()["features"]:
        for t in f["properties"]["capacity_totals"]:
            published[(f["properties"]["code"], t["kind"], t["unit"])] = (t["people"], t["offers"], t["quantity"])
    assert expected and len(expected) < len(truth), "the town has no total to publish, or none to withhold"
    found = [f"total {key} published from {v[0]} homes, fewer than {min_count}" for key, v in published.items()
             if v[0] < min_count]
    if published != expected:
        found.append(f"published totals {published} differ from the offers behind them {expected}")
    return found


def test_nothing_private_is_public(town, tmp_path):
    conn, app = town
    secrets = Secrets(conn)
    client, found, seen = app.test_client(), [], set()

    for url in ("/", "/assets", "/capacity", "/api/v1/neighbourhoods", "/api/v1/categories", "/ogc",
                "/ogc/collections", "/api/v1/capacity?limit=500", "/w", "/tiles/assets.json",
                "/capacity?kind=skills&limit=100", "/capacity?kind=volunteer_time&limit=100",
                "/api/v1/capacity?kind=skills,volunteer_time&limit=5000",
                "/ogc/collections/capacity/items?kind=skills&limit=5000&f=html"):
        scan(client, secrets, url, found, seen)
    follow(client, secrets, "/api/v1/assets?limit=5000", found, seen)
    for collection in ("assets", "capacity", "service_sites", "catchments", "neighbourhoods"):
        follow(client, secrets, f"/ogc/collections/{collection}/items?limit=5000", found, seen)
    public_ids = [r["public_id"] for r in conn.execute(
        "SELECT public_id FROM assets WHERE status = 'published' ORDER BY is_private_home DESC, id LIMIT 120")]
    for public_id in public_ids:
        scan(client, secrets, f"/assets/{public_id}", found, seen)
        scan(client, secrets, f"/api/v1/assets/{public_id}", found, seen)

    for home in secrets.homes:
        # A box shrunk round the front door finds nothing there; one round the public point finds it there.
        for d in (1e-3, 1e-4, 1e-5):
            scan(client, secrets, f"/api/v1/assets?bbox={home['x'] - d},{home['y'] - d},{home['x'] + d},"
                                  f"{home['y'] + d}", found, seen)
            scan(client, secrets, f"/ogc/collections/assets/items?bbox={home['x'] - d},{home['y'] - d},"
                                  f"{home['x'] + d},{home['y'] + d}", found, seen)
    for x, y in secrets.points[:40]:
        for z in (6, 10, 12, 13, 14, 16, 18, 20, 22):
            tx, ty, _ = mercantile.tile(x, y, z)
            for layer in ("assets", "capacity", "service_sites"):
                response = client.get(f"/tiles/{layer}/{z}/{tx}/{ty}.pbf")
                assert response.status_code == 200
                if response.data:
                    found += secrets.leaks_in_points(tile_points(response.data, z, tx, ty), f"{layer} {z}/{tx}/{ty}")
                    found += [f"{layer} {z}/{tx}/{ty}: offer {i}, published only as a total"
                              for i in tile_ids(response.data) & secrets.withheld]
    for offer in sorted(secrets.withheld)[:20]:
        # Asking for one by its id must not show it either.
        response = client.get(f"/capacity/offers/{offer}/request")
        if response.status_code != 404:
            found.append(f"/capacity/offers/{offer}/request answers {response.status_code}")
    found += totals_below_minimum(conn, client, app.config["ASSETMAP"].min_count)

    for layer in ex.LAYERS:
        for fmt in ("geojson", "csv"):
            path = tmp_path / f"{layer}.{fmt}"
            ex.export(conn, layer, fmt, path)
            found += secrets.leaks_in_text(path.read_text(encoding="utf-8"), f"public export {path.name}")

    print(f"privacy scan: {len(seen)} pages and responses, {len(secrets.homes)} private homes, "
          f"{len(secrets.words)} private words")
    assert found == [], "\n".join(found[:40])
