"""Speed of `dlrsim run`: instrumentation overhead and rewrite time.

1. **Overhead.** A call-heavy program (``CallHeavy.cs``, below: static sites over a managed object,
   L0 hits nearly always) runs hosted in a worker twice per round on the same runtime: rewritten
   (``dlrsim run``) and not rewritten (the same hosting, ``instrument=False``).  The program times
   its own loop with a Stopwatch, so runtime start-up and the rewrite are not in the ratio.  Rounds
   alternate the order; the median of each side is reported.  Goal: within 1.3x.
2. **Rewrite.** A generated program of about 5 MB is rewritten in memory by the helper
   (``dlrsim-program.exe rewrite BIG.exe N``: read with symbols, find and instrument every site,
   write to memory); the first rewrite (with the JIT warming up) and the best of the rest are
   reported, wall and CPU time.  Two programs: one method in 20 uses ``dynamic`` (nine sites each),
   and the worst case where every method does.  Goal: under 2 s.

    .venv/bin/python benchmarks/run_bench.py [--runtime mono|coreclr] [--rounds 5] [--calls 5000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CALL_HEAVY = r"""
using System;
using System.Diagnostics;
public class Acc { public long Total; public void Add(int k) { Total += k; } public long Get() { return Total; } }
public static class Program
{
    public static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        dynamic acc = new Acc();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            acc.Add(i & 7);
            if ((i & 1023) == 0) { long t = acc.Get(); }
        }
        sw.Stop();
        Console.WriteLine("loop_seconds " + sw.Elapsed.TotalSeconds.ToString("R"));
        return 0;
    }
}
"""


def big_source(methods: int, dynamic_every: int) -> str:
    """Methods of similar IL size; one in ``dynamic_every`` uses ``dynamic`` (nine sites each)."""
    parts = ["using System;", "public static class Big {"]
    for k in range(methods):
        if k % dynamic_every == 0:
            parts.append(
                f"  public static object M{k}(dynamic a, dynamic b) {{ var s = a.Foo{k % 97}(b, {k}); "
                f"a.Bar = b + {k}; if (a.Baz{k % 13}) {{ return s * 2; }} return (int)b.Length + s; }}")
        else:
            parts.append(
                f"  public static object M{k}(string a, int[] b) {{ int s = a.Length * {k}; for (int i = 0; i < b.Length; i++) "
                f"{{ s += b[i] ^ (i * {k % 31}); if (s > {k}) s -= a.IndexOf('x'); }} string t = a + s.ToString(); "
                f"return t.Length > {k % 7} ? (object)t.Substring(1) : (object)(s + b.Length * {k % 5}); }}")
    parts.append("  public static int Main() { return 0; } }")
    return "\n".join(parts)


def mcs(src: str, out: Path) -> None:
    path = out.with_suffix(".cs")
    path.write_text(src)
    subprocess.run(["mcs", "-debug", "-optimize+", "-nologo", f"-out:{out}", "-r:Microsoft.CSharp", str(path)],
                   check=True, capture_output=True)


def loop_seconds(run) -> float:
    for line in run.stdout.splitlines():
        if line.startswith("loop_seconds "):
            return float(line.split()[1])
    raise RuntimeError(f"no timing in the program's output: {run.stdout!r} {run.stderr[-300:]!r}")


def overhead(runtime: str, rounds: int, calls: int, work: Path) -> dict:
    from binders.program import runner

    exe = work / "CallHeavy.exe"
    mcs(CALL_HEAVY, exe)
    sides = {"instrumented": [], "plain": []}
    for r in range(rounds):
        order = ("instrumented", "plain") if r % 2 == 0 else ("plain", "instrumented")
        for side in order:
            run = runner.run(exe, [str(calls)], runtime=runtime, out_dir=work / f"{side}-{r}",
                             instrument=side == "instrumented")
            sides[side].append(loop_seconds(run))
    inst, plain = statistics.median(sides["instrumented"]), statistics.median(sides["plain"])
    return {"runtime": runtime, "calls": calls, "rounds": rounds, "instrumented_s": inst, "plain_s": plain,
            "ratio": inst / plain, "ns_per_call_instrumented": 1e9 * inst / calls,
            "ns_per_call_plain": 1e9 * plain / calls, "all": sides}


def rewrite(work: Path, repeats: int, dynamic_every: int) -> dict:
    from binders.program import helper

    exe = helper.build()
    methods, big = 4000, work / f"Big{dynamic_every}.exe"
    mcs(big_source(methods, dynamic_every), big)
    size = big.stat().st_size
    while size < 5_000_000:  # grow to about 5 MB
        methods = int(methods * 5_000_000 / size) + 200
        mcs(big_source(methods, dynamic_every), big)
        size = big.stat().st_size
    done = subprocess.run(["mono", str(exe), "rewrite", str(big), str(repeats)], check=True, capture_output=True,
                          text=True)
    rows = [ln.split("\t") for ln in done.stdout.splitlines() if ln.startswith("seconds\t")]
    wall, cpu = [float(r[1]) for r in rows], [float(r[2]) for r in rows]
    sites = sum(1 for ln in done.stdout.splitlines() if ln[:1].isdigit())
    return {"assembly_bytes": size, "methods": methods, "dynamic_methods": len(range(0, methods, dynamic_every)),
            "sites": sites, "first_s": wall[0], "best_s": min(wall[1:] or wall),
            "best_cpu_s": min(cpu[1:] or cpu), "repeats": repeats}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime", default="mono")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=5_000_000)
    ap.add_argument("--repeats", type=int, default=4, help="rewrites of the big assembly (the first warms the JIT)")
    ap.add_argument("--no-rewrite", action="store_true", help="only the overhead part")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dlrsim-run-bench-") as tmp:
        work = Path(tmp)
        cwd = os.getcwd()
        os.chdir(work)
        try:
            result = {"overhead": overhead(args.runtime, args.rounds, args.calls, work),
                      "rewrite": [] if args.no_rewrite else [rewrite(work, args.repeats, every) for every in (20, 1)]}
        finally:
            os.chdir(cwd)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        o = result["overhead"]
        print(f"call-heavy loop on {o['runtime']}, {o['calls']:,} dynamic calls, median of {o['rounds']}: "
              f"instrumented {o['instrumented_s']:.3f} s ({o['ns_per_call_instrumented']:.1f} ns/call), "
              f"plain {o['plain_s']:.3f} s ({o['ns_per_call_plain']:.1f} ns/call): {o['ratio']:.2f}x")
        for r in result["rewrite"]:
            print(f"rewrite of a {r['assembly_bytes'] / 1e6:.1f} MB assembly ({r['methods']} methods, "
                  f"{r['dynamic_methods']} with dynamic, {r['sites']} sites): first {r['first_s']:.2f} s, "
                  f"best of {r['repeats'] - 1} more {r['best_s']:.2f} s wall, {r['best_cpu_s']:.2f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
