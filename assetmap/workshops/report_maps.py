"""The report's map as a PNG, drawn on the server: the workshop's area and neighbourhoods, and every note in the
report as a point or an area in its kind's colour, labelled with its number in the report.

matplotlib's object API with the Agg canvas (never pyplot: no global figure state shared between a web worker's
threads, and no display needed) and shapely; no tiles and no network, so the map prints the same in ten years.
"""

from __future__ import annotations

import io
import math

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from shapely.geometry import shape
from shapely.geometry.polygon import orient

from .report import Report
from .sessions import KINDS

# The live map's colours (static/js/workshop-live.js): Okabe-Ito, told apart with colour-blindness too.
COLOURS = {"asset": "#0072b2", "opportunity": "#009e73", "overlap": "#cc79a7", "gap": "#d55e00",
           "question": "#e69f00"}
INK, LINE, PAPER = "#1d1d1b", "#8a8a86", "#f3f3f0"
# A marker's number in white on the dark colours and in ink on the light ones, whichever reads better.
ON_MARKER = {"asset": "white", "opportunity": "white", "overlap": INK, "gap": "white", "question": INK}
WIDTH_IN, HEIGHT_IN, DPI = 10, 6.5, 150   # 1500 × 975 pixels: sharp across an A4 page, quick to draw
HALO = [withStroke(linewidth=3, foreground="white")]


def _path(geom) -> Path:
    """A (multi)polygon as one matplotlib path, holes wound against their outline so they stay empty."""
    vertices, codes = [], []
    for polygon in getattr(geom, "geoms", [geom]):
        polygon = orient(polygon, 1.0)
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    return Path(np.concatenate(vertices), np.concatenate(codes))


def render(report: Report) -> bytes:
    """The area map as PNG bytes."""
    hoods = [(h["name"], shape(h["geometry"])) for h in report.figures.neighbourhoods]
    area = shape(report.workshop.area) if report.workshop.area else None
    notes = [(n, shape(n.geometry)) for n in report.notes]
    shapes = [g for _, g in hoods] + ([area] if area is not None else []) + [g for _, g in notes]

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    if not shapes:
        ax.text(0.5, 0.5, "Nothing to map: no area and no notes", ha="center", va="center", color=INK)
        return _png(fig)

    west, south, east, north = shapely.total_bounds(shapes)
    # Degrees of longitude shrink with latitude: the aspect of a local projection, without a projection library.
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    # Widen the shorter side so the extent fills the figure, then pad it a little all round.
    half_w, half_h = max(east - west, 0.002) / 2, max(north - south, 0.002) / 2
    half_w, half_h = max(half_w, half_h * stretch * WIDTH_IN / HEIGHT_IN), max(half_h, half_w / stretch * HEIGHT_IN
                                                                                / WIDTH_IN)
    x, y = (west + east) / 2, (south + north) / 2
    ax.set_xlim(x - half_w * 1.06, x + half_w * 1.06)
    ax.set_ylim(y - half_h * 1.06, y + half_h * 1.06)
    ax.set_aspect(stretch)

    for name, geom in hoods:
        ax.add_patch(PathPatch(_path(geom), facecolor=PAPER, edgecolor=LINE, linewidth=0.8, zorder=1))
        spot = geom.representative_point()
        ax.text(spot.x, spot.y, name, ha="center", va="center", fontsize=10, color="#4a4a48", style="italic",
                zorder=2, path_effects=HALO)
    if area is not None and area.geom_type in ("Polygon", "MultiPolygon"):
        ax.add_patch(PathPatch(_path(area), facecolor="none", edgecolor=INK, linewidth=2.2, zorder=3))

    for note, geom in notes:
        colour = COLOURS[note.kind]
        if geom.geom_type == "Point":
            ax.plot(geom.x, geom.y, marker="o", markersize=18, color=colour, markeredgecolor=INK,
                    markeredgewidth=1.2, zorder=6)
            spot = geom
        else:
            ax.add_patch(PathPatch(_path(geom), facecolor=colour, alpha=0.25, edgecolor="none", zorder=4))
            ax.add_patch(PathPatch(_path(geom), facecolor="none", edgecolor=colour, linewidth=2, zorder=5))
            spot = geom.representative_point()
        ax.text(spot.x, spot.y, str(note.number), ha="center", va="center", fontsize=9.5, fontweight="bold",
                color=ON_MARKER[note.kind] if geom.geom_type == "Point" else INK, zorder=7,
                path_effects=None if geom.geom_type == "Point" else HALO)

    present = [k for k in KINDS if any(n.kind == k for n, _ in notes)]
    if present:
        handles = [Line2D([], [], marker="o", linestyle="none", markersize=10, color=COLOURS[k],
                          markeredgecolor=INK, label=KINDS[k]) for k in present]
        ax.legend(handles=handles, loc="lower right", fontsize=11, framealpha=0.9, title="Notes",
                  title_fontsize=11)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()
