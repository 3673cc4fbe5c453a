"""Run one experiment function inside a worker process for one runtime.

``python -m experiments.worker RUNTIME MODULE:FUNCTION FILE.json`` (FILE holds
``{"params": ...}`` and is replaced by the outcome)
loads the runtime (Mono or CoreCLR, one per process, as :mod:`binders.worker`
does; the Mono log profiler too when ``DLRSIM_HEAPSHOT`` names a file), calls
``FUNCTION(params)`` and writes ``{"runtime_version": ..., "result": ...}``
(or ``{"error": ...}``) to OUT.  :func:`run_in_worker` is the parent side.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from pathlib import Path

from callsite.errors import Interrupted, RunFailed


def run_in_worker(runtime: str, func: str, params: dict, *, timeout: float = 900.0,
                  env: dict | None = None) -> dict:
    """Call ``func`` ("module:function") with ``params`` in a fresh worker for ``runtime``.

    Returns ``{"runtime": ..., "runtime_version": ..., "result": ...}``; a worker that
    dies, hangs or throws raises :class:`RunFailed` in one line, Ctrl-C stops it (its
    whole process group) and raises :class:`Interrupted`.  One file per worker, under
    the experiment's output folder (``runs/``): the parameters first, replaced by the
    result when the worker finishes.
    """
    import time

    from binders.host import _env, check_runtime
    from binders.process import WorkerProcess, python_command
    from experiments import common

    check_runtime(runtime)
    out = common.new_run_file(runtime, ".json")
    out.write_text(json.dumps({"params": params}))
    cmd = python_command("experiments.worker", runtime, func, out)
    worker_env = dict(_env(), **{common.WORK_ENV: str(common.work_dir())}, **(env or {}))
    with WorkerProcess(cmd, env=worker_env) as worker:
        deadline = time.monotonic() + timeout
        try:
            while (rc := worker.wait_step(0.2)) is None and time.monotonic() < deadline:
                pass
        except KeyboardInterrupt:
            worker.stop()
            raise Interrupted(f"interrupted; stopped the {runtime} worker (pid {worker.pid}) and its process "
                              f"group; partial output kept in {out}") from None
        if rc is None:
            worker.stop()
            raise RunFailed(f"{runtime}: {func}: timed out after {timeout:g} s (partial output kept in {out})")
        tail = worker.stderr_tail(1)
    try:
        data = json.loads(out.read_text() or "{}")
    except json.JSONDecodeError:
        data = {}
    if data.get("error"):
        raise RunFailed(f"{runtime}: {func}: {data['error']} (details in {out})")
    if rc != 0 or "result" not in data:
        raise RunFailed(f"{runtime}: {func}: worker exited with code {rc}"
                        + (f": {tail[0][:200]}" if tail else "") + f" (partial output kept in {out})")
    return data


def main(argv: list[str]) -> int:
    if len(argv) == 3:  # RUNTIME FUNC FILE: the parameters are in FILE, which the result replaces
        runtime_name, func, out_path = argv
        params = json.loads(Path(out_path).read_text())["params"]
    else:
        runtime_name, func, params_path, out_path = argv[:4]
        params = json.loads(Path(params_path).read_text())
    from binders import runtimes

    module = runtimes.get(runtime_name)
    from binders import heapshot

    heapshot.load_runtime(module)  # with DLRSIM_HEAPSHOT: Mono's profiler or EventPipe, as the runtime needs
    version = module.runtime_version()
    mod, _, fn = func.partition(":")
    try:
        result = getattr(importlib.import_module(mod), fn)(params, runtime=runtime_name)
        data = {"runtime": runtime_name, "runtime_version": version, "pid": os.getpid(), "result": result}
    except Exception as exc:  # reported in one line by the parent
        data = {"runtime": runtime_name, "runtime_version": version,
                "error": f"{type(exc).__name__}: {exc}".splitlines()[0], "traceback": traceback.format_exc()}
    Path(out_path).write_text(json.dumps(data, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
