"""The simulator's own memory: is a long simulation leaking on the Python side?

``tracemalloc`` compares snapshots taken before and after the run (by file
and line), and ``objgraph`` counts live instances of the model's own classes,
so a user can tell the simulated leak (rules in caches, by design bounded)
from a leak in dlrsim itself.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Callable

MODEL_TYPES = ("Rule", "CallSite", "CSharpBinder", "RuleCache", "SiteStats", "Sample")


def measure(fn: Callable[[], object], top: int = 10) -> tuple[object, dict]:
    """Run ``fn`` and report the Python memory it left behind."""
    import objgraph

    gc.collect()
    before_counts = {t: objgraph.count(t) for t in MODEL_TYPES}
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    value = fn()
    gc.collect()
    after = tracemalloc.take_snapshot()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stats = after.compare_to(before, "lineno")
    growth = {t: objgraph.count(t) - before_counts[t] for t in MODEL_TYPES}
    report = {
        "traced_bytes_now": current, "traced_bytes_peak": peak,
        "top_growth": [{"where": str(s.traceback[0]), "size_diff": s.size_diff, "count_diff": s.count_diff}
                       for s in stats[:top]],
        "model_objects_alive_after_run": growth,
        "note": "objects still referenced by the returned result are expected; growth that persists after the "
                "result is dropped would be a leak in dlrsim",
    }
    return value, report
