"""Speed of the heap snapshot tools: reader throughput and dominator trees.

    .venv/bin/python benchmarks/heap_bench.py [--objects 1000000] [--fill 300000] [--json]
    .venv/bin/python benchmarks/heap_bench.py --scale 3000000 --scale 10000000 --skip-reader --objects 0

0. Scale (``--scale N``, repeatable): writes a synthetic N-object heap shot
   (benchmarks/synthetic_mlpd.py), then, in a fresh process per algorithm,
   reads it, builds the snapshot and its dominator tree with retained sizes:
   wall time of each step, the reader's MB/s and the process's peak RSS
   (goal at 3M: 10 s, 1 GB; reader 50 MB/s). Rows, all on the same file:
   ``native`` (dlrsim's compiled kernels: tokenizer, address lookup,
   Lengauer-Tarjan; the default), ``igraph`` (the same reader, igraph's
   Lengauer-Tarjan), ``fallback`` (what a machine without gcc gets:
   ``DLRSIM_NATIVE=0``, the numpy reader and igraph), ``lt`` (the Python
   Lengauer-Tarjan; slow, only on request).

1. Reader: captures a real heap shot file on Mono (tests/heap/HeapDemo.cs
   filled with ``--fill`` objects, three shots on demand), then reads it
   three times and reports the best MB/s (goal: at least 50 MB/s).
2. Dominators: a synthetic 1,000,000-object heap-like graph (mostly tree
   edges to recent objects, 20% long-range parents, 40% extra cross
   references, 100 roots), dominator tree by the compiled Lengauer-Tarjan
   (the default), igraph's, the Python one and the straightforward
   iterative algorithm (Cooper-Harvey-Kennedy), one run each on the same
   graph, results checked equal, plus retained sizes.

Timings are wall-clock on whatever else the machine is doing; no test
asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from callsite.heap import native  # noqa: E402
from callsite.heap.dominators import (igraph_dominators, iterative_dominators, lengauer_tarjan,  # noqa: E402
                                      native_dominators, retained_sizes)
from callsite.heap.mlpd import read_mlpd  # noqa: E402
from callsite.heap.snapshot import Snapshot  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synthetic_mlpd import heap_graph, write  # noqa: E402


def heap_like_graph(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR (indptr, indices) and roots of the synthetic heap-like graph of synthetic_mlpd.py."""
    src, dst, _cls, _size, roots = heap_graph(n, seed)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst.astype(np.int64), roots


def bench_dominators(n: int) -> dict:
    g = heap_like_graph(n)
    t = time.perf_counter()
    nat = native_dominators(*g)
    t_nat = time.perf_counter() - t
    t = time.perf_counter()
    compiled = igraph_dominators(*g)
    t_ig = time.perf_counter() - t
    t = time.perf_counter()
    fast = lengauer_tarjan(*g)
    t_lt = time.perf_counter() - t
    t = time.perf_counter()
    ret = retained_sizes(fast, np.full(n, 24, dtype=np.int64))
    t_ret = time.perf_counter() - t
    t = time.perf_counter()
    slow = iterative_dominators(*g)
    t_it = time.perf_counter() - t
    return {"objects": n, "edges": int(len(g[1])), "native_s": round(t_nat, 2), "igraph_s": round(t_ig, 2), "lengauer_tarjan_s": round(t_lt, 2),
            "iterative_chk_s": round(t_it, 2), "retained_sizes_s": round(t_ret, 2),
            "same_result": bool(np.array_equal(fast, slow) and np.array_equal(fast, compiled) and np.array_equal(fast, nat)), "reachable": int((fast[:n] >= 0).sum()),
            "retained_total": int(ret[n])}


def scale_child(path: str, algorithm: str) -> dict:
    """In a fresh process: read, build, dominators, retained sizes; times and peak RSS."""
    import resource

    from callsite.heap.dominators import ALGORITHMS

    t0 = time.perf_counter()
    f = read_mlpd(path)
    t1 = time.perf_counter()
    snap = Snapshot.from_mlpd(f, 0)
    del f
    t2 = time.perf_counter()
    if algorithm == "native":
        idom, order = native.dominators(snap.indptr, snap.indices, snap.root_obj)
    else:
        idom, order = ALGORITHMS["igraph" if algorithm == "fallback" else algorithm](
            snap.indptr, snap.indices, snap.root_obj), None
    t3 = time.perf_counter()
    ret = retained_sizes(idom, snap.size, order=order)
    t4 = time.perf_counter()
    size = os.path.getsize(path)
    return {"algorithm": algorithm, "objects": len(snap), "references": int(len(snap.indices)),
            "file_mb": round(size / 1e6, 1), "read_s": round(t1 - t0, 2), "reader_mb_per_s": round(size / (t1 - t0) / 1e6, 1),
            "snapshot_s": round(t2 - t1, 2), "dominators_s": round(t3 - t2, 2), "retained_s": round(t4 - t3, 2),
            "total_s": round(t4 - t0, 2), "cpu_s": round(time.process_time(), 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "reachable": int((idom[:-1] >= 0).sum()), "retained_total": int(ret[-1])}


def bench_scale(n: int, algorithms: list[str], workdir: str) -> list[dict]:
    path = os.path.join(workdir, f"synthetic-{n}.mlpd")
    t = time.perf_counter()
    write(path, n)
    wrote = time.perf_counter() - t
    rows = []
    for algo in algorithms:
        env = dict(os.environ, PYTHONPATH=ROOT)
        if algo == "fallback":
            env["DLRSIM_NATIVE"] = "0"
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", path, algo],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            rows.append({"algorithm": algo, "objects": n, "error": proc.stderr.strip().splitlines()[-1:]})
            continue
        row = json.loads(proc.stdout)
        row["write_s"] = round(wrote, 1)
        rows.append(row)
    os.remove(path)
    return rows


def capture(fill: int, workdir: str) -> str:
    if shutil.which("mcs") is None:
        raise SystemExit("mcs not found (mono-devel): cannot capture a real heap shot")
    dll = os.path.join(workdir, "HeapDemo.dll")
    subprocess.run(["mcs", "-target:library", "-r:Microsoft.CSharp.dll", f"-out:{dll}",
                    os.path.join(ROOT, "tests", "heap", "HeapDemo.cs")], check=True, capture_output=True)
    out = os.path.join(workdir, "bench.mlpd")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "heap", "capture_demo.py"), out, dll, "",
                           str(fill)], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return out


