"""The workload loader over mutated documents: a valid workload or one WorkloadError, nothing else.

Documents start from every built-in scenario and a workload that uses every value kind; hypothesis
then replaces a subtree with arbitrary JSON-like data (mappings and lists where names belong,
numbers where lists belong, ...), deletes or adds keys, or damages the YAML text itself. Whatever
loads must also simulate a few calls without an unexpected exception.
"""

from __future__ import annotations

import copy
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsite.errors import DlrsimError
from callsite.scenarios import names, scenario_document
from callsite.simulator import simulate
from callsite.workload import load_workload

RICH = {
    "format": "dlrsim-workload/1", "name": "rich",
    "binders": {
        "call": {"kind": "InvokeMember", "name": "M", "flags": ["ResultDiscarded"],
                 "args": [[], {"flags": ["Constant"], "name": "x"}, ["UseCompileTimeType"]]},
        "conv": {"kind": "Convert", "type": "int", "explicit": True},
        "add": {"kind": "BinaryOperation", "operation": "Add", "args": [[], []]},
    },
    "sites": {"a": {"binder": "call"}, "b": {"binder": "conv", "lifetime": "per-iteration"},
              "c": {"binder": "add", "lifetime": "per-iteration", "binder_per_iteration": True}},
    "script": [
        [{"site": "a", "args": [{"obj": 1, "type": "Holder"}, {"box": "int", "value": 3},
                                {"cast": "object", "value": {"com": "fresh"}}]},
         {"site": "b", "args": [{"cycle": [{"box": "long"}, None, {"new": "W"}]}]}],
        [{"site": "c", "args": [{"poly": 3, "fresh": False}, {"static": "Math"}]}],
    ],
    "default_calls": 12,
}
BASES = [scenario_document(n) for n in names() if n != "poly-N"] + [scenario_document("poly-3"), RICH]

scalars = st.none() | st.booleans() | st.integers(-3, 10 ** 20) | st.floats(allow_nan=True) | st.text(max_size=12) \
    | st.sampled_from(["fresh", "object", "static", "InvokeMember", "Add", "s", "b", "int", "per-iteration"])
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | st.sampled_from(["box", "com", "cast", "value",
                                                                                "poly", "cycle", "site"]),
                                        inner, max_size=4), max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(values)
        else:
            parent.append(draw(values))
    return doc


def _load_and_run(source) -> None:
    try:
        wl = load_workload(source)
    except DlrsimError:
        return
    try:
        simulate(wl, "mono", 12)
        simulate(wl, "coreclr", 12)
    except DlrsimError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_documents_load_or_fail_in_one_line(doc):
    _load_and_run(doc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(BASES), edits=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 3),
                                                            st.text(max_size=3)), min_size=1, max_size=4),
       json_syntax=st.booleans())
def test_damaged_text_loads_or_fails_in_one_line(tmp_path, base, edits, json_syntax):
    text = json.dumps(base) if json_syntax else yaml.safe_dump(base)
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut:]
    path = tmp_path / ("w.json" if json_syntax else "w.yaml")
    path.write_text(text, encoding="utf-8")
    _load_and_run(str(path))


def test_yaml_aliases_cannot_multiply_a_small_file_into_millions_of_calls(tmp_path, monkeypatch):
    """n aliases of a list of n aliases: n^2 calls from a file of a few kilobytes."""
    import pytest

    from callsite import workloadfile
    from callsite.errors import WorkloadError

    monkeypatch.setattr(workloadfile, "MAX_ITEMS", 10_000)  # the loader counts against it
    n = 200
    text = ("format: dlrsim-workload/1\nbinders:\n  b: {kind: InvokeMember, name: X, args: [[], []]}\n"
            "sites:\n  s: {binder: b}\nscript:\n  - &L [&c {site: s, args: [{obj: 1, type: H}, {box: int}]}, "
            + ", ".join(["*c"] * (n - 1)) + "]\n" + "  - *L\n" * (n - 1))
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    with pytest.raises(WorkloadError, match="more than 10,000 calls, values and argument infos"):
        load_workload(str(path))
