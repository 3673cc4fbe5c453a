"""The program corpus, compiled with mcs once per test session, and `dlrsim run` on it.

Each program is run at most once per runtime and argument list (``run_program`` caches), so the
tests read one report many ways instead of paying a runtime start for each assertion.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
LIBRARIES = {"Library"}
RUNTIMES = ("mono", "coreclr", "net8")  # every runtime dlrsim hosts (binders.runtimes)


def need(name: str) -> None:
    """A runtime the test needs: missing is an error, not a skip (setup.sh installs all three)."""
    from binders import runtimes

    problems = runtimes.get(name).problems()
    if problems:
        pytest.fail(f"{name} unavailable (run ./setup.sh): {'; '.join(problems)}")


def marker_line(program: str, marker: str) -> int:
    """The source line that carries ``// MARKER`` (expectations name lines by marker, not number)."""
    for k, line in enumerate((PROGRAMS / f"{program}.cs").read_text().splitlines(), 1):
        if re.search(rf"//\s*{marker}\b", line):
            return k
    raise AssertionError(f"no marker {marker} in {program}.cs")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Every tests/program/programs/*.cs compiled with mcs (with .mdb symbols)."""
    if shutil.which("mcs") is None:
        pytest.fail("mcs is not installed (run ./setup.sh: mono-devel)")
    out = tmp_path_factory.mktemp("programs")
    built = {}
    for src in sorted(PROGRAMS.glob("*.cs")):
        name = src.stem
        target = out / (name + (".dll" if name in LIBRARIES else ".exe"))
        parts = [str(src)] + [str(p) for p in sorted((PROGRAMS / name).glob("*.cs"))]  # ComHidden/*.cs
        lib_sources = sorted((PROGRAMS / f"{name}.lib").glob("*.cs"))  # a library of its own, next to it
        refs = []
        if lib_sources:
            lib = out / f"{name}Lib.dll"
            done = subprocess.run(["mcs", "-debug", "-nologo", "-target:library", f"-out:{lib}", "-r:Microsoft.CSharp",
                                   "-r:System.Core", *map(str, lib_sources)], capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr
            refs = [f"-r:{lib}"]
        cmd = ["mcs", "-debug", "-nologo", f"-out:{target}", "-r:Microsoft.CSharp", "-r:System.Core", *refs, *parts]
        if name in LIBRARIES:
            cmd.insert(1, "-target:library")
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        built[name] = target
    return built


class Runner:
    """``python -m callsite run ...`` in a subprocess, from a scratch working folder."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.cache: dict[tuple, subprocess.CompletedProcess] = {}

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        key = tuple(args)
        if key not in self.cache:
            env = dict(os.environ, PYTHONPATH=str(REPO))
            self.cache[key] = subprocess.run([sys.executable, "-m", "callsite", "run", *args], cwd=self.cwd,
                                             capture_output=True, text=True, env=env, timeout=timeout)
        return self.cache[key]

    def report(self, *args: str) -> dict:
        done = self.cli("--json", *args)
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="session")
def runner(tmp_path_factory) -> Runner:
    return Runner(tmp_path_factory.mktemp("cwd"))


def site_at(report: dict, program: str, marker: str, kind: str | None = None) -> dict:
    line = marker_line(program, marker)
    found = [s for s in report["sites"] if s["line"] == line and s["file"].endswith(f"{program}.cs")
             and (kind is None or s["kind"] == kind)]
    assert len(found) == 1, (marker, kind, [(s["line"], s["kind"], s["member"]) for s in report["sites"]])
    return found[0]
