"""The app's private uploads folder: files kept between the steps of an import, and the rejects CSVs.

An upload is a folder named by a random id with the file (under a safe name, a zip unpacked) and `upload.json`
saying what it is and who sent it. Forms carry only the id, checked against a strict pattern; the file's path is
read from our own upload.json, never from a request. Uploads and rejects files go after a day.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import current_app
from werkzeug.utils import secure_filename

from ..ingest import archives
from ..ingest.report import ImportReport

KEPT_SECONDS = 24 * 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_META = "upload.json"


@dataclass(frozen=True)
class Upload:
    id: str
    path: Path          # the file (or, for a zipped package, its main file or folder)
    name: str           # the file's name as the planner's computer had it, for display and the source label
    user_id: int

    @property
    def stem(self) -> str:
        """The name without its extension, as `assetmap import` labels a file's source by default."""
        return PurePath(self.name).stem or "upload"


def folder() -> Path:
    path = current_app.config["ASSETMAP"].home / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def original_name(upload) -> str:
    """The uploaded file's own name, without any folders a browser sent along with it."""
    return PurePath((upload.filename or "").replace("\\", "/")).name or "upload"


def save(upload, target: Path) -> Path:
    """The uploaded file on disk under a safe name; a zip is unpacked and its main file returned."""
    target.mkdir(parents=True, exist_ok=True)
    name = secure_filename(upload.filename) or "upload"
    path = target / name
    upload.save(path)
    if path.suffix.lower() != ".zip":
        return path
    unpacked = target / (path.stem + "_files")
    # A zip may unpack to ten times what may be uploaded: real data compresses far less, a zip bomb far more.
    archives.extract(path, unpacked, max_bytes=current_app.config["ASSETMAP"].max_upload_mb * 10 << 20)
    shapefiles = sorted(unpacked.rglob("*.shp"))
    if shapefiles:
        return shapefiles[0]
    packages = sorted(unpacked.rglob("datapackage.json"))
    return packages[0].parent if packages else unpacked


def keep(upload, user_id: int) -> Upload:
    """Keep an uploaded file for the next steps, under a new random id."""
    expire()
    upload_id = secrets.token_urlsafe(18)
    home = folder() / upload_id
    try:
        path = save(upload, home / "file")
    except Exception:
        shutil.rmtree(home, ignore_errors=True)
        raise
    meta = {"path": str(path.relative_to(home)), "name": original_name(upload), "user_id": user_id}
    (home / _META).write_text(json.dumps(meta), encoding="utf-8")
    return Upload(upload_id, path, meta["name"], user_id)


def find(upload_id: str, user_id: int) -> Upload | None:
    """The upload with this id, if it is still kept and was sent by this user; None otherwise."""
    if not _ID.match(upload_id):
        return None
    home = folder() / upload_id
    try:
        meta = json.loads((home / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = (home / meta["path"]).resolve()
    if meta.get("user_id") != user_id or not path.is_relative_to(home.resolve()) or not path.exists():
        return None
    return Upload(upload_id, path, meta["name"], user_id)


def move(upload: Upload, target: Path) -> Path:
    """Hand the upload's file to another folder (a job's, which keeps it until the job ends); its new path. The
    upload is no longer kept here."""
    home = folder() / upload.id
    relative = upload.path.relative_to(home.resolve())
    shutil.move(home, target)
    return target / relative


def discard(upload: Upload) -> None:
    shutil.rmtree(folder() / upload.id, ignore_errors=True)


def expire() -> None:
    """Remove uploads and rejects files older than KEPT_SECONDS."""
    now = time.time()
    for old in folder().iterdir():
        try:
            if now - old.stat().st_mtime <= KEPT_SECONDS:
                continue
        except FileNotFoundError:   # another worker removed it first
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        elif old.name.endswith(".rejects.csv"):
            old.unlink(missing_ok=True)


def keep_rejects(report: ImportReport) -> str | None:
    """Write the rejects CSV where the report page can link to it for a day; None when nothing was rejected."""
    expire()
    if not report.rejected:
        return None
    rejects_id = secrets.token_urlsafe(18)
    report.write_rejects(folder() / f"{rejects_id}.rejects.csv")
    return rejects_id


def rejects_path(rejects_id: str) -> Path | None:
    if not _ID.match(rejects_id):
        return None
    path = folder() / f"{rejects_id}.rejects.csv"
    return path if path.exists() else None
