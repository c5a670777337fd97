"""The README's route table and the app's URL map name the same routes, so neither can drift from the other."""

import re

from assetmap.config import project_root

PLACEHOLDER = re.compile(r"<[^>]*>")
METHOD = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) ")


def normal(path: str) -> str:
    return PLACEHOLDER.sub("<>", path.split("?")[0])


def documented() -> set[tuple[str | None, str]]:
    """(method or None, path) of each route in the table under '## Web pages and API'."""
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Web pages and API", 1)[1].split("\n## ", 1)[0]
    found = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        for cell in re.findall(r"`([^`]+)`", line.split("|")[1]):
            method = METHOD.match(cell)
            found.add((method and method.group(1), normal(cell[method.end():] if method else cell)))
    return found


def served(app) -> set[tuple[str, str]]:
    return {(m, normal(rule.rule)) for rule in app.url_map.iter_rules() for m in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_of_the_app_is_in_the_readme(app):
    paths = {path for _, path in documented()}
    missing = sorted({f"{m} {path}" for m, path in served(app) if path not in paths})
    assert not missing, f"routes missing from README.md's route table: {missing}"


def test_every_route_in_the_readme_is_served_with_its_method(app):
    routes = served(app)
    paths = {path for _, path in routes}
    gone = sorted(f"{m or ''} {path}".strip() for m, path in documented()
                  if (path not in paths if m is None else (m, path) not in routes))
    assert not gone, f"README.md documents routes the app does not serve: {gone}"
