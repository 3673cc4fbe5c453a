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
# # 3. Binders across runtimes, and the L2 capacity cliff
#
# **What you will learn.** The L2 cache belongs to the *binder object*, not to the call site. You will
# see why creating the site and its binder inside a loop costs a bind on every iteration on Mono but only
# once on CoreCLR and .NET 8 (they hand back an existing equivalent binder, Mono makes a new one per
# `Binder.X(...)` call), checked on the three real runtimes. Then you will push one site past L2's insert
# position (64) and its capacity (128 slots, which hold only 127 distinct rules once full), and plot a
# polymorphism sweep that shows the cliff, with real-runtime points on it.

# %%
import matplotlib.pyplot as plt
import numpy as np

from binders.host import run_batch, source_for
from callsite import get_profile, simulate
from callsite.draw import SiteStepper, draw_steps

RUNTIMES = ("mono", "coreclr", "net8")   # net8: .NET 8.0.4, which shares the CoreCLR profile

# %% [markdown]
# ## A new binder per iteration
#
# The seed article's second finding, hand-written in C#:
#
# ```csharp
# while (true) {
#     var binder = Binder.InvokeMember(CSharpBinderFlags.ResultDiscarded, "KeepAlive", null, typeof(Program),
#                                      new[] { CSharpArgumentInfo.Create(UseCompileTimeType | IsStaticType, null),
#                                              CSharpArgumentInfo.Create(None, null) });
#     var site = CallSite<Action<CallSite, Type, object>>.Create(binder);
#     site.Target(site, typeof(GC), 1);
# }
# ```
#
# A new site has an empty L0 and L1, so its first call always goes to L2, the binder's `RuleCache`.
# Whether that L2 already has the rule depends on whether `Binder.InvokeMember` returned a new binder.
# The built-in scenario `new-site-per-iteration` is this loop; the profiles say how each runtime makes
# binders:

# %%
for rt in RUNTIMES:
    p = get_profile(rt)
    print(f"{rt:8} binder_dedup={p.binder_dedup!s:5}  {p.description}")

# %% [markdown]
# The same loop with the binder created *once*, outside the loop (the site is still new every
# iteration), as a workload mapping:

# %%
kept_binder = {
    "format": "dlrsim-workload/1", "name": "site-per-iteration-kept-binder",
    "binders": {"b": {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                      "args": [["UseCompileTimeType", "IsStaticType"], []]}},
    "sites": {"s": {"binder": "b", "lifetime": "per-iteration"}},   # no binder_per_iteration
    "body": [{"site": "s", "args": [{"static": "System.GC"}, {"box": "int", "value": 1}]}],
    "iterations": 1000,
}

CALLS = 60
WORKLOADS = {"binder per iteration": "new-site-per-iteration", "binder kept": kept_binder}
rows = []
for rt in RUNTIMES:
    # one worker process per runtime, one job per workload (run_real does the same for a single job)
    jobs = [{"id": label, "calls": CALLS, "levels": True,
             "source": source_for(scenario=w) if isinstance(w, str) else source_for(workload=w)}
            for label, w in WORKLOADS.items()]
    hello, outcomes = run_batch(rt, jobs)
    for (label, workload), outcome in zip(WORKLOADS.items(), outcomes):
        sim = simulate(workload, profile=rt, calls=CALLS)
        rows.append((label, rt, sim.to_dict(), outcome.result))
        assert outcome.result["levels"] == sim.level_names

print(f"{'':22}{'runtime':9}{'binds sim':>10}{'binds real':>11}{'L2 hits sim':>12}{'L2 hits real':>13}"
      f"{'binders sim':>12}{'binders real':>13}")
for label, rt, s, r in rows:
    print(f"{label:22}{rt:9}{s['binds']:>10}{r['binds']:>11}{s['l2_hits']:>12}{r['l2_hits']:>13}"
          f"{s['binder_objects']:>12}{r['binder_objects']:>13}")

# %% [markdown]
# On Mono every iteration's `Binder.InvokeMember` is a new object with an empty L2, so every call binds
# and compiles a rule (about half a millisecond each on Mono here). On CoreCLR `BinderEquivalence`
# returns the binder made in the first iteration, whose L2 already holds the rule: one bind, then L2
# hits. Keep the binder outside the loop and Mono behaves like CoreCLR. The compiler never makes this
# mistake (it caches the site in a static field), but hand-written `CallSite.Create` code does.
#
# (`binders.host.run_batch` runs several jobs in one worker process, which saves a runtime start-up per
# workload; `binders.api.run_real` is the one-job form.) The real runs read `binder_objects` from the
# runtime: on CoreCLR the 60 `Binder.InvokeMember` calls produced one object.

# %% [markdown]
# ## Filling L2: insert position 64, capacity 128
#
# `RuleCache<T>` appends rules until it holds 64 (`InsertPosition = MaxRules / 2`), then inserts every
# new rule *at* 64, pushing the later ones back. Once all 128 slots are taken, `AddOrInsert` writes the
# new rule at 64 and then shifts the tail over it, so the new rule lands at 64 **and** 65 and the last
# rule falls off: a full L2 holds 127 distinct rules (measured on Mono 6.8 and CoreCLR 3.1).
# Feed one site 130 types, one call each:

