"""A region of published assets for the load benchmarks, bulk-loaded with COPY: `grow(conn, n)` tops the bench
database up to n assets, so one database serves 10k, then 100k, then 1M.

The shape: a 4° × 2° region (about 270 × 220 km, the East Midlands) cut into 10 km neighbourhoods, with 100 towns
whose sizes fall off as 1/√rank and whose spread grows with their size (the largest, "the city", 4% of all assets
within a few km), and a quarter of the assets scattered over the countryside. Every slice of rows is drawn from the
same mixture, so the region at 10k looks like the region at 1M, thinner.

Bulk load as a bench may and a product would not: the neighbourhood trigger is off (each row's neighbourhood is
computed from the grid here) and the asset indexes are dropped during a large load and rebuilt after it.
"""

from __future__ import annotations

import io
import math

import mercantile
import numpy as np
import psycopg

from assetmap import vocab

LON0, LAT0, LON1, LAT1 = -3.0, 51.5, 1.0, 53.5
CELL_DEG = (0.15, 0.09)            # about 10 km square
TOWNS, RURAL_SHARE, CITY_SIGMA_KM = 100, 0.25, 8.0
SEED = 2026
CHUNK = 200_000
REBUILD_ABOVE = 50_000             # rows added at once above which dropping and rebuilding indexes pays


def towns() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, weight, sigma in degrees of latitude) of each town; the first is the city."""
    rng = np.random.default_rng(SEED)
    lon = rng.uniform(LON0 + 0.3, LON1 - 0.3, TOWNS)
    lat = rng.uniform(LAT0 + 0.2, LAT1 - 0.2, TOWNS)
    lon[0], lat[0] = (LON0 + LON1) / 2, (LAT0 + LAT1) / 2
    weight = 1 / np.sqrt(np.arange(1, TOWNS + 1))
    weight = weight / weight.sum() * (1 - RURAL_SHARE)
    sigma = CITY_SIGMA_KM * np.sqrt(weight / weight[0]) / 111.0
    return lon, lat, weight, np.maximum(sigma, 1.0 / 111.0)


def city_centre() -> tuple[float, float]:
    lon, lat, _, _ = towns()
    return float(lon[0]), float(lat[0])


def points(start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The lon/lat of assets start … start+count-1 (each slice seeded by its start, so a grown region is the same
    whichever steps it grew by, as long as they are the same steps)."""
    rng = np.random.default_rng([SEED, start])
    t_lon, t_lat, weight, sigma = towns()
    town = rng.choice(TOWNS + 1, size=count, p=np.append(weight, RURAL_SHARE))
    rural = town == TOWNS
    town = np.minimum(town, TOWNS - 1)
    scale = math.cos(math.radians((LAT0 + LAT1) / 2))
    lon = t_lon[town] + rng.normal(0, 1, count) * sigma[town] / scale
    lat = t_lat[town] + rng.normal(0, 1, count) * sigma[town]
    lon[rural] = rng.uniform(LON0, LON1, rural.sum())
    lat[rural] = rng.uniform(LAT0, LAT1, rural.sum())
    return np.clip(lon, LON0, LON1 - 1e-9), np.clip(lat, LAT0, LAT1 - 1e-9)


def _cols_rows() -> tuple[int, int]:
    return (round((LON1 - LON0) / CELL_DEG[0]), round((LAT1 - LAT0) / CELL_DEG[1]))


