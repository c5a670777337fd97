"""The `Idempotency-Key` header on the public API's writes (the model is `assetmap.model.idempotency`)."""

from __future__ import annotations

import functools

from flask import Response, current_app, make_response, request

from ..errors import AssetMapError
from ..model import idempotency
from .db import get_conn

REPLAYED = "Idempotent-Replayed"
# What a replay must carry besides the body; never a cookie (a participant's cookie is theirs alone).
_KEPT_HEADERS = ("Content-Type", "Location")
# Answers that say "try again later" are not kept: the same request may succeed then.
_RETRYABLE = (408, 425, 429)


def idempotent(view):
    """Run the view and its writes in one transaction with the key's claim; a repeat gets the first answer.
    Without the header the view runs as before. A refusal (a 4xx from a domain error) is answered and kept like a
    success, in a transaction that commits, so what it counted (the rate limit) stays counted."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        key = idempotency.check_key(key.strip())
        conn = get_conn()
        with conn.transaction():
            found = idempotency.claim(conn, key, f"{request.method} {request.path}", request.get_data())
            if found is not None:
                response = Response(found.body, status=found.status, headers=found.headers)
                response.headers[REPLAYED] = "true"
                return response
            try:
                response = make_response(view(*args, **kwargs))
            except AssetMapError as exc:
                response = make_response(current_app.handle_user_exception(exc))
            if response.status_code < 500 and response.status_code not in _RETRYABLE:
                headers = {h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers}
                idempotency.remember(conn, key, idempotency.Answer(response.status_code,
                                                                   response.get_data(as_text=True), headers))
            else:
                idempotency.release(conn, key)
        return response
    return wrapper
