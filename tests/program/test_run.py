"""`dlrsim run` on compiled programs: per-site counts and findings derived from each program's text.

Expectations come from what each program does (loop counts, the types it passes, which sites
share a binder) and from the runtime facts the profiles carry as data (``binder_dedup``: CoreCLR
hands out one binder object for equivalent ``Binder.X(...)`` calls, Mono a new one each time),
never from an earlier run.  The COM leak's cache sizes are the model's (:mod:`callsite.simulator`
on the same workload): the real program must agree with it.
"""

from __future__ import annotations

import pytest

from callsite.profiles import get_profile
from tests.program.conftest import PROGRAMS, RUNTIMES, need, site_at

STABLE = ("file", "line", "method", "kind", "member", "calls", "binds", "l1_rules", "l2_rules",
          "instance_rules", "ic_state", "findings")
N = 300


def _runtime(rt):
    need(rt)


def kinds(site):
    return sorted(f["kind"] for f in site["findings"])


@pytest.mark.parametrize("rt", RUNTIMES)
def test_managed_program_sites(corpus, runner, rt):
    _runtime(rt)
    rep = runner.report("--runtime", rt, str(corpus["Managed"]), str(N))
    assert rep["outcome"]["status"] == "returned" and rep["outcome"]["exit_code"] == 3
    # sum of (i % 3) + 1 over N iterations, total = 0 + 1 + ... + N-1
    assert rep["outcome"]["stdout"].strip() == f"sum={2 * N} total={N * (N - 1) // 2}"
    assert rep["symbols"] == "mdb" and rep["complete"]
    for s in rep["sites"]:
        assert list(s)[:len(STABLE)] == list(STABLE)
        assert s["method"] == "Program.Main" and s["findings"] == [] and s["instance_rules"] == 0
    add = site_at(rep, "Managed", "MANAGED_ADD")
    assert (add["kind"], add["member"], add["calls"], add["binds"], add["l1_rules"], add["l2_rules"],
            add["ic_state"]) == ("InvokeMember", "Add", N, 1, 1, 1, "monomorphic")
    size = site_at(rep, "Managed", "MANAGED_SIZE", "InvokeMember")
    # three receiver types, each bound once; L1 and L2 hold one rule per type
    assert (size["member"], size["calls"], size["binds"], size["l1_rules"], size["l2_rules"],
            size["ic_state"]) == ("Size", N, 3, 3, 3, "polymorphic")
    conv = site_at(rep, "Managed", "MANAGED_SIZE", "Convert")
    assert (conv["member"], conv["calls"], conv["binds"]) == ("to System.Int32", N, 1)
    total = site_at(rep, "Managed", "MANAGED_TOTAL")
    assert (total["kind"], total["member"], total["calls"], total["binds"]) == ("GetMember", "Total", 1, 1)
    assert len(rep["sites"]) == 6  # Add, Size + its int conversion, Total, the string + and WriteLine


def test_com_leak_on_mono(corpus, runner):
    _runtime("mono")
    from callsite.scenarios import get_scenario
    from callsite.simulator import simulate

    n = 200
    rep = runner.report("--runtime", "mono", str(corpus["ComLeak"]), str(n))
    assert rep["outcome"]["exit_code"] == 0 and rep["outcome"]["stdout"].strip() == f"released {2 * n}"
    assert len(rep["sites"]) == 1  # the cast call is bound statically: no site
    s = site_at(rep, "ComLeak", "COM_LEAK")
    # the model of this very loop: a static site, a fresh COM object per call
    model = simulate(get_scenario("com-arg-fresh"), get_profile("mono"), n).to_dict()["sites"][0]
    assert (s["kind"], s["member"], s["calls"], s["binds"]) == ("InvokeMember", "FinalReleaseComObject", n, n)
    assert s["l1_rules"] == model["l1_rules"] == 10
    assert s["instance_rules"] == s["l2_rules"] == model["rules_retained"]  # every cached rule holds one object
    assert s["restricted"] == [{"position": 1, "types": ["System.__ComObject"]}]
    assert kinds(s) == ["dead-rule-retention", "identity-churn"]
    churn = next(f for f in s["findings"] if f["kind"] == "identity-churn")
    assert churn["severity"] == "error" and "(object)" in churn["fix"] and churn["positions"] == [1]


