"""The OpenAPI 3.0 document of /api/v1 (and /ogc when that part is there), built from plain data.

Each area's paths and schemas live in a module of their own (assets, analysis, workshops); the error bodies,
GeoJSON and security schemes they share are in `schemas`. The vocabularies' codes come in a `Context`, so the
enums say what this deployment accepts. No Flask: `assetmap.web.openapi` serves it.
"""

from __future__ import annotations

import copy
from typing import Any

from . import analysis, assets, schemas, workshops
from .context import VOCABULARIES, Context

__all__ = ["VOCABULARIES", "Context", "document", "merge"]

VERSION = "3.0.3"


def document(ctx: Context, *, extra: tuple[dict, dict] | None = None) -> dict[str, Any]:
    """The whole document; `extra` is another part's (paths, components) to merge in (the OGC API)."""
    shared = schemas.components()
    doc: dict[str, Any] = {
        "openapi": VERSION,
        "info": {"title": "AssetMap API", "version": "1",
                 "description": "Community assets, spare capacity, neighbourhoods, the planners' analyses and "
                                "live workshops. Errors are JSON (`Error`, or `ValidationErrors` for a 422); "
                                "GeoJSON is WGS84 longitude and latitude.",
                 "license": {"name": "AGPL-3.0-or-later"}},
        "servers": [{"url": "/"}],
        "tags": [{"name": n} for n in ("assets", "capacity", "neighbourhoods", "vocabularies", "places",
                                       "analysis", "workshops", "meta")],
        "paths": {**assets.paths(ctx), **analysis.paths(ctx), **workshops.paths(ctx), **_meta()},
        "components": {**shared, "schemas": {**shared["schemas"], **assets.schemas(ctx), **analysis.schemas(),
                                             **workshops.schemas(ctx)}},
    }
    for item in doc["paths"].values():
        for operation in item.values():
            # `assetmap.web.security` refuses a query parameter holding a NUL character on every route
            operation["responses"].setdefault("400", schemas.ref("BadRequest", "responses"))
    return merge(doc, *extra) if extra else doc


def _meta() -> dict:
    return {"/api/v1/openapi.json": {"get": {
        "summary": "This document", "operationId": "openapi", "tags": ["meta"],
        "responses": {"200": schemas.ok("The OpenAPI 3.0 document", {"type": "object"})}}}}


def merge(doc: dict, paths: dict, components: dict, prefix: str = "Ogc") -> dict:
    """`doc` with another part's paths and components added. A path the document has already is an error (two
    parts cannot serve one route). A component under a name the document already uses for something else is
    renamed `prefix` + name, and the part's references follow it; one that is the same is kept once."""
    out = copy.deepcopy(doc)
    clash = sorted(set(paths) & set(out["paths"]))
    if clash:
        raise ValueError(f"both parts document {', '.join(clash)}")
    renames: dict[str, str] = {}
    for kind, named in components.items():
        mine = out["components"].setdefault(kind, {})
        for name, value in named.items():
            if name in mine and mine[name] != value:
                renames[f"#/components/{kind}/{name}"] = f"#/components/{kind}/{prefix}{name}"
    moved = _rewrite(copy.deepcopy({"paths": paths, "components": components}), renames)
    for kind, named in moved["components"].items():
        for name, value in named.items():
            new = renames.get(f"#/components/{kind}/{name}", f"#/components/{kind}/{name}").rsplit("/", 1)[1]
            out["components"][kind][new] = value
    out["paths"].update(moved["paths"])
    return out


def _rewrite(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (renames.get(v, v) if k == "$ref" and isinstance(v, str) else _rewrite(v, renames))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, renames) for v in node]
    return node
