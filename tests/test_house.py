"""Checks that keep the house in order: the web boundary, and docs that name only modules that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assetmap"
WEB_ONLY = ("flask", "flask_login", "flask_wtf", "werkzeug")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_flask_is_imported_only_in_the_web_layer():
    leaks = {str(p.relative_to(ROOT)): sorted(_imports(p) & set(WEB_ONLY))
             for p in PACKAGE.rglob("*.py") if PACKAGE / "web" not in p.parents}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_the_check_would_see_a_leak(tmp_path):
    leaky = tmp_path / "leaky.py"
    leaky.write_text("from flask import g\nimport werkzeug.utils\n")
    assert _imports(leaky) >= {"flask", "werkzeug"}


def test_every_module_the_architecture_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## Package"):text.index("### Shared ideas")]
    named = set()
    for cell in re.findall(r"^\| (.+?) \|", table, flags=re.M):
        for name in re.findall(r"`([a-z_/.-]+(?:\.py|\.js|/))`", cell):
            named.add(name)
    assert len(named) > 20
    missing = [n for n in sorted(named)
               if not any((base / n).exists() for base in (PACKAGE, ROOT, ROOT / "static" / "js"))]
    assert missing == []
