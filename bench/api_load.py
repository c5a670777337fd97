"""The assets API under load: GET /api/v1/assets?bbox=…&limit=1000 from 16 concurrent clients, map views of
0.04° × 0.025° (a desktop map at about z14) scattered round the city; requests/s, p50 and p99, against pgbench
running the SQL the endpoint runs (captured from `assetmap.model.assets.feature_page` itself, with the view's
corners as pgbench variables drawn from the same range), straight against the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from assetmap.model import assets
from bench import county, load, servers

CLIENTS = 16
VIEW = (0.04, 0.025)
VIEWS = 64
SENTINELS = {"minx": 11.1234567, "miny": 12.1234567, "maxx": 13.1234567, "maxy": 14.1234567}


def api_sql(db_url: str) -> str:
    """feature_page's SQL for a bbox page of 1000, with the bbox as pgbench variables :minx :miny :maxx :maxy."""
    query = load.captured_sql(db_url, lambda conn: assets.feature_page(
        conn, asset_url="/assets/", due_before=datetime.now(UTC) - timedelta(days=365),
        bbox=tuple(SENTINELS.values()), limit=1000))
    for name, value in SENTINELS.items():
        if repr(value) not in query:
            raise RuntimeError(f"could not find the bbox's {name} in the captured SQL")
        query = query.replace(repr(value), f":{name}")
    return query


def pgbench_script(db_url: str) -> str:
    cx, cy = county.city_centre()
    w, h = VIEW
    # pgbench draws integers: the view's corner in millidegrees within the same ±0.15° (±0.09° north–south).
    return (f"\\set dx random(-150, 150)\n\\set dy random(-90, 90)\n"
            f"\\set minx {cx - w / 2:.6f} + :dx / 1000.0\n\\set maxx :minx + {w}\n"
            f"\\set miny {cy - h / 2:.6f} + :dy / 1000.0\n\\set maxy :miny + {h}\n" + api_sql(db_url))


def run(db_url: str, home, seconds: float) -> dict:
    views = county.bboxes(VIEWS, *VIEW)
    paths = ["/api/v1/assets?limit=1000&bbox=" + ",".join(f"{v:.6f}" for v in b) for b in views]
    with psycopg.connect(db_url) as conn:
        features = [conn.execute("SELECT count(*) FROM public_assets WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, "
                                 "4326)", b).fetchone()[0] for b in views[:16]]
    anchor = load.pgbench(db_url, pgbench_script(db_url), CLIENTS, seconds)
    with servers.ours(db_url, home) as base:
        ours = load.wrk(base, paths, CLIENTS, seconds)
    return {"views": VIEWS, "mean_features_per_view": round(sum(min(f, 1000) for f in features) / len(features)),
            "ours": ours, "pgbench": anchor}
