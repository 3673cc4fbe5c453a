"""The CLI as a user meets it: stable JSON fields, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FIELDS = {"calls", "binds", "l0_hits", "l1_hits", "l2_hits", "l1_rules", "l2_rules", "rules_compiled",
          "rules_live", "weak_handles_live", "profile", "sites"}


def dlrsim(*args, input=None):
    return subprocess.run([sys.executable, "-m", "callsite", *args], capture_output=True, text=True,
                          input=input, timeout=120)


def test_simulate_json_has_the_stable_fields():
    p = dlrsim("simulate", "--scenario", "com-arg-fresh", "--calls", "300", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert FIELDS <= set(d)
    assert d["binds"] == 300 and d["profile"] == "mono"
    assert {"name", "calls", "binds", "ic_state", "identity_churn"} <= set(d["sites"][0])


def test_trace_writes_one_line_per_call(tmp_path):
    out = tmp_path / "t.jsonl"
    p = dlrsim("simulate", "--scenario", "poly-3", "--calls", "7", "--trace", str(out))
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["level"] for r in rows] == ["bind", "bind", "bind", "l1", "l1", "l1", "l1"]
    assert [r["call"] for r in rows] == list(range(7))


def test_scenarios_lists_every_builtin():
    d = json.loads(dlrsim("scenarios", "--json").stdout)
    assert {"com-arg-fresh", "com-arg-same", "com-arg-cast", "int-arg", "null-arg", "static-type-arg",
            "new-site-per-iteration", "com-member-access", "poly-N"} <= {r["name"] for r in d}


def test_a_scenario_document_round_trips_as_a_workload_file(tmp_path):
    doc = dlrsim("scenarios", "--show", "com-arg-fresh").stdout
    f = tmp_path / "w.json"
    f.write_text(doc)
    a = json.loads(dlrsim("simulate", "--workload", str(f), "--calls", "50", "--json").stdout)
    b = json.loads(dlrsim("simulate", "--scenario", "com-arg-fresh", "--calls", "50", "--json").stdout)
    assert {k: a[k] for k in FIELDS - {"sites"}} == {k: b[k] for k in FIELDS - {"sites"}}


BAD = [
    ("{not json", "w.json", "invalid JSON"),
    ("binders: [unclosed", "w.yaml", "invalid YAML"),
    ('{"binders": {"b": {"kind": "Frobnicate"}}, "sites": {}}', "w.json", "binders.b.kind"),
    ('{"binders": {"b": {"kind": "GetMember", "name": "X", "args": [[]]}}, '
     '"sites": {"s": {"binder": "nope"}}, "body": []}', "w.json", "sites.s.binder"),
    ('{"binders": {"b": {"kind": "GetMember", "name": "X", "args": [[]]}}, '
     '"sites": {"s": {"binder": "b"}}, "body": [{"site": "s", "args": [1, 2]}]}', "w.json", "body[0].args"),
    ('{"binders": {"b": {"kind": "GetMember", "name": "X", "args": [["Bogus"]]}}, '
     '"sites": {"s": {"binder": "b"}}, "body": [{"site": "s", "args": [null]}]}', "w.json", "unknown flag"),
]


@pytest.mark.parametrize("text,name,needle", BAD)
def test_bad_workloads_give_one_line_and_exit_2(tmp_path, text, name, needle):
    f = tmp_path / name
    f.write_text(text)
    p = dlrsim("simulate", "--workload", str(f))
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert str(f) in lines[0] and needle in lines[0]
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("args,needle", [
    (["simulate", "--scenario", "no-such"], "unknown scenario"),
    (["simulate", "--scenario", "int-arg", "--calls", "-5"], "non-negative"),
    (["simulate", "--workload", "/nonexistent/w.yaml"], "no such file"),
    (["simulate", "--scenario", "int-arg", "--profile", "jvm"], "invalid choice"),
])
def test_bad_arguments_give_one_line_and_exit_2(args, needle):
    p = dlrsim(*args)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr


def test_detect_exit_codes_and_python_memory():
    leaky = dlrsim("detect", "--scenario", "com-arg-fresh", "--calls", "300", "--json")
    assert leaky.returncode == 1
    d = json.loads(leaky.stdout)
    assert {f["kind"] for f in d["findings"]} >= {"identity-churn", "dead-rule-retention"}
    assert d["memory"]["verdict"] in ("bounded", "growing", "flat")
    quiet = dlrsim("detect", "--scenario", "com-arg-cast", "--calls", "300", "--python-memory", "--json")
    assert quiet.returncode == 0
    q = json.loads(quiet.stdout)
    assert q["findings"] == []
    pm = q["python_memory"]
    assert pm["traced_bytes_peak"] > 0 and "Rule" in pm["model_objects_alive_after_run"]
