"""A site's ``params``/``returns``: the delegate the compiler typed, in the model and in its errors.

Replays of these sites are checked on every runtime by the conformance suite
(tests/real/workloads/typed_delegates.json); here the loader's side: the
delegate each site ends up with, the L2 caches it keys, and one-line errors.
"""

from __future__ import annotations

import copy

import pytest

from callsite.errors import DlrsimError
from callsite.simulator import simulate
from callsite.workload import load_workload

BASE = {
    "format": "dlrsim-workload/1", "name": "typed",
    "binders": {"b": {"kind": "InvokeMember", "name": "Equals", "args": [[], ["UseCompileTimeType"]]},
                "lit": {"kind": "InvokeMember", "name": "Equals", "args": [[], ["UseCompileTimeType", "Constant"]]},
                "st": {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                       "args": [["UseCompileTimeType", "IsStaticType"], []]}},
    "sites": {"s_int": {"binder": "b", "params": ["object", "int"]},
              "s_long": {"binder": "b", "params": ["object", "System.Int64"], "returns": "bool"},
              "s_plain": {"binder": "b"},
              "s_lit": {"binder": "lit", "params": ["object", "int"]},
              "s_static": {"binder": "st", "params": ["object", "string"]}},
    "iterations": 50,
    "body": [{"site": "s_int", "args": [{"poly": 20}, {"box": "int"}]},
             {"site": "s_long", "args": [{"poly": 20}, {"box": "long"}]},
             {"site": "s_plain", "args": [{"poly": 20}, {"box": "int"}]},
             {"site": "s_lit", "args": [{"poly": 20}, {"box": "int", "value": 1}]},
             {"site": "s_static", "args": [{"static": "GC"}, {"box": "string"}]}],
}


def test_declared_types_make_the_delegate():
    wl = load_workload(BASE)
    assert wl.sites["s_int"].delegate == ("object", "System.Int32", "object")
    assert wl.sites["s_long"].delegate == ("object", "System.Int64", "System.Boolean")
    assert wl.sites["s_plain"].delegate == ("object", "object", "object")
    assert wl.sites["s_lit"].delegate == ("object", "System.Int32", "object")  # the literal's own type agrees
    # "object" keeps what is derived: a Type receiver, a discarded result
    assert wl.sites["s_static"].delegate == ("System.Type", "System.String", "void")


def test_each_delegate_type_has_its_own_l2():
    # s_int and s_plain pass the same int boxes through one binder: typed (int) and untyped
    # (object) they are two delegate types, two L2 caches, and each binds its 20 receiver types
    res = simulate(load_workload(BASE), "mono", 5 * 50).to_dict()
    sites = {s["name"]: s for s in res["sites"]}
    assert sites["s_int"]["binds"] == sites["s_plain"]["binds"] == 20
    one = copy.deepcopy(BASE)
    one["sites"]["s_int"].pop("params")
    shared = {s["name"]: s for s in simulate(load_workload(one), "mono", 5 * 50).to_dict()["sites"]}
    # one delegate type: s_plain finds every rule s_int bound in their shared L2
    assert shared["s_int"]["binds"] == 20 and shared["s_plain"]["binds"] == 0
    assert shared["s_plain"]["l2_hits"] == 50


@pytest.mark.parametrize("site, value, message", [
    ("s_int", {"binder": "b", "params": ["int"]}, "sites.s_int.params: expected a list of 2 type names"),
    ("s_int", {"binder": "b", "params": ["object", "void"]}, "sites.s_int.params[1]: a parameter cannot be void"),
    ("s_int", {"binder": "b", "params": ["object", "no such"]}, "sites.s_int.params[1]"),
    ("s_lit", {"binder": "lit", "params": ["object", "long"]}, "sites.s_lit.params[1]: argument 1 is typed System.Int32"),
    ("s_static", {"binder": "st", "params": ["int", "object"]}, "sites.s_static.params[0]: argument 0 is typed System.Type"),
    ("s_int", {"binder": "b", "returns": 3}, "sites.s_int.returns"),
])
def test_bad_types_are_one_line_errors(site, value, message):
    doc = copy.deepcopy(BASE)
    doc["sites"][site] = value
    with pytest.raises(DlrsimError) as err:
        load_workload(doc)
    assert message in str(err.value) and "\n" not in str(err.value)


INDEXED = {
    "format": "dlrsim-workload/1", "name": "indexed",
    "classes": {"Grid": {"indexer": [1, 2]}, "Plain": {}},
    "binders": {"get": {"kind": "GetIndex", "args": [[], []]}, "set": {"kind": "SetIndex", "args": [[], [], []]}},
    "sites": {"g": {"binder": "get"}, "s": {"binder": "set"}},
    "iterations": 4,
    "body": [{"site": "g", "args": [{"cycle": [{"new": "Grid"}, {"new": "Plain"}, {"box": "string", "value": "ab"},
                                               {"box": "string", "value": "ab"}]},
                                    {"cycle": [{"box": "int"}, {"box": "int"}, {"box": "int", "value": 1},
                                               {"box": "int", "value": 2}]}]},
             {"site": "s", "args": [{"cycle": [{"new": "Grid"}, {"new": "Plain"}, {"box": "string"}, {"new": "Grid"}]},
                                    {"box": "int"}, {"box": "int"}]}],
}


def test_indexers_bind_and_throw_as_declared():
    from callsite.semantics import throw_counts

    wl = load_workload(INDEXED)
    assert wl.classes["Grid"].indexers == frozenset({1, 2})
    # g: Plain has no indexer, "ab"[2] is out of range; s: Plain again, and a string is read-only
    assert throw_counts(wl, 8) == {"g": 2, "s": 2}
    res = simulate(wl, "mono", 8).to_dict()
    assert {s["name"]: s["binds"] for s in res["sites"]} == {"g": 3, "s": 3}


@pytest.mark.parametrize("change, message", [
    ({"binders": {"get": {"kind": "GetIndex", "args": [[]]}}}, "binders.get.args: GetIndex takes at least 2"),
    ({"binders": {"get": {"kind": "GetIndex", "name": "Item", "args": [[], []]}}}, "binders.get.name: GetIndex binders have no member name"),
    ({"classes": {"Grid": {"indexer": 0}}}, "classes.Grid.indexer: expected an index count (1 to 16)"),
])
def test_indexer_errors(change, message):
    doc = copy.deepcopy(INDEXED)
    for k, v in change.items():
        doc[k].update(v)
    with pytest.raises(DlrsimError) as err:
        load_workload(doc)
    assert message in str(err.value)
