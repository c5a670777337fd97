"""Every notebook runs, top to bottom, against the demo town."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

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


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name
