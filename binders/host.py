"""Running replays in worker subprocesses (one runtime per process).

:func:`run_batch` writes the jobs to a file, starts ``python -m binders.worker``
for one runtime, waits with a timeout, and reads the JSON-lines file the
worker appended to as it went.  A worker that aborts, hangs or throws becomes
a :class:`~callsite.errors.RunFailed` naming the runtime and the job in
progress, with the path of the partial output, never a dead CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from callsite.errors import RunFailed, RuntimeUnavailable

from binders import runtimes

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


def new_output_file(runtime: str, folder: str, suffix: str) -> Path:
    """A new, timestamped file under out/FOLDER for one worker's output."""
    out_dir = REPO / "out" / folder
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{time.strftime('%Y%m%d-%H%M%S')}-{runtime}-", suffix=suffix, dir=out_dir)
    os.close(fd)
    return Path(name)


def run_batch(runtime: str, jobs: list[dict], *, timeout: float | None = None,
              out: str | Path | None = None, raise_on_error: bool = True,
              env: dict | None = None) -> tuple[dict, list[JobOutcome]]:
    """Replay ``jobs`` in one worker process for ``runtime``.

    Returns (hello event, outcomes in job order).  ``timeout`` applies to each
    job (run) separately, counted from the moment the worker starts it.  With ``raise_on_error`` a failed job or a dead worker raises
    :class:`RunFailed`; otherwise they come back as outcomes ("error"/"lost").
    """
    check_runtime(runtime)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    out = new_output_file(runtime, "runs", ".jsonl") if out is None else Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("")
    jobs_file = out.with_suffix(".jobs.json")
    jobs_file.write_text(json.dumps(jobs))
    cmd = [sys.executable, "-m", "binders.worker", runtime, str(jobs_file), str(out)]
    stderr_file = out.with_suffix(".stderr")
    with open(stderr_file, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=dict(_env(), **(env or {})),
                                cwd=str(REPO),
                                start_new_session=True)
        timed_out = False
        # The timeout is per run: it restarts whenever the worker starts a job.
        # Progress is read from the streamed output file (no pipes to fill).
        deadline = time.monotonic() + timeout + STARTUP_ALLOWANCE
        seen = 0
        while True:
            try:
                rc = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            size = out.stat().st_size if out.exists() else 0
            if size != seen:
                with open(out, "rb") as f:
                    f.seek(seen)
                    chunk = f.read(size - seen)
                seen = size
                if b'"event":"start"' in chunk:
                    deadline = time.monotonic() + timeout
            if time.monotonic() > deadline:
                timed_out = True
                try:
                    os.killpg(proc.pid, 9)
                except ProcessLookupError:
                    pass
                proc.wait()
                rc = proc.returncode
                break
    events = _read_events(out)
    hello = next((e for e in events if e.get("event") == "hello"), {"runtime": runtime})
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
            tail = ""
            try:
                lines = [ln for ln in stderr_file.read_text(errors="replace").splitlines() if ln.strip()]
                if lines:
                    tail = f": {lines[-1][:200]}"
            except OSError:
                pass
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
