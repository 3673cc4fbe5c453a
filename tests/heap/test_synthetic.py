"""Reader, graph and paths on files written by an independent encoder (no Mono needed).

Random heaps are encoded byte by byte (tests/heap/mlpd_writer.py, from the
format in log.h) and read back: the reader's vectorised decoding must give
the same objects, references, roots and root kinds.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsite.heap.mlpd import MlpdFormatError, parse_mlpd
from callsite.heap.paths import bfs_from_roots, path_to
from callsite.heap.snapshot import Snapshot

from .mlpd_writer import FakeObject, FakeRegion, sleb, uleb, write_mlpd

OBJ_BASE = 0x7F00_0000_0000
PTR_BASE = 0x5500_0000_0000
REGIONS = [
    FakeRegion(PTR_BASE + 0x10000, 0x100, 3, PTR_BASE + 0x900000, "Static Fields"),
    FakeRegion(PTR_BASE + 0x20000, 0x100, 6, 0, "GC Handle Bucket (SGen, Normal)"),
    FakeRegion(PTR_BASE + 0x30000, 0x100, 6, 0, "GC Handle Bucket (SGen, Pinned)"),
    FakeRegion(PTR_BASE + 0x40000, 0x1000, 1, 77, "Thread Stack"),
    FakeRegion(PTR_BASE + 0x50000, 0x100, 2, 0, "Finalizer Queue"),
]
KIND_OF_REGION = ["static", "gc-handle-strong", "gc-handle-pinned", "stack", "finalizer-queue"]


@st.composite
def heaps(draw, max_objects: int = 40):
    n = draw(st.integers(0, max_objects))
    classes = draw(st.lists(st.sampled_from(["A", "B.C", "Gen<X,Y>", "Arr[]", "Ünï.Cøde"]), min_size=1, max_size=3))
    addrs = sorted(draw(st.lists(st.integers(0, 1 << 20), min_size=n, max_size=n, unique=True)))
    objs = []
    for a in addrs:
        nrefs = draw(st.integers(0, 4)) if n else 0
        targets = [addrs[draw(st.integers(0, n - 1))] for _ in range(nrefs)]
        offs = sorted(draw(st.lists(st.integers(16, 4000), min_size=nrefs, max_size=nrefs, unique=True)))
        objs.append(FakeObject(OBJ_BASE + 8 * a, draw(st.sampled_from(classes)),
                               8 * draw(st.integers(2, 50000)), [(o * 8, OBJ_BASE + 8 * t) for o, t in zip(offs, targets)]))
    roots = []
    if n:
        for _ in range(draw(st.integers(0, 6))):
            r = draw(st.integers(0, len(REGIONS)))
            slot = REGIONS[r].start + 8 * draw(st.integers(0, 15)) if r < len(REGIONS) else 0x1234560
            roots.append((slot, objs[draw(st.integers(0, n - 1))].addr))
    return objs, roots


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(heaps(), st.integers(1, 9))
def test_round_trip(heap, per_buffer):
    objs, roots = heap
    raw = write_mlpd([(objs, roots)], REGIONS, objects_per_buffer=per_buffer)
    f = parse_mlpd(raw)
    assert len(f.shots) == 1
    snap = Snapshot.from_raw(f.shots[0], f)
    assert len(snap) == len(objs)
    by_addr = {o.addr: o for o in objs}
    for i in range(len(snap)):
        o = by_addr[int(snap.addr[i])]
        assert snap.class_of(i) == o.cls
        assert int(snap.size[i]) == o.size
        got = sorted(zip(snap.field_offset[snap.indptr[i]:snap.indptr[i + 1]].tolist(),
                         snap.addr[snap.refs_from(i)].tolist()))
        assert got == sorted(o.refs)
    got_roots = sorted((r.slot, int(snap.addr[r.obj]), r.kind) for r in snap.roots())
    want = []
    for slot, a in roots:
        kind = "other"
        for reg, k in zip(REGIONS, KIND_OF_REGION):
            if reg.start <= slot < reg.start + reg.size:
                kind = k
        want.append((slot, a, kind))
    assert got_roots == sorted(want)


def test_leb128_edges():
    for v in [0, 1, 63, 64, 127, 128, 8191, 8192, (1 << 63) - 1]:
        assert len(uleb(v)) >= 1
    objs = [FakeObject(OBJ_BASE + 8, "Big", (1 << 40) + 8, []),
            FakeObject(OBJ_BASE + (1 << 40), "Far", 16, [(16, OBJ_BASE + 8)]),
            FakeObject(OBJ_BASE - (1 << 30), "Below", 24, [(8 << 20, OBJ_BASE + (1 << 40))])]
    objs.sort(key=lambda o: o.addr)
    f = parse_mlpd(write_mlpd([(objs, [(REGIONS[0].start, objs[0].addr)])], REGIONS))
    snap = Snapshot.from_raw(f.shots[0], f)
    assert sorted(snap.addr.tolist()) == sorted(o.addr for o in objs)
    assert int(snap.size[snap.find("Big")[0]]) == (1 << 40) + 8
    below = int(snap.find("Below")[0])
    assert snap.field_offset[snap.indptr[below]] == 8 << 20


def _chain_heap():
    # root(static) -> 0 -> 1 -> 2 -> 3 ; root(handle) -> 4 -> 2 ; 5 unreachable -> 3
    a = [OBJ_BASE + 64 * i for i in range(6)]
    objs = [FakeObject(a[0], "Head", 24, [(16, a[1])]), FakeObject(a[1], "Mid", 24, [(16, a[2])]),
            FakeObject(a[2], "Mid2", 24, [(16, a[3])]), FakeObject(a[3], "Target", 24, []),
            FakeObject(a[4], "Other", 32, [(24, a[2])]), FakeObject(a[5], "Garbage", 24, [(16, a[3])])]
    roots = [(REGIONS[0].start + 8, a[0]), (REGIONS[1].start, a[4])]
    return objs, roots


def test_paths_and_unreachable():
    objs, roots = _chain_heap()
    f = parse_mlpd(write_mlpd([(objs, roots)], REGIONS))
    snap = Snapshot.from_raw(f.shots[0], f)
    p = path_to(snap, int(snap.find("Target")[0]))
    # shortest path goes through the handle: Other -> Mid2 -> Target (3 objects, not 4)
    assert [snap.class_of(o) for o in p.objects] == ["Other", "Mid2", "Target"]
    assert p.root.kind == "gc-handle-strong"
    assert p.offsets == (24, 16)
    assert path_to(snap, int(snap.find("Garbage")[0])) is None
    assert not snap.reachable()[snap.find("Garbage")].any()


def _bfs_depths(snap):
    depth = {}
    q = collections.deque()
    for r in snap.root_obj.tolist():
        if r not in depth:
            depth[r] = 0
            q.append(r)
    while q:
        v = q.popleft()
        for w in snap.refs_from(v).tolist():
            if w not in depth:
                depth[w] = depth[v] + 1
                q.append(w)
    return depth


@settings(max_examples=60, deadline=None)
@given(heaps())
def test_bfs_depths_match_plain_bfs(heap):
    objs, roots = heap
    f = parse_mlpd(write_mlpd([(objs, roots)], REGIONS))
    snap = Snapshot.from_raw(f.shots[0], f)
    t = bfs_from_roots(snap)
    want = _bfs_depths(snap)
    for i in range(len(snap)):
        assert t.depth[i] == want.get(i, -1)
        p = path_to(snap, i)
        assert (p is None) == (i not in want)
        if p is not None:
            assert len(p.objects) == want[i] + 1
            # consecutive objects are really linked
            for x, y in zip(p.objects, p.objects[1:]):
                assert y in snap.refs_from(x).tolist()


def test_several_shots_and_selection(tmp_path):
    objs, roots = _chain_heap()
    raw = write_mlpd([(objs, roots), (objs[:4], roots[:1])], REGIONS)
    p = tmp_path / "two.mlpd"
    p.write_bytes(raw)
    first = Snapshot.load(f"{p}@0")
    last = Snapshot.load(str(p))
    assert (len(first), len(last)) == (6, 4)
    assert len(Snapshot.load(f"{p}@-2")) == 6
    diffs = {d.key: d for d in last.compare_to(first)}
    assert diffs["Other"].count_diff == -1 and diffs["Other"].size_diff == -32
    assert diffs["Head"].count_diff == 0


def test_truncation_keeps_earlier_shots():
    objs, roots = _chain_heap()
    raw = write_mlpd([(objs, roots), (objs, roots)], REGIONS)
    cut = raw[: len(raw) - 5]
    with pytest.raises(MlpdFormatError) as ei:
        parse_mlpd(cut)
    err = ei.value
    assert 0 < err.offset <= len(cut)
    assert "byte offset" in str(err)
    assert len(err.partial.shots) == 1
    assert len(parse_mlpd(cut, allow_partial=True).shots) == 1


def test_not_an_mlpd():
    with pytest.raises(MlpdFormatError) as ei:
        parse_mlpd(b"PK\x03\x04" + bytes(100))
    assert ei.value.offset == 0


_FUZZ_BASE = write_mlpd([_chain_heap(), _chain_heap()], REGIONS, objects_per_buffer=2)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(_FUZZ_BASE)), st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE) - 1), st.integers(0, 255)),
                                                   max_size=6))
def test_fuzz_synthetic(cut, flips):
    raw = bytearray(_FUZZ_BASE[:cut])
    for pos, val in flips:
        if pos < len(raw):
            raw[pos] = val
    _parse_or_documented_error(bytes(raw))


def _parse_or_documented_error(raw: bytes) -> None:
    """Only MlpdFormatError may escape, with an offset inside the file, and shots built from it must load."""
    try:
        f = parse_mlpd(raw, path="fuzz")
    except MlpdFormatError as exc:
        assert 0 <= exc.offset <= len(raw)
        f = exc.partial
        if f is None:
            return
    for shot in f.shots:
        snap = Snapshot.from_raw(shot, f)
        snap.statistics()
        bfs_from_roots(snap)
