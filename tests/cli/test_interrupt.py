"""Ctrl-C and timeouts stop everything dlrsim started: the worker, its whole process group, and
the debugger/diagnostics files a killed CoreCLR leaves in the temporary folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from binders import host
from binders.process import runtime_temp_files
from tests.cli.conftest import assert_one_error_line

LONG = ("real", "--scenario", "poly-4", "--runtime", "coreclr", "--calls", "100000000", "--out", "run.jsonl")


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _start(tmp_path, *args) -> tuple[subprocess.Popen, int]:
    """dlrsim started as from a terminal; returns it and its worker's pid once the replay runs."""
    p = subprocess.Popen([sys.executable, "-m", "callsite", *args], cwd=tmp_path, env=host._env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    run = tmp_path / "run.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = [json.loads(x) for x in run.read_text().splitlines()] if run.exists() else []
        hello = [e for e in events if e.get("event") == "hello"]
        if hello and any(e.get("event") == "start" for e in events):
            return p, hello[0]["pid"]
        assert p.poll() is None, p.communicate()
        time.sleep(0.1)
    p.kill()
    raise AssertionError("the worker did not start")


def _assert_stopped(worker: int) -> None:
    assert _group_members(worker) == [], "a process of the worker's group survived"
    assert runtime_temp_files(worker) == [], "CoreCLR's temporary files of the killed worker are left"


def test_ctrl_c_stops_the_worker_and_says_where_the_partial_output_is(tmp_path):
    p, worker = _start(tmp_path, *LONG)
    assert runtime_temp_files(worker), "CoreCLR makes its debugger/diagnostics files (what this test checks)"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert_one_error_line(subprocess.CompletedProcess(p.args, p.returncode, out, err),
                          "interrupted", f"pid {worker}", f"partial output kept in {tmp_path / 'run.jsonl'}",
                          code=130)
    _assert_stopped(worker)
    last = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert last == {"event": "stopped", "reason": "interrupted"}


def test_a_timeout_kills_the_worker_group_and_cleans_up(tmp_path):
    p, worker = _start(tmp_path, *LONG, "--timeout", "3", "--json")
    out, err = p.communicate(timeout=120)
    line = assert_one_error_line(subprocess.CompletedProcess(p.args, p.returncode, out, err),
                                 "timed out after 3 s", "partial output kept in", json_output=True)
    assert "poly-4" in line
    _assert_stopped(worker)
    assert os.path.getsize(tmp_path / "run.jsonl") > 0


def sleep_in_worker(params: dict, runtime: str) -> dict:
    """Runs inside an experiment worker (``experiments.worker``): a function that never ends."""
    while True:
        time.sleep(0.1)


EXPERIMENT_PARENT = """
import sys
from callsite.errors import DlrsimError
from experiments.common import writing_to
from experiments.worker import run_in_worker
try:
    with writing_to(sys.argv[1]):
        run_in_worker("coreclr", "tests.cli.test_interrupt:sleep_in_worker", {})
except DlrsimError as exc:
    print(exc, file=sys.stderr)
    raise SystemExit(exc.exit_code)
"""


def test_ctrl_c_stops_an_experiment_worker(tmp_path):
    """The experiments' own workers (experiment 9) go through the same process machinery."""
    p = subprocess.Popen([sys.executable, "-c", EXPERIMENT_PARENT, str(tmp_path)], cwd=tmp_path,
                         env=host._env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = tmp_path / "runs"
    worker = None
    deadline = time.monotonic() + 60
    while worker is None and time.monotonic() < deadline:
        time.sleep(0.2)
        kids = [int(x) for x in Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()]
        if kids and runs.is_dir() and any(runtime_temp_files(k) for k in kids):
            worker = kids[0]
    assert worker is not None, "the experiment worker did not start its runtime"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted" in err and f"pid {worker}" in err and str(runs) in err
    _assert_stopped(worker)
