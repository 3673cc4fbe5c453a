"""Smoke tests: every experiment really runs, tiny, on the simulator, Mono and CoreCLR.

The assertions come from first principles (what the binder must do with each
argument) or from the simulator's prediction for the same calls, never from
numbers copied out of a run.  A missing runtime is an error, not a skip
(setup.sh installs both).  Each experiment runs once per session (module fixture).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import common, registry, report

CALLS = 24          # calls per workload experiment
POLY_CALLS = 60     # experiment 8: simulator calls per N (N up to 16 at this size); the runtimes a fifth, >= 4N
SNIPPETS = 4        # experiment 9: snippets (4 batches of 1; worker mode starts 4 workers per runtime)
RUNTIMES = ("mono", "coreclr")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    from binders.host import check_runtime

    for rt in RUNTIMES:
        check_runtime(rt)  # raises (fails the tests) when a runtime is missing: never a silent skip
    out = tmp_path_factory.mktemp("results")
    docs = {}
    for e in registry.all_experiments():
        calls = {"poly-sweep": POLY_CALLS, "unique-snippets": SNIPPETS}.get(e.name, CALLS)
        docs[e.name] = common.run_one(e.load(), calls=calls, runtimes=RUNTIMES, out_dir=out,
                                      plot=e.name in ("com-arg", "poly-sweep", "unique-snippets"))
    docs["_dir"] = out
    return docs


def _real(doc, rt):
    t = doc["targets"][rt]
    assert "error" not in t, t.get("error")
    return t


def test_registry_names_numbers_and_scripts():
    exps = registry.all_experiments()
    assert [e.number for e in exps] == list(range(1, 10))
    assert len({e.name for e in exps}) == 9
    for e in exps:
        mod = e.load()
        assert callable(mod.run) and mod.TITLE and mod.CLAIM and mod.EXPECT
    assert registry.get("3").name == registry.get("com-arg").name == "com-arg"


def test_results_files_record_versions_machine_and_command(results):
    for name, doc in results.items():
        if name.startswith("_"):
            continue
        data = json.loads(Path(doc["json_path"]).read_text())
        assert data["format"] == "dlrsim-experiment/1"
        assert data["machine"]["cpu_count"] >= 1 and data["machine"]["platform"]
        assert data["command"].startswith("dlrsim experiment run " + name)
        assert data["started"] <= data["finished"]
        if name != "com-loop":  # com-loop has no CoreCLR run (no COM)
            assert "coreclr" in data["runtime_versions"] or name == "com-loop"
        assert data["runtime_versions"].get("mono", "").startswith("Mono ")
    for name in ("com-arg", "poly-sweep", "unique-snippets"):
        assert Path(results[name]["png_path"]).stat().st_size > 1000


def test_e1_com_loop_frees_every_native_object_without_any_binding(results):
    d = results["com-loop"]
    m = _real(d, "mono")
    assert m["binds"] == 0 and m["rules_live"] == 0
    assert m["shim_counters"]["created"] == CALLS
    assert m["com_live_end"] == 0 and m["shim_counters"]["freed"] == CALLS  # the GC released them all
    assert all(live == 0 for _, live in m["com_live_series"])  # after every forced GC
    assert "no COM interop" in d["targets"]["coreclr"]["not_applicable"]


def test_e2_managed_int_binds_once_and_every_real_call_throws(results):
    d = results["managed-int-arg"]
    for key in ("sim-mono", "sim-coreclr", "mono", "coreclr"):
        assert d["targets"][key]["binds"] == 1, key  # a type restriction on Int32 matches every later call
    m, c = _real(d, "mono"), _real(d, "coreclr")
    # FinalReleaseComObject rejects a non-COM object; on CoreCLR/Linux it rejects everything (no COM)
    assert m["exceptions"] == {"ArgumentException": CALLS}
    assert sum(c["exceptions"].values()) == CALLS
    assert d["targets"]["mono"]["verdict"]["kinds"] == []


def test_e3_com_arg_binds_every_call_on_mono_and_holds_the_rcws(results):
    d = results["com-arg"]
    m = _real(d, "mono")
    assert m["binds"] == CALLS == d["targets"]["sim-mono"]["binds"]
    assert m["l1_rules"] == min(10, CALLS) and m["l2_rules"] == d["targets"]["sim-mono"]["l2_rules"]
    # Mono compiles the instance restriction to the object itself: each cached rule holds its RCW
    assert m["objects_held_by_rules"] == m["rules_live"] > 0
    assert m["com_live_end"] == 0  # the native objects were released; only the RCWs stay
    assert "identity-churn" in m["verdict"]["kinds"]
    assert "not_applicable" in d["targets"]["coreclr"]
    # the heap shots of the second run: every RCW a cached rule holds is a live __ComObject
    ev = m["heap_evidence"]["run"]["dlr_classes"]
    com = sum(r["count_diff"] for r in ev if r["class"] == "System.__ComObject")
    assert com >= m["objects_held_by_rules"]


def test_e4_cast_binds_once(results):
    d = results["com-arg-cast"]
    m = _real(d, "mono")
    assert m["binds"] == 1 == d["targets"]["sim-mono"]["binds"]
    assert m["objects_held_by_rules"] == 0 and m["verdict"]["kinds"] == []
    assert "not_applicable" in d["targets"]["coreclr"]


def test_e5_handmade_site_leaks_like_the_compiler_generated_one(results):
    d = results["handmade-site"]
    m = _real(d, "mono")
    assert m["binds"] == CALLS == results["com-arg"]["targets"]["mono"]["binds"]
    assert "identity-churn" in m["verdict"]["kinds"]


def test_e6_new_site_per_iteration_binds_every_call_on_mono_once_on_coreclr(results):
    d = results["new-site-per-iteration"]
    assert _real(d, "mono")["binds"] == CALLS == d["targets"]["sim-mono"]["binds"]
    assert _real(d, "coreclr")["binds"] == 1 == d["targets"]["sim-coreclr"]["binds"]
    assert "per-iteration-site" in d["targets"]["mono"]["verdict"]["kinds"]


def test_e7_member_access_on_com_receiver_binds_every_call_on_mono(results):
    d = results["com-member-access"]
    m = _real(d, "mono")
    assert m["binds"] == CALLS == d["targets"]["sim-mono"]["binds"]  # no COM binder on Mono
    assert m["exceptions"].get("RuntimeBinderException") == CALLS // 2  # com.Foo does not exist
    assert d["targets"]["sim-netfx"]["binds"] < CALLS  # the COM binder's IsComObject guard (from sources)


def test_e8_poly_sweep_agrees_with_the_simulator_and_l1_covers_ten_types(results):
    d = results["poly-sweep"]
    for rt in RUNTIMES:
        t = _real(d, rt)
        assert t["sweep"] and all(r["levels_agree"] for r in t["sweep"]), rt
        for r in t["sweep"]:
            if r["n"] <= 10:  # L1 holds 10 rules: no bind once every type was seen
                assert r["steady_binds_per_1000"] == 0 and r["steady_levels"]["l2"] == 0
            assert r["binds"] == r["sim_binds"]


def test_e9_only_unloading_designs_unload(results):
    d = results["unique-snippets"]
    for rt in RUNTIMES:
        t = _real(d, rt)
        modes = t["modes"]
        for m in ("reset", "reset+gc", "unload", "worker"):
            assert "error" not in modes[m], modes[m]
        # Assembly.Load(byte[]) into the default domain/context: nothing unloads them
        assert modes["reset"]["loaded_at_end"] == SNIPPETS
        assert modes["reset+gc"]["loaded_at_end"] == SNIPPETS
        assert modes["unload"]["loaded_at_end"] == 0
        assert modes["worker"]["loaded_at_end"] == 0
        assert modes["reset"]["checksum"] == modes["reset+gc"]["checksum"] == modes["unload"]["checksum"]
        if rt == "coreclr":
            assert modes["unload"]["contexts_alive_at_end"] == 0
    hs = d["targets"]["mono"]["modes"]["reset"]["heapshots"]
    assert "error" not in hs
    assembly = [r for r in hs["loader_classes"] if r["class"] == "System.Reflection.RuntimeAssembly"]
    assert assembly and assembly[0]["count_diff"] == SNIPPETS  # one live Assembly object per snippet


def test_report_regenerates_the_table_from_the_json_files(results):
    text = report.markdown(folder=results["_dir"])
    for e in registry.all_experiments():
        assert f"**{e.number}. " in text
    assert "| 3 | com-arg | mono (Mono" in text
    assert "not applicable" in text


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "callsite", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)


def test_cli_list_report_and_errors(results):
    p = _cli("experiment", "list", "--json")
    assert p.returncode == 0 and len(json.loads(p.stdout)) == 9
    p = _cli("experiment", "report", "--results", str(results["_dir"]))
    assert p.returncode == 0 and "| # | experiment |" in p.stdout
    p = _cli("experiment", "run", "no-such-experiment")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "unknown experiment" in p.stderr
    p = _cli("experiment", "run", "com-arg", "--calls", "0")
    assert p.returncode == 2


def test_cli_run_writes_json(tmp_path):
    p = _cli("experiment", "run", "com-arg-cast", "--runtime", "mono", "--calls", "5", "--out", str(tmp_path),
             "--json", "--no-plot")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["targets"]["mono"]["binds"] == 1
    assert (tmp_path / "e4_com_arg_cast.json").exists()


# ----------------------------------------------------------------- the root cause, runtime by runtime
WORKLOAD_EXPERIMENTS = ("managed-int-arg", "com-arg", "com-arg-cast", "handmade-site", "new-site-per-iteration",
                        "com-member-access")


@pytest.mark.parametrize("name", WORKLOAD_EXPERIMENTS)
def test_simulated_memory_verdicts_per_profile(results, name):
    """From the profiles: on netfx a site that keeps binding grows memory (the binder's symbol table);
    on Mono and CoreCLR the same binds stay bounded (the DLR caches are bounded by L1/L2)."""
    from callsite.profiles import get_profile

    d = results[name]
    for key in ("sim-mono", "sim-coreclr", "sim-netfx"):
        t = d["targets"][key]
        v = t["verdict"]
        state = get_profile(t["profile"]).binder_state
        assert t["binder_state_bytes"] == t["binds"] * t["binder_state_bytes_per_bind"]
        if state.grows and t["binds"] >= t["calls"] / 2:
            assert v["memory"] == "growing" and "symbol table" in v["memory_cause"], (key, v)
            assert "binder-symbol-table" in v["kinds"]
            assert t["binder_state_bytes_per_bind"] == state.bytes_per_bind(len(d["workload"]["body"][0]["args"]))
        else:
            # whatever grows here is the DLR caches, which L1/L2 bound (24 calls do not fill L2 yet);
            # a netfx site that binds a few times keeps a few entries, a fixed amount
            assert state.grows or t["binder_state_bytes"] == 0
            assert "symbol table" not in (v["memory_cause"] or ""), (key, v)
            parts = {x["part"]: x["verdict"] for x in v["memory_parts"]}
            assert parts["the C# runtime binder's symbol table"] != "growing"
            assert "binder-symbol-table" not in v["kinds"]


def test_e6_caught_him_on_netfx_bounded_on_mono_one_bind_on_coreclr(results):
    d = results["new-site-per-iteration"]
    netfx = d["targets"]["sim-netfx"]
    assert netfx["binds"] == CALLS and netfx["verdict"]["memory"] == "growing"   # the article's "caught him"
    assert "symbol table" in netfx["verdict"]["memory_cause"]
    assert _real(d, "mono")["binds"] == CALLS                                   # Mono binds per call ...
    assert d["targets"]["sim-mono"]["verdict"]["memory"] != "growing"            # ... and stays bounded
    assert d["targets"]["sim-mono"]["binder_state_bytes"] == 0
    assert _real(d, "coreclr")["binds"] == 1                                    # CoreCLR binds once
    # the plot keeps measured and modelled memory apart, every used y-axis labelled
    from experiments import plots

    fig = plots.workload_figure(d)
    for ax in fig.axes:
        assert ax.get_ylabel() or (not ax.get_yticks().size and ax.texts), ax.get_title()
    real_ax, model_ax = fig.axes[1], fig.axes[2]
    assert all("(measured)" in line.get_label() for line in real_ax.lines)
    assert all("modelled" in line.get_label() or "symbol table" in line.get_label() for line in model_ax.lines)


def test_e8_expectation_matches_its_own_table():
    """Simulator only, every N up to 300: binds start at N = 129, N - 64 per round of N calls."""
    from experiments import e8_poly_sweep as e8

    doc = e8.run(calls=600, runtimes=())
    for key, t in doc["targets"].items():
        assert t["first_n_binding_in_steady_state"] == 129, key
        rows = {r["n"]: r["steady_binds_per_1000"] for r in t["sweep"]}
        for n in (129, 150, 200, 300):
            assert rows[n] == round(1000.0 * (n - 64) / n, 1), (key, n)
        assert abs(rows[129] - 500) < 10 and "about 500 per 1000 calls at N = 129" in e8.EXPECT
        assert f"{300 - 64} of 300 at N = 300" in e8.EXPECT


def test_refreshed_results_keep_their_scratch_files_out_of_the_project(tmp_path, monkeypatch):
    """--refresh-results writes the committed JSON/PNG; heap shots, worker files and compiled
    snippets (hundreds of MB) still go to the user's folder, never into experiments/results."""
    from experiments import common

    monkeypatch.chdir(tmp_path)
    with common.writing_to(common.RESULTS):
        assert common.work_dir() == common.RESULTS.resolve()
        scratch = common.scratch_dir().resolve()
    assert common.REPO.resolve() not in scratch.parents
    assert scratch == (tmp_path / "dlrsim-out" / "experiments").resolve()
    with common.writing_to(tmp_path / "mine"):
        assert common.scratch_dir() == (tmp_path / "mine").resolve()
