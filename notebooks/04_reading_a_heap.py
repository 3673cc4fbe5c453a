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
# # 4. Reading a heap: what the leaky site keeps alive, and from which root
#
# **What you will learn.** How to take heap snapshots of a real Mono process before and after a leaky
# run, diff them by class, find what retains the most memory with the dominator tree, and follow a
# retention path from a **GC root** to a leaked COM object through the call site's caches. You will tie
# each root to the kinds described in the seed articles: static fields, thread stacks and `GCHandle`s
# (strong or pinned) keep objects alive; weak handles do not.

# %%
import re
import tempfile
from pathlib import Path

from binders.host import run_batch, source_for
from callsite.heap import OwnershipView, Snapshot, dominator_tree, owner_groups, path_summary, retention_paths

CALLS = 150  # enough to fill L1 (10) and L2 (128 slots)
work = Path(tempfile.gettempdir()) / "dlrsim-notebook-heap"  # reused: each run overwrites its shots
work.mkdir(exist_ok=True)


def short(name: str) -> str:
    """Class names without namespaces: System.Action<System.Type> -> Action<Type>."""
    return re.sub(r"\b(?:\w+\.)+(?=\w)", "", name)

# %% [markdown]
# ## Taking the snapshots
#
# With `DLRSIM_HEAPSHOT` set, the replay worker loads Mono's log profiler before the runtime starts and
# takes a heap shot at named points of each job: `NAME:before` (after warm-up), `:during`, `:after` (the
# end) and `:reset` (after the harness drops its sites and binders). The same as
# `dlrsim real --scenario com-arg-fresh --runtime mono --heapshots fresh.mlpd`. Each scenario runs in
# its own worker process, so the second run's heap does not start with the first one's objects.

# %%
shots = {}
for name in ("com-arg-fresh", "com-arg-cast"):
    shots[name] = work / f"{name}.mlpd"
    job = {"id": name, "source": source_for(scenario=name), "calls": CALLS}
    hello, (outcome,) = run_batch("mono", [job], env={"DLRSIM_HEAPSHOT": str(shots[name])})
    print(f"{name}: binds {outcome.result['binds']}, rules live {outcome.result['rules_live']}, "
          f"{shots[name].stat().st_size / 1e6:.1f} MB of heap shots")

# %%
before = Snapshot.load(f"{shots['com-arg-fresh']}@com-arg-fresh:before")
after = Snapshot.load(f"{shots['com-arg-fresh']}@com-arg-fresh:after")
for snap in (before, after):
    s = snap.summary()
    print(f"{s['snapshot']}: {s['objects']} objects, {s['bytes'] / 1e6:.2f} MB, roots by kind: {s['roots_by_kind']}")

# %% [markdown]
# ## The diff
#
# `after.compare_to(before)` lists the change per class, largest byte change first, like
# `tracemalloc`. The top of the list is mostly the harness (pythonnet's reflection caches), so filter
# for the DLR's own classes: the compiled rules (`Action<CallSite, Type, Object>` delegates, their
# `Closure` and `DynamicMethod`) and the COM wrappers (`__ComObject`, `ComInteropProxy`,
# `TransparentProxy`).

# %%
DLR = ("Action<System.Runtime.CompilerServices.CallSite", "Closure", "DynamicMethod", "RuleCache",
       "__ComObject", "ComInteropProxy", "TransparentProxy", "WeakReference")


def dlr_diff(new, old):
    for d in new.compare_to(old):
        if any(k in d.key for k in DLR) and d.count_diff:
            print(f"  {d.count - d.count_diff:5} -> {d.count:5} ({d.size_diff:+7} B)  {short(d.key)}")


print("top 5 of the whole diff:")
for d in after.compare_to(before)[:5]:
    print(f"  {d.size_diff:+9} B {d.count_diff:+6}  {short(d.key)}")
print("the DLR's classes, com-arg-fresh, before -> after:")
dlr_diff(after, before)

# %% [markdown]
# The same diff for the cast version: a single rule and a single RCW.

# %%
cast_before = Snapshot.load(f"{shots['com-arg-cast']}@com-arg-cast:before")
cast_after = Snapshot.load(f"{shots['com-arg-cast']}@com-arg-cast:after")
dlr_diff(cast_after, cast_before)

# %% [markdown]
# About 128 compiled rules and about as many COM wrappers stay alive in the leaky run even though the
# program dropped every COM object after its call. Nothing about them is weak: on Mono the instance
# restriction is a constant of the rule, so the rule holds the object.

# %% [markdown]
# ## The dominator tree
#
# Object `d` *dominates* `o` when every path from the roots to `o` passes through `d`; `d`'s *retained
# size* is what would be freed if `d` went away. `dominator_tree(snap)` computes it for every object.
# The biggest retainers of the whole process are the harness's; look at the DLR's `RuleCache` (L2):

# %%
tree = dominator_tree(after)
print("largest retained sizes in the process:")
for o in tree.top(5):
    print(f"  {int(tree.retained[o]):9} B  {short(after.class_of(int(o)))}")

caches = after.find("System.Runtime.CompilerServices.RuleCache*")
for c in caches:
    c = int(c)
    kids = tree.children(c)
    print(f"RuleCache retains {int(tree.retained[c])} B ({len(kids)} immediately dominated object(s): "
          f"{sorted({short(after.class_of(int(k))) for k in kids})})")

