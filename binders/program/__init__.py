"""Diagnosing compiled C# programs (``dlrsim run``): rewrite the IL, run it on a real runtime,
report every dynamic call site.  :func:`diagnose` is the one-call API (notebooks, scripts)."""

from __future__ import annotations

import os


def diagnose(program: str | os.PathLike, args: list[str] | tuple = (), *, runtime: str = "mono",
             timeout: float | None = None, heapshots: str | os.PathLike | None = None,
             out_dir: str | os.PathLike | None = None):
    """Run ``program`` instrumented and return its :class:`callsite.sitereport.SiteReport`."""
    from binders.program import runner
    from callsite import sitereport

    run = runner.run(program, list(args), runtime=runtime, timeout=timeout, out_dir=out_dir, heapshots=heapshots)
    report = sitereport.build(run)
    if heapshots and run.first("heapshots"):
        from callsite.runheap import heap_evidence

        report.extra["heapshots"] = heap_evidence(report, str(run.heapshots))
    return report
