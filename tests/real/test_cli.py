"""The real-runtime commands, end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from binders import host


_CWD: list = []  # run from a temporary folder: default output lands there, not in the project


@pytest.fixture(autouse=True)
def _user_folder(tmp_path):
    _CWD[:] = [tmp_path]
    yield


def dlrsim(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "callsite", *args], capture_output=True, text=True,
                          env=host._env(), cwd=str(_CWD[0]), timeout=timeout)


def test_doctor_json_reports_the_three_runtimes():
    p = dlrsim("doctor", "--json")
    assert p.returncode == 0, p.stderr
    d = {e["runtime"]: e for e in json.loads(p.stdout)["runtimes"]}
    assert d["mono"]["usable"] and d["mono"]["version"].startswith("Mono 6.8")
    assert d["coreclr"]["usable"] and "3.1" in d["coreclr"]["version"]
    assert d["net8"]["usable"] and d["net8"]["version"] == ".NET 8.0.4" and not d["net8"]["com_objects"]


def test_real_json_has_simulate_fields_plus_runtime(tmp_path):
    p = dlrsim("real", "--scenario", "int-arg", "--runtime", "coreclr", "--calls", "50", "--json",
               "--out", str(tmp_path / "ev.jsonl"))
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    for f in ("calls", "binds", "l0_hits", "l1_hits", "l2_hits", "l1_rules", "l2_rules", "rules_compiled",
              "rules_live", "weak_handles_live", "profile", "sites", "runtime", "runtime_version", "seconds",
              "samples"):
        assert f in d, f
    assert d["calls"] == 50 and d["l0_hits"] + d["l1_hits"] + d["l2_hits"] + d["binds"] == 50
    # events were streamed to the file as the run went
    events = [json.loads(x)["event"] for x in (tmp_path / "ev.jsonl").read_text().splitlines()]
    assert events[:2] == ["jobs", "hello"] and "result" in events and events[-1] == "done"


def test_timeout_is_one_line_error_naming_runtime(tmp_path):
    p = dlrsim("real", "--scenario", "com-arg-fresh", "--runtime", "mono", "--calls", "100000",
               "--timeout", "8", "--out", str(tmp_path / "ev.jsonl"))
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "mono" in lines[0] and "timed out" in lines[0]
    assert "Traceback" not in p.stderr


def test_compare_exit_codes(tmp_path):
    ok = dlrsim("compare", "--scenario", "new-site-per-iteration", "--runtime", "mono", "--calls", "30", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["scenarios"][0]["agreement"] == 1.0
    # simulating Mono with CoreCLR's profile must disagree (binder de-duplication differs)
    bad = dlrsim("compare", "--scenario", "new-site-per-iteration", "--runtime", "mono", "--profile", "coreclr",
                 "--calls", "30", "--json")
    assert bad.returncode == 1, bad.stderr
    rep = json.loads(bad.stdout)["scenarios"][0]
    assert rep["first_divergence"] == {"call": 1, "expected": "l2", "actual": "bind"}


def test_aborting_worker_is_reported_and_earlier_results_survive(tmp_path, monkeypatch):
    """A worker that aborts mid-batch: the error names the runtime and the job; what was
    streamed before the abort (the first job's result) is still read back."""
    from callsite.errors import RunFailed

    monkeypatch.setenv("DLRSIM_WORKER_ABORT_AT", "second")
    jobs = [{"id": "first", "source": {"scenario": "int-arg"}, "calls": 20},
            {"id": "second", "source": {"scenario": "null-arg"}, "calls": 20}]
    out = tmp_path / "ev.jsonl"
    try:
        host.run_batch("coreclr", jobs, out=out)
    except RunFailed as exc:
        msg = str(exc)
    else:
        raise AssertionError("an aborted worker must raise RunFailed")
    assert "coreclr" in msg and "'second'" in msg and "\n" not in msg
    _, outcomes = host.run_batch("coreclr", jobs, out=tmp_path / "ev2.jsonl", raise_on_error=False)
    assert outcomes[0].status == "ok" and outcomes[0].result["calls"] == 20
    assert outcomes[1].status == "lost"
