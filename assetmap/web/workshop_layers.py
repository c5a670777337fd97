"""/api/v1/workshops/<code>/layers/<layer>: the layers the facilitator chose for a workshop's map, as GeoJSON in the
workshop's area, for its participants (X-Participant-Token, the workshop's cookie, or its facilitator's Bearer
token). Refusals are JSON: 401 for someone not taking part, 404 for a layer the workshop does not show."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..analysis.filters import Options
from ..errors import InvalidParameter
from ..model import freshness
from ..workshops import layers, sessions
from . import workshop_live as live
from .db import get_conn
from .workshop_api import NotParticipant

bp = Blueprint("workshop_layers", __name__, url_prefix="/api/v1/workshops")

GEOJSON = "application/geo+json"


@bp.get("/<code>/layers/<layer>")
def show_layer(code: str, layer: str):
    """One layer's features in the workshop's area (the whole map when it has none)."""
    if request.args:   # as on the rest of the API, a parameter is never silently ignored
        raise InvalidParameter(sorted(request.args)[0], "unknown parameter; this route takes none")
    conn = get_conn()
    workshop = sessions.by_code(conn, code)
    if live.participant(workshop, staff=True) is None:
        raise NotParticipant("Join the workshop first: send the participant token you were given in "
                             "X-Participant-Token.")
    settings = current_app.config["ASSETMAP"]
    found = layers.collection(conn, workshop, layer, cutoffs=freshness.cutoffs(settings),
                              options=Options.from_settings(settings))
    response = Response(found.text, mimetype=GEOJSON)
    if layer in layers.ANALYSES:
        response.headers["Cache-Control"] = "no-store"   # internal figures, as on /api/v1/analysis: never kept
        return response
    return _revalidated(response)


def _revalidated(response: Response) -> Response:
    """Public data may change at any moment, so the browser asks each time, but with an ETag it gets a 304 and no
    body when nothing changed (as `api._revalidated`). Private: only a participant may ask, so no shared cache
    should answer for one."""
    response.add_etag()
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response.make_conditional(request)
