"""Bad input as a new user gives it: one line on stderr, exit 2, no traceback, no hang, nothing
written into the project, and with ``--json`` exactly one ``{"error": ...}`` object on stdout."""

from __future__ import annotations

import json

import pytest
import yaml

from callsite.scenarios import scenario_document
from tests.cli.conftest import assert_one_error_line


def _workload(tmp_path, mutate, name="w.yaml") -> str:
    doc = json.loads(json.dumps(scenario_document("com-arg-fresh")))
    mutate(doc)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc) if name.endswith(".yaml") else json.dumps(doc))
    return name


def _set(path: str, value):
    def mutate(doc):
        *parents, last = path.split(".")
        node = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


@pytest.mark.parametrize("path, value, needle", [
    ("sites.s.binder", {"cast": "int"}, "sites.s.binder"),
    ("binders.b.kind", ["InvokeMember", "GetMember"], "binders.b.kind"),
    ("binders.b.flags", [{"ResultDiscarded": 1}], "binders.b.flags[0]"),
    ("binders.b.args.0", [["UseCompileTimeType"]], "binders.b.args[0][0]"),
    ("body.0.site", ["s"], "body[0].site"),
    ("body.0.args.1", {"box": ["int"]}, "body[0].args[1].box"),
    ("body.0.args.1", {"com": {"id": 1}}, "body[0].args[1].com"),
    ("sites.s.lifetime", {"static": True}, "sites.s.lifetime"),
])
def test_a_mapping_or_list_where_a_name_belongs(tmp_path, dlrsim, path, value, needle):
    name = _workload(tmp_path, _set(path, value))
    assert_one_error_line(dlrsim("simulate", "--workload", name, "--calls", "5"), f"{name}: {needle}")


@pytest.mark.parametrize("name, text", [
    ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
    ("deep.json", "[" * 100000 + "]" * 100000),
    ("deepmap.json", '{"a": ' * 50000 + "1" + "}" * 50000),
])
def test_documents_nested_thousands_deep(tmp_path, dlrsim, name, text):
    (tmp_path / name).write_text(text)
    assert_one_error_line(dlrsim("simulate", "--workload", name, "--json"), name, json_output=True)


def test_a_huge_poly_is_refused_before_anything_is_built(tmp_path, dlrsim):
    name = _workload(tmp_path, _set("body.0.args.1", {"poly": 100_000_000}))
    assert_one_error_line(dlrsim("simulate", "--workload", name, timeout=30), "poly", "100,000")
    assert_one_error_line(dlrsim("real", "--scenario", "poly-1000000000", "--runtime", "coreclr", timeout=30),
                          "poly", "100,000")


@pytest.mark.parametrize("calls", [str(2 ** 64 + 1), "-5", "1e6", "10000000000000000"])
def test_calls_out_of_range(dlrsim, calls):
    assert_one_error_line(dlrsim("simulate", "--scenario", "int-arg", "--calls", calls, "--json"), "--calls",
                          json_output=True)


def test_a_trillion_calls_run_because_the_state_repeats(dlrsim):
    p = dlrsim("simulate", "--scenario", "int-arg", "--calls", "1000000000000", "--json", timeout=60)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["calls"] == 10 ** 12 and d["binds"] == 1 and d["l0_hits"] == 10 ** 12 - 1
    assert p.stderr == ""


def test_too_many_samples_are_refused(dlrsim):
    assert_one_error_line(dlrsim("simulate", "--scenario", "int-arg", "--calls", "1000000000000",
                                 "--sample-every", "1"), "--sample-every")


@pytest.mark.parametrize("args", [
    ("real", "--scenario", "int-arg", "--timeout", "nan"),
    ("real", "--scenario", "int-arg", "--timeout", "-1"),
    ("detect", "--scenario", "int-arg", "--runtime", "mono", "--timeout", "inf"),
    ("demo", "--timeout", "0"),
])
def test_timeouts_that_mean_nothing(dlrsim, args):
    assert_one_error_line(dlrsim(*args), "--timeout")


def test_abbreviated_options_are_not_guessed(tmp_path, dlrsim):
    p = dlrsim("experiment", "report", "--out", "x.md")
    assert_one_error_line(p, "--out")
    assert not (tmp_path / "x.md").exists()


def test_output_paths_that_cannot_be_written(tmp_path, dlrsim):
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    cases = [
        (("real", "--scenario", "int-arg", "--runtime", "coreclr", "--out", "adir"), "adir", "folder"),
        (("real", "--scenario", "int-arg", "--runtime", "coreclr", "--out", "afile/run.jsonl"), "afile"),
        (("real", "--scenario", "com-arg-fresh", "--heapshots", "afile/x.mlpd"), "--heapshots"),
        (("compare", "--scenario", "int-arg", "--runtime", "coreclr", "--out", "adir"), "adir"),
        (("simulate", "--scenario", "int-arg", "--trace", "adir"), "--trace"),
        (("experiment", "run", "com-loop", "--out", "afile", "--runtime", "mono"), "--out afile"),
        (("experiment", "report", "-o", "adir"), "adir"),
        (("experiment", "report", "--results", "nowhere"), "nowhere"),
    ]
    for args, *needles in cases:
        assert_one_error_line(dlrsim(*args, "--json"), *needles, json_output=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]


@pytest.mark.parametrize("args", [
    ("simulate", "--scenario", "nope"),
    ("simulate", "--workload", "missing.yaml"),
    ("simulate",),                                   # an argparse error
    ("real", "--scenario", "nope"),
    ("detect", "--workload", "missing.json", "--runtime", "mono"),
    ("scenarios", "--show", "nope"),
    ("experiment", "run", "nope"),
])
def test_json_errors_are_one_object(dlrsim, args):
    assert_one_error_line(dlrsim(*args, "--json"), json_output=True)


def test_relative_out_and_heapshots_land_in_the_current_folder(tmp_path, dlrsim):
    """A relative --out and --heapshots into a folder that does not exist yet: both relative to
    where dlrsim was started, also inside the worker; no side files next to the run file."""
    p = dlrsim("real", "--scenario", "com-arg-fresh", "--calls", "20", "--out", "runs/a.jsonl",
               "--heapshots", "shots/new/a.mlpd", "--json", timeout=300)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["binds"] == 20
    events = [json.loads(line) for line in (tmp_path / "runs" / "a.jsonl").read_text().splitlines()]
    assert events[0]["event"] == "jobs" and events[-1]["event"] == "done"
    assert [e["event"] for e in events].count("result") == 1
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["a.jsonl"]
    assert (tmp_path / "shots" / "new" / "a.mlpd").stat().st_size > 0
