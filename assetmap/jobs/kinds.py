"""What a job's work is given besides its database connection and arguments, and the shape of that work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..config import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    folder: Path | None                            # the job's files (jobs/files.py), if it was handed any
    progress: Callable[[int], None]                # n more rows done: an importer's `progress` argument
    set_total: Callable[[int | None], None]        # rows to do, when the work knows


# work(conn, arguments, context) → the job's result. The connection is inside the transaction that also marks the
# job done: the work must not commit (an importer's own transaction becomes a savepoint of it).
Handler = Callable[[psycopg.Connection, dict[str, Any], Context], dict[str, Any]]


# The upload page's kinds of import, in its order; the job that imports kind K is of kind "import:K" (imports.py).
IMPORTS = ("assets", "neighbourhoods", "services", "needs", "gazetteer", "hsds", "osm", "openactive")


def import_kind(kind: str) -> str:
    return f"import:{kind}"
