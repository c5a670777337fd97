"""The jobs' own folder under the app's home: an uploaded file handed to a job waits here until the job ends.

Not the uploads folder (`web/uploads.py`), which forgets files after a day: a queued job keeps its file however long
the queue takes. Each job's files are a folder named by a random token, which the job's arguments name; the worker
removes it once the job has finished or failed for good.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Collection
from pathlib import Path

from ..config import Settings

_NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ORPHANED_SECONDS = 24 * 3600   # a folder no waiting job names, e.g. the web server died before queueing its job


def home(settings: Settings) -> Path:
    return settings.home / "jobs"


def new(settings: Settings) -> Path:
    """A new empty folder for one job's files."""
    path = home(settings) / secrets.token_urlsafe(18)
    path.mkdir(parents=True)
    return path


def find(settings: Settings, name: str) -> Path | None:
    """The folder of this name, if the name is one of ours and the folder is there."""
    path = home(settings) / name
    return path if _NAME.match(name) and path.is_dir() else None


def inside(folder: Path, relative: str) -> Path:
    """A file named relative to a job's folder, which must not lead out of it."""
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError("a job's file must lie in its own folder")
    return path


def remove(settings: Settings, name: str | None) -> None:
    folder = find(settings, name) if name else None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def sweep(settings: Settings, in_use: Collection[str]) -> None:
    """Remove folders older than ORPHANED_SECONDS that no waiting job names."""
    if not home(settings).is_dir():
        return
    now = time.time()
    for folder in home(settings).iterdir():
        try:
            old = now - folder.stat().st_mtime > ORPHANED_SECONDS
        except FileNotFoundError:
            continue
        if old and folder.name not in in_use:
            shutil.rmtree(folder, ignore_errors=True)
