"""Content hashes in the URLs of the files we serve (`?v=<hash>`), and the cache headers that go with them.

A URL whose hash matches the file's content may be cached for a year without asking again: a changed file gets a
new URL. A URL without the hash, or with an old one (a page cached from before a deploy), gets the current file
but a short lifetime, never `immutable`, so the old URL cannot pin a new file, nor a new URL an old one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Response, send_from_directory
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600

_hashes: dict[Path, tuple[int, int, str]] = {}   # path → (mtime_ns, size, hash): hash each version of a file once


def of(path: Path) -> str | None:
    """The first 16 hex digits of the file's SHA-256, or None when there is no such file."""
    try:
        stat = path.stat()
        known = _hashes.get(path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:   # missing, or a folder
        return None
    _hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def send(folder: Path, filename: str, asked: str | None, short_max_age: int) -> Response:
    """The file at `filename` under `folder` (404 for a path that climbs out), cached for a year and `immutable`
    when `asked` (the URL's v) is its hash, for `short_max_age` seconds otherwise."""
    path = safe_join(str(folder), filename)
    fingerprinted = bool(asked) and path is not None and asked == of(Path(path))
    response = send_from_directory(folder, filename, max_age=YEAR if fingerprinted else short_max_age)
    response.cache_control.public = True
    response.cache_control.immutable = fingerprinted
    return response
