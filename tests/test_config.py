import re
from pathlib import Path

import pytest

from assetmap.config import SETTINGS, Settings, project_root


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
