"""Which database to use: DATABASE_URL when set, otherwise the project-local cluster."""

from __future__ import annotations

import psycopg

from ..config import Settings
from .cluster import ClusterError, LocalCluster


def local_cluster(settings: Settings) -> LocalCluster:
    return LocalCluster(settings.home, settings.db_port, settings.db_name, settings.pg_bindir)


def database_url(settings: Settings) -> str:
    """The connection URL, without starting anything."""
    if settings.database_url:
        return settings.database_url
    state = local_cluster(settings).state()
    if state is None:
        raise ClusterError(
            "DATABASE_URL is not set and there is no local cluster yet: run `assetmap db up` (or `make run`).")
    return state.url()


def connect(settings: Settings, **kwargs) -> psycopg.Connection:
    """A single autocommit connection, for the command line and start-up checks."""
    kwargs.setdefault("autocommit", True)
    kwargs.setdefault("connect_timeout", 10)
    return psycopg.connect(database_url(settings), **kwargs)
