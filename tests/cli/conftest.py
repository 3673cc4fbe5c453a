"""Helpers for the CLI tests: run ``dlrsim`` as a user does, from a folder of their own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module", autouse=True)
def nothing_written_into_the_project():
    """Every test here runs dlrsim from a temporary folder; the project must stay as it was."""
    before = _status()
    yield
    assert _status() == before, "dlrsim wrote into the project folder"


@pytest.fixture
def dlrsim(tmp_path):
    """``dlrsim(*args)`` run from ``tmp_path``; returns the CompletedProcess."""
    from binders import host

    env = host._env()
    env.pop("DLRSIM_DEBUG", None)

    def run(*args, timeout: float = 120, cwd: Path | None = None):
        return subprocess.run([sys.executable, "-m", "callsite", *map(str, args)], capture_output=True,
                              text=True, timeout=timeout, cwd=cwd or tmp_path, env=env)
    return run


def assert_one_error_line(p, *needles: str, code: int = 2, json_output: bool = False) -> str:
    """Exit ``code``, exactly one stderr line ``dlrsim ...: error: ...`` holding every needle,
    no traceback; with ``json_output`` stdout is exactly ``{"error": <the same message>}``."""
    lines = p.stderr.splitlines()
    assert p.returncode == code, (p.returncode, p.stderr[-3000:])
    assert len(lines) == 1, p.stderr[-3000:]
    assert "Traceback" not in p.stderr and "\r" not in p.stderr
    line = lines[0]
    assert line.startswith("dlrsim") and ": error: " in line, line
    for n in needles:
        assert n in line, (n, line)
    if json_output:
        assert json.loads(p.stdout) == {"error": line.split(": error: ", 1)[1]}
    return line
