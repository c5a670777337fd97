"""`assetmap analyse …`: the Total Place, capacity and reciprocity analyses as CSV or GeoJSON, as the planner pages
show them."""

from __future__ import annotations

from pathlib import Path

import click

from ..analysis import filters as analysis_filters
from ..analysis.filters import Options
from ..analysis.run import table
from ..config import Settings
from ..db.connect import connect
from ..errors import InvalidParameter

_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv"}
# what each command writes, by flag: the first is the default
_VARIANTS = {"overlaps": ("overlaps", "pooling", "density"), "spend": ("spend",),
             "capacity": ("capacity", "links", "matches"),
             "reciprocity": ("reciprocity", "reciprocity_organisations", "flows", "trends")}
# table → the flag that asks for it, where the two differ
_FLAGS = {"pooling": "candidates", "reciprocity_organisations": "organisations"}


@click.command("analyse")
@click.argument("analysis", type=click.Choice(tuple(_VARIANTS)))
@click.option("--format", "fmt", type=click.Choice(("csv", "geojson")),
              help="Output format; by default from the file name, else csv.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write; standard output if not given.")
@click.option("--links", is_flag=True, help="capacity: the suggested links between neighbourhoods instead.")
@click.option("--matches", is_flag=True, help="capacity: the direct matches of offers to open needs instead.")
@click.option("--candidates", is_flag=True, help="overlaps: only the pooling candidates.")
@click.option("--density", is_flag=True, help="overlaps: services and agencies per neighbourhood instead.")
@click.option("--theme", multiple=True, help="Only services of this theme (repeat, or a comma list).")
@click.option("--client-group", multiple=True, help="Only services for this client group.")
@click.option("--agency-kind", multiple=True, help="Only services of this kind of agency (nhs, council, …).")
@click.option("--organisations", is_flag=True, help="reciprocity: per organisation instead of per neighbourhood.")
@click.option("--flows", is_flag=True, help="reciprocity: the flows between neighbourhoods instead.")
@click.option("--trends", is_flag=True, help="reciprocity: month by month instead.")
@click.option("--kind", multiple=True, help="capacity, reciprocity: only this capacity kind.")
@click.option("--from", "from_month", help="reciprocity: the first month counted, YYYY-MM.")
@click.option("--to", "to_month", help="reciprocity: the last month counted, YYYY-MM.")
@click.pass_obj
def analyse(settings: Settings, analysis: str, fmt: str | None, output: Path | None, links: bool, matches: bool,
            candidates: bool, density: bool, organisations: bool, flows: bool, trends: bool, theme, client_group,
            agency_kind, kind, from_month, to_month) -> None:
    """Write ANALYSIS (overlaps, spend, capacity, reciprocity) as a table, with the figures the planner pages
    show."""
    flags = {"links": links, "matches": matches, "pooling": candidates, "density": density,
             "reciprocity_organisations": organisations, "flows": flows, "trends": trends}
    chosen = [name for name, on in flags.items() if on]
    if len(chosen) > 1:
        raise click.UsageError(f"give at most one of {', '.join('--' + _FLAGS.get(c, c) for c in chosen)}")
    name = chosen[0] if chosen else analysis
    if name not in _VARIANTS[analysis]:
        raise click.UsageError(f"--{_FLAGS.get(name, name)} goes with "
                               f"`assetmap analyse {next(a for a, v in _VARIANTS.items() if name in v)}`")
    fmt = fmt or (_SUFFIXES.get(output.suffix.lower()) if output else None) or "csv"
    with connect(settings) as conn:
        try:
            chosen_filters = analysis_filters.check(conn, themes=theme, client_groups=client_group,
                                                    agency_kinds=agency_kind, kinds=kind, from_month=from_month,
                                                    to_month=to_month)
            result = table(conn, name, chosen_filters, Options.from_settings(settings), geometry=fmt == "geojson")
        except InvalidParameter as exc:
            raise click.UsageError(f"--{exc.param.replace('_', '-')}: {exc.message}") from None
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    text = result.dumps(fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(result.rows)} rows of {name} to {output} ({fmt})", err=True)
    for line in describe(name, result.summary):
        click.echo(line, err=True)


def describe(name: str, summary: dict) -> list[str]:
    """The summary in words, for the terminal."""
    if name == "spend" and summary:
        return [f"spend of the selected services: £{summary['services_spend']:,.0f}; in neighbourhoods "
                f"£{summary['neighbourhood']:,.0f}; outside every neighbourhood £{summary['outside']:,.0f}; "
                f"in neighbourhoods with no population £{summary['no_population']:,.0f}; "
                f"services with no catchment £{summary['no_catchment']:,.0f}"]
    if name == "reciprocity" and summary:
        return [f"{summary['exchanges']:,} confirmed exchanges, {summary['hours']:,.1f} hours; "
                f"{summary['cross_boundary']:,} crossed a neighbourhood boundary; {summary['needs_met']:,} needs met; "
                f"{summary['people_reached']:,} people reached"]
    if name == "links":
        return [f"{kind}: surplus {s['surplus']:,.1f}, deficit {s['deficit']:,.1f}, moved {s['moved']:,.1f} "
                f"within {summary['max_distance_m']:,.0f} m" for kind, s in summary.get("by_kind", {}).items()]
    return []
