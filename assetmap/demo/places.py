"""The demo town's places: neighbourhoods, streets and postcodes, in British National Grid metres."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from . import catalogue, names
from .draw import normalise, rng_for
from .geometry import CENTRE, INSET, geoms_to_wgs84, sample_in, tile, to_lonlat, town_boundary

POSTCODE_AREA = "AV"   # not a UK postcode area, so no demo postcode can be mistaken for a real one
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"   # the letters a postcode's inward code may use (no C I K M O V)
CENTRAL_NEIGHBOURHOODS = 5   # nearest the centre; they form postcode district AV1, the rest AV2..AV6
OUTER_DISTRICTS = 5


@dataclass(frozen=True)
class Places:
    """Where things are: the outline, neighbourhoods, streets and postcodes (all in metres)."""

    boundary: shapely.Polygon
    hoods: pd.DataFrame       # code, name, district, population, need_score, cx, cy, lx, ly, geom, inner
    streets: pd.DataFrame     # name, hood, x, y
    postcodes: pd.DataFrame   # postcode, hood, street, x, y


def build_places(seed: int) -> Places:
    """Lay out the town for a seed; the same whatever the scale."""
    geo = rng_for(seed, "geometry")
    outline = town_boundary(geo)
    cells = np.array(tile(outline, catalogue.NEIGHBOURHOODS, geo), dtype=object)
    rng = rng_for(seed, "places")
    hoods = _neighbourhoods(cells, rng)
    streets = _streets(hoods, rng)
    postcodes = _postcodes(hoods, streets, rng)
    return Places(shapely.coverage_union_all(hoods["geom"].to_numpy()), hoods, streets, postcodes)


def _neighbourhoods(cells: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Codes, names, postcode districts, population and need, numbered district by district."""
    centroids = shapely.centroid(cells)
    cx, cy = shapely.get_x(centroids), shapely.get_y(centroids)
    dx, dy = cx - CENTRE[0], cy - CENTRE[1]
    distance = np.hypot(dx, dy)
    by_distance = np.argsort(distance, kind="stable")
    rest = by_distance[CENTRAL_NEIGHBOURHOODS:]
    rest = rest[np.argsort(np.mod(np.arctan2(dx[rest], dy[rest]), 2 * np.pi), kind="stable")]  # clockwise from N
    groups = [by_distance[:CENTRAL_NEIGHBOURHOODS], *np.array_split(rest, OUTER_DISTRICTS)]
    order = np.concatenate(groups)
    district = np.concatenate([[f"{POSTCODE_AREA}{d + 1}"] * len(g) for d, g in enumerate(groups)])
    sector = np.concatenate([np.arange(len(g)) % 9 + 1 for g in groups])
    n = len(cells)
    hood_names = [names.CENTRE_NAME, *rng.permutation(np.array(names.NEIGHBOURHOODS))[:n - 1].tolist()]

    area_km2 = shapely.area(cells) / 1e6
    centrality = np.exp(-((distance / 2_000) ** 2))
    population = np.clip(area_km2 * rng.uniform(2_500, 4_500, n) * (1 + 0.8 * centrality), 1_500, 9_000)
    # An IMD-like score: highest in the centre and the east, as in many towns with an old industrial side.
    eastness = (cx - cx.min()) / np.ptp(cx)
    need = 8 + 42 * (0.55 * (1 - distance / distance.max()) + 0.45 * eastness) + rng.normal(0, 5, n)

    geom = cells[order]
    inner = shapely.buffer(geom, -INSET)
    label = shapely.point_on_surface(inner)
    return pd.DataFrame({
        "code": [f"ASH{i + 1:02d}" for i in range(n)],
        "name": hood_names,
        "district": district,
        "sector": sector,
        "population": (np.round(population[order], -1)).astype(int),
        "need_score": np.round(np.clip(need[order], 5, 60), 1),
        "cx": cx[order], "cy": cy[order],
        "lx": shapely.get_x(label), "ly": shapely.get_y(label),
        "geom": geom, "inner": inner,
    })


def _streets(hoods: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A few street names per neighbourhood, each unique in the town, at a point inside it."""
    per = catalogue.STREETS_PER_NEIGHBOURHOOD
    pool = [f"{s} {t}" for s in names.STREET_STEMS for t in names.STREET_TYPES]
    pool = [p for p in pool if p not in names.CENTRE_STREETS]
    drawn = iter(np.array(pool)[rng.choice(len(pool), size=per * len(hoods), replace=False)].tolist())
    rows = []
    for h, inner in enumerate(hoods["inner"]):
        here = list(names.CENTRE_STREETS[:per]) if h == 0 else []   # hood 0 is the town centre
        here += [next(drawn) for _ in range(per - len(here))]
        x, y = sample_in(inner, per, rng)
        rows += [(name, h, px, py) for name, px, py in zip(here, x.tolist(), y.tolist())]
    return pd.DataFrame(rows, columns=["name", "hood", "x", "y"])


def _postcodes(hoods: pd.DataFrame, streets: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Postcode centroids spread by population, each on its nearest street in the same neighbourhood."""
    counts = _largest_remainder(hoods["population"].to_numpy(), catalogue.POSTCODES)
    letters = np.array([a + b for a in UNIT_LETTERS for b in UNIT_LETTERS])
    frames = []
    for h, (hood, k) in enumerate(zip(hoods.itertuples(), counts)):
        x, y = sample_in(hood.inner, int(k), rng)
        units = letters[rng.choice(len(letters), size=int(k), replace=False)]
        local = streets[streets["hood"] == h]
        sx, sy = local["x"].to_numpy(), local["y"].to_numpy()
        near = np.argmin((x[:, None] - sx) ** 2 + (y[:, None] - sy) ** 2, axis=1)
        frames.append(pd.DataFrame({
            "postcode": [f"{hood.district} {hood.sector}{u}" for u in units],
            "hood": h, "street": local["name"].to_numpy()[near], "x": x, "y": y,
        }))
    return pd.concat(frames, ignore_index=True)


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Split total into integers proportional to weights, summing exactly to total."""
    quota = weights / weights.sum() * total
    counts = np.floor(quota).astype(int)
    short = total - counts.sum()
    counts[np.argsort(-(quota - counts), kind="stable")[:short]] += 1
    return counts


def neighbourhood_frame(places: Places) -> pd.DataFrame:
    """Neighbourhood rows as loaded: WGS 84 MultiPolygons."""
    h = places.hoods
    return pd.DataFrame({
        "code": h["code"], "name": h["name"], "population": h["population"], "need_score": h["need_score"],
        "attrs": [{"postcode_district": d} for d in h["district"]],
        "geom": geoms_to_wgs84(h["geom"].to_numpy()),
    })


def gazetteer_frame(places: Places) -> pd.DataFrame:
    """Place names, streets and postcodes, each with a point."""
    h, s, p = places.hoods, places.streets, places.postcodes
    kinds = ["place"] * (len(h) + 1) + ["street"] * len(s) + ["postcode"] * len(p)
    labels = [names.TOWN, *h["name"], *s["name"], *p["postcode"]]
    x = np.concatenate([[CENTRE[0]], h["lx"], s["x"], p["x"]])
    y = np.concatenate([[CENTRE[1]], h["ly"], s["y"], p["y"]])
    lon, lat = to_lonlat(x, y)
    return pd.DataFrame({"kind": kinds, "name": labels, "normalised": [normalise(t) for t in labels],
                         "lon": lon, "lat": lat})
