"""The small map on the add and edit forms, where a resident puts their place.

folium draws the map and the basemap only; static/js/place-picker.js finds the map by its variable name and adds the
draggable marker, the tap-to-place handler and the place search. Like the public map it carries no data.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Extent, base_map
from .offline import MapParts, VendorUrl, default_vendor_url, page_parts


@dataclass(frozen=True)
class PickerMap:
    parts: MapParts
    map_name: str   # the JavaScript variable holding the L.map


def build(extent: Extent | None, *, tiles: str = "openstreetmap", tiles_attribution: str | None = None,
          vendor_url: VendorUrl = default_vendor_url) -> PickerMap:
    """The folium map for the asset form, fitted to `extent` (or England); the script re-centres on a chosen point."""
    m = base_map(extent, tiles=tiles, tiles_attribution=tiles_attribution)
    return PickerMap(page_parts(m, vendor_url), m.get_name())
