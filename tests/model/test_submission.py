"""The shared rules for an asset and its offers: each rule, and every error reported at once."""

import pytest

from assetmap.model.submission import ValidationFailed, Vocabularies, normalise_postcode, validate_submission

VOCABULARIES = Vocabularies.from_files()

GOOD = {
    "name": "St Mary's Church Hall",
    "category": "community_centre",
    "description": "Main hall and kitchen",
    "lon": -0.9, "lat": 52.6,
    "postcode": "av1 2ab",
    "contact_email": "hall@example.org",
    "capacity": [{"kind": "space", "quantity": 60, "unit": "places", "schedule": "Tu 18:00-21:00",
                  "cost": "donation", "audience": "Anyone", "description": "Main hall"}],
}


def check(data, **kw):
    return validate_submission(data, vocabularies=VOCABULARIES, **kw)


def errors_of(data, **kw) -> dict:
    with pytest.raises(ValidationFailed) as exc:
        check(data, **kw)
    assert exc.value.status == 422
    return exc.value.errors


def test_a_good_submission_is_cleaned():
    sub = check(GOOD)
    assert sub.postcode == "AV1 2AB"
    assert sub.offers[0].schedule == "Tu 18:00-21:00" and sub.offers[0].quantity == 60.0
    assert sub.private_home is False


@pytest.mark.parametrize("change, field", [
    ({"name": ""}, "name"),
    ({"name": "x"}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": ["a list"]}, "name"),
    ({"category": ""}, "category"),
    ({"category": "casino"}, "category"),
    ({"description": "x" * 5001}, "description"),
    ({"audience": "x" * 1001}, "audience"),
    ({"accessibility": "x" * 2001}, "accessibility"),
    ({"organisation": "x" * 201}, "organisation"),
    ({"postcode": "12345"}, "postcode"),
    ({"contact_email": "not-an-email"}, "contact_email"),
    ({"contact_phone": "call me"}, "contact_phone"),
    ({"private_home": "maybe"}, "private_home"),
    ({"lon": None}, "location"),
    ({"lat": "north"}, "location"),
    ({"lon": 200}, "location"),
    ({"lat": float("nan")}, "location"),
    ({"capacity": "lots"}, "capacity"),
    ({"capacity": [{}] * 21}, "capacity"),
    ({"capacity": ["space"]}, "capacity.0"),
    ({"capacity": [{"kind": "money"}]}, "capacity.0.kind"),
    ({"capacity": [{"kind": "space", "quantity": 5}]}, "capacity.0.unit"),
    ({"capacity": [{"kind": "space", "unit": "places"}]}, "capacity.0.quantity"),
    ({"capacity": [{"kind": "space", "quantity": 0, "unit": "places"}]}, "capacity.0.quantity"),
    ({"capacity": [{"kind": "space", "quantity": 200, "unit": "hours_per_week"}]}, "capacity.0.quantity"),
    ({"capacity": [{"kind": "space", "quantity": "ten", "unit": "places"}]}, "capacity.0.quantity"),
    ({"capacity": [{"kind": "space", "quantity": 1, "unit": "litres"}]}, "capacity.0.unit"),
    ({"capacity": [{"kind": "space", "schedule": "Tuesday evenings"}]}, "capacity.0.schedule"),
    ({"capacity": [{"kind": "space", "schedule": "Tu 25:00-26:00"}]}, "capacity.0.schedule"),
    ({"capacity": [{"kind": "space", "cost": "cheap"}]}, "capacity.0.cost"),
    ({"capacity": [{"kind": "space", "audience": "x" * 1001}]}, "capacity.0.audience"),
])
def test_each_rule_names_its_field(change, field):
    errors = errors_of({**GOOD, **change})
    assert field in errors, errors
    assert errors[field]


def test_every_problem_is_reported_at_once():
    errors = errors_of({"name": "", "category": "casino", "lon": None, "lat": None,
                        "capacity": [{"kind": "space", "schedule": "whenever"}]})
    assert {"name", "category", "location", "capacity.0.schedule"} <= set(errors)


def test_unknown_properties_are_refused_when_asked():
    errors = errors_of({**GOOD, "nmae": "typo", "capacity": [{**GOOD["capacity"][0], "qty": 3}]},
                       reject_unknown=True)
    assert errors == {"nmae": "unknown property", "capacity.0.qty": "unknown property"}
    assert check({**GOOD, "nmae": "typo"}).name == GOOD["name"]   # forms ignore extra fields


def test_location_outside_the_service_area():
    errors = errors_of(GOOD, inside_service_area=lambda lon, lat: False)
    assert "outside the area" in errors["location"]


def test_private_home_and_checkbox_values():
    assert check({**GOOD, "private_home": "on"}).private_home is True
    assert check({**GOOD, "private_home": True}).private_home is True
    assert check({**GOOD, "private_home": ""}).private_home is False


@pytest.mark.parametrize("raw, expected", [
    ("av1 2ab", "AV1 2AB"), ("AV12AB", "AV1 2AB"), (" sw1a  1aa ", "SW1A 1AA"), ("EC1A1BB", "EC1A 1BB"),
    ("AV1", None), ("12345", None), ("AV1 2AV", None),
])
def test_postcodes(raw, expected):
    assert normalise_postcode(raw) == expected
