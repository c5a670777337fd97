"""The public map at /: neighbourhood outlines and clustered assets, both fetched from the API by our own JS.

The page carries no asset data. folium draws the map, the basemap and an empty MarkerCluster (so that
Leaflet.markercluster loads); static/js/public-map.js finds them by their variable names and fills them from
/api/v1/assets for the current view.
"""

from __future__ import annotations

from dataclasses import dataclass

from folium.plugins import MarkerCluster

from .base import Extent, base_map
from .offline import MapParts, VendorUrl, default_vendor_url, page_parts


@dataclass(frozen=True)
class PublicMap:
    parts: MapParts
    map_name: str       # the JavaScript variable holding the L.map
    cluster_name: str   # the JavaScript variable holding the L.markerClusterGroup


def build(extent: Extent | None, *, tiles: str = "openstreetmap", tiles_attribution: str | None = None,
          vendor_url: VendorUrl = default_vendor_url) -> PublicMap:
    """The folium map for /, fitted to `extent` (or England), rendered into page parts."""
    m = base_map(extent, tiles=tiles, tiles_attribution=tiles_attribution)
    cluster = MarkerCluster(name="Assets", control=False, show_coverage_on_hover=False, chunked_loading=True,
                            spiderfy_on_max_zoom=True)
    cluster.add_to(m)
    return PublicMap(page_parts(m, vendor_url), m.get_name(), cluster.get_name())
