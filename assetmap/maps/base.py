"""What every AssetMap map shares: the basemap from the `tiles` setting, zoom limits, and a fit to an extent."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import folium
from folium.map import FitBounds

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
MAX_ZOOM = 19
MIN_ZOOM = 5
# England, for a database with neither neighbourhoods nor assets yet.
DEFAULT_CENTRE = (52.8, -1.6)
DEFAULT_ZOOM = 6

Extent = tuple[float, float, float, float]   # minx, miny, maxx, maxy (lon/lat)


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


def base_map(extent: Extent | None, *, tiles: str, tiles_attribution: str | None,
             max_fit_zoom: int | None = None) -> folium.Map:
    """A map with the configured basemap, fitted to `extent` (or showing England)."""
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
        fit = FitBounds([[miny, minx], [maxy, maxx]], max_zoom=max_fit_zoom)
        # At once, not animated: Leaflet ignores a setView made during a zoom animation, so an animated fit would
        # swallow the view our scripts set (from the address, or on a chosen point).
        fit.options["animate"] = False
        fit.add_to(m)
    return m
