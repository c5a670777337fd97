"""Front-end packages straight from node_modules, at /vendor/<package>/<file>.

Only the packages package.json lists under `dependencies` are served (read once, when the app is built), so
whatever else npm put in node_modules stays private. Files are served as the packages ship them: no build step.
URLs carry the hash of the file's content, like our own static files (see fingerprints), not the package's version:
a file that `npm ci` changed without a version change (a patched package) still gets a new URL.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, request, url_for

from ..config import project_root
from . import fingerprints

log = logging.getLogger(__name__)

bp = Blueprint("vendor", __name__)

EXTENSION = "assetmap.vendor"
UNVERSIONED_MAX_AGE = 24 * 3600   # files the packages' CSS refers to by relative URL (images)


@dataclass
class Packages:
    root: Path                   # node_modules
    versions: dict[str, str]     # package name → version as pinned in package.json
    warned: bool = False


def read_dependencies(package_json: Path) -> dict[str, str]:
    """`dependencies` of a package.json (name → version); empty when the file is missing."""
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("%s not found: no front-end packages will be served", package_json)
        return {}
    return dict(data.get("dependencies") or {})


@bp.record_once
def _load(state) -> None:
    root = project_root()
    state.app.extensions[EXTENSION] = Packages(root / "node_modules", read_dependencies(root / "package.json"))


def _packages() -> Packages:
    return current_app.extensions[EXTENSION]


def vendor_url(package: str, path: str) -> str:
    """The URL of a file of an npm package, with the hash of its content."""
    packages = _packages()
    if package not in packages.versions:
        raise KeyError(f"{package!r} is not a dependency in package.json")
    return url_for("vendor.file", filename=f"{package}/{path}", v=fingerprints.of(packages.root / package / path))


def _split(filename: str) -> tuple[str, str]:
    """'leaflet/dist/leaflet.js' → ('leaflet', 'dist/leaflet.js'); a scoped name keeps its '@scope/' part."""
    parts = filename.split("/")
    n = 2 if filename.startswith("@") else 1
    if len(parts) <= n:
        abort(404)
    return "/".join(parts[:n]), "/".join(parts[n:])


@bp.get("/vendor/<path:filename>")
def file(filename: str):
    """A file of an allowed package; 404 for anything else, including paths that climb out of it."""
    package, path = _split(filename)
    packages = _packages()
    if package not in packages.versions:
        abort(404)
    folder = packages.root / package
    if not folder.is_dir():
        if not packages.warned:
            log.warning("front-end package %s is missing from %s: run `make run` or `npm ci` in %s",
                        package, packages.root, packages.root.parent)
            packages.warned = True
        abort(404, description=f"Front-end package {package} is not installed (run `npm ci`).")
    # Joined safely: '..' and absolute paths give 404.
    return fingerprints.send(folder, path, request.args.get("v"), UNVERSIONED_MAX_AGE)