def bench_overhead(calls: int, workdir: str) -> dict:
    """Time of ``calls`` C# dynamic calls and of ``20 * calls`` short-lived allocations (many minor
    collections), with no profiler, with the profiler on demand and shooting at every major collection."""
    dll = os.path.join(workdir, "HeapDemo.dll")
    if not os.path.exists(dll):
        subprocess.run(["mcs", "-target:library", "-r:Microsoft.CSharp.dll", f"-out:{dll}",
                        os.path.join(ROOT, "tests", "heap", "HeapDemo.cs")], check=True, capture_output=True)
    out: dict = {"calls": calls, "churn_allocations": calls * 20}
    for label, opt in (("no_profiler_s", "timing"),
                       ("profiler_ondemand_s", "timing:nodefaults,heapshot=ondemand"),
                       ("profiler_legacy_defaults_ondemand_s", "timing:heapshot=ondemand,nocalls"),
                       ("profiler_every_major_gc_s", "timing:nodefaults,heapshot")):
        best = None
        for _ in range(3):
            proc = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "heap", "capture_demo.py"),
                                   os.path.join(workdir, "overhead.mlpd"), dll, opt, str(calls)],
                                  capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
            if proc.returncode != 0:
                raise SystemExit(proc.stderr[-2000:])
            v = (float(proc.stdout.split("dynamic_calls_s", 1)[1].split()[0]),
                 float(proc.stdout.split("churn_s", 1)[1].split()[0]))
            best = v if best is None else (min(best[0], v[0]), min(best[1], v[1]))
        out[label.replace("_s", "_calls_s")] = best[0]
        out[label.replace("_s", "_churn_s")] = best[1]
    return out


def bench_reader(path: str) -> dict:
    size = os.path.getsize(path)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        f = read_mlpd(path)
        times.append(time.perf_counter() - t)
    best = min(times)
    t = time.perf_counter()
    snap = Snapshot.from_mlpd(f, 1)
    t_snap = time.perf_counter() - t
    objects = sum(len(s.obj_addr) for s in f.shots)
    t = time.perf_counter()
    idom = native_dominators(snap.indptr, snap.indices, snap.root_obj)
    t_dom = time.perf_counter() - t
    return {"file_mb": round(size / 1e6, 1), "shots": len(f.shots), "objects_in_all_shots": objects,
            "best_read_s": round(best, 3), "mb_per_s": round(size / best / 1e6, 1),
            "snapshot_build_s": round(t_snap, 3), "objects_in_shot_1": len(snap),
            "dominators_native_on_shot_1_s": round(t_dom, 2), "reachable_in_shot_1": int((idom[:-1] >= 0).sum())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=1_000_000, help="dominator graph size")
    ap.add_argument("--fill", type=int, default=300_000, help="StaticHeld objects in the captured heap")
    ap.add_argument("--mlpd", help="read this file instead of capturing one")
    ap.add_argument("--skip-reader", action="store_true")
    ap.add_argument("--overhead", type=int, default=0, metavar="CALLS",
                    help="also time CALLS dynamic calls without and with the profiler loaded")
    ap.add_argument("--scale", type=int, action="append", default=[], metavar="N",
                    help="read + dominators of a synthetic N-object shot, per algorithm (repeatable)")
    ap.add_argument("--scale-algorithms", default="native,igraph,fallback",
                    help="rows for --scale: native, igraph, fallback, lt (default native,igraph,fallback)")
    ap.add_argument("--child", nargs=2, metavar=("FILE", "ALGO"), help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(scale_child(*args.child)))
        return 0
    result: dict = {}
    if args.scale:
        with tempfile.TemporaryDirectory() as d:
            result["scale"] = {str(n): bench_scale(n, args.scale_algorithms.split(","), d) for n in args.scale}
    if not args.skip_reader:
        if args.mlpd:
            result["reader"] = bench_reader(args.mlpd)
        else:
            with tempfile.TemporaryDirectory() as d:
                result["reader"] = bench_reader(capture(args.fill, d))
    if args.overhead:
        with tempfile.TemporaryDirectory() as d:
            result["profiler_overhead"] = bench_overhead(args.overhead, d)
    if args.objects:
        result["dominators"] = bench_dominators(args.objects)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for section, vals in result.items():
            print(section)
            for k, v in vals.items():
                print(f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
