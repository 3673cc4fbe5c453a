"""Run one experiment function inside a worker process for one runtime.

``python -m experiments.worker RUNTIME MODULE:FUNCTION PARAMS.json OUT.json``
loads the runtime (Mono or CoreCLR, one per process, as :mod:`binders.worker`
does; the Mono log profiler too when ``DLRSIM_HEAPSHOT`` names a file), calls
``FUNCTION(params)`` and writes ``{"runtime_version": ..., "result": ...}``
(or ``{"error": ...}``) to OUT.  :func:`run_in_worker` is the parent side.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

from callsite.errors import RunFailed

REPO = Path(__file__).resolve().parent.parent


def run_in_worker(runtime: str, func: str, params: dict, *, timeout: float = 900.0,
                  env: dict | None = None) -> dict:
    """Call ``func`` ("module:function") with ``params`` in a fresh worker for ``runtime``.

    Returns ``{"runtime": ..., "runtime_version": ..., "result": ...}``; a worker that
    dies, hangs or throws raises :class:`RunFailed` in one line.
    """
    from binders.host import _env, check_runtime, new_output_file

    check_runtime(runtime)
    out = new_output_file(runtime, "experiments", ".json")
    params_file = out.with_suffix(".params.json")
    params_file.write_text(json.dumps(params))
    stderr_file = out.with_suffix(".stderr")
    cmd = [sys.executable, "-m", "experiments.worker", runtime, func, str(params_file), str(out)]
    with open(stderr_file, "w") as err:
        try:
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=str(REPO),
                                  env=dict(_env(), **(env or {})), timeout=timeout, start_new_session=True)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            raise RunFailed(f"{runtime}: {func}: timed out after {timeout:g} s (stderr in {stderr_file})") from None
    try:
        data = json.loads(out.read_text() or "{}")
    except json.JSONDecodeError:
        data = {}
    if data.get("error"):
        raise RunFailed(f"{runtime}: {func}: {data['error']} (details in {out})")
    if rc != 0 or "result" not in data:
        tail = [ln for ln in stderr_file.read_text(errors="replace").splitlines() if ln.strip()][-1:]
        raise RunFailed(f"{runtime}: {func}: worker exited with code {rc}"
                        + (f": {tail[0][:200]}" if tail else "") + f" (stderr in {stderr_file})")
    return data


def main(argv: list[str]) -> int:
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
