"""Shortest retention paths: from a GC root, through which objects and fields, to a target.

"What holds the rule delegates alive?" is answered by a path from a root —
with the root's kind (static field of which class, GC handle, thread stack,
finalizer queue) — to the object. A breadth-first search from all roots at
once gives each object one shortest path; it runs level by level on the CSR
arrays with numpy, so a million-object heap is searched in about a second.

Weak references are not edges in a heap shot (a ``WeakReference`` holds its
target through a weak GC handle, which the runtime does not report as a
root), so an object only weakly held has no path.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import TYPE_CHECKING, Iterable

import numpy as np

from callsite.heap.snapshot import ROOT_KINDS, Root

if TYPE_CHECKING:
    from callsite.heap.snapshot import Snapshot

#: When an object is held by several roots, show the most telling kind first.
ROOT_PRIORITY: tuple[str, ...] = (
    "static", "thread-static", "context-static", "gc-handle-strong", "gc-handle-pinned", "gc-handle",
    "stack", "handle", "finalizer-queue", "domain", "reflection", "threading", "thread-pool", "marshal",
    "jit", "debugger", "ephemeron", "toggleref", "external", "other",
)


def field_label(snap: "Snapshot", referrer: int, offset: int) -> str:
    """How ``referrer`` holds the next object: an array element or a field, with the byte offset.

    Field names are not in heap shots; when a field map was recorded with
    the shot (:func:`binders.heapshot.record_fields`) it gives the name,
    otherwise the byte offset is shown.
    """
    cls = snap.class_of(referrer)
    if cls.endswith("[]"):
        return f"array element +0x{offset:x}"
    name = snap.field_name(referrer, offset)
    if name:
        return f"field {name} +0x{offset:x}"
    return f"field +0x{offset:x}"


@dataclasses.dataclass(frozen=True)
class RetentionPath:
    """A root, then objects from the one the root holds to the target, with field offsets between."""

    root: Root
    objects: tuple[int, ...]        # object indices, root's object first, target last
    offsets: tuple[int, ...]        # byte offset of the reference field in objects[i] to objects[i+1]

    def classes(self, snap: "Snapshot") -> list[str]:
        return [snap.class_of(o) for o in self.objects]

    def signature(self, snap: "Snapshot") -> tuple[str, ...]:
        """Root label plus class sequence: paths with the same shape aggregate on this."""
        return (self.root.label(), *self.classes(snap))

    def format(self, snap: "Snapshot") -> str:
        lines = [f"root: {self.root.label()} [slot 0x{self.root.slot:x}]"]
        for i, o in enumerate(self.objects):
            via = f" ({field_label(snap, self.objects[i - 1], self.offsets[i - 1])})" if i else ""
            lines.append(f"  {'-> ' if i else ''}{snap.class_of(o)} @0x{int(snap.addr[o]):x}"
                         f" [{int(snap.size[o])} B]{via}")
        return "\n".join(lines)

    def to_dict(self, snap: "Snapshot") -> dict:
        return {
            "root": {"kind": self.root.kind, "label": self.root.label(), "description": self.root.description,
                     "owner": self.root.owner, "slot": f"0x{self.root.slot:x}"},
            "objects": [{"index": int(o), "class": snap.class_of(o), "address": f"0x{int(snap.addr[o]):x}",
                         "size": int(snap.size[o])} for o in self.objects],
            "field_offsets": [int(x) for x in self.offsets],
            "fields": [field_label(snap, self.objects[i], off) for i, off in enumerate(self.offsets)],
            "length": len(self.objects),
        }


def root_preference(kinds: np.ndarray) -> np.ndarray:
    """Rank of each root kind code in :data:`ROOT_PRIORITY` (lower is shown first)."""
    prio = {k: i for i, k in enumerate(ROOT_PRIORITY)}
    kind_rank = np.array([prio.get(k, len(prio)) for k in ROOT_KINDS], dtype=np.int64)
    return kind_rank[np.asarray(kinds).astype(np.int64)]


@dataclasses.dataclass
class BFSTree:
    """Result of the search from all roots: per object, parent on a shortest path and distance."""

    parent: np.ndarray      # -1 for objects held by a root directly or unreachable
    offset: np.ndarray      # field offset in the parent
    depth: np.ndarray       # 0 for root-held objects, -1 for unreachable
    root_index: np.ndarray  # for root-held objects, the index (into snap.root_*) of the chosen root


def bfs_from_roots(snap: "Snapshot") -> BFSTree:
    """Level-synchronous BFS from every root object (cached on the snapshot)."""
    cached = getattr(snap, "_bfs", None)
    if cached is not None:
        return cached
    n = len(snap)
    parent = np.full(n, -1, dtype=np.int64)
    offset = np.zeros(n, dtype=np.int64)
    depth = np.full(n, -1, dtype=np.int64)
    root_index = np.full(n, -1, dtype=np.int64)
    if len(snap.root_obj):
        rank = root_preference(snap.root_kind)
        order = np.lexsort((np.arange(len(rank)), rank, snap.root_obj))
        objs = snap.root_obj[order]
        first = np.ones(len(order), bool)
        first[1:] = objs[1:] != objs[:-1]
        root_index[objs[first]] = order[first]
        frontier = objs[first]
        depth[frontier] = 0
    else:
        frontier = np.zeros(0, dtype=np.int64)
    indptr, indices, foff = snap.indptr, snap.indices, snap.field_offset
    d = 0
    while len(frontier):
        counts = indptr[frontier + 1] - indptr[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        starts = np.repeat(indptr[frontier], counts)
        within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        e = starts + within
        nxt = indices[e]
        src = np.repeat(frontier, counts)
        new = depth[nxt] < 0
        nxt, src, e = nxt[new], src[new], e[new]
        uniq, first = np.unique(nxt, return_index=True)
        d += 1
        parent[uniq] = src[first]
        offset[uniq] = foff[e[first]]
        depth[uniq] = d
        frontier = uniq
    tree = BFSTree(parent, offset, depth, root_index)
    snap._bfs = tree
    return tree


def path_to(snap: "Snapshot", obj: int) -> RetentionPath | None:
    """One shortest path from a root to ``obj``, or None when nothing strong holds it."""
    t = bfs_from_roots(snap)
    if t.depth[obj] < 0:
        return None
    chain = [int(obj)]
    offs = []
    while t.parent[chain[-1]] >= 0:
        offs.append(int(t.offset[chain[-1]]))
        chain.append(int(t.parent[chain[-1]]))
    chain.reverse()
    offs.reverse()
    return RetentionPath(snap.root(int(t.root_index[chain[0]])), tuple(chain), tuple(offs))


def retention_paths(snap: "Snapshot", pattern: str, *, max_paths: int = 10) -> list[RetentionPath]:
    """Shortest retention paths to objects whose class matches ``pattern``, shortest first.

    Objects with no path (garbage awaiting collection, or only weakly held)
    are skipped; :func:`unreachable` lists them.
    """
    targets = snap.find(pattern)
    if not len(targets):
        return []
    t = bfs_from_roots(snap)
    targets = targets[t.depth[targets] >= 0]
    targets = targets[np.argsort(t.depth[targets], kind="stable")][:max_paths]
    return [p for p in (path_to(snap, int(o)) for o in targets) if p is not None]


def unreachable(snap: "Snapshot", objs: Iterable[int]) -> list[int]:
    """Those of ``objs`` that no root holds through strong references."""
    t = bfs_from_roots(snap)
    return [int(o) for o in objs if t.depth[int(o)] < 0]


def path_summary(snap: "Snapshot", pattern: str, *, top: int = 10) -> list[dict]:
    """Group the shortest paths of *all* matching objects by shape (root label + classes).

    Thousands of leaked rules look alike; this says "9,800 of them are held
    via static field of X -> Dictionary -> Entry[] -> ..." in one line.
    """
    targets = snap.find(pattern)
    t = bfs_from_roots(snap)
    targets = targets[t.depth[targets] >= 0]
    counts: collections.Counter = collections.Counter()
    example: dict[tuple, RetentionPath] = {}
    for o in targets.tolist():
        p = path_to(snap, o)
        if p is None:
            continue
        sig = p.signature(snap)
        counts[sig] += 1
        example.setdefault(sig, p)
    return [{"count": c, "root": sig[0], "classes": list(sig[1:]), "example": example[sig]}
            for sig, c in counts.most_common(top)]
