"""Unpacking an uploaded zip without letting it fill the disk (a zip bomb) or write outside its folder.

A 1 MB zip of zeros unpacked to 1 GB before the import failed. So before anything is written: the number of
members, their declared total size and each member's compression ratio are checked; and while unpacking, the bytes
actually written are counted, because a zip's headers can state any size they like.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from ..errors import InvalidParameter

MAX_MEMBERS = 10_000
MAX_RATIO = 200        # shapefiles and CSVs compress 2–20×; 200× is only ever zeros or a trick
_CHUNK = 1 << 20


class ZipRefused(InvalidParameter):
    def __init__(self, message: str):
        super().__init__("file", message)


def extract(path: Path, target: Path, *, max_bytes: int) -> None:
    """Unpack the zip at `path` into `target`, or raise ZipRefused saying why (and leave nothing unpacked)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            _check(members, target, max_bytes)
            written = 0
            for member in members:
                written += _extract_one(zf, member, target, max_bytes - written)
    except ZipRefused:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _check(members: list[zipfile.ZipInfo], target: Path, max_bytes: int) -> None:
    if len(members) > MAX_MEMBERS:
        raise ZipRefused(f"the zip file holds {len(members):,} files; at most {MAX_MEMBERS:,} are accepted")
    declared = sum(m.file_size for m in members)
    if declared > max_bytes:
        raise ZipRefused(f"the zip file would unpack to {_mb(declared)}; at most {_mb(max_bytes)} is accepted")
    root = target.resolve()
    for m in members:
        if not (root / m.filename).resolve().is_relative_to(root):   # "../" must not escape the folder
            raise ZipRefused("the zip file holds a path outside itself")
        if m.file_size > MAX_RATIO * max(m.compress_size, 1) and m.file_size > _CHUNK:
            raise ZipRefused(f"{m.filename} in the zip file is compressed {m.file_size // max(m.compress_size, 1):,} "
                             f"times over, more than any real data: it is refused as a zip bomb")


def _extract_one(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """One member, streamed, stopping when it writes more than it declared or than the budget left."""
    out_path = target / member.filename
    if member.is_dir():
        out_path.mkdir(parents=True, exist_ok=True)
        return 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    limit = min(member.file_size, budget)
    written = 0
    with zf.open(member) as src, open(out_path, "wb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                raise ZipRefused(f"{member.filename} in the zip file unpacks to more than it says: refused")
            dst.write(chunk)
    return written


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"
