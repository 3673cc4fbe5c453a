"""Owners on real Mono shots of a replay (``dlrsim real --scenario com-arg-fresh --heapshots``).

A fresh COM object per call: the C# binder restricts each rule on the instance, so the
rules cached in L1 and L2 keep their RCWs alive. The heap must say so: every RCW the
caches reach is owned by a DLR cache (L1 ``Rules`` or the L2 ``RuleCache``), none by
pythonnet, and the lifelines start at a static field of the replay's emitted class, as in
a compiled C# program. The expected set is computed independently: the RCWs reachable
from call sites and rule caches by plain forward search over all references.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from callsite.heap.dominators import dominator_tree
from callsite.heap.graph import reach
from callsite.heap.ownership import OwnershipView
from callsite.heap.snapshot import Snapshot

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RCW = "System.__ComObject"


@pytest.fixture(scope="module")
def replay_shots(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("replay") / "fresh.mlpd"
    proc = subprocess.run([sys.executable, "-m", "callsite", "real", "--scenario", "com-arg-fresh", "--runtime",
                           "mono", "--calls", "600", "--heapshots", str(out), "--json"],
                          capture_output=True, text=True, cwd=str(out.parent), timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return str(out)


def cached_rcws(s: Snapshot) -> set[int]:
    """RCWs reachable from any call site or rule cache, over every reference."""
    start = np.concatenate([s.find("System.Runtime.CompilerServices.CallSite<*"),
                            s.find("System.Runtime.CompilerServices.RuleCache<*")])
    seen = reach(s.indptr, s.indices, start, len(s))
    rcws = s.find(RCW)
    return set(rcws[seen[rcws]].tolist())


def test_cached_rcws_are_owned_by_the_caches_not_the_harness(replay_shots):
    s = Snapshot.load(replay_shots + "@com-arg-fresh:after")
    view = OwnershipView(s)
    expected = cached_rcws(s)
    assert len(expected) > 100  # the L2 cache filled up with instance-restricted rules
    owners = {o: view.owner_label(o) for o in expected}
    assert {o for o, lab in owners.items() if lab in ("L1 Rules", "L2 RuleCache rules", "L0 Target")} == expected
    live = [int(o) for o in s.find(RCW) if view.live[o]]
    harness = [o for o in live if view.owner_group(o) == "harness"]
    assert not set(harness) & expected
    for o in list(expected)[:20]:
        root = view.lifeline_root(o)
        assert root.kind == "static" and root.owner.startswith("Dlrsim.Replay.<>o__"), root


def test_finalizer_queue_rcws_are_pending_not_live(replay_shots):
    s = Snapshot.load(replay_shots + "@com-arg-fresh:after")
    view = OwnershipView(s)
    fq = [r.obj for r in s.roots() if r.kind == "finalizer-queue" and s.class_of(r.obj) == RCW]
    for o in fq:
        if not view.live[o]:
            assert view.pending[o]
    assert int(view.pending[s.find(RCW)].sum()) + int(view.live[s.find(RCW)].sum()) == len(s.find(RCW))


def test_cli_owners_json_and_harness_hidden(replay_shots):
    def cli(*args):
        p = subprocess.run([sys.executable, "-m", "callsite", "heap", *args], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout

    data = json.loads(cli("owners", replay_shots + "@com-arg-fresh:after", "--class", "__ComObject", "--json"))
    s = Snapshot.load(replay_shots + "@com-arg-fresh:after")
    live_groups = [g for g in data["groups"] if g["live"]]
    assert sum(g["objects"] for g in live_groups if g["group"] == "dlr") == len(cached_rcws(s))
    assert all(g["group"] != "harness" for g in data["groups"])
    assert all({"owner", "path", "objects", "bytes"} <= set(g) for g in data["groups"])
    text = cli("owners", replay_shots + "@com-arg-fresh:after", "--class", "__ComObject")
    assert "owner: L2 RuleCache rules" in text and "root: static field of Dlrsim.Replay.<>o__" in text
    assert max(len(line) for line in text.splitlines()) < 400
    # floating classes: with the ownership rules fewer objects float to the process
    raw = dominator_tree(s)
    owned = dominator_tree(s, view=OwnershipView(s))
    n = len(s)
    assert (owned.idom[:n] == owned.super_root).sum() < (raw.idom[:n] == raw.super_root).sum()
