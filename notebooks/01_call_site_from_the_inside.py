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
# # 1. A call site from the inside
#
# **What you will learn.** Every C# `dynamic` operation is compiled to a `CallSite<T>` object with
# three caches: **L0** (the site's `Target` delegate: the last rule that ran), **L1** (the site's own
# `Rules` array, 10 rules, newest first) and **L2** (the binder's `RuleCache`, 128 slots, shared by every
# site holding that binder). In this notebook you build one site, feed it objects of different types one
# call at a time and watch which cache answers each call, how rules move inside L1 and L2, and how the
# site's inline-cache state goes from *monomorphic* to *polymorphic* to *megamorphic*. At the end you
# replay the very same calls on real Mono and check that the simulator agrees call by call.
#
# The C# you are modelling is a loop around one line:
#
# ```csharp
# dynamic x = NextObject();   // some object, type decided at run time
# GC.KeepAlive(x);            // one dynamic call: one CallSite<Action<CallSite, Type, object>>
# ```

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, display

from callsite import simulate
from callsite.draw import SiteStepper, caches_html, draw_steps

# %% [markdown]
# ## Building a site
#
# `SiteStepper` holds one static call site (a compiler-generated static field) over the binder the C#
# compiler emits for `GC.KeepAlive(x)`: `Binder.InvokeMember` with argument infos
# `[UseCompileTimeType|IsStaticType, None]`. Each `feed(value)` makes one call with `value` as the
# dynamic argument and returns the caches' state after the call. Values use the workload format:
# `{"new": "A"}` is a fresh instance of class `A`.

# %%
site = SiteStepper("mono")
print(site.feed({"new": "A"}).describe())

# %% [markdown]
# The first call finds `Target` still pointing at the `Update` delegate, so nothing is cached: the
# binder **binds** (it resolves the overload and compiles a rule, `r1`), adds it to L2, then the site adds
# it to L1 and makes it `Target`. A rule is code guarded by *restrictions*; here is `r1` as a readable
# expression:

# %%
for rule in site.state.rules.values():
    print(f"r{rule.id}:", rule.describe())

# %% [markdown]
# `$arg0 == typeof(GC)` is the static receiver (compiled to a type token on Mono and CoreCLR);
# `$arg1 TypeEqual A` is a **type restriction**: any `A` passes, whatever the instance.
# So a second, different `A` object is answered by L0, the rule in `Target`, with no lookup at all:

# %%
print(site.feed({"new": "A"}).describe())

# %% [markdown]
# ## More types: L1 and "move up two"
#
# Now a `B`: `r1`'s restriction fails, L1 holds nothing else, L2 has nothing for `B`: bind again. Then `A`
# once more: L0 (`r2`, the `B` rule) fails, and the L1 scan finds `r1`. The site is now *polymorphic*.

# %%
for value in [{"new": "B"}, {"new": "A"}, {"new": "C"}, {"new": "D"}, {"new": "A"}]:
    print(site.feed(value).describe())

# %% [markdown]
# Look at the last two calls. After `D` was bound L1 was `r4 r3 r2 r1`: `A`'s rule `r1` was at index 3.
# A hit at index `i > 1` moves the rule **up two places** (`CallSite.MoveRule`), so it is now at index 1.
# The L1 scan also skips the rule that was `Target` on entry (it has just failed).
#
# The drawing shows every step so far: one row per call, the colour on the left says which level
# answered (green L0, blue L1, orange L2, red bind), then `Target`, the 10 L1 slots and the L2 slots,
# each rule in its own colour.

# %%
fig = draw_steps(site.states, title="GC.KeepAlive(x): one site, types A, B, C, D")
plt.show()

# %% [markdown]
# ## Past L1's 10 rules: L2 answers
#
# L1 keeps only the 10 newest rules. Feed 11 more types, then go back to `A`: its rule has fallen out of
# L1, but the binder's L2 `RuleCache` still has it. An L2 hit puts the rule back at the front of L1
# and moves it up two places in L2 (here it is already at index 0, so it stays).
# With more distinct types than L1 holds, the site is *megamorphic*.

# %%
for k in range(11):
    site.feed({"new": f"T{k}"})
print(site.feed({"new": "A"}).describe())
display(HTML(caches_html(site.state)))

# %% [markdown]
# Hover over a cell of the table to see that rule's restrictions. The drawing of the last few steps:

# %%
fig = draw_steps(site.states[-5:], title="Past 10 types: A comes back from L2")
plt.show()

# %% [markdown]
# ## Counting levels over a whole run
#
# The stepper is the simulator, one call at a time. `stepper.workload()` is the ordinary workload
# mapping of the calls you fed, so `simulate` gives the same answers for the whole run at once, and
# `SimResult.level_names` lists which level answered each call.

# %%
result = simulate(site.workload(), profile="mono")
assert result.level_names == [s.level for s in site.states]
print(result.level_names)
print({k: result.to_dict()[k] for k in ("calls", "binds", "l0_hits", "l1_hits", "l2_hits", "l1_rules", "l2_rules")})
print("inline-cache state:", result.to_dict()["sites"][0]["ic_state"])

# %% [markdown]
# ## The same calls on real Mono
#
# The workload says what the program does, never how the caches react, so it runs unchanged on the real
# `Microsoft.CSharp` binders. `run_real` replays it on Mono 6.8 in a worker process and reads, per call,
# which level answered from the runtime itself (a bind-counting binder wrapper, the site's `Rules` and
# `Target` by reflection).

# %%
from binders.api import run_real

real = run_real(site.workload(), "mono", levels=True)
agree = sum(a == b for a, b in zip(real["levels"], result.level_names))
print(f"{real['runtime_version']}: {agree}/{len(result.level_names)} calls answered by the same level")
for step, (sim_level, real_level) in enumerate(zip(result.level_names, real["levels"]), 1):
    if sim_level != real_level:
        print("differs at call", step, sim_level, real_level)
assert real["levels"] == result.level_names

# %% [markdown]
# ## Exercises
#
# 1. **A reused object.** Make a new `SiteStepper("mono")` and feed it `{"obj": "x", "type": "A"}`,
#    then `{"obj": "y", "type": "A"}`, then `{"new": "A"}`. Which level answers each call, and why does
#    the object's identity not matter? (Print `state.describe()` and the rule's `describe()`.)
# 2. **Round robin.** Feed 12 types round robin (`T0 ... T11`, three rounds). Which level answers in
#    the third round? Now try 10 types. Check your answer with
#    `simulate("poly-12", calls=36).level_names[-12:]`.
# 3. **Null.** Feed `None` twice, then `{"new": "A"}`, then `None`. What restriction guards the null
#    rule (`site.state.rules`)? Replay `site.workload()` with `run_real(..., "coreclr", levels=True)`:
#    does CoreCLR agree?
