"""Heap dumps through EventPipe (CoreCLR 3.1, .NET 8): reader speed and the pause a dump costs.

    .venv/bin/python benchmarks/eventpipe_bench.py [--fill 340000] [--runtime coreclr] [--json]

1. Capture: a worker process on the runtime loads tests/heap/HeapDemo.cs
   (built with mcs), fills it with ``--fill`` StaticHeld objects (three
   objects each: about 1,000,000 objects for the default), then takes a
   plain forced full collection (``GC.Collect()``, the baseline) and one heap
   dump (binders.dotnet_heapshot). Reported: the wall time the dump took in
   the process, the execution-engine pause the trace records (GCSuspendEEBegin
   .. GCRestartEEEnd), and the plain collection's wall time.
2. Reader: parses the dump three times (callsite.heap.nettrace, plus building
   the Snapshot graph) and reports the best MB/s (goal: at least 30 MB/s).

Timings are wall-clock on whatever else the machine is doing; no test asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)


def capture(runtime: str, dll: str, out: str, fill: int) -> dict:
    """Runs inside the worker process (``--capture``)."""
    from binders import dotnet_heapshot, runtimes

    runtimes.get(runtime).load()
    import clr  # noqa: F401

    clr.AddReference(dll)
    from DlrsimHeapDemo import Holder  # type: ignore[import-not-found]
    from System import GC

    Holder.Fill(fill, 0)
    GC.Collect()
    t = time.perf_counter()
    GC.Collect()
    plain = time.perf_counter() - t
    session = dotnet_heapshot.start(out)
    session.take("full")
    point = session.points[0]
    return {"plain_gc_s": round(plain, 4), "dump_wall_s": point["pause_s"], "stream_bytes": point["stream_bytes"],
            "total_memory": point["total_memory"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fill", type=int, default=340000)
    ap.add_argument("--runtime", default="coreclr")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--capture", nargs=2, metavar=("DLL", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.capture:
        print(json.dumps(capture(args.runtime, args.capture[0], args.capture[1], args.fill)))
        return 0
    from callsite.heap.nettrace import read_nettrace
    from callsite.heap.snapshot import Snapshot

    work = tempfile.mkdtemp(prefix="dlrsim-epbench-")
    dll = os.path.join(work, "HeapDemo.dll")
    subprocess.run(["mcs", "-target:library", "-r:Microsoft.CSharp.dll", f"-out:{dll}",
                    os.path.join(ROOT, "tests", "heap", "HeapDemo.cs")], check=True, capture_output=True)
    out = os.path.join(work, "full.nettrace")
    proc = subprocess.run([sys.executable, __file__, "--runtime", args.runtime, "--fill", str(args.fill),
                           "--capture", dll, out], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        return 1
    res = json.loads(proc.stdout.splitlines()[-1])
    size = os.path.getsize(out)
    best = None
    for _ in range(3):
        t = time.perf_counter()
        f = read_nettrace(out)
        read_s = time.perf_counter() - t
        snap = Snapshot.from_mlpd(f, 0)
        total_s = time.perf_counter() - t
        best = min(best or (read_s, total_s), (read_s, total_s))
    shot = f.shots[0]
    res.update({
        "runtime": args.runtime, "fill": args.fill, "file_bytes": size, "objects": len(snap),
        "references": int(len(snap.indices)), "roots": int(len(snap.root_obj)),
        "trace_pause_ms": round(shot.pause_ns / 1e6, 1), "trace_gc_ms": round(shot.gc_ns / 1e6, 1),
        "read_s": round(best[0], 3), "read_mb_s": round(size / best[0] / 1e6, 1),
        "read_and_graph_s": round(best[1], 3), "read_and_graph_mb_s": round(size / best[1] / 1e6, 1),
    })
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            print(f"{k:20} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
