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


@pytest.mark.parametrize("rt", RUNTIMES)
def test_record_types_the_format_cannot_name(corpus, runner, tmp_path, rt):
    # a nested class, a generic delegate, an array and a generic list as dynamic arguments: the
    # workload still loads (stand-in classes, each listed as an approximation), the program's own
    # class and the list are declared with the members and indexers used, the compiler's typed delegates (an int operand,
    # a bool result) are written as the site's params/returns, and the replay agrees call by call
    need(rt)
    path = tmp_path / f"shapes-{rt}.yaml"
    rep = runner.report("--runtime", rt, "--record", str(path), str(corpus["RecordShapes"]), "20")
    rec = rep["record"]
    assert rec["calls"] == 16 * 20 and rec["sites"] == 16
    # every approximation is a stand-in (one line per site), for exactly these three types
    assert rec["approximations"] and all("stands in" in a for a in rec["approximations"])
    named = {a.split(": a ", 1)[1].split(" stands in")[0] for a in rec["approximations"]}
    assert named == {"System.Func<System.Int32,System.Int32>", "System.Int32[]",
                     "System.Collections.Generic.List<System.String>"}
    doc = yaml.safe_load(path.read_text())
    assert doc["classes"] == {"Program.Box": {"fields": ["Value"], "methods": {"Add": 1}, "indexer": 1},
                              "StandIn.System.Collections.Generic.List_of_String": {"methods": {"Add": 1}, "indexer": 1}}
    receivers = {c["args"][0]["type"] for it in doc["script"] for c in it
                 if isinstance(c["args"][0], dict) and "obj" in c["args"][0]}
    assert "Program.Box" in receivers and not any("+" in r for r in receivers)  # Program+Box, as C# names it
    typed = [s for s in doc["sites"].values() if "params" in s or "returns" in s]
    assert any(s.get("params") == ["int", "object"] for s in typed)  # total += box.Value
    assert any(s.get("returns") == "bool" for s in typed)
    (wl,) = compare(tmp_path, path, rt)["scenarios"]
    assert wl["agreement"] == 1.0 and wl["calls"] == 16 * 20
    assert wl["real"]["binds"] == sum(s["binds"] for s in rep["sites"])


def test_runtime_type_names_become_workload_class_names():
    from binders.program.record import _workload_class
    from callsite.workload import load_workload

    q = ", mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
    assert _workload_class("Outer+Inner+Deep") == ("Outer.Inner.Deep", None)
    assert _workload_class("App.Widget") == ("App.Widget", None)
    name, why = _workload_class(f"System.Collections.Generic.Dictionary`2[[System.String{q}],"
                                f"[System.Collections.Generic.List`1[[System.Int32{q}]]{q}]]")
    assert name == "StandIn.System.Collections.Generic.Dictionary_of_String_List_Int32"
    assert "System.Collections.Generic.Dictionary<System.String,System.Collections.Generic.List<System.Int32>>" in why
    assert _workload_class("System.Byte[,]")[0] == "StandIn.System.ByteArray2"
    assert _workload_class("App.Node`1[App.Leaf][]")[0] == "App.Node_of_LeafArray"
    assert _workload_class("Program+<>c__DisplayClass0_0")[0] == "Program.__c__DisplayClass0_0"
    # every name, stand-in or not, is one the workload loader takes
    for clr in ("Outer+Inner", f"System.Func`2[[System.Int32{q}],[System.Int32{q}]]", "System.Byte[,]",
                "Program+<>c__DisplayClass0_0", "App.Node`1[App.Leaf][]"):
        doc = {"format": "dlrsim-workload/1", "name": "names",
               "binders": {"b": {"kind": "InvokeMember", "name": "KeepAlive",
                                 "args": [["UseCompileTimeType", "IsStaticType"], []]}},
               "sites": {"s": {"binder": "b"}},
               "script": [[{"site": "s", "args": [{"static": "System.GC"}, {"new": _workload_class(clr)[0]}]}]]}
        load_workload(doc)
