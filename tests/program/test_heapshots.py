"""`dlrsim run --heapshots` (Mono log profiler; EventPipe on CoreCLR): shots before the entry point and at exit, and for the leaky
site, the objects its rules keep alive (one per cached instance-restricted rule)."""

from __future__ import annotations

import subprocess
import sys

from tests.program.conftest import need, site_at


def test_heapshots_show_what_the_rules_hold(runner, corpus, tmp_path):
    need("mono")
    mlpd = tmp_path / "leak.mlpd"
    rep = runner.report("--heapshots", str(mlpd), str(corpus["ComLeak"]), "200")
    assert rep["heapshots"]["points"] == ["before", "exit"] and mlpd.exists()
    s = site_at(rep, "ComLeak", "COM_LEAK")
    (held,) = s["heap"]
    assert held["type"] == "System.__ComObject" and held["live_before"] == 0
    # every distinct cached rule holds the one RCW it was bound for
    assert held["held_by_rules"] == s["instance_rules"] == s["strong_refs_retained"]
    assert "System.Runtime.CompilerServices.Closure" in held["example_path"]


def test_heapshots_on_coreclr_come_from_eventpipe(runner, corpus, tmp_path):
    """CoreCLR takes its shots through EventPipe (binders/dotnet_heapshot.py): the same two points,
    one file that `dlrsim heap` reads, and the program's own objects in the exit shot."""
    need("coreclr")
    shots = tmp_path / "managed.nettrace"
    rep = runner.report("--runtime", "coreclr", "--heapshots", str(shots), str(corpus["Managed"]))
    assert rep["heapshots"]["points"] == ["before", "exit"] and shots.exists()
    assert rep["heapshots"]["heap_bytes_at_exit"] > 0
    listed = subprocess.run([sys.executable, "-m", "callsite", "heap", "list", str(shots), "--json"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert "exit" in listed.stdout
