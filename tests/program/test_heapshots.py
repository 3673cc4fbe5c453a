"""`dlrsim run --heapshots` on Mono: shots before the entry point and at exit, and for the leaky
site, the objects its rules keep alive (one per cached instance-restricted rule)."""

from __future__ import annotations

import pytest

from tests.program.conftest import runtime_usable, site_at


def test_heapshots_show_what_the_rules_hold(runner, corpus, tmp_path):
    if not runtime_usable("mono"):
        pytest.skip("mono is not installed here")
    mlpd = tmp_path / "leak.mlpd"
    rep = runner.report("--heapshots", str(mlpd), str(corpus["ComLeak"]), "200")
    assert rep["heapshots"]["points"] == ["before", "exit"] and mlpd.exists()
    s = site_at(rep, "ComLeak", "COM_LEAK")
    (held,) = s["heap"]
    assert held["type"] == "System.__ComObject" and held["live_before"] == 0
    # every distinct cached rule holds the one RCW it was bound for
    assert held["held_by_rules"] == s["instance_rules"] == s["strong_refs_retained"]
    assert "System.Runtime.CompilerServices.Closure" in held["example_path"]


def test_heapshots_need_a_runtime_with_heap_shots(runner, corpus, tmp_path):
    if not runtime_usable("coreclr"):
        pytest.skip("coreclr is not installed here")
    done = runner.cli("--runtime", "coreclr", "--heapshots", str(tmp_path / "x.mlpd"), str(corpus["Managed"]))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--heapshots" in done.stderr
