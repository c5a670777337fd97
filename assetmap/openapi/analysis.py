"""/api/v1/analysis: the Total Place and capacity analyses, for planners with an API token."""

from __future__ import annotations

from ..analysis.filters import AGENCY_KINDS, PARAMETER
from ..analysis.run import BY_SERVICE, TABLES
from .context import Context
from .schemas import GEOJSON, code_list, collection_of, errors, obj, query, ref, text

# route → (summary, the tables `part` chooses from, the first the default); as `assetmap.web.analysis_api.PARTS`
# (a test checks the two agree).
ROUTES = {
    "overlaps": ("Pairs of overlapping catchments, highest pooling score first",
                 ("overlaps", "pooling", "density", "catchments", "overlap_shapes")),
    "spend": ("Spend apportioned to each neighbourhood", ("spend",)),
    "capacity": ("Weekly supply, need and balance per neighbourhood and kind", ("capacity", "links", "matches")),
    "reciprocity": ("Hours and exchanges given and received per neighbourhood",
                    ("reciprocity", "reciprocity_organisations", "flows", "trends")),
}
MONTH = text(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


def _filters(ctx: Context, takes: tuple[str, ...]) -> list[dict]:
    lists = {"themes": (ctx.of("themes"), "theme", "only services with these themes"),
             "client_groups": (ctx.of("client_groups"), "client group", "only services for these client groups"),
             "agency_kinds": (ctx.of("agency_kinds") or AGENCY_KINDS, "agency kind",
                              "only services of these kinds of agency"),
             "kinds": (ctx.of("capacity_kinds"), "capacity kind", "only these kinds of capacity")}
    out = []
    for name in takes:
        if name in lists:
            values, what, description = lists[name]
            out.append(code_list(PARAMETER[name], values, what, description))
        else:
            out.append(query(PARAMETER[name], MONTH, f"{'first' if name == 'from_month' else 'last'} month "
                                                     "counted, YYYY-MM (year 0001 or later)"))
    return out


def paths(ctx: Context) -> dict:
    out = {}
    for route, (summary, parts) in ROUTES.items():
        takes = TABLES[parts[0]][1]
        parameters = [
            query("part", text(enum=list(parts)), f"which table (default {parts[0]})"),
            query("format", text(enum=["geojson", "json", "csv"]), "geojson (default), json or csv"),
            query("geometry", text(enum=["0", "1"]), "0 leaves geometry out of GeoJSON"),
            *_filters(ctx, takes),
        ]
        if any(p in BY_SERVICE for p in parts):
            parameters.append(query("services", text(pattern=r"^[0-9, ]*$"),
                                    "service ids, comma-separated: only pairs among them (for the parts "
                                    f"{', '.join(p for p in parts if p in BY_SERVICE)})"))
        out[f"/api/v1/analysis/{route}"] = {"get": {
            "summary": summary, "operationId": f"analysis_{route}", "tags": ["analysis"],
            "security": [{"apiToken": []}], "parameters": parameters,
            "responses": {
                "200": {"description": "The table, as asked (never cached: internal figures)", "content": {
                    GEOJSON: {"schema": ref("AnalysisCollection")},
                    "application/json": {"schema": ref("AnalysisTable")},
                    "text/csv": {"schema": {"type": "string"}}}},
                **errors(400, 401, 403)},
        }}
    return out


def schemas() -> dict:
    return {
        "AnalysisCollection": collection_of(ref("Feature"), name=text(), summary={"type": "object"}),
        "AnalysisTable": obj({"name": text(), "columns": {"type": "array", "items": text()},
                              "rows": {"type": "array", "items": {"type": "object"}},
                              "summary": {"type": "object"}}, ["name", "columns", "rows"]),
    }
