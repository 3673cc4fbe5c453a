"""Capture heap shots of a small, known heap on Mono (run as a subprocess by the tests).

Usage: python capture_demo.py OUT.mlpd DEMO.dll [OPTIONS [FILL]]
       python capture_demo.py OUT.nettrace DEMO.dll RUNTIME [FILL]   (coreclr, net8: EventPipe dumps)

Loads the Mono log profiler before pythonnet starts Mono (through
binders.heapshot), fills a heap whose roots are known (a static list, a
normal and a pinned GC handle, a parked thread's stack, weak references),
runs real C# dynamic call sites, and takes shots at points named
"start", "filled" and "cleared".
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from binders import heapshot  # noqa: E402


def main() -> int:
    out, dll = sys.argv[1], sys.argv[2]
    if out.endswith(".nettrace"):
        return eventpipe(out, dll, sys.argv[3] if len(sys.argv) > 3 else "coreclr",
                         int(sys.argv[4]) if len(sys.argv) > 4 else 1000)
    options = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else heapshot.DEFAULT_OPTIONS
    fill = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    timing_only = options == "timing"  # no profiler: time the dynamic calls only (benchmarks)
    if options.startswith("timing:"):
        options, timing_only = options.split(":", 1)[1], True
    if options != "timing":
        heapshot.load_log_profiler(out, options)
    import warnings

    warnings.filterwarnings("ignore")
    from clr_loader import get_mono
    import pythonnet

    pythonnet.set_runtime(get_mono(libmono=heapshot.DEFAULT_LIBMONO))
    import clr  # noqa: F401

    clr.AddReference(os.path.abspath(dll))
    from DlrsimHeapDemo import Holder  # type: ignore[import-not-found]

    if timing_only:
        import time

        Holder.RunDynamic(100)
        t = time.perf_counter()
        Holder.RunDynamic(fill)
        print(f"dynamic_calls_s {time.perf_counter() - t:.4f}")
        t = time.perf_counter()
        Holder.Churn(fill * 20)
        print(f"churn_s {time.perf_counter() - t:.4f}")
        print("ok", flush=True)
        return 0
    _points(Holder, fill)
    from System import Type

    heapshot.record_fields([Type.GetType("DlrsimHeapDemo.StaticHeld, HeapDemo"),
                            Type.GetType("System.Collections.Generic.List`1")] + list(heapshot.DLR_TYPES))
    print("ok", flush=True)
    return 0


def _points(holder, fill: int) -> None:
    """The demo's three points: an empty heap, the filled one, and after clearing it."""
    heapshot.take_heapshot("start")
    holder.Fill(fill, 50)
    holder.RunDynamic(200)
    heapshot.take_heapshot("filled")
    holder.Clear()
    heapshot.take_heapshot("cleared")


def eventpipe(out: str, dll: str, runtime: str, fill: int) -> int:
    """The same heap and points on a runtime with a diagnostics server; prints the runtime's own counts."""
    import json

    from binders import dotnet_heapshot, runtimes

    runtimes.get(runtime).load()
    import clr  # noqa: F401

    clr.AddReference(os.path.abspath(dll))
    from DlrsimHeapDemo import Holder  # type: ignore[import-not-found]
    from System import GC

    dotnet_heapshot.start(out)
    _points(Holder, fill)
    print(json.dumps({"total_memory": int(GC.GetTotalMemory(True))}))
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
