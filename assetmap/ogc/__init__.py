"""OGC API – Features (Part 1 Core, Part 3 Filtering with CQL2) over the public layers. No Flask here: the web
layer (assetmap.web.ogc) turns these collections, pages and documents into responses at /ogc."""

from __future__ import annotations

_FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_FILTERING = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"

# What /ogc/conformance declares. QGIS sends a layer's filter to the server only when filter, features-filter,
# cql2-text and basic-cql2 are all here (QGIS PR #52775); each further CQL2 class lets it send more of a filter.
CONFORMANCE = (
    *(_FEATURES + c for c in ("core", "geojson", "html", "oas30")),
    *(_FILTERING + c for c in ("filter", "features-filter", "queryables", "queryables-query-parameters")),
    *(_CQL2 + c for c in ("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
                          "case-insensitive-comparison", "basic-spatial-functions", "basic-spatial-functions-plus",
                          "spatial-functions")),
)
