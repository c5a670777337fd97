"""Compressed responses (brotli, else gzip) through Flask-Compress: pages, our scripts and styles, Leaflet, and the
API's GeoJSON, whose repeated property names shrink to a tenth."""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

compress = Compress()

# Flask-Compress's own list, less fonts and old JavaScript types we never send, plus the API's GeoJSON.
MIMETYPES = ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript", "application/json",
             "application/geo+json", "image/svg+xml"]


def init_app(app: Flask) -> None:
    app.config.update(
        COMPRESS_MIMETYPES=MIMETYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        # Files are sent as streams; gzip too, for clients without brotli (Flask-Compress streams only br by default).
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        # A file answered from the browser's cache (If-None-Match) gets a 304 after compression, not a fresh body.
        COMPRESS_STREAMING_ENDPOINT_CONDITIONAL=["public.static_file", "vendor.file"],
    )
    compress.init_app(app)
