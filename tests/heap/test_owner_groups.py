"""owner_groups on random heaps equals the plain per-object definition, with and without a limit.

The vectorised grouping (lifeline shapes built level by level) must give exactly
what walking every object's lifeline gives: one group per owner and printed
path, with its object count and bytes. The reference below is that walk.
"""

from __future__ import annotations

import collections
import json

import numpy as np
import pytest

from callsite.heap.owners import NOT_LIVE_OWNER, PENDING_OWNER, lifeline_steps, owner_groups, step_text
from callsite.heap.ownership import OwnershipView
from callsite.heap.snapshot import Snapshot

from .mlpd_writer import FakeObject, FakeRegion, write_mlpd

OB = 0x7F00_0000_0000
PB = 0x5500_0000_0000
CLASSES = ["App.Node", "App.Leaf", "System.Object[]", "Python.Runtime.CLRObject",
           "System.Runtime.CompilerServices.CallSite<System.Action<System.Runtime.CompilerServices.CallSite,App.Arg>>",
           "System.Action<System.Runtime.CompilerServices.CallSite,App.Arg>", "System.__ComObject"]
FIELDS = {"App.Node": {"16": "left", "24": "right"},
          "System.Runtime.CompilerServices.CallSite": {"16": "_binder", "32": "Target", "40": "Rules"}}


def random_heap(path: str, seed: int, n: int) -> str:
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, len(CLASSES), n)
    objs = []
    for i in range(n):
        k = int(rng.integers(0, 4))
        refs = [(16 + 8 * j, OB + 0x40 * int(t)) for j, t in enumerate(rng.integers(0, n, k))]
        objs.append(FakeObject(OB + 0x40 * i, CLASSES[cls[i]], int(8 * rng.integers(2, 9)), refs))
    vt = PB + 0x900000 + 0x80 * sorted(set(CLASSES)).index("App.Node")
    regions = [FakeRegion(PB + 0x10000, 0x100, 3, vt, "Static Fields"),
               FakeRegion(PB + 0x20000, 0x100, 6, 0, "GC Handle Bucket (SGen, Normal)"),
               FakeRegion(PB + 0x50000, 0x100, 2, 0, "Finalizer Queue")]
    roots = [(PB + 0x10000 + 8 * j, OB + 0x40 * int(t)) for j, t in enumerate(rng.integers(0, n, 4))]
    roots += [(PB + 0x20000 + 8 * j, OB + 0x40 * int(t)) for j, t in enumerate(rng.integers(0, n, 3))]
    roots += [(PB + 0x50000 + 8 * j, OB + 0x40 * int(t)) for j, t in enumerate(rng.integers(0, n, 3))]
    with open(path, "wb") as fh:
        fh.write(write_mlpd([(objs, roots)], regions))
    with open(path + ".points.json", "w") as fh:
        json.dump({"points": [{"name": "only", "shot": 0}], "fields": FIELDS}, fh)
    return path


def by_walking(view: OwnershipView, objs: np.ndarray, include_harness: bool) -> collections.Counter:
    """(owner, printed path) -> [objects, bytes], one lifeline walk per object."""
    rule, ref = view.owners()
    harness = view.is_harness()
    out: dict = collections.defaultdict(lambda: [0, 0])
    for o in objs.tolist():
        if view.pending[o]:
            key = (PENDING_OWNER, ())
        elif not view.live[o]:
            key = (NOT_LIVE_OWNER, ())
        elif harness[o] and not include_harness:
            continue
        else:
            r, e = int(rule[o]), int(ref[o])
            root = view.lifeline_root(o)
            owner = view.rules[r].name if r >= 0 else (root.label() if root else "root object")
            path = lifeline_steps(view, o, upto_edge=e if e >= 0 else -1)
            key = (owner, tuple(step_text(x) for x in path))
        out[key][0] += 1
        out[key][1] += int(view.snap.size[o])
    return out


def as_table(groups: list[dict]) -> dict:
    return {(g["owner"], tuple(step_text(x) for x in g["path"]) if g["live"] else ()): [g["objects"], g["bytes"]]
            for g in groups}


@pytest.mark.parametrize("seed", range(6))
def test_groups_are_the_per_object_definition(tmp_path, seed):
    path = random_heap(str(tmp_path / f"r{seed}.mlpd"), seed, 300 + 100 * seed)
    snap = Snapshot.load(path)
    for view in (OwnershipView(snap), OwnershipView(snap, root_object=int(snap.root_obj[0]))):
        for pattern in ("*", "App.Node", "System.__ComObject"):
            objs = snap.find(pattern)
            for include in (False, True):
                got = owner_groups(view, objs, include_harness=include)
                assert as_table(got["groups"]) == dict(by_walking(view, objs, include))
                assert sum(g["objects"] for g in got["groups"]) + got["harness_objects"] == len(objs)
                assert got["more_groups"] == 0


def test_limit_keeps_the_largest_groups_and_counts_the_rest(tmp_path):
    snap = Snapshot.load(random_heap(str(tmp_path / "big.mlpd"), 42, 2000))
    view = OwnershipView(snap)
    objs = snap.find("*")
    full = owner_groups(view, objs)["groups"]
    assert len(full) > 30
    for limit in (1, 3, 10):
        cut = owner_groups(view, objs, limit=limit)
        assert cut["groups"] == full[:limit]
        assert cut["more_groups"] == len(full) - limit


@pytest.mark.parametrize("seed", range(3))
def test_owner_labels_at_once_match_one_by_one(tmp_path, seed):
    snap = Snapshot.load(random_heap(str(tmp_path / f"l{seed}.mlpd"), 100 + seed, 800))
    every = np.arange(len(snap))
    for view in (OwnershipView(snap), OwnershipView(snap, root_object=int(snap.root_obj[-1]))):
        assert view.owner_labels(every) == [view.owner_label(o) for o in every.tolist()]
