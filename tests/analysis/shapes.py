"""Shapes drawn in the British National Grid (metres) near Leicester, stored in EPSG:4326 as the app stores them."""

from __future__ import annotations

import pandas as pd
from pyproj import Transformer

from assetmap.ingest.service_files import import_services

X0, Y0 = 460_000, 300_000
TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


def square(x0, y0, x1, y1) -> str:
    return f"ST_Transform(ST_Multi(ST_MakeEnvelope({X0 + x0}, {Y0 + y0}, {X0 + x1}, {Y0 + y1}, 27700)), 4326)"


def build_town(c, tmp_path) -> None:
    """The town drawn in tests/analysis/test_overlaps_spend.py's docstring: N1, N2 and services A to D."""
    c.execute(f"INSERT INTO neighbourhoods (code, name, population, geom) VALUES "
              f"('N1', 'North One', 1000, {square(0, 0, 2000, 2000)}), "
              f"('N2', 'North Two', 3000, {square(2000, 0, 4000, 2000)})")
    for ref, agency, kind, theme, groups, spend, shape in (
            ("A", "Shire Council", "council", "housing", "{older_people,carers}", 100000,
             square(0, 0, 2000, 2000)),
            ("B", "Shire NHS Trust", "nhs", "health", "{older_people}", 50000, square(1000, 1000, 3000, 3000))):
        c.execute(f"""
            WITH s AS (INSERT INTO services (agency, agency_kind, name, theme, client_groups, annual_spend,
                                             source, source_ref)
                       VALUES (%s, %s, %s, %s, %s, %s, 'test', %s) RETURNING id)
            INSERT INTO service_areas (service_id, geom) SELECT id, {shape} FROM s""",
                  (agency, kind, f"Service {ref}", theme, groups, spend, ref))
    lon, lat = TO_WGS84.transform(X0 + 3000, Y0 + 1000)
    rows = [{"source_ref": "C", "agency": "Shire NHS Trust", "agency_kind": "nhs", "name": "Service C",
             "theme": "housing", "client_groups": "carers", "annual_spend": "40000",
             "catchment_neighbourhoods": "N2"},
            {"source_ref": "D", "agency": "Shire Council", "agency_kind": "council", "name": "Service D",
             "theme": "health", "client_groups": "", "annual_spend": "", "site_name": "Clinic",
             "lon": lon, "lat": lat, "catchment_radius_m": 500}]
    path = tmp_path / "services.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert import_services(c, path).rejected == []
