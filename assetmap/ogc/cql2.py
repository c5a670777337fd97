"""CQL2 filters (OGC API – Features Part 3) → a WHERE clause over one collection's source, values bound.

pygeofilter parses the text or JSON into its AST; this module walks that tree itself and builds `psycopg.sql`:
property names become identifiers only after they are found among the collection's properties, and every literal
becomes a named placeholder with its value in `params`. Nothing a client sent is ever part of the SQL text (we do not
use pygeofilter's own SQL backend, which builds SQL as strings).

Supported: basic-cql2 (comparisons, AND/OR/NOT, IS NULL, literals of each property's type), the advanced comparison
operators (LIKE, BETWEEN, IN), CASEI, and the spatial functions S_INTERSECTS, S_DISJOINT, S_EQUALS, S_TOUCHES,
S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS against literal geometries and BBOX in CRS84. Everything else is refused
with a 400 naming what is not supported.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from lark.exceptions import LarkError
from psycopg import sql
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text

from ..errors import InvalidParameter
from ..validate import in_utc
from .collections import Collection

GEOMETRY = "geometry"       # the name of every collection's spatial queryable
MAX_LENGTH = 20_000         # characters: a filter longer than this is not a hand-written or client-built one
# "cql-text" is the draft name GDAL up to 3.6 sends (OGR_OAPIF's -where); its comparisons are CQL2's.
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")

PG_TYPES = {"string": "text", "integer": "bigint", "number": "float8", "boolean": "boolean",
             "date-time": "timestamptz", "date": "date"}
_COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
                ast.GreaterThan: ">", ast.GreaterEqual: ">="}
_SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
            ast.GeometryEquals: "ST_Equals", ast.GeometryTouches: "ST_Touches", ast.GeometryWithin: "ST_Within",
            ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryCrosses: "ST_Crosses",
            ast.GeometryContains: "ST_Contains"}
_ORDERED = ("integer", "number", "date-time", "date", "string")


@dataclass
class Filter:
    """A compiled filter: a boolean SQL expression over the source aliased `s`, and its bound values."""

    where: sql.Composable
    params: dict = field(default_factory=dict)


def _invalid(message: str) -> InvalidParameter:
    return InvalidParameter("filter", message)


def parse(text: str, lang: str = "cql2-text") -> ast.Node:
    """The filter's syntax tree; InvalidParameter for an unknown language or text that is not CQL2."""
    if lang not in LANGUAGES:
        raise InvalidParameter("filter-lang", f"must be one of {', '.join(LANGUAGES[:2])}")
    if len(text) > MAX_LENGTH:
        raise _invalid(f"is longer than {MAX_LENGTH} characters")
    try:
        if lang == "cql2-json":
            tree = parse_json(json.loads(text))
        else:
            tree = parse_text(text)
    except json.JSONDecodeError as exc:
        raise _invalid(f"is not JSON ({exc.msg} at character {exc.pos})") from None
    except LarkError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _invalid(f"is not CQL2 text: {first[:200]}") from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise _invalid(f"is not {'CQL2 JSON' if lang == 'cql2-json' else 'CQL2 text'} ({exc})"[:300]) from None
    if not isinstance(tree, ast.Node) or isinstance(tree, (ast.Attribute, ast.Function, ast.Arithmetic)):
        raise _invalid("must be a condition (such as name = 'Library'), not a bare value or property")
    return tree


def to_sql(tree: ast.Node, coll: Collection, prefix: str = "cql") -> Filter:
    """The tree as a WHERE expression over the collection's properties; InvalidParameter for an unknown property,
    a literal of the wrong type, or an operator we do not support."""
    compiler = _Compiler(coll, prefix)
    return Filter(compiler.condition(tree), compiler.params)


def compile_text(text: str, coll: Collection, lang: str = "cql2-text") -> Filter:
    return to_sql(parse(text, lang), coll)


