"""Fixtures: real heap shots captured on Mono at test time.

setup.sh installs Mono and its log profiler, so a missing piece is a failure, not a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def _mono_problems() -> list[str]:
    sys.path.insert(0, ROOT)
    from binders import heapshot

    out = heapshot.available()
    if shutil.which("mcs") is None:
        out.append("mcs not found (package mono-devel)")
    return out


@pytest.fixture(scope="session")
def demo_dll(tmp_path_factory) -> str:
    problems = _mono_problems()
    if problems:
        pytest.fail("Mono heap shots unavailable (run ./setup.sh): " + "; ".join(problems))
    d = tmp_path_factory.mktemp("heapdemo")
    dll = str(d / "HeapDemo.dll")
    subprocess.run(["mcs", "-target:library", "-r:Microsoft.CSharp.dll", f"-out:{dll}",
                    os.path.join(HERE, "HeapDemo.cs")], check=True, capture_output=True, timeout=120)
    return dll


def capture(dll: str, out: str, options: str | None = None) -> str:
    """Run capture_demo.py in a fresh process (one .NET runtime per process)."""
    cmd = [sys.executable, os.path.join(HERE, "capture_demo.py"), out, dll] + ([options] if options else [])
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def demo_mlpd(demo_dll, tmp_path_factory) -> str:
    """Shots "start", "filled", "cleared" of the demo heap, taken on demand."""
    return capture(demo_dll, str(tmp_path_factory.mktemp("shots") / "demo.mlpd"))


@pytest.fixture(scope="session")
def demo_file(demo_mlpd):
    from callsite.heap.mlpd import read_mlpd

    return read_mlpd(demo_mlpd)


@pytest.fixture(scope="session")
def snaps(demo_mlpd, demo_file):
    from callsite.heap.snapshot import Snapshot

    return {p: Snapshot.load(f"{demo_mlpd}@{p}", mlpd=demo_file) for p in ("start", "filled", "cleared")}
