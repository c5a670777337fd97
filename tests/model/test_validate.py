import pytest

from assetmap.errors import InvalidParameter
from assetmap.validate import parse_bbox, parse_codes, parse_int


def test_bbox_parses_four_numbers():
    assert parse_bbox("-1.3,52.5,-1.1,52.7") == (-1.3, 52.5, -1.1, 52.7)
    assert parse_bbox(None) is None
    assert parse_bbox("  ") is None


@pytest.mark.parametrize("raw, fragment", [
    ("1,2,3", "four comma-separated numbers"),
    ("a,b,c,d", "four comma-separated numbers"),
    ("nan,0,1,1", "finite"),
    ("0,0,inf,1", "finite"),
    ("-181,0,1,1", "longitudes"),
    ("0,-91,1,1", "latitudes"),
    ("2,0,1,1", "must not exceed"),
    ("0,2,1,1", "must not exceed"),
])
def test_bbox_rejects_with_reason(raw, fragment):
    with pytest.raises(InvalidParameter) as exc:
        parse_bbox(raw)
    assert exc.value.param == "bbox"
    assert fragment in exc.value.message


def test_int_bounds():
    assert parse_int(None, "limit", 10, 1, 100) == 10
    assert parse_int("100", "limit", 10, 1, 100) == 100
    for bad in ("0", "101", "1.5", "ten", "-1"):
        with pytest.raises(InvalidParameter):
            parse_int(bad, "limit", 10, 1, 100)


def test_codes_checked_against_vocabulary():
    assert parse_codes("library, park", "category", {"library", "park"}) == ["library", "park"]
    assert parse_codes("", "category", {"library"}) is None
    with pytest.raises(InvalidParameter) as exc:
        parse_codes("library,casino", "category", {"library"})
    assert "'casino'" in exc.value.message
