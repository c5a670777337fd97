"""Reading any file an importer accepts into numbered records: CSV, XLSX, GeoJSON, GeoPackage, Shapefile.

Every format comes back the same way: `Record(row_number, fields, geometry)`, row numbers counted as a person counts
data rows (1 = the first row after the header), fields as plain Python values (None for blanks), geometry as a
shapely geometry in EPSG:4326 or None. The format is chosen by the file's extension.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import spreadsheet

TABULAR = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
SPATIAL = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shapefile", ".zip": "shapefile",
           ".fgb": "flatgeobuf"}
SUPPORTED = sorted(TABULAR | SPATIAL)


class UnreadableFile(ValueError):
    """The file is of a kind we do not read, or it cannot be parsed."""


@dataclass(frozen=True)
class Record:
    row_number: int
    fields: dict[str, Any]
    geometry: Any = None      # shapely geometry in EPSG:4326, or None


@dataclass
class Table:
    records: list[Record]
    columns: list[str]
    format: str
    notes: list[str] = field(default_factory=list)   # e.g. "reprojected from EPSG:27700"


def file_format(path: Path) -> str:
    """'csv', 'xlsx', 'geojson', 'gpkg', 'shapefile' … from the extension; UnreadableFile otherwise."""
    ext = Path(path).suffix.lower()
    if ext in TABULAR:
        return TABULAR[ext]
    if ext in SPATIAL:
        return SPATIAL[ext]
    raise UnreadableFile(f"{Path(path).name}: cannot read {ext or 'files without an extension'} "
                         f"(supported: {', '.join(SUPPORTED)})")


def read_table(path: Path | str, *, layer: str | None = None) -> Table:
    """Every row of the file as a Record, geometries reprojected to EPSG:4326."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    fmt = file_format(path)
    if fmt == "csv":
        # Text, not guessed types: postcodes, phone numbers and codes like 0123 must survive as typed.
        # utf-8-sig drops the byte-order mark Excel puts at the start of "CSV UTF-8" files.
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                 "save it as CSV UTF-8") from None
        except pd.errors.EmptyDataError:
            raise UnreadableFile(f"{path.name}: the file is empty (not even a header row of column names)") from None
        except pd.errors.ParserError as exc:
            raise UnreadableFile(f"{path.name}: {exc}") from None
        # Cells we wrote as formula-safe text ('=…) come back as they were typed.
        frame = frame.map(spreadsheet.unsafe)
        return Table(_records(frame, None), [str(c) for c in frame.columns], fmt)
    if fmt == "xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=layer or 0, dtype=object, engine="openpyxl")
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:   # not a workbook, or a broken one
            raise UnreadableFile(f"{path.name}: not an Excel workbook we can open ({exc}); save it as .xlsx "
                                 "or CSV UTF-8") from None
        # Cells we wrote as formula-safe text ('=…) come back as they were typed.
        frame = frame.map(spreadsheet.unsafe)
        return Table(_records(frame, None), [str(c) for c in frame.columns], fmt)
    return _read_spatial(path, fmt, layer)


def _read_spatial(path: Path, fmt: str, layer: str | None) -> Table:
    import pyogrio  # here, not at the top: reading a CSV or XLSX never loads GDAL

    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:   # pyogrio raises DataSourceError, DataLayerError, and GDAL's own errors
        raise UnreadableFile(f"{path.name}: {exc}") from None
    notes = []
    if frame.crs is None:
        notes.append("the file names no coordinate system: assumed EPSG:4326 (longitude, latitude)")
    elif frame.crs.to_epsg() != 4326:
        notes.append(f"reprojected from {frame.crs.to_string()} to EPSG:4326")
        frame = frame.to_crs(4326)
    geoms = list(frame.geometry.array)
    if frame.geometry.has_z.any():
        # Our columns are 2D (PostGIS refuses a Z into them): heights are dropped, once, here, for every importer.
        import shapely
        notes.append("the file's geometries have heights (3D): dropped, the map is flat")
        geoms = list(shapely.force_2d(frame.geometry.array))
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    records = _records(attrs, geoms)
    return Table(records, [str(c) for c in attrs.columns], fmt, notes)


def _records(frame: pd.DataFrame, geoms: list | None) -> list[Record]:
    columns = [str(c) for c in frame.columns]
    values = [[_plain(v) for v in frame[c].tolist()] for c in frame.columns]
    out = []
    for i, row in enumerate(zip(*values) if values else [()] * len(frame)):
        out.append(Record(i + 1, dict(zip(columns, row)), geoms[i] if geoms is not None else None))
    return out


def _plain(value: Any) -> Any:
    """numpy scalars to Python, NaN/NaT/'' to None, whole floats from spreadsheets kept as floats."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
