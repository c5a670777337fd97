"""The `assetmap` command: one click group whose subcommands live in the modules of this package.

Settings are read from the environment once, here, and reach every command as the context object
(`@click.pass_obj`): no command reads the environment itself.
"""

from __future__ import annotations

import click
import psycopg

from ..config import Settings
from ..db.cluster import ClusterError
from ..db.migrate import SchemaError
from . import analyse, audit, backup, confirmations, db, demo, exports, imports, jobs, mail, serve, users


class _Group(click.Group):
    """Turns the errors a user can act on into one-line messages instead of tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (ClusterError, SchemaError) as exc:
            raise click.ClickException(str(exc)) from None
        except psycopg.OperationalError as exc:
            raise click.ClickException(f"cannot connect to the database: {str(exc).strip()}") from None


@click.group(cls=_Group)
@click.pass_context
def main(ctx: click.Context) -> None:
    """AssetMap: community assets, spare capacity and public services on one map."""
    try:
        ctx.obj = Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


for _command in (analyse.analyse, db.db, demo.demo, imports.import_group, exports.export, users.user, serve.serve,
                 confirmations.confirmations, mail.mail, jobs.jobs, backup.backup, backup.restore, audit.audit):
    main.add_command(_command)
