import re

import pytest

from assetmap.config import SETTINGS, Settings, project_root
from tests.helpers import running_app


def test_defaults_without_environment():
    s = Settings.from_env(environ={})
    assert s.database_url is None
    assert s.db_port == 54329
    assert s.tiles == "openstreetmap"
    assert s.home == project_root() / ".assetmap"


def test_environment_and_overrides():
    s = Settings.from_env({"tiles": "none"}, environ={"ASSETMAP_DB_PORT": "6000", "ASSETMAP_TILES": "x",
                                                       "DATABASE_URL": "postgresql:///x"})
    assert s.db_port == 6000
    assert s.tiles == "none"          # overrides beat the environment
    assert s.database_url == "postgresql:///x"


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="ASSETMAP_DB_PORT"):
        Settings.from_env(environ={"ASSETMAP_DB_PORT": "many"})
    with pytest.raises(ValueError, match="unknown settings: tilez"):
        Settings.from_env({"tilez": "none"}, environ={})


def test_every_setting_is_a_field_and_documented():
    readme = (project_root() / "README.md").read_text()
    fields = set(Settings.__dataclass_fields__)
    for s in SETTINGS:
        assert s.key in fields
        assert re.search(rf"`{s.env}`", readme), f"{s.env} is not in README.md's configuration table"
    assert fields == {s.key for s in SETTINGS}


def test_every_cli_command_is_documented():
    from assetmap.cli import main
    readme = (project_root() / "README.md").read_text()
    for name, cmd in main.commands.items():
        subs = getattr(cmd, "commands", None)
        for full in ([f"{name} {s}" for s in subs] if subs else [name]):
            assert f"assetmap {full}" in readme, f"`assetmap {full}` is not in README.md"


# -- settings are checked when they load ------------------------------------------------------------------------

@pytest.mark.parametrize("values, message", [
    ({"api_default_limit": 20000},
     "ASSETMAP_API_DEFAULT_LIMIT (20000) is larger than ASSETMAP_API_MAX_LIMIT (10000): "
     "lower the first or raise the second"),
    ({"api_default_limit": 0}, "ASSETMAP_API_DEFAULT_LIMIT (0) must be at least 1"),
    ({"api_max_limit": 0}, "ASSETMAP_API_MAX_LIMIT (0) must be at least 1"),
    ({"pool_min": -1}, "ASSETMAP_POOL_MIN (-1) must be at least 0"),
    ({"pool_max": 0}, "ASSETMAP_POOL_MAX (0) must be at least 1"),
    ({"pool_min": 9, "pool_max": 4},
     "ASSETMAP_POOL_MIN (9) is larger than ASSETMAP_POOL_MAX (4): lower the first or raise the second"),
    ({"workers": 0}, "ASSETMAP_WORKERS (0) must be at least 1"),
    ({"db_port": 0}, "ASSETMAP_DB_PORT (0) must be between 1 and 65535"),
    ({"db_port": 65536}, "ASSETMAP_DB_PORT (65536) must be between 1 and 65535"),
    ({"trusted_proxies": -1}, "ASSETMAP_TRUSTED_PROXIES (-1) must be at least 0"),
    ({"max_upload_mb": 0}, "ASSETMAP_MAX_UPLOAD_MB (0) must be at least 1"),
    ({"geocoder_min_delay": -0.5}, "ASSETMAP_GEOCODER_MIN_DELAY (-0.5) must be at least 0"),
    ({"pool_max": "8"}, "ASSETMAP_POOL_MAX ('8') is not a whole number"),
    ({"submit_rate": "lots"}, "ASSETMAP_SUBMIT_RATE ('lots') is not a rate: give a count per second, minute, "
                              "hour or day, such as 20/hour"),
    ({"submit_rate": "0/hour"}, "ASSETMAP_SUBMIT_RATE ('0/hour') is not a rate"),
    ({"tiles": "x"}, "ASSETMAP_TILES ('x') is neither a basemap name nor an http(s) URL: give openstreetmap, none, "
                     "or an http(s) URL template"),
    ({"tiles": "ftp://tiles.example.org/{z}/{x}/{y}.png"}, "ASSETMAP_TILES ('ftp://"),
    ({"tiles": "https://tiles.example.org/{z}/{x}.png"}, "ASSETMAP_TILES ('https://tiles.example.org/{z}/{x}.png') "
                                                         "lacks {y}"),
])
def test_each_rule_is_refused_with_its_variable_and_what_to_do(values, message):
    with pytest.raises(ValueError) as built:
        Settings(**values)
    assert message in str(built.value)
    with pytest.raises(ValueError) as loaded:       # the same through create_app's path
        Settings.from_env(values, environ={})
    assert message in str(loaded.value)


def test_the_environment_is_checked_too():
    with pytest.raises(ValueError, match=re.escape(
            "ASSETMAP_API_DEFAULT_LIMIT (500) is larger than ASSETMAP_API_MAX_LIMIT (100)")):
        Settings.from_env(environ={"ASSETMAP_API_DEFAULT_LIMIT": "500", "ASSETMAP_API_MAX_LIMIT": "100"})


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as raised:
        Settings.from_env({"workers": 0, "tiles": "nope", "tilez": "none"},
                          environ={"ASSETMAP_POOL_MIN": "3", "ASSETMAP_POOL_MAX": "2",
                                   "ASSETMAP_SUBMIT_RATE": "often", "ASSETMAP_DB_PORT": "many"})
    message = str(raised.value)
    assert "\n" not in message        # the CLI shows it on one line
    for part in ("ASSETMAP_DB_PORT='many' is not valid", "unknown settings: tilez",
                 "ASSETMAP_POOL_MIN (3) is larger than ASSETMAP_POOL_MAX (2)", "ASSETMAP_WORKERS (0)",
                 "ASSETMAP_SUBMIT_RATE ('often')", "ASSETMAP_TILES ('nope')"):
        assert part in message


@pytest.mark.parametrize("tiles", ["openstreetmap", "none", "None", "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                                   "http://localhost:8080/{z}/{x}/{y}.png"])
def test_the_defaults_and_good_values_pass(tiles):
    assert Settings() == Settings.from_env(environ={})
    s = Settings(tiles=tiles, pool_min=0, pool_max=1, api_default_limit=10000, trusted_proxies=2,
                 geocoder_min_delay=0, submit_rate="5/minute", db_port=65535)
    assert s.tiles == tiles
    assert Settings.from_env(environ={}).api_default_limit == 1000


def test_the_api_pages_by_api_default_limit_when_no_limit_is_given(demo_db_url):
    with running_app(demo_db_url, api_default_limit=2) as app:
        body = app.test_client().get("/api/v1/assets").get_json(force=True)
        assert len(body["features"]) == body["numberReturned"] == 2
        [nxt] = [link["href"] for link in body["links"] if link["rel"] == "next"]
        assert "after=" in nxt and "limit=2" in nxt
        assert len(app.test_client().get("/api/v1/assets?limit=3").get_json(force=True)["features"]) == 3
