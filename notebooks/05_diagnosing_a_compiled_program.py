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
# # 5. Diagnosing a compiled program: the article's loop, compiled from C#, under `dlrsim run`
#
# **What you will learn.** How to point dlrsim at a *compiled* program instead of a workload: the
# seed article's loop (a fresh COM object each iteration, released through a `dynamic` call) is
# compiled with `mcs`, and `dlrsim run` rewrites its IL in memory so that every dynamic call site
# reports its calls, binds, L1/L2 rules and instance-restricted rules, with the source line of the call
# and the detector's verdict. Then the same program with the article's fix (a cast to `object`).
#
# On Linux there is no registered COM class to `Activator.CreateInstance`, so the program makes its
# COM objects from the project's native shim: a program that declares `[DllImport("comshim")]`
# `comshim_new` / `comshim_release` gets `binders/native/libcomshim.so` under `dlrsim run` (Mono only:
# CoreCLR on Linux has no COM interop).

# %%
import subprocess
import tempfile
from pathlib import Path


from binders.program import diagnose
from callsite.output import format_table

work = Path(tempfile.mkdtemp(prefix="dlrsim-notebook-run-"))

ARTICLE = r"""
using System;
using System.Runtime.InteropServices;

public static class Program
{
    [DllImport("comshim")] static extern IntPtr comshim_new();
    [DllImport("comshim")] static extern uint comshim_release(IntPtr obj);

    // Stands in for Activator.CreateInstance(Type.GetTypeFromCLSID(...)): a native COM object's RCW.
    static object CreateComObject()
    {
        IntPtr native = comshim_new();
        object rcw = Marshal.GetObjectForIUnknown(native);
        comshim_release(native);
        return rcw;
    }

    public static void Main(string[] args)
    {
        int n = int.Parse(args[0]);
        for (int i = 0; i < n; i++)     // the article: while (true)
        {
            dynamic com = CreateComObject();
            //do some work
            Marshal.FinalReleaseComObject(com);
        }
    }
}
"""


def compile_program(name: str, source: str) -> Path:
    src = work / f"{name}.cs"
    src.write_text(source)
    exe = work / f"{name}.exe"
    subprocess.run(["mcs", "-debug", "-nologo", f"-out:{exe}", "-r:Microsoft.CSharp", str(src)], check=True)
    return exe


leaky = compile_program("Article", ARTICLE)
fixed = compile_program("ArticleFixed", ARTICLE.replace("FinalReleaseComObject(com)", "FinalReleaseComObject((object)com)"))
leaky, fixed

# %% [markdown]
# ## The leaky program
#
# 300 iterations: one row per dynamic call site of the source. The release call in the loop binds on
# every call (each new RCW misses L0, L1 and L2), L1 is full at 10 rules and L2 at its 128 slots, and every
# cached rule is restricted to one instance.

# %%
COLUMNS = ["line", "method", "kind", "member", "calls", "binds", "l1_rules", "l2_rules", "instance_rules", "ic_state"]
report = diagnose(leaky, ["300"], runtime="mono", heapshots=work / "article.mlpd")
print(format_table(COLUMNS, [[s[c] for c in COLUMNS] for s in report.sites]))

# %%
for f in report.findings:
    print(f"line {f['line']}: {f['severity']}: {f['kind']}\n    {f['message']}\n    fix: {f['fix']}\n")

# %% [markdown]
# The heap shot at exit says what those rules keep alive: each cached rule holds the RCW it was bound
# for (on Mono and CoreCLR the instance is a plain constant of the rule, not a `WeakReference`).

# %%
(site,) = report.sites
HEAP = ["type", "live_before", "live_at_exit", "held_by_rules"]
print(format_table(HEAP, [[h[c] for c in HEAP] for h in site["heap"]]))

# %%
print(site["heap"][0]["example_path"])

# %% [markdown]
# ## With the cast
#
# `Marshal.FinalReleaseComObject((object)com)` is bound at compile time: there is no dynamic call site
# left, so `dlrsim run` finds none.

# %%
fixed_report = diagnose(fixed, ["300"], runtime="mono")
assert fixed_report.sites == [] and report.sites[0]["binds"] == 300
len(fixed_report.sites), fixed_report.outcome["status"]

# %% [markdown]
# ## Exercises
#
# 1. Run the leaky program for 100 and for 1,000 iterations. Which columns change, and which stay at
#    the cache limits? Compare `rules_retained` with `dlrsim simulate --scenario com-arg-fresh --calls N`.
# 2. Record the run with `dlrsim run --record article.yaml ...` and replay it with
#    `dlrsim compare --workload article.yaml --runtime mono`: does the model agree call by call?
# 3. Write a program whose site is created inside the loop (`CallSite<T>.Create` in the body) and run it
#    on `--runtime mono` and `--runtime coreclr`. Why does one report `per-iteration-site` and not the
#    other?