com = after.find("System.__ComObject")
dominated_by_cache = [int(o) for o in com if any(int(c) in tree.dominator_chain(int(o)) for c in caches)]
print(f"{len(dominated_by_cache)} of {len(com)} __ComObject are dominated by the RuleCache (only L2 keeps them alive)")

# %% [markdown]
# The `RuleCache` dominates the `_rules` array, and through it every compiled rule and every RCW that
# nothing else reaches. RCWs that L1 (the site's `Rules`) or the harness also reaches are not dominated by
# it: freeing L2 alone would not free them.

# %% [markdown]
# ## A retention path to a root
#
# `retention_paths(snap, pattern)` gives shortest paths from a root to matching objects;
# `path_summary` groups the paths of *all* matching objects by shape. Each path starts at a root with the
# kind the runtime reported.

# %%
groups = path_summary(after, "System.__ComObject", top=5)
for g in groups:
    print(f"{g['count']:4} x  root: {g['root']}")
    print("        " + " -> ".join(short(c) for c in g["classes"]))

via_l2 = next(g for g in groups if any("RuleCache" in c for c in g["classes"]))
print()
print(via_l2["example"].format(after))

# %% [markdown]
# Read the path from the root down: the binder → its `RuleCache` (L2) → the `_rules` array → one
# compiled rule delegate → its `Closure` → the `Constants` array → the COM object's transparent proxy →
# `ComInteropProxy` → `__ComObject`. Another group reaches RCWs through the site's L1 `Rules` array. A
# path is the *shortest* one: RCWs that a Python variable of the harness still refers to (pythonnet keeps
# a strong `GCHandle` per .NET object a Python object wraps, until Python collects the wrapper) show the
# one-step path from that handle, even when a rule holds them too.
#
# **Which roots.** The seed articles name the kinds of GC roots: **static fields** (a class's statics are
# allocated as a root for the life of the process), **thread stacks** (locals of running methods), and
# **GC handles** (`GCHandle.Alloc`: a strong indirection that keeps an object alive until freed; pinned
# handles also stop it moving). Mono's heap shot reports each root with its kind:

# %%
print(after.summary()["roots_by_kind"])
kinds = sorted({p.root.kind for p in retention_paths(after, "System.__ComObject", max_paths=200)})
print("root kinds on the shortest paths to the RCWs:", kinds)

# %% [markdown]
# In this replay, as in a compiled C# program, the sites live in **static fields** of a class (the replay
# emits `Dlrsim.Replay.<>o__N` with one field per site, like the compiler's `<>o__0.<>p__0` in the
# article), so paths start `static field of Dlrsim.Replay.<>o__0`, a root for the life of the process.
# A **weak** handle (the `WeakReference` in .NET Framework's rules) is not a root at all: an object
# reachable only through one has no path, and `unreachable()` lists it. The finalizer queue is a root
# too, but what waits there is garbage waiting for its finalizer, not live.

# %% [markdown]
# ## Owners, not shortest paths
#
# A shortest path says how an object *can* be reached, not who *keeps* it: a Python variable of the
# harness (a pythonnet `GCHandle`) gives a one-step path to many RCWs that a rule cache holds too.
# `OwnershipView` weighs every reference with *reference classifiers* (MemorySnapshotAnalyzer's idea):
# the DLR's caches own their rules (`L1 Rules`, `L2 RuleCache rules`, the binder's `Cache`), pythonnet's
# handles and caches never own anything, weak handles and delegate targets are weak. Each object keeps
# only its heaviest references, and its owner is the heaviest owning reference on its lifeline.

# %%
view = OwnershipView(after)
owned = owner_groups(view, after.find("System.__ComObject"))
print(f"{owned['objects']} RCWs: {owned['live_objects']} live, {owned['pending_finalization']} pending finalization, "
      f"{owned['harness_objects']} held only by the harness")
for g in owned["groups"]:
    print(f"{g['objects']:4} x  owner: {g['owner']}")

# %% [markdown]
# Every live RCW that a rule holds is owned by L1 or L2, none by the harness; the ones in the finalizer
# queue are counted apart, as garbage. The same from the command line:
# `dlrsim heap owners fresh.mlpd@com-arg-fresh:after --class __ComObject`, and
# `dlrsim heap retainers ... --class __ComObject` lists *every* reference to one object with what the
# rules made of it. Your own classifier file (`--rules app.owners`, format in
# `callsite/heap/classify.py`) names your program's caches the same way.

# %% [markdown]
# ## Exercises
#
# 1. **The site's own share.** Find the `CallSite<...>` object in `after` (`after.find("System.Runtime.CompilerServices.CallSite<*")`)
#    and print its retained size and `tree.children(...)`. How many rules does L1 keep alive on its own
#    (rules not also in L2)?
# 2. **The cast run.** Use `path_summary(cast_after, "System.__ComObject")`: how many RCWs remain and what
#    holds them? Compare `dominator_tree(cast_after)` retained sizes of its `RuleCache` with the leaky one.
# 3. **During.** Load `f"{shots['com-arg-fresh']}@com-arg-fresh:during"` and diff it against `after`: did the DLR's classes
#    still grow in the second half of the run? Relate the answer to L1's 10 and L2's 128 slots.
