"""Worker process for ``dlrsim run``: loads one runtime, rewrites and runs the program, streams state.

``python -m binders.program.worker RUNTIME JOB.json EVENTS.jsonl``.  The program's own stdout and
stderr are this process's (the parent records and passes them on); everything dlrsim says goes
to EVENTS as JSON lines, flushed at once: ``hello``, ``loaded`` (the sites found), ``state``
(every site's counts and caches, every ``snapshot_every`` seconds while the program runs, so a
program that hangs still leaves its last state), ``input_error`` or ``outcome`` (exit code or
exception), a final ``state`` and ``done``.  The program runs on a thread of its own; this
process's one Python thread waits for it and reads the state between waits.  A program calling ``Environment.Exit`` gets the
final state written from the exit hook before the process ends.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


class Events:
    def __init__(self, path: str) -> None:
        self.file = open(path, "a", encoding="utf-8", buffering=1)
        self.lock = threading.Lock()

    def emit(self, event: dict) -> None:
        line = json.dumps(event, separators=(",", ":"), default=str)
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()


def _load_runtime(name: str):
    from binders import runtimes

    from binders import heapshot

    module = runtimes.get(name)
    heapshot.load_runtime(module)  # with DLRSIM_HEAPSHOT: Mono's log profiler, or EventPipe on CoreCLR/.NET
    return module


def main(argv: list[str]) -> int:
    runtime_name, job_path, events_path = argv[:3]
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    events = Events(events_path)
    module = _load_runtime(runtime_name)
    events.emit({"event": "hello", "runtime": runtime_name, "runtime_version": module.runtime_version(),
                 "pid": os.getpid()})

    import clr  # noqa: F401
    import System
    from System.Reflection import Assembly

    helper_dir = os.path.dirname(job["helper"])
    for lib in ("Mono.Cecil.dll", "Mono.CompilerServices.SymbolWriter.dll"):
        Assembly.LoadFrom(os.path.join(helper_dir, lib))
    Assembly.LoadFrom(job["helper"])
    clr.AddReference("System.Core")
    from Dlrsim.Program import Loader, Rewriter, Sites  # noqa: E402

    from binders.program.state import SiteTable

    program = job["program"]
    Loader.Install(os.path.dirname(program))
    t0 = time.perf_counter()
    try:
        if job.get("instrument", True):
            entry, sites_text = Loader.Load(program, bool(job.get("record")), "")
        else:  # the benchmarks' baseline: the same program, hosted the same way, not rewritten
            entry, sites_text = Loader.LoadPlain(program), ""
    except Exception as exc:  # noqa: BLE001 - reported as the user's input problem
        name = type(exc).__name__
        inner = getattr(exc, "InnerException", None)
        msg = str(getattr(exc, "Message", exc)).splitlines()[0] if str(exc) else name
        events.emit({"event": "input_error", "message": f"cannot read {program} as a .NET assembly: {msg}",
                     "detail": f"{name}: {inner or ''}"})
        events.emit({"event": "done"})
        return 0
    rewrite_seconds = time.perf_counter() - t0
    if entry is None:
        events.emit({"event": "input_error", "message": f"{program} has no entry point (a library, not a program)"})
        events.emit({"event": "done"})
        return 0
    table = SiteTable(sites_text, record=bool(job.get("record")))
    events.emit({"event": "loaded", "sites": len(table.defs), "symbols": str(Rewriter.Symbols),
                 "rewrite_seconds": round(rewrite_seconds, 6)})

    from binders import heapshot

    final_lock = threading.Lock()
    final_written = []

    def write_final(outcome: dict) -> None:
        with final_lock:
            if final_written:
                return
            final_written.append(True)
            System.Console.Out.Flush()
            System.Console.Error.Flush()
            events.emit(dict(outcome, event="outcome"))
            events.emit({"event": "state", "final": True, **table.state()})
            if heapshot.session() is not None:
                heapshot.shot("exit")
                events.emit({"event": "heapshots", "points": {"before": 0, "exit": 1}})
            if job.get("record"):
                table.flush_record(job["record"])
            events.emit({"event": "done"})

    def on_exit(code: int) -> None:
        write_final({"status": "exited", "exit_code": int(code), "seconds": round(time.perf_counter() - t0, 6)})
        if heapshot.session() is None:
            # The report is out; the runtime's own shutdown from a thread other than Python's main
            # one can wait forever on pythonnet's exit handlers, so end here.
            os._exit(0)

    Sites.ExitHook = System.Action[int](on_exit)

    heapshot.shot("before")
    args = System.Array[System.String](list(job.get("args") or []))
    every = base = float(job.get("snapshot_every", 0.5))
    t0 = time.perf_counter()
    thread = Loader.Start(entry, args)
    # This thread is the only Python thread that calls into the runtime while the program runs:
    # it waits for the program's thread and, between waits, writes the state (every half second,
    # or less often when reading it is slow, so that it never takes more than a tenth of a core).
    while not thread.Join(System.TimeSpan.FromSeconds(every)):
        t = time.perf_counter()
        try:
            events.emit({"event": "state", "final": False, **table.state()})
            if job.get("record"):
                table.flush_record(job["record"])
        except Exception:  # noqa: BLE001 - a snapshot racing the program: try again next time
            pass
        every = max(base, 10 * (time.perf_counter() - t))
    seconds = round(time.perf_counter() - t0, 6)
    if Loader.Error is None:
        outcome = {"status": "returned", "exit_code": int(Loader.ExitCode), "seconds": seconds}
    else:
        ex = Loader.Error
        outcome = {"status": "threw", "exit_code": None, "seconds": seconds,
                   "exception": {"type": ex.GetType().FullName, "message": str(ex.Message),
                                 "stack": str(ex.StackTrace or "")[:4000]}}
    write_final(outcome)
    if heapshot.session() is None:
        os._exit(0)  # threads the program left running must not keep the report waiting
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
