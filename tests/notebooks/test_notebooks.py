"""The teaching notebooks execute top to bottom, and each .ipynb matches its jupytext .py source.

The ``.py`` percent scripts are the source of truth (diff-friendly); the paired
``.ipynb`` files are what ``jupyter lab`` opens. Each notebook is executed from
its ``.py`` source with nbclient on a kernel spec written to a temporary
directory that runs this interpreter (the venv's Python), so nothing has to be
registered by hand. A cell that raises fails the test. The notebooks use the
real runtimes that ``./setup.sh`` installs (Mono 6.8, CoreCLR 3.1); as in
``tests/real``, a missing runtime is an error, not a skip.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

try:
    import jupytext
    import nbclient
    import nbformat
except ImportError as exc:  # an error, not a skip: ./setup.sh installs them (the dev extra)
    raise ImportError(f"{exc}: run ./setup.sh (pip install -e '.[dev]' installs nbclient, nbformat, "
                      "ipykernel and jupytext)") from None

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
KERNEL = "dlrsim-venv-test"
CELL_TIMEOUT = 300  # seconds per cell; the notebooks keep real runs small


def _cells(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A kernel spec for this interpreter in a temporary JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    tmp = root / "tmp"
    tmp.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dlrsim (test)", "language": "python",
        # TMPDIR: what a notebook puts in the temporary folder stays in pytest's own folders
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "TMPDIR": str(tmp),
                "PYTHONPATH": str(REPO) + (os.pathsep + os.environ["PYTHONPATH"]
                                           if os.environ.get("PYTHONPATH") else "")},
    }))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root) + (os.pathsep + old if old else "")
    yield root
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def test_four_notebooks_are_present():
    assert [p.name[:2] for p in SOURCES][:5] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_matches_py_source(source):
    """The .ipynb pair cannot drift from the .py: same cells, same sources, no stored outputs."""
    ipynb = source.with_suffix(".ipynb")
    assert ipynb.exists(), f"missing {ipynb.name}: run `jupytext --sync {source.relative_to(REPO)}`"
    from_py = jupytext.read(source)
    stored = nbformat.read(ipynb, as_version=4)
    assert _cells(stored) == _cells(from_py), (
        f"{ipynb.name} differs from {source.name}: run `jupytext --sync {source.relative_to(REPO)}`")
    for cell in stored.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{ipynb.name}: outputs are not kept in the repository"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_structure(source):
    """First cell says what the reader will learn; the last one holds two or three exercises."""
    nb = jupytext.read(source)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and "What you will learn" in first.source
    assert last.cell_type == "markdown" and last.source.lstrip().startswith("## Exercises")
    numbered = [ln for ln in last.source.splitlines() if ln[:3] in ("1. ", "2. ", "3. ", "4. ")]
    assert 2 <= len(numbered) <= 3


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_executes(source, kernel_dir, tmp_path):
    nb = jupytext.read(source)
    client = nbclient.NotebookClient(
        nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.monotonic()
    client.execute()  # raises CellExecutionError naming the cell on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    print(f"{source.name}: {time.monotonic() - t0:.1f} s")
