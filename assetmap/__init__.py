"""AssetMap: community assets, spare capacity and public services on one map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | None = None) -> flask.Flask:  # noqa: F821 (not imported: see below)
    """Build the web app (see assetmap.web.app.create_app); `config` overrides settings by key."""
    # Imported here, not at the top, so that the command line and the libraries below the web layer never load
    # Flask and every blueprint just by importing the package.
    from .web.app import create_app as build
    return build(config)
