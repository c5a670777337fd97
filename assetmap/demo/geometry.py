"""Geometry of the demo town: its boundary, neighbourhood tiling, point sampling and reprojection."""

import numpy as np
import shapely
from pyproj import Transformer

# High Leicestershire farmland, east of Leicester: English (so British National Grid applies) and nearly empty
# on a basemap, so the made-up town does not sit on top of a real one.
CENTRE = (474_000.0, 303_000.0)
HALF_WIDTH, HALF_HEIGHT = 4_000.0, 3_000.0

# Every vertex is snapped to this grid (metres) in one noding pass, so neighbours share identical edges.
GRID = 1.0
# Points keep this far (metres) inside their polygon so rounding to 7 decimals (about 1 cm) cannot push them out.
INSET = 5.0

# The OSGB36 -> WGS 84 Helmert transformation, pinned: left to choose, PROJ would use the OSTN15 grid where it
# happens to be installed and move every point by up to a metre, so one seed would give different data on
# different machines.
_PIPELINE = (
    "+proj=pipeline +step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000"
    " +ellps=airy +step +proj=push +v_3 +step +proj=cart +ellps=airy +step +proj=helmert +x=446.448"
    " +y=-125.157 +z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 +convention=position_vector"
    " +step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 +step +proj=unitconvert +xy_in=rad +xy_out=deg"
)
_TO_WGS84 = Transformer.from_pipeline(_PIPELINE)


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS 84 longitude and latitude, rounded to 7 decimals."""
    lon, lat = _TO_WGS84.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.round(lon, 7), np.round(lat, 7)


def geoms_to_wgs84(geoms: np.ndarray) -> np.ndarray:
    """Reproject geometries vertex by vertex, so vertices that were equal stay equal."""
    return shapely.transform(geoms, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


def town_boundary(rng: np.random.Generator, vertices: int = 96) -> shapely.Polygon:
    """An irregular, star-shaped outline about 8 km by 6 km round CENTRE."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    # A few low harmonics with small amplitudes keep the radius positive, so the outline never crosses itself.
    wobble = np.ones_like(theta)
    for k in range(2, 7):
        wobble += rng.uniform(0.015, 0.05) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    wobble += rng.normal(0, 0.012, vertices)
    x = np.round((CENTRE[0] + HALF_WIDTH * wobble * np.cos(theta)) / GRID) * GRID
    y = np.round((CENTRE[1] + HALF_HEIGHT * wobble * np.sin(theta)) / GRID) * GRID
    return shapely.Polygon(np.column_stack([x, y]))


def sample_in(geom, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points uniformly inside geom, by rejection from its bounding box."""
    shapely.prepare(geom)
    xmin, ymin, xmax, ymax = geom.bounds
    fill = max(geom.area / ((xmax - xmin) * (ymax - ymin)), 0.05)
    xs, ys, have = [], [], 0
    while have < n:
        m = int((n - have) / fill * 1.2) + 16
        x, y = rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)
        keep = shapely.contains_xy(geom, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def jitter_within(x0: np.ndarray, y0: np.ndarray, sigma: float, polygons: np.ndarray,
                  rng: np.random.Generator, tries: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Scatter each point normally round (x0, y0), redrawing those that leave their own polygon."""
    x, y = x0.astype(float), y0.astype(float)
    todo = np.arange(len(x))
    for _ in range(tries):
        if not len(todo):
            break
        x[todo] = x0[todo] + rng.normal(0, sigma, len(todo))
        y[todo] = y0[todo] + rng.normal(0, sigma, len(todo))
        todo = todo[~shapely.contains_xy(polygons[todo], x[todo], y[todo])]
    # The few still outside fall back to their centre, which is inside by construction.
    x[todo], y[todo] = x0[todo], y0[todo]
    return x, y


def _voronoi(x: np.ndarray, y: np.ndarray, extent) -> np.ndarray:
    """Voronoi cells of the points, in the order of the points."""
    cells = shapely.voronoi_polygons(shapely.multipoints(np.column_stack([x, y])), extend_to=extent, ordered=True)
    return shapely.get_parts(cells)


def tile(boundary: shapely.Polygon, n: int, rng: np.random.Generator,
         relax: int = 4) -> list[shapely.MultiPolygon]:
    """Split the boundary into about n Voronoi cells that share their edges vertex for vertex."""
    extent = boundary.buffer(1_000).envelope
    x, y = sample_in(boundary, n, rng)
    shapely.prepare(boundary)
    for _ in range(relax):  # Lloyd's relaxation evens out the cell sizes
        clipped = shapely.intersection(_voronoi(x, y, extent), boundary)
        centres = shapely.centroid(clipped)
        # The centroid of a cell bent round a concave stretch of boundary can lie outside the town.
        outside = ~shapely.contains(boundary, centres)
        centres[outside] = shapely.point_on_surface(clipped[outside])
        x, y = shapely.get_x(centres), shapely.get_y(centres)
    cells = _voronoi(x, y, extent)
    # One noding of all the linework on one grid, then polygonize: every edge is computed once and shared.
    lines = shapely.union_all(np.append(shapely.boundary(cells), boundary.exterior), grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    inside = shapely.point_on_surface(faces)
    faces, inside = faces[shapely.contains(boundary, inside)], inside[shapely.contains(boundary, inside)]
    # A face belongs to the seed nearest its inside point, which is the Voronoi cell it lies in.
    fx, fy = shapely.get_x(inside), shapely.get_y(inside)
    owner = np.argmin((fx[:, None] - x[None, :]) ** 2 + (fy[:, None] - y[None, :]) ** 2, axis=1)
    return [shapely.MultiPolygon(list(faces[owner == i])) for i in range(len(x)) if (owner == i).any()]


def nearest(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """Index of the nearest q point for each p point."""
    pairs = shapely.STRtree(shapely.points(qx, qy)).query_nearest(shapely.points(px, py), all_matches=False)
    out = np.empty(len(px), dtype=np.int64)
    out[pairs[0]] = pairs[1]
    return out
