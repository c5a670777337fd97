"""An analysis result as a table: named columns, one dict per row, an optional geometry per row.

The CLI, the API and the planner pages' downloads all write a Table with `to_csv` or `to_geojson`, so a column is
named and formatted in one place.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from .. import spreadsheet


@dataclass
class Table:
    name: str                            # what it is, for file names: overlaps, spend, capacity, links, …
    columns: tuple[str, ...]             # the CSV's columns, in order; rows may carry more (JSON only)
    rows: list[dict[str, Any]]
    geometries: list[dict | None] | None = None   # GeoJSON geometry per row, WGS84; None: the table has none
    summary: dict[str, Any] = field(default_factory=dict)   # figures about the whole table (e.g. spend outside)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([cell(spreadsheet.safe(row.get(c))) for c in self.columns])
        return out.getvalue()

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection; `summary` as a foreign member when there is one."""
        geometries = self.geometries if self.geometries is not None else [None] * len(self.rows)
        features = [{"type": "Feature", "geometry": g, "properties": jsonable(row)}
                    for row, g in zip(self.rows, geometries, strict=True)]
        collection: dict[str, Any] = {"type": "FeatureCollection", "name": self.name, "features": features}
        if self.summary:
            collection["summary"] = jsonable(self.summary)
        return collection

    def to_json(self) -> dict[str, Any]:
        """Rows as plain objects, for tables without geometry."""
        out: dict[str, Any] = {"name": self.name, "columns": list(self.columns), "rows": jsonable(self.rows)}
        if self.summary:
            out["summary"] = jsonable(self.summary)
        return out

    def dumps(self, fmt: str) -> str:
        if fmt == "csv":
            return self.to_csv()
        if fmt == "geojson":
            return json.dumps(self.to_geojson(), separators=(",", ":"))
        if fmt == "json":
            return json.dumps(self.to_json(), separators=(",", ":"))
        raise ValueError(f"unknown format {fmt!r}: give csv, geojson or json")


def cell(value: Any) -> Any:
    """A CSV cell: lists joined by `;`, booleans as true/false, floats without float noise, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e-3 and value else repr(round(value, 6))
    if isinstance(value, Decimal):
        return cell(float(value))
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def jsonable(value: Any) -> Any:
    """Decimals as floats and tuples as lists, recursively, so json.dumps takes it."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, Decimal):
        return float(value)
    return value


def rows_of(columns: Sequence[str], fetched: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, r, strict=True)) for r in fetched]


def fetch(conn: psycopg.Connection, query: str, params: Any = None) -> list[tuple]:
    """Rows as tuples whatever row factory the caller's connection has (the web's gives dicts).

    Without JIT: the analyses' cost estimates are high enough to trigger it, and compiling their plans took longer
    (1.3 s of 7.9 s for 10k catchments' overlaps) than it saved, as their work is in PostGIS's own code."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SET LOCAL jit = off")
        return cur.execute(query, params).fetchall()
