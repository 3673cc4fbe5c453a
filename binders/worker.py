"""Worker process: loads one runtime, replays a batch of jobs, streams JSON lines.

``python -m binders.worker RUNTIME RUN.jsonl``: the jobs are the first line of the
run file, ``{"event": "jobs", "jobs": [...]}`` (``binders.host`` writes it), and the
events are appended after it (``RUNTIME JOBS.json OUT.jsonl`` still works).  Each job is
``{"id", "source": {"scenario": NAME} | {"file": PATH} | {"workload": MAPPING},
"calls", "sample_every", "levels"}``.  Every event is appended to OUT as one JSON
line and flushed at once, so whatever happened before a crash is on disk:
``hello`` (runtime and version), then per job ``start``, ``levels`` chunks,
``sample`` events and one ``result`` / ``not_applicable`` / ``error`` line,
and finally ``done``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def _load_workload(source: dict):
    from callsite.scenarios import get_scenario
    from callsite.workload import load_workload

    if "scenario" in source:
        return get_scenario(source["scenario"])
    if "file" in source:
        return load_workload(source["file"])
    return load_workload(source["workload"])


def main(argv: list[str]) -> int:
    if len(argv) == 2:
        runtime_name, out_path = argv
        with open(out_path, encoding="utf-8") as f:
            jobs = json.loads(f.readline())["jobs"]
    else:
        runtime_name, jobs_path, out_path = argv[:3]
        with open(jobs_path, encoding="utf-8") as f:
            jobs = json.load(f)
    out = open(out_path, "a", encoding="utf-8", buffering=1)

    def emit(event: dict) -> None:
        out.write(json.dumps(event, separators=(",", ":"), default=str))
        out.write("\n")
        out.flush()

    from binders import runtimes

    module = runtimes.get(runtime_name)
    before_init = None
    hook = os.environ.get("DLRSIM_BEFORE_INIT")  # "module:function", e.g. a profiler loader
    if hook:
        import importlib

        mod, _, fn = hook.partition(":")
        before_init = getattr(importlib.import_module(mod), fn)
    from binders import heapshot

    heapshot.load_runtime(module, before_init)  # with DLRSIM_HEAPSHOT: ready for heap shots
    version = module.runtime_version()
    emit({"event": "hello", "runtime": runtime_name, "runtime_version": version, "pid": os.getpid()})

    from binders.replay import NotApplicable, Replayer

    com = None
    if module.FACTS.get("com_rcw"):
        from binders.com import ComFactory

        com = ComFactory()
    replayer = Replayer(runtime_name, version, module.FACTS, com)
    for job in jobs:
        jid = job["id"]
        emit({"event": "start", "job": jid})
        if os.environ.get("DLRSIM_WORKER_ABORT_AT") == jid:  # testing hook: a runtime that aborts
            os.abort()
        try:
            wl = _load_workload(job["source"])
            calls = job.get("calls") or wl.default_calls
            res = replayer.run(wl, calls, emit=lambda e: emit(dict(e, job=jid)),
                               sample_every=job.get("sample_every"))
            if not job.get("levels", True):
                res.pop("levels", None)
            emit({"event": "result", "job": jid, "result": res})
        except NotApplicable as exc:
            emit({"event": "not_applicable", "job": jid, "reason": str(exc)})
        except Exception as exc:  # one job failing must not hide the others
            emit({"event": "error", "job": jid, "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
                  "traceback": traceback.format_exc()[-4000:]})
    emit({"event": "done"})
    out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
