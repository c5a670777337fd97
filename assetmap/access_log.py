"""gunicorn's access log, without the private links in it.

An edit link (`/edit/<token>`), a confirmation link, and a requester's or a holder's page (`/r/…`, `/h/…`) are
their own passwords: whoever reads the access log could otherwise change or withdraw the entry. The secret part is
written as `[redacted]`; the rest of the line (the route, the status, the time) stays for reading the log.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

PRIVATE = re.compile(r"(/(?:edit|confirm|r|h)/)[^/?#\s]+")
REDACTED = r"\1[redacted]"


def redact(text: str | None) -> str | None:
    return PRIVATE.sub(REDACTED, text) if text else text


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            atoms[key] = redact(atoms.get(key))
        return atoms
