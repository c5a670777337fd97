"""The public map at /: neighbourhood outlines and clustered assets, both fetched from the API by our own JS.

The page carries no asset data. folium draws the map, the basemap and an empty MarkerCluster (so that
Leaflet.markercluster loads); static/js/public-map.js finds them by their variable names and fills them from
/api/v1/assets for the current view.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

import folium
from folium.map import FitBounds
from folium.plugins import MarkerCluster

from .offline import MapParts, VendorUrl, default_vendor_url, page_parts

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
MAX_ZOOM = 19
MIN_ZOOM = 5
# England, for a database with neither neighbourhoods nor assets yet.
DEFAULT_CENTRE = (52.8, -1.6)
DEFAULT_ZOOM = 6

Extent = tuple[float, float, float, float]   # minx, miny, maxx, maxy (lon/lat)


@dataclass(frozen=True)
class PublicMap:
    parts: MapParts
    map_name: str       # the JavaScript variable holding the L.map
    cluster_name: str   # the JavaScript variable holding the L.markerClusterGroup


def tile_layer(tiles: str, attribution: str | None) -> folium.TileLayer | None:
    """The basemap for the `tiles` setting: 'openstreetmap', 'none' (None here) or an XYZ URL template."""
    if tiles.strip().lower() == "none":
        return None
    if tiles.strip().lower() == "openstreetmap":
        return folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="basemap", max_zoom=MAX_ZOOM, control=False)
    # Tile providers require attribution; without one configured, at least say whose tiles these are.
    attr = attribution or html.escape(_host(tiles) or "basemap")
    return folium.TileLayer(tiles, attr=attr, name="basemap", max_zoom=MAX_ZOOM, control=False)


def _host(url: str) -> str | None:
    host = urlsplit(url).hostname
    if host and host.startswith("{s}."):
        host = host[4:]
    return host


def build(extent: Extent | None, *, tiles: str = "openstreetmap", tiles_attribution: str | None = None,
          vendor_url: VendorUrl = default_vendor_url) -> PublicMap:
    """The folium map for /, fitted to `extent` (or England), rendered into page parts."""
    if extent is None:
        centre, zoom = DEFAULT_CENTRE, DEFAULT_ZOOM
    else:
        minx, miny, maxx, maxy = extent
        centre, zoom = ((miny + maxy) / 2, (minx + maxx) / 2), 13
    # maxZoom on the map itself: without a tile layer to set it, MarkerCluster throws.
    m = folium.Map(location=centre, zoom_start=zoom, tiles=None, control_scale=True, width="100%", height="100%",
                   maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)
    basemap = tile_layer(tiles, tiles_attribution)
    if basemap is not None:
        basemap.add_to(m)
    if extent is not None:
        fit = FitBounds([[miny, minx], [maxy, maxx]])
        # At once, not animated: Leaflet ignores a setView made during a zoom animation, so an animated fit would
        # swallow the view our script sets from the address (#zoom/lat/lon).
        fit.options["animate"] = False
        fit.add_to(m)
    cluster = MarkerCluster(name="Assets", control=False, show_coverage_on_hover=False, chunked_loading=True,
                            spiderfy_on_max_zoom=True)
    cluster.add_to(m)
    return PublicMap(page_parts(m, vendor_url), m.get_name(), cluster.get_name())
