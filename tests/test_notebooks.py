"""Every notebook runs, top to bottom, against the demo town."""

from pathlib import Path

import nbformat
import psycopg
import pytest
from nbclient import NotebookClient

from assetmap.analysis import capacity, overlaps, spend
from assetmap.config import project_root

NOTEBOOKS = sorted((project_root() / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, demo_db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_db_url)   # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   ).execute()
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Traceback" not in text
    if path.name == "neighbourhood_capacity.ipynb":
        assert "neighbourhoods, " in text and "Spearman rank correlation" in text
    if path.name in FIGURES:
        with psycopg.connect(demo_db_url) as conn:
            for line in FIGURES[path.name](conn):
                assert line in text, f"{path.name} does not show {line!r}"
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} drew no plot"


def _overlap_figures(conn) -> list[str]:
    pairs = overlaps.overlaps(conn, geometry=False).rows
    money = spend.parts(conn)
    return [f"{len(pairs)} overlapping pairs of catchments, {sum(r['pooling_candidate'] for r in pairs)} pooling "
            f"candidates", f"spend of the selected services: £{money['services_spend']:,.0f}"]


def _capacity_figures(conn) -> list[str]:
    summary = capacity.links(conn, geometry=False).summary["by_kind"]
    return [f"{name}: surplus {f['surplus']:,.1f}, deficit {f['deficit']:,.1f}, moved {f['moved']:,.1f}"
            for name, f in summary.items()]


# What the app computes, that each analysis notebook must show: the same figures, from the same database.
FIGURES = {"overlaps.ipynb": _overlap_figures, "capacity.ipynb": _capacity_figures}


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name
