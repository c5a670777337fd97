"""Public services in the demo town: who runs them, where they meet people and the areas they cover."""

import numpy as np
import pandas as pd
import shapely

from . import catalogue, names
from .draw import phones, pick, rng_for, uuids
from .geometry import geoms_to_wgs84, jitter_within, nearest, to_lonlat
from .places import Places

AREA_NAMES = {"town": f"{names.TOWN} (whole town)", "east": f"East {names.TOWN}", "west": f"West {names.TOWN}",
              "north": f"North {names.TOWN}", "south": f"South {names.TOWN}", "centre": f"{names.TOWN} town centre",
              "need": "Priority neighbourhoods"}
PRIORITY_NEIGHBOURHOODS = 10
OFFICE_HOURS = ("Mo-Fr 09:00-17:00", "Mo-Fr 08:30-18:00; PH off", "Mo-Th 09:00-17:00; Fr 09:00-16:30",
                "Mo-Fr 09:00-17:00; Sa 09:00-12:00")
SESSIONS = tuple(f"{d} {h}" for d in ("Mo", "Tu", "We", "Th", "Fr")
                 for h in ("09:30-12:00", "13:00-15:30", "10:00-14:00"))
VISITING_HOURS = ("Mo-Fr 08:00-18:00", "Mo-Su 08:00-20:00", "Mo-Fr 09:00-17:00")
OUTREACH_VENUES = ("Community Centre", "Library", "Church Hall", "Community Hub", "Medical Centre")
CONTACTS_PER_WEEK = {"fixed": (30, 400), "outreach": (5, 40), "home_visit": (10, 120)}


def _areas(places: Places) -> dict[str, np.ndarray]:
    """The neighbourhoods (by index) in each area word of the catalogue."""
    h = places.hoods
    every = np.arange(len(h))
    return {"town": every, "east": every[h["cx"] >= h["cx"].median()], "west": every[h["cx"] < h["cx"].median()],
            "north": every[h["cy"] >= h["cy"].median()], "south": every[h["cy"] < h["cy"].median()],
            "centre": every[h["district"] == h["district"].iloc[0]],
            "need": np.sort(np.argsort(-h["need_score"].to_numpy(), kind="stable")[:PRIORITY_NEIGHBOURHOODS])}


def _spot(places: Places, hood: int, rng: np.random.Generator) -> tuple[float, float, str, str]:
    """A building near one of the neighbourhood's postcodes: x, y, address, postcode."""
    pcs = places.postcodes[places.postcodes["hood"] == hood]
    pc = pcs.iloc[int(rng.integers(len(pcs)))]
    x, y = jitter_within(np.array([pc["x"]]), np.array([pc["y"]]), 40.0,
                         places.hoods["inner"].to_numpy()[[hood]], rng)
    return float(x[0]), float(y[0]), f"{int(rng.integers(1, 160))} {pc['street']}", pc["postcode"]


def _multipolygon(geom) -> shapely.MultiPolygon:
    """The polygonal part of a geometry, valid, as a MultiPolygon."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.MultiPolygon([q for p in parts for q in shapely.get_parts(p)])


def services(places: Places, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Services, their sites (touchpoints) and their catchments (service areas)."""
    rng = rng_for(seed, "services")
    areas = _areas(places)
    hood_names = places.hoods["name"].to_numpy()
    hoods_wgs84 = geoms_to_wgs84(places.hoods["geom"].to_numpy())
    venues = {}
    for key, (name, where) in catalogue.VENUES.items():
        venues[key] = (name, *_spot(places, int(rng.choice(areas[where])), rng))

    rows, sites, catchments = [], [], []
    public_ids = uuids(rng, len(catalogue.SERVICES))
    contacts = phones(rng, len(catalogue.SERVICES))
    for i, (agency, name, theme, groups, spend_k, area, tokens, about) in enumerate(catalogue.SERVICES):
        ref = f"service-{i + 1:03d}"
        agency_name, agency_kind = catalogue.AGENCIES[agency]
        rows.append((ref, public_ids[i], agency_name, agency_kind, name, about, theme, list(groups),
                     round(spend_k * 1000 * rng.uniform(0.85, 1.15), -3), contacts[i]))
        here = areas["town" if area.startswith("r") else area]
        for token in tokens:
            if token.startswith("@"):
                site = (*venues[token[1:]], "fixed", pick(rng, OFFICE_HOURS, 1)[0])
            elif token == "outreach":
                hood = int(rng.choice(here))
                site = (f"{hood_names[hood]} {pick(rng, OUTREACH_VENUES, 1)[0]}", *_spot(places, hood, rng),
                        "outreach", pick(rng, SESSIONS, 1)[0])
            else:
                hood = int(rng.choice(here))
                h = places.hoods.iloc[hood]
                site = (f"Home visits – {hood_names[hood]}", h["lx"], h["ly"], "", None, "home_visit",
                        pick(rng, VISITING_HOURS, 1)[0])
            lo, hi = CONTACTS_PER_WEEK[site[5]]
            sites.append((ref, *site, int(rng.integers(lo, hi + 1))))
        catchments.append((ref, *_catchment(places, area, sites[-len(tokens)], hoods_wgs84, areas)))

    services_ = pd.DataFrame(rows, columns=["source_ref", "public_id", "agency", "agency_kind", "name",
                                            "description", "theme", "client_groups", "annual_spend", "contact"])
    services_["status"] = "active"
    sites_ = pd.DataFrame(sites, columns=["service_ref", "name", "x", "y", "address", "postcode", "kind",
                                          "schedule", "contacts_per_week"])
    # Home visits have no address; give them the nearest postcode so they can still be found by postcode.
    pcs = places.postcodes
    at = nearest(sites_["x"].to_numpy(), sites_["y"].to_numpy(), pcs["x"].to_numpy(), pcs["y"].to_numpy())
    sites_["postcode"] = sites_["postcode"].where(sites_["postcode"].notna(), pcs["postcode"].to_numpy()[at])
    sites_["lon"], sites_["lat"] = to_lonlat(sites_["x"].to_numpy(), sites_["y"].to_numpy())
    sites_ = sites_.drop(columns=["x", "y"])
    return services_, sites_, pd.DataFrame(catchments, columns=["service_ref", "name", "geom"])


def _catchment(places: Places, area: str, first_site: tuple, hoods_wgs84: np.ndarray,
               areas: dict[str, np.ndarray]) -> tuple[str, shapely.MultiPolygon]:
    """A catchment's name and shape: the whole town, a set of neighbourhoods or a radius round the first site."""
    if area.startswith("r"):
        metres = int(area[1:])
        _, site_name, x, y = first_site[:4]
        circle = shapely.intersection(shapely.Point(x, y).buffer(metres, quad_segs=16), places.boundary)
        shape = geoms_to_wgs84(np.array([circle], dtype=object))[0]
        return f"Within {metres / 1000:g} km of {site_name}", _multipolygon(shape)
    return AREA_NAMES[area], _multipolygon(shapely.coverage_union_all(hoods_wgs84[areas[area]]))