def ensure_neighbourhoods(conn: psycopg.Connection) -> np.ndarray:
    """The grid of neighbourhoods (made once), as an array of ids indexed [column, row]."""
    cols, rows = _cols_rows()
    if conn.execute("SELECT count(*) FROM neighbourhoods").fetchone()[0] == 0:
        conn.execute("""INSERT INTO neighbourhoods (code, name, population, geom)
                        SELECT format('R%%s-%%s', i, j), format('Area %%s-%%s', i, j), 2000 + (i * 37 + j * 91) %% 9000,
                               ST_Multi(ST_MakeEnvelope(%(x)s + i * %(w)s, %(y)s + j * %(h)s,
                                                        %(x)s + (i + 1) * %(w)s, %(y)s + (j + 1) * %(h)s, 4326))
                          FROM generate_series(0, %(c)s - 1) i, generate_series(0, %(r)s - 1) j""",
                     {"x": LON0, "y": LAT0, "w": CELL_DEG[0], "h": CELL_DEG[1], "c": cols, "r": rows})
    ids = np.zeros((cols, rows), dtype=np.int64)
    for code, nid in conn.execute("SELECT code, id FROM neighbourhoods WHERE code LIKE 'R%'"):
        i, j = code[1:].split("-")
        ids[int(i), int(j)] = nid
    return ids


def grow(conn: psycopg.Connection, total: int) -> float:
    """Add published assets until there are `total`; seconds taken (0 when there were enough)."""
    import time
    have = conn.execute("SELECT count(*) FROM assets WHERE source = 'bench'").fetchone()[0]
    if have >= total:
        return 0.0
    t0 = time.perf_counter()
    hood_ids = ensure_neighbourhoods(conn)
    categories = np.array(sorted(vocab.codes(conn, "categories")))
    rebuild = total - have > REBUILD_ABOVE
    indexes = []
    with conn.transaction():
        conn.execute("ALTER TABLE assets DISABLE TRIGGER assets_neighbourhood")
        if rebuild:   # the primary key and unique constraints stay: they are constraints, not just indexes
            indexes = conn.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'assets'
                                        AND indexname NOT IN (SELECT conname FROM pg_constraint)""").fetchall()
            for name, _ in indexes:
                conn.execute(psycopg.sql.SQL("DROP INDEX {}").format(psycopg.sql.Identifier(name)))
        for start in range(have, total, CHUNK):
            count = min(CHUNK, total - start)
            lon, lat = points(start, count)
            i = ((lon - LON0) / CELL_DEG[0]).astype(int)
            j = ((lat - LAT0) / CELL_DEG[1]).astype(int)
            hood = hood_ids[np.minimum(i, hood_ids.shape[0] - 1), np.minimum(j, hood_ids.shape[1] - 1)]
            cat = categories[np.arange(start, start + count) % len(categories)]
            buf = io.StringIO()
            for n, (x, y, c, h) in enumerate(zip(lon, lat, cat, hood, strict=True), start):
                buf.write(f"Place {n}\t{c}\tSRID=4326;POINT({x:.6f} {y:.6f})\t{h}\tpublished\tbench\t{n}\n")
            with conn.cursor().copy("COPY assets (name, category, geom, neighbourhood_id, status, source, "
                                    "source_ref) FROM STDIN") as copy:
                copy.write(buf.getvalue())
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("ALTER TABLE assets ENABLE TRIGGER assets_neighbourhood")
    conn.execute("ANALYZE assets")
    conn.execute("ANALYZE neighbourhoods")
    return time.perf_counter() - t0


def bboxes(count: int, width: float, height: float, spread: float = 0.15) -> list[tuple[float, ...]]:
    """`count` map views of width × height degrees, their centres scattered within ±spread° of the city's."""
    rng = np.random.default_rng([SEED, count])
    cx, cy = city_centre()
    out = []
    for dx, dy in rng.uniform(-spread, spread, (count, 2)):
        x, y = cx + dx, cy + dy * 0.6
        out.append((round(x - width / 2, 6), round(y - height / 2, 6), round(x + width / 2, 6),
                    round(y + height / 2, 6)))
    return out


def tile_block(z: int, side: int) -> tuple[int, int, int, int]:
    """The side × side tiles of zoom z centred on the city: (x0, y0, x1, y1), inclusive."""
    x, y, _ = mercantile.tile(*city_centre(), z)
    half = side // 2
    return x - half, y - half, x - half + side - 1, y - half + side - 1
