"""A layer of our own vector tiles (/tiles/…) on a folium map: Leaflet.VectorGrid drawing on a canvas per tile, so a
layer of a million points or thousands of shapes costs the page nothing until its tiles arrive. The public map
and the planners' maps both take their tile layers from here; static/js/map-tiles.js (loaded in the page's head,
before any tile is drawn) mends VectorGrid's clicks and styles the public map's points."""

from __future__ import annotations

from folium.plugins import VectorGridProtobuf
from folium.utilities import JsCode


def tile_url(url_for_tile: str) -> str:
    """A tile URL as Flask builds it for tile 0/0/0 (with any query) → the {z}/{x}/{y} template Leaflet fills."""
    return url_for_tile.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf", 1)


def vector_layer(url: str, layer: str, style: dict | JsCode, *, name: str, show: bool = True,
                 interactive: bool = True, pane: str | None = None) -> VectorGridProtobuf:
    """The tiles at `url` (a {z}/{x}/{y} template), their layer `layer` drawn with `style` (a Leaflet path style,
    or a function of a feature's properties and the zoom); `show=False` leaves it off the map until a script adds
    it; `pane` "overlayPane" draws it over the page's own shapes (a grid layer's default is under them). Not in
    folium's layer control: the pages keep their own."""
    options = {"rendererFactory": JsCode("L.canvas.tile"), "interactive": interactive, "maxNativeZoom": 22,
               "vectorTileLayerStyles": {layer: style}}
    if pane:
        options["pane"] = pane
    return VectorGridProtobuf(url, name=name, control=False, show=show, options=options)
