"""The example notebooks run top to bottom and are stored without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell
WATCHED = (NOTEBOOKS_DIR, ROOT / "data")


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


def _snapshot() -> dict[str, tuple[int, int]]:
    """Every file under the watched folders with its size and modification time."""
    files = {}
    for folder in WATCHED:
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                files[str(path.relative_to(ROOT))] = (stat.st_size, stat.st_mtime_ns)
    return files


def test_there_are_example_notebooks() -> None:
    names = [path.name for path in NOTEBOOKS]
    assert names == [
        "01-quickstart.ipynb",
        "02-campaign-from-excel.ipynb",
        "03-delivery-report.ipynb",
        "04-send-windows.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in notebook["metadata"], "widget state is an output: strip it"
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"cell {number} has outputs: run nbstripout"
        assert cell.get("execution_count") is None, f"cell {number} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_explains_its_steps(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    kinds = [cell["cell_type"] for cell in notebook["cells"]]
    assert kinds[0] == "markdown", "a notebook opens with a sentence on what it does"
    assert kinds.count("markdown") >= 4


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # no credentials: the notebooks must run on the sandbox alone
    for name in ("TARGETSMS_LOGIN", "TARGETSMS_PASSWORD", "TARGETSMS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    # the kernel inherits this environment: its temp dirs land in pytest's tmp_path
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    before = _snapshot()
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, errors
    assert _snapshot() == before, "a notebook wrote into the repository; use a temp dir"
