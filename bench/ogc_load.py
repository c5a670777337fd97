"""OGC API Features under load: pages of 1000 items (`/collections/…/items?limit=1000&bbox=…`, GeoJSON) per
second, 8 concurrent clients, over views of 0.1° × 0.06° round the city (each holds more than 1000 at 1M assets),
from `assetmap serve`'s /ogc, tipg and pygeoapi, each serving the same rows (the anchors a plain table copied
from public_assets, bench/servers.py) with the same number of workers. The row's anchor is the faster of the two.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from bench import county, load, servers

CLIENTS = 8
VIEW = (0.1, 0.06)
VIEWS = 32
ROUTES = {"ours": "/ogc/collections/assets/items?limit=1000&bbox={}",
          "tipg": f"/collections/public.{servers.ANCHOR_TABLE}/items?limit=1000&bbox={{}}",
          "pygeoapi": "/collections/assets/items?limit=1000&f=json&bbox={}"}


def _paths(name: str) -> list[str]:
    return [ROUTES[name].format(",".join(f"{v:.6f}" for v in b)) for b in county.bboxes(VIEWS, *VIEW)]


def run(db_url: str, home, seconds: float) -> dict:
    out = {}
    with servers.ours(db_url, home) as base:
        try:
            urllib.request.urlopen(base + _paths("ours")[0], timeout=60).read()
        except urllib.error.HTTPError as e:
            out["ours"] = {"skipped": f"GET {ROUTES['ours'].split('?')[0]} answered {e.code}"}
        else:
            out["ours"] = load.wrk(base, _paths("ours"), CLIENTS, seconds)
    for name in ("tipg", "pygeoapi"):
        with getattr(servers, name)(db_url, home) as base:
            out[name] = load.wrk(base, _paths(name), CLIENTS, seconds)
    return out
