"""The binder's own memory per bind: the netfx symbol-table model and what the simulator and detector do with it."""

from __future__ import annotations

import pytest

from callsite.bindermemory import NETFX_SIZES, Measurement, per_bind
from callsite.detect import detect
from callsite.profiles import PROFILES, get_profile
from callsite.scenarios import names
from callsite.simulator import simulate

NETFX = get_profile("netfx")
SCENARIOS = [n for n in names() if n != "poly-N"] + ["poly-200"]


@pytest.mark.parametrize("arguments", [1, 2, 5])
def test_netfx_census_follows_the_reference_source(arguments):
    census = NETFX.binder_state.census(arguments)
    assert census["Scope"] == 1                                    # CreateScope(null) per bind
    assert census["LocalVariableSymbol"] == arguments + 1          # "p<i>" per argument + the lambda's "this"
    assert census["SYMTBL+Key"] == census["LocalVariableSymbol"]   # each local inserted under (name, scope)
    assert census["AggregateDeclaration"] == 1                     # calling context: agg.AddDecl
    assert census["EXPRWRAP"] == arguments                         # CreateWraps skips "this"
    assert "AggregateDeclaration" not in NETFX.binder_state.census(arguments, calling_context=False)
    assert NETFX.binder_state.bytes_per_bind(arguments) == sum(n * NETFX_SIZES[c].bytes for c, n in census.items())
    # one more argument costs exactly one argument's objects
    more = NETFX.binder_state.bytes_per_bind(arguments + 1) - NETFX.binder_state.bytes_per_bind(arguments)
    assert more == sum(n * NETFX_SIZES[c].bytes for c, n in NETFX.binder_state.per_argument)


def test_measured_sizes_are_the_heap_census_ratios():
    # dotnet/roslyn#2887: total bytes / count of the leaked classes (64-bit)
    for cls, total, count in (("SYMTBL+Key", 424000, 13250), ("Scope", 616176, 7002),
                              ("LocalVariableSymbol", 1144528, 13006), ("AggregateDeclaration", 672192, 7002)):
        assert NETFX_SIZES[cls].bytes * count == total


@pytest.mark.parametrize("scenario,calls", [("new-site-per-iteration", 700), ("com-arg-fresh", 900), ("poly-200", 3000)])
def test_netfx_symbol_table_grows_by_its_per_bind_figure(scenario, calls):
    r = simulate(scenario, "netfx", calls)
    per = r.sites[0]["binder_state_bytes_per_bind"]
    assert per == NETFX.binder_state.bytes_per_bind(r.sites[0]["arguments"]) > 0
    assert r.binder_state_bytes == r.binds * per
    for a, b in zip(r.samples, r.samples[1:]):
        assert b.binder_state_bytes - a.binder_state_bytes == (b.binds - a.binds) * per
    # the same run on the shortcut-free path gives the same total
    assert simulate(scenario, "netfx", calls, shortcuts=False).binder_state_bytes == r.binder_state_bytes


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_memory_verdicts_per_profile(scenario):
    reports = {p: detect(simulate(scenario, p)) for p in PROFILES}
    binds = {p: simulate(scenario, p) for p in PROFILES}
    for p, rep in reports.items():
        r = binds[p]
        kinds = {f.kind for f in rep.findings}
        per_call = r.binds >= r.calls / 2
        if get_profile(p).binder_state.grows and per_call:
            assert rep.memory.verdict == "growing", (p, rep.memory)
            assert "symbol table" in rep.memory.cause
            assert "binder-symbol-table" in kinds
            parts = {x["part"]: x["verdict"] for x in rep.extra["memory_parts"]}
            assert parts["the C# runtime binder's symbol table"] == "growing"
            assert parts["DLR caches (L0/L1/L2 rules and what they hold)"] != "growing"
        else:
            assert rep.memory.verdict != "growing", (p, rep.memory)
            assert "binder-symbol-table" not in kinds
            assert not rep.memory.cause


def test_fix_names_the_runtime():
    netfx = {f.kind: f for f in detect(simulate("com-arg-fresh", "netfx")).findings}
    mono = {f.kind: f for f in detect(simulate("com-arg-fresh", "mono")).findings}
    assert "(object)" in netfx["identity-churn"].fix and "(object)" in mono["identity-churn"].fix
    assert "symbol table" in netfx["identity-churn"].fix and "symbol table" not in mono["identity-churn"].fix
    assert "avoid the binds" in netfx["binder-symbol-table"].fix
    site = {f.kind: f for f in detect(simulate("new-site-per-iteration", "netfx")).findings}
    assert "static field" in site["per-iteration-site"].fix and "symbol table" in site["per-iteration-site"].fix


def _samples(per_bind_bytes: int, noise: list[int]) -> dict:
    out = []
    for i, n in enumerate(noise):
        out.append({"call": i * 100, "binds": i * 100, "rules_live": 127, "heap_bytes": 5_000_000 + i * 100 * per_bind_bytes + n})
    return {"workload": "w", "profile": "mono", "calls": 100 * len(noise), "binds": 100 * len(noise), "samples": out}


def test_per_bind_measurement_sees_growth_and_flatness():
    noise = [0, 48, -32, 16, 0, -16, 64, 0, 8, -8, 0, 32, -24, 16, 0, 8]
    mem = get_profile("mono").memory
    grows = per_bind(_samples(1860, noise), mem)
    assert isinstance(grows, Measurement) and not grows.flat
    assert grows.low <= 1860 <= grows.high
    assert per_bind(_samples(0, noise), mem).flat
    assert not per_bind(_samples(88, noise), mem).flat   # one LocalVariableSymbol per bind is visible
