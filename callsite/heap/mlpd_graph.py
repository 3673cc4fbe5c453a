"""From a Mono ``.mlpd`` heap shot to the format-independent :class:`~callsite.heap.snapshot.Snapshot`.

The reader (:mod:`callsite.heap.mlpd`) gives raw records: object addresses,
vtable pointers, sizes, references as (referrer record, target address, field
offset), roots as (slot address, object address) and the registered root
regions. This module turns them into the snapshot model: objects deduplicated
and sorted by address, classes named and numbered, references as CSR arrays
by object index (references to addresses that are not objects in the shot are
counted as dangling and dropped), and each root with the kind of the region
its slot lies in. Another file format (e.g. CoreCLR's ``.nettrace`` heap
dumps) builds the same model the same way; see ``callsite/heap/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from callsite.heap.graph import index_of
from callsite.heap.mlpd import MlpdFile, RawHeapShot, RootRegion
from callsite.heap.snapshot import _KIND_CODE


def _root_kind(region: RootRegion | None) -> str:
    if region is None:
        return "other"
    kind = region.kind
    if kind == "gc-handle":
        desc = region.description.lower()
        if "pinned" in desc:
            return "gc-handle-pinned"
        if "normal" in desc:
            return "gc-handle-strong"
    return kind if kind in _KIND_CODE else "other"


def snapshot_from_shot(cls, shot: RawHeapShot, f: MlpdFile, *, path: str = "", point: str | None = None):
    """A :class:`~callsite.heap.snapshot.Snapshot` (or subclass ``cls``) of one raw heap shot."""
    # unique objects; a repeated address keeps the record with a non-zero size
    a0 = shot.obj_addr
    if len(a0) < 2 or bool((a0[1:] > a0[:-1]).all()):  # already in address order, no repeats (the common case)
        keep = np.arange(len(a0))
        in_order = True
    else:
        order = np.lexsort(((shot.obj_size == 0), a0))
        a_sorted = a0[order]
        first = np.ones(len(order), bool)
        first[1:] = a_sorted[1:] != a_sorted[:-1]
        keep = order[first]
        in_order = False
    addr = a0[keep]
    n = len(addr)
    size = shot.obj_size[keep].astype(np.int64)
    gen = shot.obj_gen[keep]
    # classes: map vtable pointers to dense ids by name
    vts, vt_inv = np.unique(shot.obj_vtable[keep], return_inverse=True)
    names = [f.class_name_of(int(v)) for v in vts]
    uniq_names = sorted(set(names))
    name_id = {nm: i for i, nm in enumerate(uniq_names)}
    class_id = np.array([name_id[nm] for nm in names], dtype=np.int32)[vt_inv] if n else np.zeros(0, np.int32)
    # references
    if in_order:  # record i is object i
        src = shot.ref_src.astype(np.int64, copy=False)
    else:
        src = np.searchsorted(addr, shot.obj_addr)[shot.ref_src] if len(shot.ref_src) else np.zeros(0, np.int64)
    dst = index_of(addr, shot.ref_dst)
    ok = dst >= 0
    dangling = int((~ok).sum())
    src, dst, off = src[ok], dst[ok], shot.ref_offset[ok]
    if len(src) > 1 and not bool((src[1:] >= src[:-1]).all()):
        o = np.argsort(src, kind="stable")
        src, dst, off = src[o], dst[o], off[o]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    # roots
    rd = index_of(addr, shot.root_obj)
    rok = rd >= 0
    regions = sorted(shot.regions, key=lambda r: r.start)
    starts = np.array([r.start for r in regions], dtype=np.uint64)
    ends = starts + np.array([r.size for r in regions], dtype=np.uint64)
    slots = shot.root_slot[rok]
    ri = np.searchsorted(starts, slots, side="right") - 1
    inside = ri >= 0
    inside[inside] = slots[inside] < ends[ri[inside]]
    ri = np.where(inside, ri, -1)
    region_kind = np.array([_KIND_CODE[_root_kind(r)] for r in regions] + [_KIND_CODE["other"]], dtype=np.int16)
    root_kind = region_kind[ri]  # -1 picks the trailing "other"
    owners: list[str | None] = []
    for r in regions:
        if r.kind in ("static", "thread-static", "reflection") and r.key in f.vtable_class:
            owners.append(f.class_name_of(r.key))
        else:
            owners.append(None)
    return cls(addr=addr, size=size, class_id=class_id, gen=gen, class_names=uniq_names,
               indptr=indptr, indices=dst.astype(np.int64), field_offset=off.astype(np.int64),
               root_obj=rd[rok].astype(np.int64), root_kind=root_kind, root_slot=slots,
               root_region=ri.astype(np.int64), regions=regions, region_owner=owners,
               path=path, index=shot.index, point=point, time_ns=shot.time_ns,
               dangling_refs=dangling, dangling_roots=int((~rok).sum()))
