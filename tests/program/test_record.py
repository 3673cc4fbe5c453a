"""`dlrsim run --record`: the workload it writes replays at agreement 1.0 on the runtime it was
recorded on, with as many binds as the program made (the model running alongside the program)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.program.conftest import REPO, RUNTIMES, need, site_at

N = 45


def compare(cwd, workload, rt):
    done = subprocess.run([sys.executable, "-m", "callsite", "compare", "--workload", str(workload), "--runtime", rt,
                           "--json"], cwd=cwd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("rt", RUNTIMES)
def test_record_round_trip(corpus, runner, tmp_path, rt):
    need(rt)
    path = tmp_path / f"recorded-{rt}.yaml"
    rep = runner.report("--runtime", rt, "--record", str(path), str(corpus["RecordMe"]), str(N))
    rec = rep["record"]
    assert rec["approximations"] == [] and rec["calls"] == 3 * N + 1 and rec["sites"] == 4
    doc = yaml.safe_load(path.read_text())
    assert doc["format"] == "dlrsim-workload/1"
    each = next(s for s in doc["sites"].values() if s["lifetime"] == "per-iteration")
    assert each["binder_per_iteration"] is True  # Binder.InvokeMember is called in the loop
    # one iteration per site made in the loop (the first holds the calls before the second one)
    assert len(doc["script"]) == N
    cmp = compare(tmp_path, path, rt)
    (wl,) = cmp["scenarios"]
    assert wl["agreement"] == 1.0 and wl["calls"] == 3 * N + 1
    assert wl["real"]["binds"] == sum(s["binds"] for s in rep["sites"])


def test_record_com_round_trip(corpus, runner, tmp_path):
    need("mono")
    path = tmp_path / "com.yaml"
    rep = runner.report("--runtime", "mono", "--record", str(path), str(corpus["ComLeak"]), "150")
    doc = yaml.safe_load(path.read_text())
    calls = [c for it in doc["script"] for c in it]
    assert len(calls) == 150 and all(c["args"][1] == {"com": "fresh"} for c in calls)
    (wl,) = compare(tmp_path, path, "mono")["scenarios"]
    assert wl["agreement"] == 1.0
    assert wl["real"]["binds"] == site_at(rep, "ComLeak", "COM_LEAK")["binds"] == 150