# %%
site = SiteStepper("mono")
for k in range(130):
    site.feed({"new": f"C{k}"})
for step in (64, 65, 66, 128, 129, 130):
    st = site.states[step - 1]
    print(f"after {step:3} types: L2 slots {len(st.l2):3}, distinct rules {st.l2_distinct:3}, "
          f"slots 62..67: {' '.join(f'r{i}' for i in st.l2[62:68])}")
fig = draw_steps([site.states[i - 1] for i in (63, 64, 65, 66, 128, 129, 130)], l2_slots=128,
                 title="L2 filling up: new rules go in at 64; past 128 the new rule lands twice")
plt.show()

# %% [markdown]
# ## The polymorphism sweep
#
# `poly-N` feeds one site fresh instances of N classes round robin. Run each N long enough to reach a
# steady state (6 rounds) and count which level answers the last 2 rounds:

# %%
def steady_levels(n: int, profile: str = "mono") -> dict:
    r = simulate(f"poly-{n}", profile=profile, calls=6 * n)
    tail = r.level_names[4 * n:]
    return {k: tail.count(k) / len(tail) for k in ("l0", "l1", "l2", "bind")}


NS = list(range(1, 201))
sweep = {rt: [steady_levels(n, rt) for n in NS] for rt in RUNTIMES}
assert sweep["mono"] == sweep["coreclr"] == sweep["net8"]   # one static site: the binders do not matter here
for n in (10, 11, 64, 65, 128, 129, 150, 200):
    print(n, {k: round(v, 3) for k, v in sweep["mono"][n - 1].items()})

# %% [markdown]
# Up to 10 types L1 answers; from 11 to 128 every call is an L2 hit (no binds at all, but each hit
# scans L2 and copies the rule back into L1); past 128 the bind rate jumps from 0 to about
# (N − 64) / N: only the 64 rules in front of the insert position stay put, while every new rule goes in
# at 64 and pushes the rule at the end out, so the back half churns. Real runs of a few points, on all three
# runtimes, in one worker process per runtime:

# %%
POINTS = (10, 11, 65, 128, 129)
real_bind_rate = {}
for rt in RUNTIMES:
    jobs = [{"id": f"poly-{n}", "source": source_for(scenario=f"poly-{n}"), "calls": 6 * n, "levels": True}
            for n in POINTS]
    hello, outcomes = run_batch(rt, jobs)
    for n, o in zip(POINTS, outcomes):
        levels = o.result["levels"][4 * n:]
        real_bind_rate[rt, n] = levels.count("bind") / len(levels)
        assert o.result["levels"] == simulate(f"poly-{n}", profile=rt, calls=6 * n).level_names
    print(hello["runtime_version"], {n: round(real_bind_rate[rt, n], 3) for n in POINTS})

# %%
fig, ax = plt.subplots(figsize=(10, 4))
frac = {k: np.array([s[k] for s in sweep["mono"]]) for k in ("l0", "l1", "l2", "bind")}
ax.stackplot(NS, frac["bind"], frac["l2"], frac["l1"], frac["l0"], labels=["bind", "L2", "L1", "L0"],
             colors=["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c"], alpha=0.6)
ns = np.array(NS, dtype=float)
ax.plot(ns[ns > 128], (ns[ns > 128] - 64) / ns[ns > 128], "k--", lw=1, label="(N − 64) / N")
for rt, marker in zip(RUNTIMES, ("o", "x", "+")):
    ax.plot(POINTS, [real_bind_rate[rt, n] for n in POINTS], marker, color="black", ls="", mfc="none",
            ms=8, label=f"bind rate, real {rt}")
for x in (10, 64, 128):
    ax.axvline(x, color="grey", lw=0.8, ls=":")
ax.set_xlabel("distinct types N at one site (round robin)")
ax.set_ylabel("share of calls, steady state")
ax.set_title("poly-N sweep: L1 holds 10, L2 128 slots; past 128 only the front 64 survive")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. **Shared L2 between sites.** Write a workload with two *static* sites `s1` and `s2`, each naming its
#    own binder (`b1`, `b2`) with identical specs, fed the same 12 types in turn. Compare `l2_hits` and
#    `binds` with `simulate(..., profile="mono")` and `profile="coreclr"`: on which runtime do the two
#    sites share one L2? Check one runtime with `binders.api.run_real(workload, "coreclr", levels=True)`.
# 2. **Random order.** Replace round robin with a random order over 129 types (a `script` of one call per
#    iteration, `{"new": "C<k>"}` with `k` drawn from `random.Random(1)`). Is the bind rate still about
#    (N − 64) / N? Why does "move up two on a hit" help here?
# 3. **Smaller caches.** `get_profile("mono").with_changes(l2_max_rules=32, l2_insert_position=16)` is a
#    profile `simulate` accepts. Redo the sweep up to N = 60 with it: where are the cliffs now?
