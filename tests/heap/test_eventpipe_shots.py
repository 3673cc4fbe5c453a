"""Heap shots of real CoreCLR 3.1 (and .NET 8, once ``binders.runtimes`` has it) through EventPipe.

The demo heap of tests/heap/HeapDemo.cs (a static List<StaticHeld> of 1000,
a normal and a pinned GC handle, a parked thread's local, weak-only objects,
real C# dynamic call sites) is dumped at points "start", "filled" and
"cleared" by the process itself (binders.dotnet_heapshot), then read with the
same Snapshot API and CLI as Mono's shots. A replay (`dlrsim real --runtime
coreclr --heapshots`) is checked against its own reflection counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from binders import runtimes
from callsite.heap.dominators import dominator_tree
from callsite.heap.formats import read_heap_file
from callsite.heap.nettrace import NettraceFormatError, read_nettrace
from callsite.heap.paths import path_to
from callsite.heap.snapshot import Snapshot, read_points, read_sidecar

from .conftest import HERE, ROOT

EVENTPIPE_RUNTIMES = ["coreclr", "net8"]


def _need(runtime: str) -> None:
    problems = runtimes.get(runtime).problems()
    if problems:
        pytest.fail(f"{runtime} unavailable (run ./setup.sh): {'; '.join(problems)}")


@pytest.fixture(scope="module", params=EVENTPIPE_RUNTIMES)
def demo(request, demo_dll, tmp_path_factory):
    runtime = request.param
    _need(runtime)
    out = str(tmp_path_factory.mktemp(f"ep-{runtime}") / "demo.nettrace")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "capture_demo.py"), out, demo_dll, runtime],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-3000:]
    counts = json.loads(proc.stdout.splitlines()[0])
    f = read_heap_file(out)
    snaps = {p: Snapshot.load(f"{out}@{p}", mlpd=f) for p in ("start", "filled", "cleared")}
    return {"path": out, "file": f, "snaps": snaps, "counts": counts, "runtime": runtime}


def test_one_stream_and_shot_per_point(demo):
    assert read_points(demo["path"]) == {"start": 0, "filled": 1, "cleared": 2}
    f = demo["file"]
    assert f.header.streams == 3 and len(f.shots) == 3
    assert [s.gc_number for s in f.shots] == sorted({s.gc_number for s in f.shots})
    for s in f.shots:
        assert 0 < s.gc_ns <= s.pause_ns < 10**10 and sum(s.heap_stats.values()) > 0


def test_known_objects_and_their_roots(demo):
    s = demo["snaps"]["filled"]
    held = s.find("DlrsimHeapDemo.StaticHeld", exact=True)
    assert len(held) == 1000 and len(s.find("DlrsimHeapDemo.Payload", exact=True)) == 1000
    p = path_to(s, int(held[0]))
    assert p.root.kind == "static" and "Items" in p.root.description
    assert "System.Collections.Generic.List<DlrsimHeapDemo.StaticHeld>" in [s.class_of(o) for o in p.objects]
    (h,) = s.find("DlrsimHeapDemo.HandleHeld")
    assert {r.kind for r in s.roots(int(h))} == {"gc-handle-strong"}
    (b,) = s.find("DlrsimHeapDemo.Blit[]")
    assert {r.kind for r in s.roots(int(b))} == {"gc-handle-pinned"}
    (k,) = s.find("DlrsimHeapDemo.StackHeld")
    assert "stack" in {r.kind for r in s.roots(int(k))}
    assert len(s.find("DlrsimHeapDemo.WeakOnly", exact=True)) == 0  # only weakly held: the dump's GC took them
    # the WeakReferences' weak handles are counted but are not roots (as on Mono): nothing is "held" by them
    assert len(demo["file"].shots[1].weak_handle_obj) >= 50 and "gc-handle" not in s.summary()["roots_by_kind"]
    assert s.dangling_refs == 0


def test_diff_between_points_and_total_memory(demo):
    snaps = demo["snaps"]
    up = {d.key: d for d in snaps["filled"].compare_to(snaps["start"])}
    one = int(snaps["filled"].size[snaps["filled"].find("DlrsimHeapDemo.StaticHeld", exact=True)[0]])
    assert up["DlrsimHeapDemo.StaticHeld"].count_diff == 1000
    assert up["DlrsimHeapDemo.StaticHeld"].size_diff == 1000 * one
    down = {d.key: d for d in snaps["cleared"].compare_to(snaps["filled"])}
    assert down["DlrsimHeapDemo.StaticHeld"].count_diff == -1000 and down["DlrsimHeapDemo.Payload"].count == 0
    # the dump lists every live object: its bytes match what the runtime itself reports, after a
    # forced collection at the end (15%: .NET 8 also walks its non-GC heap of string literals and
    # RuntimeType objects, which GetTotalMemory leaves out), and without one just after each dump
    # (20%: the allocation contexts handed out since then count as used)
    side = read_sidecar(demo["path"])["points"]
    for point in side:
        shot = snaps[point["name"]]
        assert abs(shot.total_size - point["total_memory"]) <= 0.2 * point["total_memory"], point
    last = snaps["cleared"].total_size
    assert abs(last - demo["counts"]["total_memory"]) <= 0.15 * demo["counts"]["total_memory"]


def test_dynamic_sites_and_dominators(demo):
    s = demo["snaps"]["filled"]
    (site,) = [o for o in s.find("System.Runtime.CompilerServices.CallSite<*") if s.roots(int(o))]
    assert any(r.kind == "static" and "Site" in r.description for r in s.roots(int(site)))
    assert len(s.find("System.Runtime.CompilerServices.RuleCache<*")) >= 1
    assert len(s.find("System.Runtime.CompilerServices.Closure", exact=True)) >= 1
    assert len(s.find("Microsoft.CSharp.RuntimeBinder.CSharpInvokeMemberBinder")) >= 1
    tree = dominator_tree(s)
    (lst,) = s.find("System.Collections.Generic.List<DlrsimHeapDemo.StaticHeld>")
    assert tree.retained[lst] >= 1000 * 2 * 24
    assert tree.retained[tree.super_root] == int(s.size[s.reachable()].sum())


def test_heap_cli_reads_nettrace(demo, tmp_path):
    path = demo["path"]
    env = dict(os.environ, PYTHONPATH=ROOT)
    for args in (["list", path], ["summary", f"{path}@filled"], ["diff", f"{path}@start", f"{path}@filled"],
                 ["dominators", f"{path}@filled"], ["paths", f"{path}@filled", "--class", "DlrsimHeapDemo.StaticHeld"]):
        proc = subprocess.run([sys.executable, "-m", "callsite", "heap", *args, "--json"], capture_output=True,
                              text=True, timeout=120, env=env, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        json.loads(proc.stdout)


def test_truncated_file_keeps_complete_shots(demo, tmp_path):
    raw = open(demo["path"], "rb").read()
    f = demo["file"]
    cut = tmp_path / "cut.nettrace"
    cut.write_bytes(raw[: (f.shots[2].file_offset + len(raw)) // 2])
    with pytest.raises(NettraceFormatError) as ei:
        read_nettrace(cut)
    assert f"byte offset {ei.value.offset}" in str(ei.value) and 0 <= ei.value.offset <= len(raw)
    partial = read_nettrace(cut, allow_partial=True)
    assert len(partial.shots) == 2
    assert len(Snapshot.from_mlpd(partial, 1).find("DlrsimHeapDemo.StaticHeld", exact=True)) == 1000
    proc = subprocess.run([sys.executable, "-m", "callsite", "heap", "list", str(cut)], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=ROOT), cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "byte offset" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "callsite", "heap", "list", str(cut), "--partial", "--json"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=ROOT),
                          cwd=tmp_path)
    assert proc.returncode == 0 and len(json.loads(proc.stdout)["shots"]) == 2
    assert f"byte offset {ei.value.offset}" in proc.stderr


@pytest.mark.parametrize("runtime", EVENTPIPE_RUNTIMES)
def test_replay_heapshots_match_reflection(runtime, tmp_path):
    """`dlrsim real --heapshots` on a runtime with EventPipe: the rule delegates the replay counts by
    reflection (L1 arrays of live sites, L2 arrays of live binders) are the ones in the shot."""
    _need(runtime)
    out = tmp_path / "poly.nettrace"
    proc = subprocess.run([sys.executable, "-m", "callsite", "real", "--scenario", "poly-13", "--runtime", runtime,
                           "--calls", "260", "--heapshots", str(out), "--json"], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=ROOT), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout)
    assert set(read_points(out)) == {f"poly-13:{p}" for p in ("before", "during", "after", "reset")}
    f = read_heap_file(out)
    before, after = (Snapshot.load(f"{out}@poly-13:{p}", mlpd=f) for p in ("before", "after"))
    sites = after.find("System.Runtime.CompilerServices.CallSite<*")
    caches = after.find("System.Runtime.CompilerServices.RuleCache<*")
    assert len(sites) >= 1 and len(caches) >= 1
    arrays = {int(a) for o in np.concatenate([sites, caches]) for a in after.refs_from(int(o))
              if after.class_of(int(a)).endswith("[]")}
    rules = {int(d) for a in arrays for d in after.refs_from(a)
             if after.class_of(int(d)).startswith(("System.Func<", "System.Action<"))}
    assert len(rules) == res["rules_live"] == 13
    closures = {int(c) for r in rules for c in after.refs_from(r)
                if after.class_of(int(c)) == "System.Runtime.CompilerServices.Closure"}
    assert len(closures) == len(rules)  # each compiled rule runs on its own Closure
    grew = {d.key: d for d in after.compare_to(before)}
    assert grew["System.Runtime.CompilerServices.Closure"].count_diff >= len(rules)


def test_dump_another_process(demo_dll, tmp_path):
    """`dlrsim heap dump PID`: another process drives the session (as dotnet-gcdump would), with rundown."""
    _need("coreclr")
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys; from binders import coreclr; coreclr.load(); import clr; "
        f"clr.AddReference({demo_dll!r}); from DlrsimHeapDemo import Holder; Holder.Fill(700, 0); "
        "print('ready', flush=True); sys.stdin.readline()")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    try:
        assert child.stdout.readline().strip() == "ready"
        # what `dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x1980001:5` asks for:
        # dotnet-gcdump's keywords only (no generation ranges), with rundown at the end
        from binders import diagnostics

        (tmp_path / "trace.nettrace").write_bytes(diagnostics.dump_heap(child.pid, keywords=0x1980001, rundown=True))
        env = dict(os.environ, PYTHONPATH=ROOT)
        for extra in ([], ["--append", "--point", "again"]):
            proc = subprocess.run([sys.executable, "-m", "callsite", "heap", "dump", str(child.pid), "-o", "p.nettrace",
                                   "--json", *extra], capture_output=True, text=True, timeout=120, env=env,
                                  cwd=tmp_path)
            assert proc.returncode == 0, proc.stderr[-2000:]
    finally:
        child.communicate("\n", timeout=60)
    traced = Snapshot.load(str(tmp_path / "trace.nettrace"))
    assert len(traced.find("DlrsimHeapDemo.StaticHeld", exact=True)) == 700 and not traced.gen.any()
    f = read_heap_file(tmp_path / "p.nettrace")
    assert len(f.shots) == 2 and read_points(tmp_path / "p.nettrace")["again"] == 1
    for i in range(2):  # the same idle heap, dumped again
        assert abs(len(Snapshot.from_mlpd(f, i)) - len(traced)) <= 0.02 * len(traced)
    proc = subprocess.run([sys.executable, "-m", "callsite", "heap", "dump", str(child.pid), "-o", "p.nettrace"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=ROOT),
                          cwd=tmp_path)
    assert proc.returncode == 2 and "no diagnostics socket" in proc.stderr
    assert len(read_heap_file(tmp_path / "p.nettrace").shots) == 2  # nothing lost


def test_experiment_heap_evidence_on_coreclr():
    """The experiments' second run with heap shots works on coreclr too (EventPipe instead of the profiler)."""
    _need("coreclr")
    code = ("import json; from callsite.scenarios import scenario_document; from experiments.common import "
            "heap_evidence; print(json.dumps(heap_evidence(scenario_document('poly-4'), 80, 'coreclr')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    ev = json.loads(proc.stdout.splitlines()[-1])
    assert ev["file"].endswith("poly-4.coreclr.nettrace") and ev["binds"] == 4
    grew = {r["class"]: r["count_diff"] for r in ev["run"]["dlr_classes"]}
    assert grew.get("System.Runtime.CompilerServices.Closure", 0) >= 4
    assert any(k.startswith("System.Runtime.CompilerServices.CallSite<") for k in grew)


def test_generations_match_the_runtimes_heap_stats(demo):
    """Each object's generation comes from the ranges the runtime reports; per generation the shot's
    bytes fit in (and make up most of) what GCHeapStats says the generation holds."""
    f = demo["file"]
    for i, raw in enumerate(f.shots):
        s = Snapshot.from_mlpd(f, i)
        by_gen = {st.key: st.size for st in s.statistics("generation")}
        stats = raw.heap_stats
        for gen, key in ((1, "gen1_bytes"), (2, "gen2_bytes"), (3, "loh_bytes"), (4, "poh_bytes")):
            if key in stats:
                assert by_gen.get(f"gen{gen}", 0) <= stats[key]
        in_heap = sum(v for k, v in by_gen.items() if k != "gen5")
        # the stats count free space between objects too (up to a quarter here, after compaction)
        assert 0.5 * sum(stats.values()) <= in_heap <= sum(stats.values())
        outside = s.find("*")[s.gen[s.find("*")] == 5]
        if demo["runtime"] == "coreclr":
            assert len(outside) == 0  # 3.1 has no heap outside the GC's generations


def test_conditional_weak_table_values_hang_off_their_keys(tmp_path):
    """A ConditionalWeakTable entry (a dependent handle) keeps its value alive only through its key:
    the value's retention path runs through the key, not from a root of its own."""
    _need("coreclr")
    out = tmp_path / "cwt.nettrace"
    code = ("from binders import coreclr, dotnet_heapshot, heapshot; coreclr.load(); import clr; "
            "from System import Object; from System.Text import StringBuilder; "
            "from System.Runtime.CompilerServices import ConditionalWeakTable; "
            "t = ConditionalWeakTable[Object, StringBuilder](); keys = [Object() for _ in range(5)]; "
            "[t.Add(k, StringBuilder('v')) for k in keys]; "
            f"dotnet_heapshot.start({str(out)!r}); heapshot.take_heapshot('x')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr[-2000:]
    s = Snapshot.load(str(out))
    through_key = 0
    for o in s.find("System.Text.StringBuilder", exact=True):
        assert not s.roots(int(o))
        p = path_to(s, int(o))
        through_key += p is not None and len(p.objects) >= 2 and s.class_of(p.objects[-2]) == "System.Object"
    assert through_key == 5
