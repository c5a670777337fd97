"""What schemathesis found (tests/api/test_fuzz.py), each now a plain 400 or 422 rather than a 500."""

from __future__ import annotations

import pytest

from assetmap.analysis import filters
from assetmap.errors import InvalidParameter
from assetmap.model.submission import ValidationFailed, Vocabularies, validate_submission
from assetmap.validate import nul_at
from assetmap.workshops import notes
from assetmap.workshops.geometry import GeometryProblem, parse_area

VOCABULARIES = Vocabularies.from_files()
INSIDE = {"name": "Mill Lane Hall", "category": "community_centre", "lon": -0.91, "lat": 52.62}


def test_year_zero_is_not_a_month():
    """It matched YYYY-MM, and then Python's date() refused it: a 500 from /api/v1/analysis/reciprocity."""
    with pytest.raises(InvalidParameter, match="YYYY-MM"):
        filters.month("from_month", "0000-01")
    assert filters.month("from_month", "0001-01") == "0001-01"


@pytest.mark.parametrize("fields, field", [
    ({"category": ["community_centre"]}, "category"),
    ({"capacity": [{"kind": {"a": 1}}]}, "capacity.0.kind"),
    ({"capacity": [{"kind": "space", "quantity": 2, "unit": ["items"]}]}, "capacity.0.unit"),
    ({"capacity": [{"kind": "space", "cost": [None]}]}, "capacity.0.cost"),
])
def test_a_code_that_is_a_list_or_an_object_is_an_unknown_code(fields, field):
    """JSON lists and objects are not hashable: `in` a set of codes raised TypeError (a 500 from POST /assets)."""
    with pytest.raises(ValidationFailed) as failed:
        validate_submission({**INSIDE, **fields}, vocabularies=VOCABULARIES)
    assert set(failed.value.errors) == {field}


def test_a_note_kind_that_is_an_object_is_refused():
    with pytest.raises(ValidationFailed) as failed:
        notes.validate({"kind": {}, "text": "hello", "geometry": {"type": "Point", "coordinates": [-0.9, 52.6]}})
    assert set(failed.value.errors) == {"kind"}


def test_a_multipolygon_with_a_hollow_ring_list_is_not_well_formed():
    """shapely's shape() raised IndexError on it (a 500 from POST /api/v1/workshops)."""
    with pytest.raises(GeometryProblem, match="well-formed"):
        parse_area({"type": "MultiPolygon", "coordinates": [[], False]})


def test_nul_at_names_where_the_nul_is():
    assert nul_at({"properties": {"name": "a\x00b"}}) == "properties.name"
    assert nul_at({"rounds": ["fine", "\x00"]}) == "rounds.1"
    assert nul_at({"a\x00": 1}) == "body"
    assert nul_at({"title": "no nul here", "n": 3, "x": None}) is None


def test_a_json_body_with_a_nul_is_a_422_naming_the_field(world):
    """PostgreSQL text cannot hold NUL: the insert failed with a DataError (a 500)."""
    client = world.app.test_client()
    made = client.post("/api/v1/workshops", json={"title": "A\x00"},
                       headers={"Authorization": f"Bearer {world.facilitator}"})
    assert made.status_code == 422
    assert made.get_json() == {"errors": {"title": "must not contain the NUL character (\\u0000)"}}
    asset = client.post("/api/v1/assets", json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.91, 52.62]},
        "properties": {"name": "Mill\x00 Lane Hall", "category": "community_centre"}})
    assert asset.status_code == 422
    assert list(asset.get_json()["errors"]) == ["properties.name"]


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/places?q=%00", "q"),
    ("/api/v1/capacity?audience=a%00b", "audience"),
    ("/capacity?near=%00", "near"),   # the page too: the check is the app's, not the API's
])
def test_a_query_parameter_with_a_nul_is_a_400(world, url, parameter):
    response = world.app.test_client().get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.get_json()["parameter"] == parameter


@pytest.mark.parametrize("query, status", [
    ("updated_at=2000-01-01T00:00:00%2B16:00", 200),            # found: PostgreSQL refused the offset, a 500
    ("datetime=2000-01-01T00:00:00%2B16:00", 200),
    ("filter=updated_at > '2000-01-01T00:00:00-16:30'", 200),
    ("updated_at=0001-01-01T00:00:00%2B16:00", 400),            # before year 1 in UTC
    ("datetime=9999-12-31", 400),                               # its day ends after 9999
    ("datetime=9999-12-31T23:59:59.999999Z", 400),
])
def test_moments_are_bound_in_utc_and_the_calendars_ends_are_refused(client, query, status):
    """RFC 3339 and Python allow offsets up to ±23:59 and PostgreSQL only ±15:59: a time with `+16:00` in an OGC
    property filter reached the database as given and failed there (schemathesis). Every moment is now bound in UTC;
    one that UTC cannot hold, or whose interval would end past 9999, is a 400 naming the parameter."""
    response = client.get(f"/ogc/collections/assets/items?limit=1&{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