class _Compiler:
    def __init__(self, coll: Collection, prefix: str):
        self.coll = coll
        self.prefix = prefix
        self.params: dict = {}

    def bind(self, value, pg_type: str) -> sql.Composable:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return sql.SQL("{}::{}").format(sql.Placeholder(name), sql.SQL(pg_type))

    # -- conditions ----------------------------------------------------------------------------------------------

    def condition(self, node) -> sql.Composable:
        if isinstance(node, ast.And) or isinstance(node, ast.Or):
            joiner = " AND " if isinstance(node, ast.And) else " OR "
            return sql.SQL("({})").format(sql.SQL(joiner).join([self.condition(node.lhs), self.condition(node.rhs)]))
        if isinstance(node, ast.Not):
            return sql.SQL("(NOT {})").format(self.condition(node.sub_node))
        if isinstance(node, bool):
            return sql.SQL("true" if node else "false")
        if type(node) in _COMPARISONS:
            return self.comparison(node.lhs, _COMPARISONS[type(node)], node.rhs)
        if isinstance(node, ast.IsNull):
            name = self.property_name(node.lhs, "IS NULL")
            return sql.SQL("({} IS {}NULL)").format(sql.Identifier("s", name), sql.SQL("NOT " if node.not_ else ""))
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.Between):
            return self.between(node)
        if isinstance(node, ast.In):
            return self.in_list(node)
        if type(node) in _SPATIAL:
            return sql.SQL("{}({}, {})").format(sql.SQL(_SPATIAL[type(node)]), self.geometry(node.lhs),
                                                self.geometry(node.rhs))
        if isinstance(node, ast.TemporalPredicate):
            raise _invalid("temporal functions (T_…) are not supported; compare a date-time property with "
                           "TIMESTAMP('…') instead, or use datetime=")
        raise _invalid(f"{_describe(node)} is not supported here")

    def comparison(self, lhs, op: str, rhs) -> sql.Composable:
        if _is_property(rhs) and not _is_property(lhs):
            lhs, rhs = rhs, lhs
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        left, kind = self.scalar(lhs)
        if op not in ("=", "<>") and kind not in _ORDERED:
            raise _invalid(f"{_describe(lhs)} is {kind}: it can only be compared with = or <>")
        right = self.operand(rhs, kind)
        return sql.SQL("({} {} {})").format(left, sql.SQL(op), right)

    def like(self, node: ast.Like) -> sql.Composable:
        left, kind = self.scalar(node.lhs)
        if kind != "string":
            raise _invalid(f"LIKE needs a text property; {_describe(node.lhs)} is {kind}")
        pattern = node.pattern
        lowered = isinstance(pattern, ast.Function) and pattern.name == "lower" and len(pattern.arguments) == 1
        if lowered:
            pattern = pattern.arguments[0]
        if not isinstance(pattern, str):
            raise _invalid("LIKE needs a quoted pattern, such as 'Lib%'")
        # CQL2's LIKE is SQL's: % any characters, _ one, backslash escapes (pygeofilter's wildcard fields are unused)
        operator = ("NOT " if node.not_ else "") + ("ILIKE" if node.nocase else "LIKE")
        right = self.bind(pattern, "text")
        return sql.SQL("({} {} {})").format(left, sql.SQL(operator),
                                            sql.SQL("lower({})").format(right) if lowered else right)

    def between(self, node: ast.Between) -> sql.Composable:
        left, kind = self.scalar(node.lhs)
        if kind not in _ORDERED:
            raise _invalid(f"BETWEEN needs a number, date or text property; {_describe(node.lhs)} is {kind}")
        return sql.SQL("({} {}BETWEEN {} AND {})").format(left, sql.SQL("NOT " if node.not_ else ""),
                                                           self.operand(node.low, kind),
                                                           self.operand(node.high, kind))

    def in_list(self, node: ast.In) -> sql.Composable:
        left, kind = self.scalar(node.lhs)
        if not node.sub_nodes:
            raise _invalid("IN needs at least one value")
        items = [self.operand(v, kind) for v in node.sub_nodes]
        return sql.SQL("({} {}IN ({}))").format(left, sql.SQL("NOT " if node.not_ else ""),
                                                sql.SQL(", ").join(items))

    # -- values --------------------------------------------------------------------------------------------------

    def property_name(self, node, where: str) -> str:
        if not isinstance(node, ast.Attribute):
            raise _invalid(f"{where} needs a property on its left, not {_describe(node)}")
        if node.name == GEOMETRY:
            return node.name
        if self.coll.property(node.name) is None:
            raise _invalid(f"unknown property {node.name[:60]!r}; the queryables of {self.coll.id} are "
                           f"{', '.join([GEOMETRY, *(p.name for p in self.coll.properties)])}")
        return node.name

    def scalar(self, node) -> tuple[sql.Composable, str]:
        """A property, or CASEI(property), with its type."""
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            inner, kind = self.scalar(node.arguments[0])
            if kind != "string":
                raise _invalid(f"CASEI needs a text property; {_describe(node.arguments[0])} is {kind}")
            return sql.SQL("lower({})").format(inner), kind
        name = self.property_name(node, "a comparison")
        if name == GEOMETRY:
            raise _invalid("compare the geometry with a spatial function such as S_INTERSECTS")
        prop = self.coll.property(name)
        return sql.Identifier("s", name), prop.type

    def operand(self, node, kind: str) -> sql.Composable:
        """The right-hand side of a comparison with a property of type `kind`: a literal, bound as that type, or
        another property of the same type."""
        if isinstance(node, ast.Attribute):
            right, other = self.scalar(node)
            if other != kind:
                raise _invalid(f"cannot compare a {kind} property with {_describe(node)}, which is {other}")
            return right
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            inner = node.arguments[0]
            if isinstance(inner, str):
                return sql.SQL("lower({})").format(self.bind(inner, "text"))
            right, other = self.scalar(inner)
            return sql.SQL("lower({})").format(right)
        return self.bind(literal(node, kind), PG_TYPES[kind])

    def geometry(self, node) -> sql.Composable:
        if isinstance(node, ast.Attribute):
            if node.name != GEOMETRY:
                self.property_name(node, "a spatial function")   # unknown: says so; known: not a geometry
                raise _invalid(f"{node.name!r} is not a geometry; the spatial queryable is {GEOMETRY!r}")
            return sql.Identifier("s", "geom")
        shape = _geojson(node)
        # Literals are in CRS84 (filter-crs); they are moved into the source's CRS so its index can be used.
        return sql.SQL("ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON({}), 4326), {})").format(
            self.bind(json.dumps(shape), "text"), sql.Literal(self.coll.srid))


