"""The loader's side of the exactness fixes, and the stepping API against the batch simulator.

The model fixes themselves are checked against the real runtimes by the focused workloads in
tests/real/workloads (l2_per_delegate, binder_equivalence, literal_values, literal_nan,
throws_per_type, throws_per_value, static_cycle); these tests cover what needs no runtime.
"""

from __future__ import annotations

import math

import pytest

from callsite.errors import WorkloadError
from callsite.generate import random_workload
from callsite.simulator import simulate
from callsite.stepper import SiteCaches, Stepper
from callsite.workload import load_workload


def _doc(value, box="int", flags=("UseCompileTimeType", "Constant")):
    return {"binders": {"b": {"kind": "InvokeMember", "name": "Equals", "args": [[], list(flags)]}},
            "sites": {"s": {"binder": "b"}},
            "calls": [{"site": "s", "args": [{"new": "W"}, {"box": box, "value": value}]}]}


@pytest.mark.parametrize("box,value", [("int", 2.5), ("int", "notanint"), ("byte", 256), ("uint", -1),
                                       ("bool", "yes"), ("char", "ab"), ("float", 1e300), ("decimal", "nan"),
                                       ("long", True)])
def test_a_value_not_of_the_declared_type_is_rejected_with_its_path(box, value):
    with pytest.raises(WorkloadError) as exc:
        load_workload(_doc(value, box))
    assert "calls[0].args[1].value" in str(exc.value) and f"not a {box}" in str(exc.value)


@pytest.mark.parametrize("box,a,b", [("double", 3, 3.0), ("double", "3", 3), ("string", 1, "1"),
                                     ("int", 7, "7"), ("int", 7, 7.0), ("decimal", 2, "2.0"),
                                     ("float", 0.1, "0.1"), ("bool", True, "true")])
def test_spellings_of_one_clr_value_are_one_value(box, a, b):
    va = load_workload(_doc(a, box)).script[0][0].args[1].value
    vb = load_workload(_doc(b, box)).script[0][0].args[1].value
    assert va == vb


def test_nan_literal_is_one_value():
    wl = load_workload(_doc(float("nan"), "double"))
    assert math.isnan(wl.script[0][0].args[1].value.value)


def test_a_cycle_of_static_receivers_is_accepted_and_other_items_named():
    binders = {"b": {"kind": "InvokeMember", "name": "ReferenceEquals",
                     "args": [["UseCompileTimeType", "IsStaticType"], []]}}
    ok = {"binders": binders, "sites": {"s": {"binder": "b"}},
          "calls": [{"site": "s", "args": [{"cycle": [{"static": "System.Object"}, {"static": "String"}]}, None]}]}
    assert load_workload(ok).script[0][0].args[0].value.items[1].type_name == "System.String"
    bad = dict(ok, calls=[{"site": "s", "args": [{"cycle": [{"static": "System.Object"}, {"new": "A"}]}, None]}])
    with pytest.raises(WorkloadError, match="IsStaticType"):
        load_workload(bad)


def test_old_files_with_a_throws_flag_still_load_and_the_flag_decides_nothing():
    def doc(flag):
        return {"binders": {"b": {"kind": "GetMember", "name": "Foo", "args": [[]], "throws": flag}},
                "sites": {"s": {"binder": "b"}},
                "classes": {"W": {"fields": ["Foo"]}},
                "calls": [{"site": "s", "args": [{"new": c}]} for c in ("W", "V", "W", "V")]}
    assert simulate(doc(True), "mono").level_names == simulate(doc(False), "mono").level_names
    with pytest.raises(WorkloadError, match=r"binders\.b\.throws: expected true or false"):
        load_workload(doc("yes"))


def test_equivalence_drops_what_the_binder_does_not_store():
    def key(**b):
        base = {"kind": "InvokeMember", "name": "M", "args": [[], []]}
        doc = {"binders": {"b": dict(base, **b)}, "sites": {"s": {"binder": "b"}},
               "calls": [{"site": "s", "args": [None, None] if b.get("kind", "InvokeMember") != "Convert"
                          else [None]}]}
        if b.get("kind") == "Convert":
            doc["binders"]["b"].pop("name")
            doc["binders"]["b"].pop("args")
        return load_workload(doc).binders["b"].equivalence_key()
    assert key() == key(flags=["CheckedContext"]) != key(flags=["ResultDiscarded"])
    assert key(type_args=["int"]) == key(type_args=["System.Int32"]) != key(type_args=["long"])
    assert key(kind="Convert", type="int", explicit=True) == key(kind="Convert", type="System.Int32",
                                                                 flags=["ConvertExplicit"])
    assert key(kind="Convert", type="int") != key(kind="Convert", type="int", flags=["CheckedContext"])


@pytest.mark.parametrize("seed", range(1, 9))
def test_stepper_agrees_with_the_simulator_call_by_call(seed):
    doc = random_workload(seed, calls=120)
    wl = load_workload(doc)
    stepper = Stepper(doc, "coreclr")
    levels = []
    for it in doc["script"]:
        for c in it:
            levels.append(stepper.call(c["site"], c["args"]).level)
        stepper.end_iteration()
    assert levels == simulate(wl, "coreclr", len(levels)).level_names
    assert load_workload(stepper.workload()).calls_per_cycle == len(levels)


def test_snapshots_are_values_that_later_calls_do_not_change():
    st = Stepper({"binders": {"b": {"kind": "InvokeMember", "name": "GetHashCode", "args": [[]]}},
                  "sites": {"s": {"binder": "b"}}})
    first = st.call("s", [{"new": "A"}]).caches
    st.call("s", [{"new": "B"}])
    assert isinstance(first, SiteCaches) and first.l1 == (1,) and st.caches("s").l1 == (2, 1)
    with pytest.raises(AttributeError):
        first.l1 = ()
