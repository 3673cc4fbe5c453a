"""Runtime facts measured on the real runtimes, and how the profiles carry them.

Each test states where its expectation comes from: a runtime profile field
(the simulator's data), or first principles (the workload's own shape).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from binders import host
from callsite.profiles import get_profile
from callsite.scenarios import get_scenario
from callsite.simulator import simulate

from tests.real.conftest import RUNTIMES, WORKLOAD_DIR as WORKLOADS

REPO = host.REPO


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_binder_identity_per_iteration_is_profile_data(batch, runtime):
    """Binder.X(...) inside the loop: a new binder object per call on Mono, one object on
    CoreCLR (BinderEquivalence); the profile's binder_dedup says which, the runtime shows it."""
    o = batch(runtime).outcomes["scenario:new-site-per-iteration"]
    res = o.result
    iterations = res["calls"]  # one call per iteration in this scenario
    expected = 1 if get_profile(runtime).binder_dedup else iterations
    assert res["binder_objects"] == expected
    # and the consequence for the caches: L2 hits only where the binder is shared
    assert (res["l2_hits"] == iterations - 1) == get_profile(runtime).binder_dedup
    assert (res["binds"] == iterations) == (not get_profile(runtime).binder_dedup)


RESTRICTION_SCRIPT = textwrap.dedent("""
    import json, sys
    from binders import runtimes
    runtimes.get(sys.argv[1]).load()
    import clr, System
    clr.AddReference("System.Core")
    from System.Dynamic import BindingRestrictions
    from System.Linq.Expressions import Expression, ParameterExpression
    from binders import observe
    obj = System.Object()
    p = Expression.Parameter(clr.GetClrType(System.Object), "x")
    test = BindingRestrictions.GetInstanceRestriction(p, obj).ToExpression()
    f = Expression.Lambda(test, System.Array[ParameterExpression]([p])).Compile()
    weak, consts = observe.rule_constants(f)
    print(json.dumps({"weak": len(weak), "holds_object": any(System.Object.ReferenceEquals(c, obj) for c in consts),
                      "matches_same": bool(f.DynamicInvoke(System.Array[System.Object]([obj]))),
                      "matches_other": bool(f.DynamicInvoke(System.Array[System.Object]([System.Object()])))}))
""")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_instance_restriction_holds_the_object_strongly(runtime):
    """BindingRestrictions.GetInstanceRestriction compiles to ``$v = Constant<object>(obj);
    $v != null && $arg == $v`` on both runtimes: the compiled test holds the object itself,
    not a WeakReference (dlr-notes assumed a WeakReference, which is .NET Framework's code)."""
    p = subprocess.run([sys.executable, "-c", RESTRICTION_SCRIPT, runtime], capture_output=True, text=True,
                       env=host._env(), cwd=str(REPO), timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out == {"weak": 0, "holds_object": True, "matches_same": True, "matches_other": False}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_type_receiver_restriction_holds_no_object(batch, runtime):
    """The static receiver (a Type) is instance-restricted, but a Type constant is compiled to
    a type token: the rule's closure holds neither the Type nor a WeakReference."""
    res = batch(runtime).outcomes["scenario:static-type-arg"].result
    assert res["binds"] == 1
    assert res["instance_restricted_rules"] == 0
    assert res["weak_handles_live"] == 0 and res["strong_instance_refs_live"] == 0


def test_mono_com_rules_pin_the_rcws(batch):
    """com-arg-fresh on Mono: every call binds a rule restricted to that call's RCW, and the
    cached rules keep those RCWs alive (strong constants), bounded by the caches."""
    res = batch("mono").outcomes["scenario:com-arg-fresh"].result
    assert res["binds"] == res["calls"] == res["instance_restricted_rules"]
    final = res["samples"][-1]
    assert final["weak_handles_live"] == 0
    assert final["strong_instance_refs_live"] == final["rules_live"] > 0
    assert final["com_live"] == 0  # native objects themselves were released


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_simulator_weak_handle_model_matches_runtime(batch, runtime):
    """FAILS until the profiles model strong instance constants: the simulator counts a
    WeakReference per instance restriction (weak_handles_live), the runtimes hold none."""
    res = batch(runtime).outcomes["scenario:static-type-arg"].result
    sim = simulate(get_scenario("static-type-arg"), runtime, res["calls"]).to_dict()
    assert sim["weak_handles_live"] == res["weak_handles_live"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_full_l2_insert_duplicates_the_new_rule(batch, runtime):
    """RuleCache<T>.AddRule on a full cache copies in place: the new rule lands at 64 and is
    then shifted into 65 too, and the rule that was at 64 is lost.  So a full L2 holds 128
    entries but 127 distinct rules (first principles from RuleCache.cs; measured on both)."""
    res = batch(runtime).outcomes["fact:poly-200"].result
    assert res["l2_rules"] == 128
    assert res["rules_live"] == 127  # distinct rules in L1 (a subset here) and L2


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_simulator_l2_distinct_rules_match_runtime(batch, runtime):
    """The simulator models the duplicate insert of a full RuleCache (see above)."""
    o = batch(runtime).outcomes["fact:poly-200"]
    sim = simulate(get_scenario("poly-200"), runtime, 1000).to_dict()
    assert sim["rules_live"] == o.result["rules_live"]


COM_SCRIPT = textwrap.dedent("""
    import json
    from binders import mono
    mono.load()
    from binders.com import ComFactory
    from binders.observe import full_gc
    f = ComFactory()
    out = {}
    objs = [f.new() for _ in range(50)]
    out["live_after_create"] = f.live()
    for o in objs:
        f.release(o)
    out["live_after_release"] = f.live()
    out["second_release_drops"] = sum(f.release(o) for o in objs)
    del objs
    dropped = [f.new() for _ in range(50)]
    del dropped
    full_gc()
    out["live_after_gc_of_unreleased"] = f.live()
    out["counters"] = f.shim.counters()
    print(json.dumps(out))
""")


def test_com_shim_refcounts_are_exact():
    """Direct path on Mono: 50 RCWs over native objects, released, leave zero native objects;
    50 dropped without release are freed by the RCW finalizers; AddRef/Release balance."""
    env = host._env()
    p = subprocess.run([sys.executable, "-c", COM_SCRIPT], capture_output=True, text=True, env=env,
                       cwd=str(REPO), timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["live_after_create"] == 50
    assert out["live_after_release"] == 0
    assert out["second_release_drops"] == 0
    assert out["live_after_gc_of_unreleased"] == 0
    c = out["counters"]
    assert c["created"] == c["freed"] == 100
    assert c["addrefs"] + c["created"] == c["releases"]  # every reference taken was given back
    assert c["qi_refused"] == 0


def test_com_scenarios_release_every_native_object(batch):
    """In the replays themselves (Mono), no native COM object outlives its iteration."""
    b = batch("mono")
    for name in ("com-arg-fresh", "com-arg-cast", "com-member-access"):
        res = b.outcomes[f"scenario:{name}"].result
        assert all(s["com_live"] == 0 for s in res["samples"]), name


@pytest.mark.parametrize("runtime", [r for r in RUNTIMES if not get_profile(r).native_com_on_linux])
def test_com_is_not_applicable_with_reason(batch, runtime):
    o = batch(runtime).outcomes["scenario:com-arg-fresh"]
    assert o.status == "not_applicable"
    assert "COM" in o.reason and "Linux" in o.reason


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_equivalent_binders_are_what_microsoft_csharp_compares(batch, runtime):
    """binder_equivalence.json: ten Binder.X(...) calls; where the runtime de-duplicates, the binder
    objects it hands out are one per equivalence key (flags the binder drops, int = System.Int32,
    explicit: true = ConvertExplicit), else one per call (Mono)."""
    from callsite.workload import load_workload

    wl = load_workload(WORKLOADS / "binder_equivalence.json")
    res = batch(runtime).outcomes["file:binder_equivalence.json"].result
    keys = {b.equivalence_key() for b in wl.binders.values()}
    assert res["binder_objects"] == (len(keys) if get_profile(runtime).binder_dedup else len(wl.binders))
    assert len(keys) == 6  # eq, len, len_indexed, conv, conv_checked, gen: four pairs are one binder each


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_each_delegate_type_has_its_own_l2(batch, runtime):
    """l2_per_delegate.json: d.Equals(1) and d.Equals(1L) over 100 receiver types on one binder
    object (on de-duplicating runtimes): each site's L2 holds its own 100 rules, none evicted."""
    res = batch(runtime).outcomes["file:l2_per_delegate.json"].result
    sites = {s["name"]: s for s in res["sites"]}
    assert sites["s_int"]["l2_rules"] == sites["s_long"]["l2_rules"] == 100
    assert res["binds"] == 200
