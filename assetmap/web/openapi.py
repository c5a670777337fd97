"""GET /api/v1/openapi.json: the API's OpenAPI 3.0 document (`assetmap.openapi`), its enums read from this
database's vocabularies when asked, with the OGC API's part (`assetmap.ogc.openapi`) merged in."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import openapi
from ..ingest.services import AGENCY_KINDS
from ..model import listing
from ..ogc import openapi as ogc_openapi
from . import terms
from .db import get_conn

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


def context() -> openapi.Context:
    settings = current_app.config["ASSETMAP"]
    codes = {name: [t.code for t in terms.terms(name)] for name in openapi.VOCABULARIES}
    codes["neighbourhoods"] = [h.code for h in listing.neighbourhood_names(get_conn())]
    codes["agency_kinds"] = list(AGENCY_KINDS)
    return openapi.Context(codes, default_limit=settings.api_default_limit, max_limit=settings.api_max_limit)


def ogc_part() -> tuple[dict, dict]:
    """The OGC API's (paths, components), for the paths /ogc serves (`assetmap.web.ogc`)."""
    return ogc_openapi.paths(), ogc_openapi.components()


@bp.get("/openapi.json")
def document():
    response = jsonify(openapi.document(context(), extra=ogc_part()))
    response.add_etag()
    response.cache_control.no_cache = True   # the enums follow the vocabularies, which may change
    return response.make_conditional(request)
