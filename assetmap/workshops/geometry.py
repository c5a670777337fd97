"""GeoJSON geometries typed or drawn in a workshop: checked before they reach the database, with plain reasons."""

from __future__ import annotations

import math

import shapely
from shapely.geometry import shape

MAX_NOTE_VERTICES = 500
MAX_AREA_VERTICES = 5000


class GeometryProblem(ValueError):
    """The geometry cannot be used; the message says why in words a participant understands."""


def _parse(value, allowed: tuple[str, ...], max_vertices: int):
    if not isinstance(value, dict) or value.get("type") not in allowed:
        raise GeometryProblem(f"must be a GeoJSON {' or '.join(allowed)}")
    try:
        geom = shape(value)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        raise GeometryProblem(f"is not a well-formed GeoJSON {value.get('type')}") from None
    if geom.is_empty:
        raise GeometryProblem("is empty")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    coords = shapely.get_coordinates(geom)
    if len(coords) > max_vertices:
        raise GeometryProblem(f"has {len(coords)} corners; at most {max_vertices} are allowed")
    if not all(math.isfinite(c) for c in coords.ravel()):
        raise GeometryProblem("has a coordinate that is not a number")
    if ((coords[:, 0] < -180) | (coords[:, 0] > 180) | (coords[:, 1] < -90) | (coords[:, 1] > 90)).any():
        raise GeometryProblem("must be in longitude and latitude (WGS 84), longitude first")
    if not geom.is_valid:
        raise GeometryProblem("crosses itself; draw the shape again without crossing lines")
    return geom


def parse_note_geometry(value) -> shapely.Geometry:
    """A note sits at a point or covers a drawn area."""
    return _parse(value, ("Point", "Polygon"), MAX_NOTE_VERTICES)


def parse_area(value) -> shapely.MultiPolygon:
    """A workshop's area: a drawn Polygon or MultiPolygon (or a Feature holding one)."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    geom = _parse(value, ("Polygon", "MultiPolygon"), MAX_AREA_VERTICES)
    return geom if isinstance(geom, shapely.MultiPolygon) else shapely.MultiPolygon([geom])
