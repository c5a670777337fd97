"""The public map at /: neighbourhood outlines and the published assets, both fetched by our own JS.

The page carries no asset data. folium draws the map, the basemap and an empty MarkerCluster (so that
Leaflet.markercluster loads); static/js/public-map.js finds them by their variable names and fills them from
/api/v1/assets for the current view. With more published assets than a page can hold as markers, folium draws a
Leaflet.VectorGrid layer of our vector tiles instead (`tiles_url`), on a canvas: grid counts at low zoom, points
close up; static/js/map-tiles.js styles it, follows the filter and opens popups from the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from folium.plugins import MarkerCluster
from folium.utilities import JsCode

from .base import Extent, base_map
from .offline import MapParts, VendorUrl, default_vendor_url, page_parts
from .vector_tiles import vector_layer


@dataclass(frozen=True)
class PublicMap:
    parts: MapParts
    map_name: str       # the JavaScript variable holding the L.map
    cluster_name: str   # the JavaScript variable holding the L.markerClusterGroup
    tiles_name: str | None = None   # the L.vectorGrid.protobuf layer, when the map draws from tiles


def build(extent: Extent | None, *, tiles: str = "openstreetmap", tiles_attribution: str | None = None,
          vendor_url: VendorUrl = default_vendor_url, tiles_url: str | None = None) -> PublicMap:
    """The folium map for /, fitted to `extent` (or England), rendered into page parts; `tiles_url` (a
    /tiles/assets/{z}/{x}/{y}.pbf template) draws the assets from vector tiles."""
    m = base_map(extent, tiles=tiles, tiles_attribution=tiles_attribution)
    cluster = MarkerCluster(name="Assets", control=False, show_coverage_on_hover=False, chunked_loading=True,
                            spiderfy_on_max_zoom=True)
    cluster.add_to(m)
    grid = None
    if tiles_url is not None:
        # The style is looked up when a tile is drawn, by which time map-tiles.js (loaded after this) is there.
        style = JsCode("function (properties, zoom) { return window.AssetMapTiles.style(properties, zoom); }")
        grid = vector_layer(tiles_url, "assets", style, name="Assets")
        grid.add_to(m)
    return PublicMap(page_parts(m, vendor_url), m.get_name(), cluster.get_name(),
                     grid.get_name() if grid is not None else None)
