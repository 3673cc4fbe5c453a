"""Running a user's program under instrumentation in a worker process (the parent's side).

The worker is started like every real-runtime worker (:mod:`binders.host`): its own process
group, the project on ``PYTHONPATH``, a timeout after which the whole group is killed, and the
same on Ctrl-C.  Unlike a replay it runs in the user's current folder (the program may read
relative paths), and its stdout/stderr are the *program's*: they are copied as they come to the
files of the run and, when asked, to this process's own streams.  ``[DllImport("comshim")]`` in
the program finds the project's native COM shim (``binders/native``) through ``LD_LIBRARY_PATH``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from callsite.errors import DlrsimError

from binders import host
from binders.process import WorkerProcess, python_command
from binders.program import helper

NATIVE = Path(__file__).resolve().parent.parent / "native"
DEFAULT_TIMEOUT = 600.0
STARTUP_ALLOWANCE = 60.0  # loading the runtime and rewriting, on top of the program's timeout


@dataclass
class ProgramRun:
    """What a run left: events from the worker and the program's own output."""
    program: str
    runtime: str
    args: list
    events: list = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    worker_exit: int | None = None
    out_dir: Path | None = None
    record_calls: Path | None = None
    heapshots: Path | None = None

    def first(self, kind: str) -> dict | None:
        return next((e for e in self.events if e.get("event") == kind), None)

    def last(self, kind: str) -> dict | None:
        return next((e for e in reversed(self.events) if e.get("event") == kind), None)


def check_assembly(path: Path) -> None:
    """One clear line for a file that is no .NET assembly (checked before a runtime starts)."""
    if not path.exists():
        raise DlrsimError(f"{path}: no such file")
    if path.is_dir():
        raise DlrsimError(f"{path}: is a folder, not a .NET program")
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:2] != b"MZ" or len(head) < 64:
        raise DlrsimError(f"{path}: not a .NET assembly (no PE header)")
    pe = int.from_bytes(head[60:64], "little")
    if head[pe:pe + 4] != b"PE\0\0":
        raise DlrsimError(f"{path}: not a .NET assembly (no PE signature)")
    opt = pe + 24
    magic = int.from_bytes(head[opt:opt + 2], "little")
    dirs = opt + (96 if magic == 0x10B else 112)
    cli = dirs + 14 * 8  # data directory 14: the CLI header
    if int.from_bytes(head[cli:cli + 8], "little") == 0:
        raise DlrsimError(f"{path}: a native executable, not a .NET assembly (no CLI header)")


def _pump(src: IO[bytes], sinks: list) -> None:
    for chunk in iter(lambda: src.read1(65536), b""):
        for s in sinks:
            try:
                s.write(chunk)
                s.flush()
            except (OSError, ValueError):
                pass


def run(program: str | os.PathLike, args: list[str] | None = None, *, runtime: str = "mono",
        timeout: float | None = None, out_dir: str | os.PathLike | None = None,
        record: bool = False, heapshots: str | os.PathLike | None = None, instrument: bool = True,
        passthrough: tuple[IO[bytes] | None, IO[bytes] | None] = (None, None)) -> ProgramRun:
    """Run ``program`` instrumented on ``runtime``; never raises for what the program does.

    ``instrument=False`` hosts the program the same way without rewriting it (the baseline the
    benchmarks compare with)."""
    path = Path(program).resolve()
    check_assembly(path)
    host.check_runtime(runtime)
    exe = helper.build()
    out = Path(out_dir) if out_dir else Path.cwd() / "dlrsim-out" / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    out.mkdir(parents=True, exist_ok=True)
    res = ProgramRun(str(path), runtime, list(args or []), out_dir=out)
    events_path = out / "events.jsonl"
    events_path.write_text("")
    job = {"program": str(path), "args": res.args, "helper": str(exe), "instrument": instrument}
    if record:
        res.record_calls = out / "calls.tsv"
        res.record_calls.write_text("")
        job["record"] = str(res.record_calls)
    env = dict(host._env())
    env["LD_LIBRARY_PATH"] = str(NATIVE) + (os.pathsep + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    if heapshots:
        res.heapshots = Path(heapshots).resolve()
        env["DLRSIM_HEAPSHOT"] = str(res.heapshots)
    job_path = out / "job.json"
    job_path.write_text(json.dumps(job))
    cmd = python_command("binders.program.worker", runtime, job_path, events_path)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    with open(out / "stdout", "wb") as fout, open(out / "stderr", "wb") as ferr, \
            WorkerProcess(cmd, env=env, cwd=os.getcwd(), pipes=True) as worker:
        proc = worker.proc
        pumps = [threading.Thread(target=_pump, args=(proc.stdout, [fout] + [s for s in passthrough[:1] if s]), daemon=True),
                 threading.Thread(target=_pump, args=(proc.stderr, [ferr] + [s for s in passthrough[1:] if s]), daemon=True)]
        for t in pumps:
            t.start()
        deadline = time.monotonic() + timeout + STARTUP_ALLOWANCE
        started = False
        while True:
            res.worker_exit = worker.wait_step(0.1)
            if res.worker_exit is not None:
                break
            if not started and b'"event":"loaded"' in events_path.read_bytes()[:1 << 16]:
                started = True
                deadline = time.monotonic() + timeout  # the program's own time starts now
            if time.monotonic() > deadline:
                res.timed_out = True
                worker.stop()  # the whole group, and CoreCLR's temporary endpoints
                break
        for t in pumps:
            t.join(timeout=5)
    res.stdout = (out / "stdout").read_text(errors="replace")
    res.stderr = (out / "stderr").read_text(errors="replace")
    res.events = host._read_events(events_path)
    bad = res.first("input_error")
    if bad:
        raise DlrsimError(bad["message"])
    if res.first("hello") is None and not res.timed_out:
        tail = [ln for ln in res.stderr.splitlines() if ln.strip()]
        raise DlrsimError(f"{runtime}: the worker did not start (exit code {res.worker_exit})"
                          + (f": {tail[-1][:200]}" if tail else ""))
    return res