def _is_property(node) -> bool:
    return isinstance(node, ast.Attribute) or (isinstance(node, ast.Function) and node.name == "lower"
                                               and len(node.arguments) == 1 and _is_property(node.arguments[0]))


def literal(value, kind: str):
    """A CQL2 literal as the Python value of a property of type `kind`, or InvalidParameter."""
    wrong = _invalid(f"{_describe(value)} is not a {kind} value")
    if kind == "string":
        if isinstance(value, str):
            return value
        raise _invalid(f"{_describe(value)} is not text; quote it: '{value}'")
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise wrong
        if kind == "integer" and isinstance(value, float):
            if not value.is_integer():
                raise wrong
            value = int(value)
        if kind == "integer" and not -2**63 <= value < 2**63:
            raise wrong
        return value
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in (0, 1) and isinstance(value, int):   # GDAL's booleans are integers: it sends capacity = 1
            return bool(value)
        raise wrong
    if kind in ("date-time", "date"):
        if isinstance(value, str):      # GDAL and QGIS send times as quoted strings
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise wrong from None
        if isinstance(value, datetime):
            try:
                value = in_utc(value)
            except ValueError:
                raise wrong from None
            return value if kind == "date-time" else value.date()
        if isinstance(value, date):
            return datetime.combine(value, time(), UTC) if kind == "date-time" else value
        raise wrong
    raise wrong


def _geojson(node) -> dict:
    """A geometry literal (WKT, GeoJSON or BBOX) as GeoJSON in CRS84, its coordinates checked."""
    if isinstance(node, ast.Function) and node.name == "bbox" and len(node.arguments) in (4, 6):
        numbers = node.arguments
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
            raise _invalid("BBOX takes four numbers: west, south, east, north")
        minx, miny, maxx, maxy = (numbers[0], numbers[1], numbers[2], numbers[3]) if len(numbers) == 4 else \
            (numbers[0], numbers[1], numbers[3], numbers[4])
        node = values.Envelope(minx, maxx, miny, maxy)
    if isinstance(node, (values.Geometry, values.Envelope)):
        shape = node.geometry
        for part in shape.get("geometries") or [shape]:   # a GeometryCollection's members, or the shape itself
            _check_coordinates(part.get("coordinates"))
        return shape
    raise _invalid(f"a spatial function needs the property {GEOMETRY!r} and a geometry (WKT such as "
                   f"POINT(-1.5 53.8), or BBOX(…)), not {_describe(node)}")


def _check_coordinates(coords) -> None:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        lon, lat = coords[0], coords[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidParameter("filter-crs", "geometries in a filter are in CRS84 (longitude, latitude): "
                                   f"({lon}, {lat}) is outside -180..180, -90..90")
        return
    if not isinstance(coords, (list, tuple)):
        raise _invalid("the geometry has no coordinates")
    for part in coords:
        _check_coordinates(part)


def _describe(node) -> str:
    if isinstance(node, ast.Attribute):
        return f"the property {node.name[:60]!r}"
    if isinstance(node, ast.Function):
        return f"the function {node.name[:40]}()"
    if isinstance(node, ast.Node):
        return type(node).__name__
    if isinstance(node, str):
        return repr(node[:60])
    return repr(node)[:60]
