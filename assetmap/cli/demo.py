"""`assetmap demo load`: the generated demo town."""

from __future__ import annotations

import time

import click

from ..config import Settings
from ..db import migrate as migrations
from ..db.connect import connect
from ..demo.load import DemoAlreadyLoaded, load_demo


@click.group()
def demo() -> None:
    """The generated demo town."""


@demo.command("load")
@click.option("--seed", default=1, show_default=True, help="Random seed: the same seed gives the same town.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Multiply the number of assets and offers (250 ≈ 120k assets).")
@click.option("--replace", is_flag=True, help="Delete the demo rows already loaded, then load.")
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no assets (used by `make run`).")
@click.pass_obj
def demo_load(settings: Settings, seed: int, scale: float, replace: bool, if_empty: bool) -> None:
    """Build the demo town and load it, in one transaction."""
    with connect(settings) as conn:
        migrations.check_current(conn)
        if if_empty and conn.execute("SELECT EXISTS (SELECT 1 FROM assets)").fetchone()[0]:
            click.echo("the database already holds assets; demo not loaded")
            return
        started = time.perf_counter()
        try:
            counts = load_demo(conn, seed=seed, scale=scale, replace=replace)
        except DemoAlreadyLoaded as exc:
            raise click.ClickException(f"{exc} (use --replace to load it again)") from None
    click.echo(f"demo town loaded in {time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))
