"""Generate the demo town: a made-up English town with assets, capacity, needs and public services."""

import hashlib
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import shapely

from . import community, services
from .geometry import geoms_to_wgs84
from .places import build_places, gazetteer_frame, neighbourhood_frame


@dataclass(frozen=True)
class DemoTown:
    """Every demo row, ready to load; points as lon/lat columns, areas as WGS 84 shapely geometries."""

    seed: int
    scale: float
    boundary: shapely.Polygon
    neighbourhoods: pd.DataFrame
    gazetteer: pd.DataFrame
    organisations: pd.DataFrame
    assets: pd.DataFrame
    offers: pd.DataFrame
    needs: pd.DataFrame
    services: pd.DataFrame
    service_sites: pd.DataFrame
    service_areas: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The data frames by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), pd.DataFrame)}

    def digest(self) -> str:
        """A SHA-256 of all the data, to show that a seed and scale always give the same town."""
        h = hashlib.sha256(shapely.to_wkb(self.boundary))
        for name, frame in self.tables().items():
            h.update(name.encode())
            shown = frame.copy()
            if "geom" in shown:
                shown["geom"] = shapely.to_wkb(shown["geom"].to_numpy(), hex=True)
            h.update(shown.to_csv(index=False, float_format="%.7f").encode())
        return h.hexdigest()


def generate_town(seed: int = 1, scale: float = 1) -> DemoTown:
    """Build the demo town for a seed; scale multiplies the number of assets (and so offers)."""
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    if not scale > 0:
        raise ValueError(f"scale must be more than 0, not {scale!r}")
    places = build_places(seed)
    orgs = community.organisations(places, seed)
    assets = community.assets(places, orgs, seed, scale)
    offers = community.offers(assets, seed)
    assets, offers = community.confirmed(assets, offers, seed)
    services_, sites, areas = services.services(places, seed)
    return DemoTown(
        seed=seed, scale=scale,
        boundary=geoms_to_wgs84(np.array([places.boundary], dtype=object))[0],
        neighbourhoods=neighbourhood_frame(places),
        gazetteer=gazetteer_frame(places),
        organisations=orgs,
        assets=assets,
        offers=offers,
        needs=community.needs(places, orgs, seed),
        services=services_, service_sites=sites, service_areas=areas,
    )
