# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Type versus instance restrictions: the COM argument leak and the cast fix
#
# **What you will learn.** Why passing a fresh COM object as a `dynamic` argument makes a call site bind
# and compile a new rule on *every* call, while the same call with a cast to `object` binds once. You
# will read the rules' restrictions as expressions (a **type** restriction `$arg1 TypeEqual
# System.__ComObject` against an **instance** restriction `$arg1 == (that very object)`), run both
# versions on the simulator and on real Mono side by side, see how the rule *holds* the object (on
# Mono 6.8 and CoreCLR 3.1 as a constant of the rule, not a `WeakReference`), and let the detector name
# the problem and its fix.
#
# The C# from the seed article, wrong and right:
#
# ```csharp
# dynamic com = Activator.CreateInstance(comType);
# Marshal.FinalReleaseComObject(com);           // leaks: com-arg-fresh
# Marshal.FinalReleaseComObject((object)com);   // the fix: com-arg-cast
# ```

# %%
from binders.api import run_real
from callsite import detect, get_scenario, simulate
from callsite.draw import SiteStepper, draw_steps, static_call_binder
import matplotlib.pyplot as plt

CALLS = 200  # small, so the real runs stay quick

# %% [markdown]
# ## The rules, as expressions
#
# Two steppers over the compiler's binder for `Marshal.FinalReleaseComObject(x)`, each fed three fresh
# COM objects: in the second the argument is cast to `object`, which the workload format writes as
# `{"cast": "object", "value": ...}` (it becomes `UseCompileTimeType` in the argument info).

# %%
MARSHAL = {"static": "System.Runtime.InteropServices.Marshal"}
release = static_call_binder("FinalReleaseComObject")
fresh = SiteStepper("mono", binder=release, receiver=MARSHAL)
cast = SiteStepper("mono", binder=release, receiver=MARSHAL)
for _ in range(3):
    fresh.feed({"com": "fresh"})
    cast.feed({"cast": "object", "value": {"com": "fresh"}})

print("dynamic argument:")
for rule in fresh.state.rules.values():
    print("  r%d: %s" % (rule.id, rule.describe()))
print("cast to object:")
for rule in cast.state.rules.values():
    print("  r%d: %s" % (rule.id, rule.describe()))

# %% [markdown]
# Without the cast the C# binder sees a dynamically typed COM object
# (`BinderHelper.IsDynamicallyTypedRuntimeProxy`) and restricts the rule to **that instance**: the next
# fresh object fails L0, every rule in L1 and every rule in L2, so each call binds. With the cast the
# argument info says `UseCompileTimeType`, and the restriction is on the **type**: every later
# `__ComObject` passes. The drawing shows the caches filling up with one-object rules:

# %%
fig = draw_steps(fresh.states, title="dynamic argument: a new rule per COM object")
plt.show()
fig = draw_steps(cast.states, title="cast to object: one rule")
plt.show()

# %% [markdown]
# ## The whole run on the simulator
#
# The built-in scenarios `com-arg-fresh` and `com-arg-cast` are these two programs. `simulate` runs them
# with the Mono profile; `strong_instance_refs_live` counts objects kept alive by cached rules, and
# `weak_handles_live` the `WeakReference` handles the rules hold.

# %%
FIELDS = ("calls", "binds", "l0_hits", "l1_rules", "l2_rules", "rules_live",
          "strong_instance_refs_live", "weak_handles_live")
sim = {name: simulate(name, profile="mono", calls=CALLS) for name in ("com-arg-fresh", "com-arg-cast")}
print(f"{'':26}" + "".join(f"{n:>15}" for n in sim))
for f in FIELDS:
    print(f"{f:26}" + "".join(f"{r.to_dict()[f]:>15}" for r in sim.values()))
print(f"{'ic_state':26}" + "".join(f"{r.to_dict()['sites'][0]['ic_state']:>15}" for r in sim.values()))
print(f"{'identity_churn':26}" + "".join(f"{str(r.to_dict()['sites'][0]['identity_churn']):>15}" for r in sim.values()))

# %% [markdown]
# Note the inline-cache state: the leaky site is *monomorphic* (one argument type, `__ComObject`), yet it
# binds on every call. That is what `identity_churn` flags: the misses come from object identity, not
# from new types. L1 stops at 10 rules and L2 at 128 slots (127 distinct rules, see notebook 3), so the
# memory held is bounded; the cost that keeps growing is time, a bind and a compile per call.

