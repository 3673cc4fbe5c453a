"""Running replays in worker subprocesses (one runtime per process).

:func:`run_batch` writes the jobs as the first line of a run file, starts
``python -m binders.worker`` for one runtime (a :class:`~binders.process.WorkerProcess`:
own process group, killed with it on timeout or Ctrl-C), waits with a timeout,
and reads the JSON-lines run file the worker appended to as it went.  A worker that aborts, hangs or throws becomes
a :class:`~callsite.errors.RunFailed` naming the runtime and the job in
progress, with the path of the partial output, never a dead CLI.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from callsite import output
from callsite.errors import DlrsimError, Interrupted, RunFailed, RuntimeUnavailable

from binders import runtimes
from binders.process import WorkerProcess, python_command

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TIMEOUT = float(os.environ.get("DLRSIM_REAL_TIMEOUT", "900"))  # seconds per run (job)
STARTUP_ALLOWANCE = 60.0  # loading a runtime, on top of the first job's timeout


@dataclass
class JobOutcome:
    id: str
    status: str                      # "ok" | "not_applicable" | "error" | "lost"
    result: dict | None = None
    reason: str | None = None
    levels: list = field(default_factory=list)
    samples: list = field(default_factory=list)


def check_runtime(name: str) -> None:
    try:
        module = runtimes.get(name)
    except KeyError as exc:
        raise RuntimeUnavailable(str(exc.args[0])) from None
    problems = module.problems()
    if problems:
        raise RuntimeUnavailable(f"{name} is not usable: {'; '.join(problems)} (install: {module.INSTALL_COMMAND})")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
    env.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
    return env


def _read_events(path: Path) -> list[dict]:
    events = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a line cut short by a crash
    except FileNotFoundError:
        pass
    return events


class _Watcher:
    """Reads the complete lines the worker has appended to the run file since the last look."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.rest = b""

    def new_events(self) -> list[dict]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return []
        self.offset += len(data)
        data = self.rest + data
        lines = data.split(b"\n")
        self.rest = lines.pop()
        events = []
        for line in lines:
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        return events


def _append(out: Path, worker: WorkerProcess, stopped: str | None) -> None:
    """The worker's stderr and why it stopped, as the run file's last lines."""
    lines = worker.stderr_tail()
    try:
        with open(out, "a+", encoding="utf-8") as f:
            if f.tell() and (f.seek(f.tell() - 1) or True) and f.read(1) != "\n":
                f.write("\n")  # the worker died in the middle of a line
            if lines:
                f.write(json.dumps({"event": "stderr", "lines": lines}) + "\n")
            if stopped:
                f.write(json.dumps({"event": "stopped", "reason": stopped}) + "\n")
    except OSError:
        pass


def new_output_file(runtime: str, folder: str, suffix: str) -> Path:
    """A new, timestamped file under ``./dlrsim-out/FOLDER/`` in the current directory."""
    return output.new_output_file(folder, runtime, suffix)


def _job_calls(jobs: list[dict]) -> int | None:
    calls = [j.get("calls") for j in jobs]
    return sum(calls) if all(isinstance(c, int) for c in calls) else None


