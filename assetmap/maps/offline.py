"""Point folium's JavaScript and CSS at the npm packages we serve ourselves, and cut a map into page parts.

folium fetches Leaflet and its plugins from CDNs. Users on a council network may not reach them, and this machine
cannot at all, so every element's asset list is rewritten, per instance, to /vendor/<package>/<file> (served from
node_modules by assetmap.web.vendor). The class-level lists stay untouched: other maps in the same process must
not see our changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from markupsafe import Markup

# (package, file inside it) by folium's own name for each asset. Packages must be dependencies in package.json.
VENDOR_ASSETS: dict[str, tuple[str, str]] = {
    "leaflet": ("leaflet", "dist/leaflet.js"),
    "leaflet_css": ("leaflet", "dist/leaflet.css"),
    "markerclusterjs": ("leaflet.markercluster", "dist/leaflet.markercluster.js"),
    "markerclustercss": ("leaflet.markercluster", "dist/MarkerCluster.css"),
    "markerclusterdefaultcss": ("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
    "vectorGrid": ("leaflet.vectorgrid", "dist/Leaflet.VectorGrid.bundled.min.js"),
}

# What folium.Map loads for features our pages do not use (Bootstrap popups, awesome-markers icons, jQuery).
DROPPED_ASSETS = frozenset({
    "jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css",
    "awesome_markers_css", "awesome_rotate_css",
})

VendorUrl = Callable[[str, str], str]

_EXTERNAL = re.compile(r"(?:https?:)?//[^\s\"'<>]+", re.IGNORECASE)


class ExternalAsset(RuntimeError):
    """A map element wants a script or stylesheet we do not serve ourselves."""


def default_vendor_url(package: str, path: str) -> str:
    return f"/vendor/{package}/{path}"


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():   # branca keeps children here; it has no public iterator
        yield from _walk(child)


def _local(name: str, vendor_url: VendorUrl, owner: Element) -> str:
    try:
        package, path = VENDOR_ASSETS[name]
    except KeyError:
        raise ExternalAsset(
            f"{type(owner).__name__} needs {name!r}, which has no local copy: add its npm package to package.json "
            "and its file to assetmap.maps.offline.VENDOR_ASSETS") from None
    return vendor_url(package, path)


def use_local_assets(root: Element, vendor_url: VendorUrl = default_vendor_url) -> None:
    """Give every folium element under `root` its own asset lists, pointing at /vendor/ URLs."""
    for element in _walk(root):
        if isinstance(element, JSCSSMixin):
            # Instance attributes shadow the class lists, which folium shares between all maps.
            element.default_js = [(name, _local(name, vendor_url, element))
                                  for name, _ in type(element).default_js if name not in DROPPED_ASSETS]
            element.default_css = [(name, _local(name, vendor_url, element))
                                   for name, _ in type(element).default_css if name not in DROPPED_ASSETS]


@dataclass(frozen=True)
class MapParts:
    """A rendered map, cut into the three places a page template puts it."""
    header: Markup   # <script src>/<link> tags for <head>
    html: Markup     # the map's <div>
    script: Markup   # JavaScript that builds the map; wrap it in <script>


def page_parts(m: Element, vendor_url: VendorUrl = default_vendor_url) -> MapParts:
    """Render a folium map with local assets into parts for our own Jinja template."""
    use_local_assets(m, vendor_url)
    fig = m.get_root()
    if not isinstance(fig, Figure):
        raise TypeError("the map is not in a folium Figure")
    fig.render()
    # The map's own header sets a viewport that forbids zooming (an accessibility failure) and styles html/body,
    # and the figure adds a content-type meta that clashes with our <meta charset>: our template does both.
    fig.header._children.pop(m.get_name(), None)
    fig.header._children.pop("meta_http", None)
    header = fig.header.render()
    found = _EXTERNAL.findall(header)
    if found:
        raise ExternalAsset(f"the map's <head> part loads from outside: {', '.join(found[:3])}")
    # Everything in these parts comes from our code and settings, never from user data: safe to mark.
    return MapParts(Markup(header), Markup(fig.html.render()), Markup(fig.script.render()))
