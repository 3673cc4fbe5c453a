"""Heap shots of a real Mono process (tests/heap/HeapDemo.cs) read back with the objects and roots we made.

The demo fills a static List<StaticHeld> with 1000 objects (each with a
Payload), keeps a HandleHeld in a normal GC handle, a Blit[] in a pinned
handle, a StackHeld in a local of a parked thread, 50 WeakOnly objects only
through WeakReferences, and runs real C# dynamic call sites. Shots
"start", "filled" and "cleared" are taken on demand.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from callsite.heap.dominators import dominator_tree
from callsite.heap.mlpd import read_mlpd
from callsite.heap.paths import path_summary, path_to, retention_paths, unreachable
from callsite.heap.snapshot import Snapshot, list_shots, read_points

from .conftest import capture


def test_points_name_one_shot_each(demo_mlpd, demo_file):
    assert read_points(demo_mlpd) == {"start": 0, "filled": 1, "cleared": 2}
    assert len(demo_file.shots) == 3  # on-demand mode: no shots from the runtime's own collections
    rows = list_shots(demo_file)
    assert [r["point"] for r in rows] == ["start", "filled", "cleared"]
    assert demo_file.header.data_version == 17


def test_objects_found_with_class_and_size(snaps):
    filled, cleared = snaps["filled"], snaps["cleared"]
    held = filled.find("DlrsimHeapDemo.StaticHeld")
    assert len(held) == 1000
    assert {filled.class_of(o) for o in held} == {"DlrsimHeapDemo.StaticHeld"}
    # header (16) + reference (8) + int (4), rounded to 8
    assert set(filled.size[held].tolist()) == {32}
    assert len(filled.find("DlrsimHeapDemo.Payload")) == 1000
    assert len(cleared.find("DlrsimHeapDemo.StaticHeld", exact=True)) == 0
    assert len(snaps["start"].find("DlrsimHeapDemo.StaticHeld", exact=True)) == 0


def test_static_field_path(snaps):
    s = snaps["filled"]
    paths = retention_paths(s, "DlrsimHeapDemo.Payload", max_paths=3)
    assert len(paths) == 3
    for p in paths:
        assert p.root.kind == "static"
        assert p.root.owner == "DlrsimHeapDemo.Holder"
        assert p.classes(s) == ["System.Collections.Generic.List<DlrsimHeapDemo.StaticHeld>",
                                "DlrsimHeapDemo.StaticHeld[]", "DlrsimHeapDemo.StaticHeld", "DlrsimHeapDemo.Payload"]
    text = paths[0].format(s)
    assert "field Child +0x10" in text  # from the field map recorded through Mono's embedding API
    assert "_items" in text
    groups = path_summary(s, "DlrsimHeapDemo.Payload")
    assert groups[0]["count"] == 1000 and groups[0]["root"] == "static field of DlrsimHeapDemo.Holder"


def test_gc_handle_and_stack_roots(snaps):
    s = snaps["filled"]
    (h,) = s.find("DlrsimHeapDemo.HandleHeld")
    assert [r.kind for r in s.roots(int(h))] == ["gc-handle-strong"]
    (b,) = s.find("DlrsimHeapDemo.Blit[]")
    assert [r.kind for r in s.roots(int(b))] == ["gc-handle-pinned"]
    (k,) = s.find("DlrsimHeapDemo.StackHeld")
    assert "stack" in {r.kind for r in s.roots(int(k))}
    assert path_to(s, int(k)).root.kind == "stack"
    # freed handles and the released thread hold nothing any more
    c = snaps["cleared"]
    assert len(c.find("DlrsimHeapDemo.HandleHeld", exact=True)) == 0
    assert len(c.find("DlrsimHeapDemo.StackHeld", exact=True)) == 0


def test_weakly_held_objects_are_not_retained(snaps):
    s = snaps["filled"]
    weak = s.find("System.WeakReference")
    assert len(weak) >= 50
    # the targets were collected by the shot's full collection: nothing strong held them
    assert len(s.find("DlrsimHeapDemo.WeakOnly", exact=True)) == 0
    # and a WeakReference has no strong edge at all
    assert all(len(s.refs_from(int(w))) == 0 for w in weak)


def test_dominators_retained_size(snaps):
    s = snaps["filled"]
    tree = dominator_tree(s)
    (lst,) = s.find("System.Collections.Generic.List<DlrsimHeapDemo.StaticHeld>")
    owned = sum(int(s.size[o]) for pat in ("DlrsimHeapDemo.StaticHeld", "DlrsimHeapDemo.Payload")
                for o in s.find(pat))
    # plus the 1000 byte[96] payload arrays and the backing array
    assert tree.retained[lst] >= owned + 1000 * 96
    assert lst in tree.top(3).tolist()
    assert tree.retained[tree.super_root] == int(s.size[s.reachable()].sum())
    lt = dominator_tree(s, "lt").idom
    s._domtree = None
    assert (dominator_tree(s, "iterative").idom == lt).all()


def test_diff_between_points(snaps):
    up = {d.key: d for d in snaps["filled"].compare_to(snaps["start"])}
    assert up["DlrsimHeapDemo.StaticHeld"].count_diff == 1000
    assert up["DlrsimHeapDemo.StaticHeld"].size_diff == 32000
    down = {d.key: d for d in snaps["cleared"].compare_to(snaps["filled"])}
    assert down["DlrsimHeapDemo.StaticHeld"].count_diff == -1000
    assert down["DlrsimHeapDemo.Payload"].count == 0


def test_dynamic_call_site_is_seen(snaps):
    s = snaps["filled"]
    sites = s.find("System.Runtime.CompilerServices.CallSite<*")
    assert len(sites) >= 1
    p = path_to(s, int(sites[0]))
    assert p.root.kind == "static" and "c__DynamicSite" in (p.root.owner or "")
    assert len(s.find("Microsoft.CSharp.RuntimeBinder.CSharpInvokeMemberBinder")) >= 1


def test_every_major_collection_mode(demo_dll, tmp_path):
    # legacy defaults on purpose: also exercises counter events and roots reported outside shots
    out = capture(demo_dll, str(tmp_path / "every.mlpd"), "heapshot,nocalls")
    f = read_mlpd(out)
    points = read_points(out)
    assert len(f.shots) > 3  # the runtime's own collections (pythonnet's shutdown) shoot too
    filled = Snapshot.load(f"{out}@filled", mlpd=f)
    assert len(filled.find("DlrsimHeapDemo.StaticHeld")) == 1000
    assert len(Snapshot.load(out, index=points["cleared"], mlpd=f).find("DlrsimHeapDemo.StaticHeld", exact=True)) == 0


def test_counts_agree_with_mprof_report(demo_mlpd, demo_file):
    out = subprocess.run(["mprof-report", "--reports=heapshot", demo_mlpd], capture_output=True, text=True,
                         timeout=300).stdout
    counts = [int(m) for m in re.findall(r"Heap shot \d+ at [\d.]+ secs: size: \d+, object count: (\d+)", out)]
    sizes = [int(m) for m in re.findall(r"Heap shot \d+ at [\d.]+ secs: size: (\d+)", out)]
    assert counts == [len(Snapshot.from_mlpd(demo_file, i)) for i in range(3)]
    assert sizes == [Snapshot.from_mlpd(demo_file, i).total_size for i in range(3)]


def test_truncated_real_file(demo_mlpd, tmp_path):
    raw = open(demo_mlpd, "rb").read()
    f = read_mlpd(demo_mlpd)
    cut = tmp_path / "cut.mlpd"
    assert f.shots[1].end_offset < f.shots[2].file_offset
    cut.write_bytes(raw[: (f.shots[1].end_offset + f.shots[2].file_offset) // 2 + 100])
    from callsite.heap.mlpd import MlpdFormatError

    with pytest.raises(MlpdFormatError) as ei:
        read_mlpd(cut)
    assert f"byte offset {ei.value.offset}" in str(ei.value)
    partial = read_mlpd(cut, allow_partial=True)
    assert len(partial.shots) == 2
    assert len(Snapshot.from_mlpd(partial, 1).find("DlrsimHeapDemo.StaticHeld")) == 1000