def run_batch(runtime: str, jobs: list[dict], *, timeout: float | None = None,
              out: str | Path | None = None, raise_on_error: bool = True,
              env: dict | None = None, progress: bool = True) -> tuple[dict, list[JobOutcome]]:
    """Replay ``jobs`` in one worker process for ``runtime``.

    Returns (hello event, outcomes in job order).  ``timeout`` applies to each
    job (run) separately, counted from the moment the worker starts it.  With ``raise_on_error`` a failed job or a dead worker raises
    :class:`RunFailed`; otherwise they come back as outcomes ("error"/"lost").
    Ctrl-C stops the worker's whole process group and raises
    :class:`~callsite.errors.Interrupted` naming the partial output.

    The run file (``out``, default ``./dlrsim-out/runs/TIME-RUNTIME-*.jsonl``) is one
    JSON object per line: ``jobs`` (written here, the worker reads its jobs from it),
    then the worker's events (:mod:`binders.worker`), then, if the worker wrote to
    stderr or did not finish, ``stderr`` (its last lines) and ``stopped`` (why).
    """
    check_runtime(runtime)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not (timeout > 0 and math.isfinite(timeout)):
        raise DlrsimError(f"the timeout must be a finite number of seconds above 0, got {timeout!r}")
    out = new_output_file(runtime, "runs", ".jsonl") if out is None else output.output_file(out, "--out")
    if out.exists() and not out.is_file():
        raise DlrsimError("not a regular file; the run file is read back as it grows", where=f"--out {out}")
    try:
        out.write_text(json.dumps({"event": "jobs", "runtime": runtime, "jobs": jobs},
                                  separators=(",", ":"), default=str) + "\n")
    except OSError as exc:
        raise DlrsimError(f"cannot write: {exc.strerror}", where=str(out)) from None
    cmd = python_command("binders.worker", runtime, out)
    total = _job_calls(jobs)
    bar = output.progress(total if total is not None else len(jobs), f"{runtime}: starting",
                          unit="call" if total is not None else "run", disable=not progress)
    stopped = None
    rc = None
    with bar, WorkerProcess(cmd, env=dict(_env(), **(env or {}))) as worker:
        # The timeout is per run: it restarts whenever the worker starts a job.
        # Progress is read from the streamed output file (no pipes to fill).
        deadline = time.monotonic() + timeout + STARTUP_ALLOWANCE
        watch = _Watcher(out)
        try:
            while True:
                rc = worker.wait_step(0.2)
                for e in watch.new_events():
                    kind = e.get("event")
                    if kind == "start":
                        deadline = time.monotonic() + timeout
                        bar.set_description(f"{runtime}: {e.get('job')}")
                        if total is None:
                            bar.update(0)
                    elif kind == "levels" and total is not None:
                        bar.update(len(e.get("levels") or ""))
                    elif kind in ("result", "not_applicable", "error") and total is None:
                        bar.update(1)
                if rc is not None:
                    break
                if time.monotonic() > deadline:
                    stopped = "timeout"
                    worker.stop()
                    rc = worker.returncode
                    break
        except KeyboardInterrupt:
            worker.stop()
            bar.close()
            _append(out, worker, "interrupted")
            raise Interrupted(f"interrupted; stopped the {runtime} worker (pid {worker.pid}) and its process "
                              f"group; partial output kept in {out}") from None
        _append(out, worker, stopped or (None if rc == 0 else f"exit code {rc}"))
        stderr_tail = worker.stderr_tail(1)
    timed_out = stopped == "timeout"
    events = _read_events(out)
    hello = dict(next((e for e in events if e.get("event") == "hello"), {"runtime": runtime}), run_file=str(out))
    outcomes: dict[str, JobOutcome] = {}
    current = None
    for e in events:
        kind = e.get("event")
        jid = e.get("job")
        if kind == "start":
            current = jid
            outcomes[jid] = JobOutcome(jid, "lost")
        elif kind == "levels" and jid in outcomes:
            outcomes[jid].levels.append((e["start"], e["levels"]))
        elif kind == "sample" and jid in outcomes:
            outcomes[jid].samples.append(e)
        elif kind == "result":
            outcomes[jid].status = "ok"
            outcomes[jid].result = e["result"]
            current = None
        elif kind == "not_applicable":
            outcomes[jid].status = "not_applicable"
            outcomes[jid].reason = e["reason"]
            current = None
        elif kind == "error":
            outcomes[jid].status = "error"
            outcomes[jid].reason = e["error"]
            current = None
    done = any(e.get("event") == "done" for e in events)
    ordered = [outcomes.get(j["id"], JobOutcome(j["id"], "lost")) for j in jobs]
    if raise_on_error:
        if timed_out or not done or rc != 0:
            what = f"job {current!r}" if current else ("startup" if "event" not in hello else "after the last job")
            why = f"timed out after {timeout:g} s" if timed_out else f"worker exited with code {rc}"
            tail = f": {stderr_tail[-1][:200]}" if stderr_tail else ""
            raise RunFailed(f"{runtime}: {what}: {why}{tail} (partial output kept in {out})")
        for o in ordered:
            if o.status == "error":
                raise RunFailed(f"{runtime}: scenario {o.id!r} failed: {o.reason} (output in {out})")
    elif timed_out or not done or rc != 0:
        for o in ordered:
            if o.status == "lost":
                o.reason = "timed out" if timed_out else f"worker exited with code {rc}"
    return hello, ordered


def source_for(scenario: str | None = None, workload_file: str | None = None, workload: dict | None = None) -> dict:
    if scenario is not None:
        return {"scenario": scenario}
    if workload_file is not None:
        return {"file": str(Path(workload_file).resolve())}
    return {"workload": workload}