@pytest.mark.parametrize("rt", RUNTIMES)
def test_shapes(corpus, runner, rt):
    _runtime(rt)
    n, threads = 40, 4
    rep = runner.report("--runtime", rt, str(corpus["Shapes"]), str(n), str(threads))
    assert rep["outcome"]["status"] == "returned", rep["outcome"]
    dedup = get_profile(rt).binder_dedup
    # per execution: one row for the source line, counting every site it made
    per = site_at(rep, "Shapes", "PER_EXECUTION")
    assert (per["calls"], per["site_instances"], per["binder_objects"], per["lifetime"]) == (n, n, n, "per-execution")
    assert per["binds"] == (1 if dedup else n)  # a shared binder's L2 answers every new site
    assert kinds(per) == ([] if dedup else ["per-iteration-site"])
    assert per["method"] == "Shapes.PerExecution"
    # a generic method: one container per instantiation (int, string, double), four calls
    gen = site_at(rep, "Shapes", "GENERIC")
    assert (gen["calls"], gen["binds"], gen["site_instances"], gen["types_seen"], gen["ic_state"]) == (
        4, 3, 3, 3, "polymorphic")
    # a lambda: the site lives in the lambda's method, named after the method that holds it
    lam = site_at(rep, "Shapes", "LAMBDA", "InvokeMember")
    assert (lam["method"], lam["member"], lam["calls"], lam["binds"]) == ("Shapes.Lambda (lambda)", "GetHashCode", n, 1)
    # an async method: the site is in the state machine's MoveNext
    asy = site_at(rep, "Shapes", "ASYNC", "InvokeMember")
    assert (asy["method"], asy["member"], asy["calls"], asy["binds"]) == ("Shapes.Async (async)", "IndexOf", n, 1)
    # a site in an instance field, made by each of two objects' constructors
    fld = site_at(rep, "Shapes", "FIELD_SITE")
    assert (fld["storage"], fld["site_instances"], fld["calls"]) == ("instance", 2, 6)
    assert fld["binds"] == (1 if dedup else 2) and fld["method"] == "Holder..ctor"
    # a site in a static field (made by the static constructor) called through a parameter
    shared = site_at(rep, "Shapes", "SHARED_SITE")
    assert (shared["method"], shared["member"], shared["calls"], shared["binds"]) == ("Shapes..cctor", "Count", n, 1)
    # several threads on one site: exact counts (the site is bound once on the main thread first)
    warm = site_at(rep, "Shapes", "THREADS")
    bump = site_at(rep, "Shapes", "BUMP")
    assert (warm["calls"], warm["binds"]) == (1, 1)
    assert (bump["calls"], bump["binds"]) == (threads * n + 1, 1)
    # the two Inc sites have equivalent binders: one rule cache (L2) when the runtime shares them
    assert bump["l2_rules"] == (2 if dedup else 1)


def test_portable_pdb(corpus, runner, tmp_path):
    """A Roslyn-style build: the same program with a portable PDB (written by Cecil) instead of .mdb."""
    _runtime("mono")
    import shutil
    import subprocess

    from binders.program import helper

    exe = helper.build()
    target = tmp_path / "Managed.exe"
    subprocess.run(["mono", str(exe), "pdb", str(corpus["Managed"]), str(target)], check=True)
    assert (tmp_path / "Managed.pdb").read_bytes()[:4] == b"BSJB"  # portable PDB metadata signature
    assert not (tmp_path / "Managed.exe.mdb").exists()
    rep = runner.report("--runtime", "mono", str(target), "30")
    assert rep["symbols"] == "pdb"
    size = site_at(rep, "Managed", "MANAGED_SIZE", "InvokeMember")
    assert (size["calls"], size["binds"]) == (30, 3)
    # without any symbols: the method alone
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(corpus["Managed"], bare / "Managed.exe")
    rep = runner.report("--runtime", "mono", str(bare / "Managed.exe"), "30")
    assert rep["symbols"] == "none"
    assert all(s["file"] is None and s["line"] is None and s["method"] == "Program.Main" for s in rep["sites"])
    assert sorted((s["member"], s["calls"]) for s in rep["sites"])[-1] == ("to System.Int32", 30)


@pytest.mark.parametrize("rt", RUNTIMES)
def test_sites_in_a_library_of_the_program(corpus, runner, rt):
    """A library next to the program is rewritten when the program loads it; its sites are rows."""
    _runtime(rt)
    rep = runner.report("--runtime", rt, str(corpus["WithLibrary"]), "30")
    assert rep["outcome"]["stdout"].strip() == str(15 * 2 + 15 * 3)
    lib_line = next(k for k, t in enumerate((PROGRAMS / "WithLibrary.lib" / "Greeter.cs").read_text().splitlines(), 1)
                    if "LIBRARY_SITE" in t)
    lib = [s for s in rep["sites"] if s["file"] and s["file"].endswith("Greeter.cs") and s["line"] == lib_line]
    got = sorted((s["kind"], s["member"], s["calls"], s["binds"]) for s in lib)
    # text.Length on two string values (one type: one bind) and its conversion to int
    assert got == [("Convert", "to System.Int32", 30, 1), ("GetMember", "Length", 30, 1)]
    assert all(s["method"] == "Greeter.Measure" for s in lib)
    main = site_at(rep, "WithLibrary", "PROGRAM_SITE")
    assert (main["member"], main["calls"]) == ("WriteLine", 1)
