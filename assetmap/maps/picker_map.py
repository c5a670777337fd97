"""The small map on the add and edit forms, where a resident puts their place.

folium draws the map and the basemap only; static/js/add-asset.js finds the map by its variable name and adds the
draggable marker, the tap-to-place handler and the place search. Like the public map it carries no data.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from folium.map import FitBounds

from .offline import MapParts, VendorUrl, default_vendor_url, page_parts
from .public_map import DEFAULT_CENTRE, DEFAULT_ZOOM, MAX_ZOOM, MIN_ZOOM, Extent, tile_layer


@dataclass(frozen=True)
class PickerMap:
    parts: MapParts
    map_name: str   # the JavaScript variable holding the L.map


def build(extent: Extent | None, *, tiles: str = "openstreetmap", tiles_attribution: str | None = None,
          vendor_url: VendorUrl = default_vendor_url) -> PickerMap:
    """The folium map for the asset form, fitted to `extent` (or England); the script re-centres on a chosen point."""
    if extent is None:
        centre, zoom = DEFAULT_CENTRE, DEFAULT_ZOOM
    else:
        minx, miny, maxx, maxy = extent
        centre, zoom = ((miny + maxy) / 2, (minx + maxx) / 2), 13
    m = folium.Map(location=centre, zoom_start=zoom, tiles=None, control_scale=True, width="100%", height="100%",
                   maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)
    basemap = tile_layer(tiles, tiles_attribution)
    if basemap is not None:
        basemap.add_to(m)
    if extent is not None:
        fit = FitBounds([[miny, minx], [maxy, maxx]])
        fit.options["animate"] = False   # an animated fit would swallow the view the script sets on a chosen point
        fit.add_to(m)
    return PickerMap(page_parts(m, vendor_url), m.get_name())
