"""A workshop's notes to take away: a GeoJSON FeatureCollection and a CSV, with the report's numbers and order
(visible notes only, as in the report).

Anyone in the room can write a note, so its cells are made safe for spreadsheets (`assetmap.spreadsheet`).
"""

from __future__ import annotations

import io

import psycopg
import shapely
from shapely.geometry import shape

from .. import spreadsheet
from .report import Note, visible_notes
from .sessions import Workshop

CSV_COLUMNS = ("number", "id", "kind", "text", "author", "organisation", "round", "votes", "comments", "status",
               "lon", "lat", "wkt", "created_at")


def _properties(note: Note) -> dict:
    return {"number": note.number, "id": note.id, "kind": note.kind, "text": note.text, "author": note.author,
            "organisation": note.organisation, "round": note.round + 1, "votes": note.votes,
            "comments": len(note.comments), "status": note.status, "created_at": note.created_at}


def geojson(conn: psycopg.Connection, workshop: Workshop) -> dict:
    """The notes as RFC 7946 GeoJSON; each note's comments as a list of {text, author, organisation}."""
    features = [{"type": "Feature", "id": n.id, "geometry": n.geometry,
                 "properties": _properties(n) | {"comment_texts": [
                     {"text": c.text, "author": c.author, "organisation": c.organisation} for c in n.comments]}}
                for n in visible_notes(conn, workshop)]
    return {"type": "FeatureCollection", "name": f"workshop_{workshop.code}_notes", "features": features}


def csv_text(conn: psycopg.Connection, workshop: Workshop) -> str:
    """One row per note; `lon`, `lat` for a point (a polygon's centroid), `wkt` for the exact shape."""
    out = io.StringIO()
    writer = spreadsheet.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for note in visible_notes(conn, workshop):
        geom = shape(note.geometry)
        centre = geom if geom.geom_type == "Point" else geom.centroid
        row = _properties(note) | {"lon": round(centre.x, 6), "lat": round(centre.y, 6),
                                   "wkt": shapely.to_wkt(geom, rounding_precision=6)}
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return out.getvalue()
