"""The OGC API collections: which public source each reads, its properties (every one a queryable) and its extent.

Each collection reads one of our public views through a query in sql/<id>.sql, the same views the vector tiles
(`assetmap.tiles`) read, so a private home is only ever at its generalised point. A source query returns `k` (the
row's key: the order pages follow), `id` (the feature's id in URLs), `geom` (in the collection's `srid`) and one
column per property, named as the property: a queryable's name is its column, and only names in the whitelist
below ever reach SQL, as identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files

import psycopg

from .. import tiles
from ..errors import NotFound

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Property:
    name: str
    type: str                        # JSON Schema type, or "date-time" / "date" (strings of that format)
    title: str
    vocabulary: str | None = None    # codes from this vocabulary table (their list goes in the queryables)

    def schema(self) -> dict:
        """Its JSON Schema type (for the queryables and the OpenAPI parameters)."""
        return {"type": "string", "format": self.type} if self.type in ("date-time", "date") else {"type": self.type}


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    geometry: str                    # geometry-point, geometry-multipolygon: the queryables' format for it
    id_type: str                     # "uuid", "integer" or "string": how a feature id in a URL is read
    properties: tuple[Property, ...]
    datetime: str | None = None      # the property `datetime=` selects on; None: the collection has no time
    srid: int = 4326                 # the source's geometry; features leave in CRS84 whatever it is
    source: str = field(default="", repr=False)

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)


def _collection(id: str, *args, **kwargs) -> Collection:
    return Collection(id, *args, **kwargs, source=(files(__package__) / "sql" / f"{id}.sql").read_text().strip())


S, INT, N, B, DT, D = "string", "integer", "number", "boolean", "date-time", "date"
_P = Property
COLLECTIONS = {c.id: c for c in (
    _collection(
        "assets", "Community assets", tiles.LAYERS["assets"].description + " A private home is at a generalised "
        "point, without its address.", "geometry-point", "uuid",
        (_P("name", S, "Name"), _P("category", S, "Category", "categories"), _P("category_label", S, "Category"),
         _P("description", S, "Description"), _P("audience", S, "Who it is for"),
         _P("accessibility", S, "Accessibility"), _P("address", S, "Address"), _P("postcode", S, "Postcode"),
         _P("organisation", S, "Organisation"), _P("neighbourhood", S, "Neighbourhood code"),
         _P("neighbourhood_name", S, "Neighbourhood"), _P("location_precision", S, "Location precision"),
         _P("capacity", B, "Offers spare capacity"), _P("updated_at", DT, "Last edited"),
         _P("last_confirmed_at", DT, "Last confirmed")),
        datetime="last_confirmed_at"),
    _collection(
        "capacity", "Spare capacity", tiles.LAYERS["capacity"].description, "geometry-point", "integer",
        (_P("asset", S, "Asset id"), _P("asset_name", S, "Asset"), _P("category", S, "Category", "categories"),
         _P("kind", S, "Kind", "capacity_kinds"), _P("description", S, "Description"),
         _P("quantity", N, "Quantity"), _P("unit", S, "Unit", "units"), _P("schedule", S, "When (opening_hours)"),
         _P("schedule_text", S, "When"), _P("audience", S, "Who it is for"), _P("cost", S, "Cost", "costs"),
         _P("valid_from", D, "From"), _P("valid_to", D, "Until"), _P("neighbourhood", S, "Neighbourhood code"),
         _P("last_confirmed_at", DT, "Last confirmed")),
        datetime="last_confirmed_at"),
    _collection(
        "service_sites", "Service sites", tiles.LAYERS["service_sites"].description, "geometry-point", "integer",
        (_P("name", S, "Name"), _P("kind", S, "Kind of site"), _P("address", S, "Address"),
         _P("postcode", S, "Postcode"), _P("schedule", S, "When"), _P("service", S, "Service"),
         _P("agency", S, "Agency"), _P("agency_kind", S, "Kind of agency"), _P("theme", S, "Theme", "themes"),
         _P("neighbourhood", S, "Neighbourhood code"))),
    _collection(
        "catchments", "Service catchments", tiles.LAYERS["catchments"].description, "geometry-multipolygon",
        "integer",
        (_P("service", S, "Service"), _P("agency", S, "Agency"), _P("agency_kind", S, "Kind of agency"),
         _P("theme", S, "Theme", "themes")),
        srid=27700),
    _collection(
        "neighbourhoods", "Neighbourhoods", tiles.LAYERS["neighbourhoods"].description, "geometry-multipolygon",
        "string",
        (_P("code", S, "Code"), _P("name", S, "Name"), _P("population", INT, "Population"),
         _P("need_score", N, "Need score"))),
)}


def collection(id: str) -> Collection:
    if id not in COLLECTIONS:
        raise NotFound(f"no collection {id!r}; there are {', '.join(COLLECTIONS)}")
    return COLLECTIONS[id]


def extent(conn: psycopg.Connection, id: str) -> dict:
    """The collection's extent as OGC API puts it: its bounding box in CRS84 (the tiles' bounds: the same public
    points and shapes) and no time interval (assets' times run from years ago to now)."""
    return {"spatial": {"bbox": [tiles.bounds(conn, id)], "crs": CRS84}}