# %% [markdown]
# ## How the rule holds the object: Mono and CoreCLR against .NET Framework
#
# The seed article shows .NET Framework's rule testing `WeakReference.Target`. Mono 6.8 and CoreCLR 3.1
# were measured to compile the instance restriction differently: the object itself is a constant of the
# rule (`$v = Constant(obj); $v != null && $arg == $v`), so a cached rule keeps its object alive. The
# profiles carry this difference as data (`instance_reference`); `netfx` is built from the sources and
# is not verified here (it cannot run on Linux).

# %%
from callsite import get_profile

for profile in ("mono", "coreclr", "netfx"):
    p = get_profile(profile)
    d = simulate("com-arg-fresh", profile=profile, calls=CALLS).to_dict()
    print(f"{profile:8} instance_reference={p.instance_reference:7} rules_live={d['rules_live']:4} "
          f"strong refs={d['strong_instance_refs_live']:4} weak handles={d['weak_handles_live']:4} "
          f"dead weak targets={d['weak_targets_dead']:4}")

netfx = SiteStepper("netfx", binder=release, receiver=MARSHAL)
netfx.feed({"com": "fresh"})
print(next(iter(netfx.state.rules.values())).describe())

# %% [markdown]
# ## Side by side with real Mono
#
# `run_real` replays the same scenario on Mono 6.8 with real `System.__ComObject` RCWs (over a small
# native IUnknown) and reports the same fields, read from the runtime. `instance_restricted_rules` is
# told from what each compiled rule's closure holds.

# %%
real = {name: run_real(name, "mono", CALLS, levels=True) for name in sim}
print(f"{'':28}{'sim fresh':>11}{'Mono fresh':>11}{'sim cast':>11}{'Mono cast':>11}")
for f in FIELDS[1:]:
    print(f"{f:28}" + "".join(f"{src[n].to_dict()[f] if src is sim else src[n][f]:>11}"
                              for n in sim for src in (sim, real)))
for name in sim:
    print(f"{name}: instance-restricted rules {real[name]['instance_restricted_rules']}, "
          f"type-restricted rules {real[name]['type_restricted_rules']}")
    agree = sum(a == b for a, b in zip(real[name]["levels"], sim[name].level_names))
    print(f"  levels: {agree}/{CALLS} calls agree with the simulator")
    assert agree == CALLS

# %% [markdown]
# The real run agrees call by call, and shows `weak_handles_live = 0` with `strong_instance_refs_live`
# equal to the rules' count: no `WeakReference` anywhere, the rules hold the RCWs. Notebook 4 finds those
# RCWs in a heap snapshot and follows the references from a GC root to them.
#
# On CoreCLR there is nothing to compare: CoreCLR on Linux has no COM interop, so no `__ComObject`
# (and no COM instance restriction) can exist there.

# %%
core = run_real("com-arg-fresh", "coreclr", 20)
print(core.get("runtime_version"), "->", core.get("not_applicable"))

# %% [markdown]
# ## The detector names it
#
# `detect` reads a result (simulated or real) and reports findings per site with evidence and a fix.
# It accepts the real run's result dict too.

# %%
for label, result in (("sim", sim["com-arg-fresh"]), ("real Mono", real["com-arg-fresh"]),
                      ("sim cast", sim["com-arg-cast"])):
    report = detect(result)
    print(f"--- {label}: {len(report.findings)} finding(s)")
    for f in report.findings:
        print(f"[{f.severity}] {f.kind}: {f.message}\n    fix: {f.fix}")

# %% [markdown]
# ## Exercises
#
# 1. **Same object, every call.** Run `simulate("com-arg-same", calls=100)`. The argument is still
#    instance-restricted (check with a `SiteStepper` fed `{"com": "keep"}` twice): why does it bind only
#    once?
# 2. **Receivers.** `com-member-access` reads a property of a fresh COM object (`com.Foo`). Simulate it
#    with the `mono` and the `netfx` profiles and compare `binds`: which runtime has a COM binder that
#    guards the receiver with `IsComObject`? Confirm the Mono count with `run_real("com-member-access",
#    "mono", 50)`.
# 3. **Managed objects.** Replace the COM object with a fresh managed object (`{"new": "Foo"}`) in a
#    `SiteStepper` over the same binder. Which restriction do you get, and how many binds for 5 calls?
