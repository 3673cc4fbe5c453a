"""The ownership view of a snapshot: references weighed by the classifiers, lifelines, owners.

Shortest paths answer "how can this be reached"; a leak hunter asks "who
keeps it". :class:`OwnershipView` applies a :class:`~callsite.heap.classify.Classifier`:

1. every reference (and root) gets a weight (owning > unclassified 0 > weak;
   ``ignored`` ones are dropped);
2. objects reachable only through the finalizer queue are *pending
   finalization* (garbage the finalizer thread has yet to run), not live;
3. every live object keeps only its incoming references of the highest
   weight among live referrers (MemorySnapshotAnalyzer's rule), falling
   back to all of them where that would cut it off;
4. a breadth-first search over what is kept gives each object its
   *lifeline* (a path from a root), and its *owner*: the owning reference of
   highest weight on the lifeline (the nearest if tied); with none, the
   nearest weak one (e.g. ``harness: pythonnet``); with none either, the root.

The kept graph is also what :func:`callsite.heap.dominators.dominator_tree`
uses with ``view=``, so classes stop floating to the top of the dominator
tree once their owners are known. Everything is numpy over the CSR arrays;
per-level loops run once per BFS depth, not per object.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from typing import TYPE_CHECKING, Sequence

import numpy as np

from callsite.heap.classify import IGNORED_WEIGHT, Classifier, Rule, builtin
from callsite.heap.graph import edge_sources, edges_of, first_occurrences, reach
from callsite.heap.names import matching_classes
from callsite.heap.snapshot import ROOT_KINDS

if TYPE_CHECKING:
    from callsite.heap.snapshot import Snapshot

#: Group whose owners are the harness (hidden unless asked for).
HARNESS_GROUP = "harness"
FINALIZER_KIND = "finalizer-queue"
_NONE = np.iinfo(np.int16).min


@dataclasses.dataclass
class Lifelines:
    """BFS tree of the kept graph: per object, parent edge (or root) and depth."""

    parent: np.ndarray     # referrer on the lifeline; -1 at a root or when not live
    edge: np.ndarray       # edge index into the snapshot's CSR; -1 at a root
    root: np.ndarray       # for objects a root holds on their lifeline: index into snap.root_*; else -1
    depth: np.ndarray      # -1: not live


class OwnershipView:
    """A snapshot seen through reference classifiers (see the module doc)."""

    def __init__(self, snap: "Snapshot", classifier: Classifier | None = None, *,
                 root_object: int | None = None, ignore: Sequence[tuple[int, int]] = ()) -> None:
        self.snap = snap
        self.classifier = classifier if classifier is not None else builtin()
        self.rules: list[Rule] = self.classifier.rules()
        self.root_object = root_object
        n, e = len(snap), len(snap.indices)
        self.src = edge_sources(snap.indptr)
        self.edge_weight = np.zeros(e, dtype=np.int16)
        self.edge_rule = np.full(e, -1, dtype=np.int32)
        nr = len(snap.root_obj)
        self.root_weight = np.zeros(nr, dtype=np.int16)
        self.root_rule = np.full(nr, -1, dtype=np.int32)
        for i, rule in enumerate(self.rules):
            if rule.is_root:
                m = self._root_mask(rule)
                self.root_weight[m] = rule.weight
                self.root_rule[m] = i
            else:
                sel = self._select_edges(rule)
                self.edge_weight[sel] = rule.weight
                self.edge_rule[sel] = i
        for referrer, target in ignore:  # one back-reference (or any reference) dropped by hand
            e_ = edges_of(snap.indptr, np.array([referrer], dtype=np.int64))
            self.edge_weight[e_[snap.indices[e_] == target]] = IGNORED_WEIGHT
        edge_ok = self.edge_weight != IGNORED_WEIGHT
        root_ok = self.root_weight != IGNORED_WEIGHT
        kinds = np.array(ROOT_KINDS)[snap.root_kind.astype(np.int64)] if nr else np.zeros(0, dtype=str)
        finalizer = kinds == FINALIZER_KIND
        if root_object is not None:
            self.live_roots = np.zeros(nr, dtype=bool)
            start = np.array([root_object], dtype=np.int64)
            self.live = reach(snap.indptr, snap.indices, start, n, edge_ok)
            self.pending = np.zeros(n, dtype=bool)
        else:
            self.live_roots = root_ok & ~finalizer
            self.live = reach(snap.indptr, snap.indices, snap.root_obj[self.live_roots], n, edge_ok)
            everything = reach(snap.indptr, snap.indices, snap.root_obj[root_ok], n, edge_ok)
            self.pending = everything & ~self.live
        self.kept_edges, self.kept_roots = self._prune(edge_ok)
        self.lifelines = self._lifelines()
        self._owners: tuple[np.ndarray, np.ndarray] | None = None
        self._tops: np.ndarray | None = None

    # -- classification ---------------------------------------------------
    def _root_mask(self, rule: Rule) -> np.ndarray:
        snap = self.snap
        kind, _, owner = rule.type[1:].partition(":")
        kinds = [i for i, k in enumerate(ROOT_KINDS) if fnmatch.fnmatchcase(k, kind)]
        m = np.isin(snap.root_kind, np.array(kinds, dtype=snap.root_kind.dtype))
        if owner:
            ok_regions = np.array([o is not None and fnmatch.fnmatchcase(o, owner) for o in snap.region_owner]
                                  + [False], dtype=bool)
            m &= ok_regions[snap.root_region]
        return m

    def _select_edges(self, rule: Rule) -> np.ndarray:
        snap = self.snap
        ids = matching_classes(rule.type, snap.class_names) if not rule.type.startswith("/") \
            else matching_classes("re:" + rule.type[1:-1], snap.class_names)
        if not ids:
            return np.zeros(0, dtype=np.int64)
        objs = np.flatnonzero(np.isin(snap.class_id, np.array(ids, dtype=snap.class_id.dtype)))
        sel = np.zeros(0, dtype=np.int64)
        for k, step in enumerate(rule.selector):
            e = edges_of(snap.indptr, objs)
            sel = e[self._step_matches(step, e)]
            if k + 1 < len(rule.selector):
                objs = np.unique(snap.indices[sel])
        return sel

    def _step_matches(self, step: str, e: np.ndarray) -> np.ndarray:
        snap = self.snap
        if step == "*" or not len(e):
            return np.ones(len(e), dtype=bool)
        src_cls = snap.class_id[self.src[e]]
        if step == "[]":
            arrays = np.array([nm.endswith("[]") for nm in snap.class_names], dtype=bool)
            return arrays[src_cls]
        off = snap.field_offset[e]
        if step.startswith("+"):
            return off == int(step[1:], 0)
        key = src_cls.astype(np.int64) * (1 << 32) + off
        uniq, inv = np.unique(key, return_inverse=True)
        first = np.zeros(len(uniq), dtype=np.int64)
        first[inv[::-1]] = np.arange(len(e))[::-1]
        ok = np.zeros(len(uniq), dtype=bool)
        for j, ei in enumerate(first.tolist()):
            nm = snap.field_name(int(self.src[e[ei]]), int(off[ei]))
            if nm is None:
                continue
            nm = nm.rstrip("?")
            ok[j] = fnmatch.fnmatchcase(nm, step) if "*" in step else nm == step
        return ok[inv]

    # -- pruning and lifelines --------------------------------------------
    def _prune(self, edge_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        snap, n = self.snap, len(self.snap)
        valid = edge_ok & self.live[self.src]
        roots = self._root_set()
        maxw = np.full(n, _NONE, dtype=np.int16)
        if len(roots):
            np.maximum.at(maxw, snap.root_obj[roots], self.root_weight[roots])
        ve = np.flatnonzero(valid)
        np.maximum.at(maxw, snap.indices[ve], self.edge_weight[ve])
        kept = valid & (self.edge_weight == maxw[snap.indices])
        kept_roots = np.zeros(len(snap.root_obj), dtype=bool)
        kept_roots[roots] = self.root_weight[roots] == maxw[snap.root_obj[roots]]
        for _ in range(8):  # restore references where keeping only the heaviest cut objects off
            start = snap.root_obj[kept_roots] if self.root_object is None else np.array([self.root_object])
            got = reach(snap.indptr, snap.indices, start, n, kept)
            lost = self.live & ~got
            if not lost.any():
                break
            kept |= valid & lost[snap.indices]
            if self.root_object is None:
                kept_roots[roots] |= lost[snap.root_obj[roots]]
        return kept, kept_roots

    def _root_set(self) -> np.ndarray:
        if self.root_object is not None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.live_roots)

    def _lifelines(self) -> Lifelines:
        snap, n = self.snap, len(self.snap)
        parent = np.full(n, -1, dtype=np.int64)
        edge = np.full(n, -1, dtype=np.int64)
        root = np.full(n, -1, dtype=np.int64)
        depth = np.full(n, -1, dtype=np.int64)
        if self.root_object is not None:
            frontier = np.array([self.root_object], dtype=np.int64)
        else:
            from callsite.heap.paths import root_preference

            ri = np.flatnonzero(self.kept_roots)
            # among the roots of one object prefer the heaviest, then the most telling kind
            order = np.lexsort((root_preference(snap.root_kind[ri]), -self.root_weight[ri].astype(np.int64),
                                snap.root_obj[ri]))
            ri = ri[order]
            objs = snap.root_obj[ri]
            first = np.ones(len(ri), dtype=bool)
            first[1:] = objs[1:] != objs[:-1]
            root[objs[first]] = ri[first]
            frontier = objs[first]
        depth[frontier] = 0
        kept, indices, d = self.kept_edges, snap.indices, 0
        stamp = np.zeros(n, dtype=np.int64)
        while len(frontier):
            e = edges_of(snap.indptr, frontier)
            e = e[kept[e]]
            nxt = indices[e]
            new = depth[nxt] < 0
            e, nxt = e[new], nxt[new]
            first = first_occurrences(nxt, stamp)
            uniq = nxt[first]
            d += 1
            parent[uniq] = self.src[e[first]]
            edge[uniq] = e[first]
            depth[uniq] = d
            frontier = uniq
        return Lifelines(parent, edge, root, depth)

    # -- owners -------------------------------------------------------------
    def owners(self) -> tuple[np.ndarray, np.ndarray]:
        """Per object: the rule index naming its owner (-1: the root) and the edge (-1) or root (-2-i) it is."""
        if self._owners is not None:
            return self._owners
        lf, n = self.lifelines, len(self.snap)
        best_w = np.zeros(n, dtype=np.int16)
        best_rule = np.full(n, -1, dtype=np.int64)
        best_ref = np.full(n, -1, dtype=np.int64)   # edge >= 0, or -2 - root index
        weak_rule = np.full(n, -1, dtype=np.int64)
        weak_ref = np.full(n, -1, dtype=np.int64)
        order = np.argsort(lf.depth, kind="stable")
        order = order[lf.depth[order] >= 0]
        bounds = np.searchsorted(lf.depth[order], np.arange(int(lf.depth.max(initial=-1)) + 2))
        for d in range(len(bounds) - 1):
            v = order[bounds[d]:bounds[d + 1]]
            if d == 0:
                ri = lf.root[v]
                has = ri >= 0
                w = np.zeros(len(v), dtype=np.int16)
                rule = np.full(len(v), -1, dtype=np.int64)
                w[has] = self.root_weight[ri[has]]
                rule[has] = self.root_rule[ri[has]]
                ref = np.where(has, -2 - ri, -1)
                pw = np.zeros(len(v), dtype=np.int16)
                prule = pref = pwr = pwref = np.full(len(v), -1, dtype=np.int64)
            else:
                e = lf.edge[v]
                w = self.edge_weight[e]
                rule = self.edge_rule[e].astype(np.int64)
                ref = e
                p = lf.parent[v]
                pw, prule, pref, pwr, pwref = best_w[p], best_rule[p], best_ref[p], weak_rule[p], weak_ref[p]
            take = (w > 0) & (w >= pw) & (rule >= 0)
            best_w[v] = np.where(take, w, pw)
            best_rule[v] = np.where(take, rule, prule)
            best_ref[v] = np.where(take, ref, pref)
            wk = (w < 0) & (rule >= 0)
            weak_rule[v] = np.where(wk, rule, pwr)
            weak_ref[v] = np.where(wk, ref, pwref)
        use_weak = best_rule < 0
        rule = np.where(use_weak, weak_rule, best_rule)
        ref = np.where(use_weak, weak_ref, best_ref)
        self._owners = (rule, ref)
        return self._owners

    def owner_label(self, obj: int) -> str:
        """The owner's name: a classifier rule's name, or the root's label."""
        rule, _ = self.owners()
        chain = self.lifeline(obj)
        return self._label(int(rule[obj]), int(self.lifelines.root[chain[0]]) if chain else -1)

    def _label(self, rule: int, root: int) -> str:
        """The name of an owner that is classifier rule ``rule`` (>= 0), else root ``root`` (-1: none)."""
        if rule >= 0:
            return self.rules[rule].name
        return self.snap.root(root).label() if root >= 0 else "(not live)"

    def lifeline_tops(self) -> np.ndarray:
        """Per object, the root-held object its lifeline starts from (-1 where not live), by
        pointer doubling: whole-heap owner names without a walk back per object."""
        if self._tops is None:
            lf = self.lifelines
            top = np.where(lf.parent >= 0, lf.parent, np.arange(len(lf.parent)))
            m = np.flatnonzero(top[top] != top)
            while len(m):
                top[m] = top[top[m]]
                m = m[top[top[m]] != top[m]]
            top[lf.depth < 0] = -1
            self._tops = top
        return self._tops

    def owner_labels(self, objs: np.ndarray) -> list[str]:
        """:meth:`owner_label` of many objects at once."""
        rule, _ = self.owners()
        tops = self.lifeline_tops()
        root = np.where(tops[objs] >= 0, self.lifelines.root[np.maximum(tops[objs], 0)], -1)
        names: dict[tuple[int, int], str] = {}
        out = []
        r = rule[objs]
        for key in zip(r.tolist(), np.where(r >= 0, -1, root).tolist()):  # a rule's name needs no root
            if key not in names:
                names[key] = self._label(*key)
            out.append(names[key])
        return out

    def owner_group(self, obj: int) -> str | None:
        rule, _ = self.owners()
        r = int(rule[obj])
        return self.rules[r].group if r >= 0 else None

    def lifeline(self, obj: int) -> list[int]:
        """Objects from the root-held one to ``obj`` along the lifeline ([] if not live)."""
        lf = self.lifelines
        if lf.depth[obj] < 0:
            return []
        chain = [int(obj)]
        while lf.parent[chain[-1]] >= 0:
            chain.append(int(lf.parent[chain[-1]]))
        return chain[::-1]

    def lifeline_root(self, obj: int):
        chain = self.lifeline(obj)
        if not chain or self.lifelines.root[chain[0]] < 0:
            return None
        return self.snap.root(int(self.lifelines.root[chain[0]]))

    def is_harness(self) -> np.ndarray:
        """Objects whose owner is a harness rule, or whose class a harness rule names."""
        rule, _ = self.owners()
        harness_rules = np.array([r.group == HARNESS_GROUP for r in self.rules] + [False], dtype=bool)
        out = harness_rules[rule]  # rule -1 picks the trailing False
        types = [r.type for r in self.rules if r.group == HARNESS_GROUP and not r.is_root]
        ids = sorted({i for t in types for i in matching_classes(t, self.snap.class_names)})
        if ids:
            out |= np.isin(self.snap.class_id, np.array(ids, dtype=self.snap.class_id.dtype))
        return out & self.live

    def graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR of the kept references and the kept roots: the graph the dominator tree is built on."""
        snap = self.snap
        kept = self.kept_edges
        counts = np.bincount(self.src[kept], minlength=len(snap))
        indptr = np.zeros(len(snap) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        roots = snap.root_obj[self.kept_roots] if self.root_object is None else np.array([self.root_object])
        return indptr, snap.indices[kept], roots
