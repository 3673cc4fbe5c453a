"""Statistics over a dominator tree: floating classes, retained size per class, and a diff of two shots.

* :func:`floating_classes` — MemorySnapshotAnalyzer's ``heapdomstats``: the
  classes whose objects have no dominator but the whole process (the
  super-root). Many of one class there means its owner is not known yet: a
  reference classifier for it (:mod:`callsite.heap.classify`) brings them down.
* :func:`retained_by_class` — what freeing *all* objects of a class would
  free: the union of their dominator subtrees (an object under another object
  of the same class is counted once), as dotMemory and Chrome DevTools show.
* :func:`dominator_diff` — which retained memory is new in the later shot and
  under which owner: retained bytes per (owner, class of the subtree head)
  for the heads of the dominator tree, compared between shots. Objects are
  matched by owner and class, not by address (Mono's GC moves objects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from callsite.heap.dominators import DominatorTree, retained_sizes, tree_preorder

if TYPE_CHECKING:
    from callsite.heap.ownership import OwnershipView
    from callsite.heap.snapshot import Snapshot


def _class_rows(snap: "Snapshot", mask: np.ndarray, weights: np.ndarray,
                keep: Callable[[str], bool] | None) -> list[dict]:
    k = len(snap.class_names)
    cls = snap.class_id[mask]
    count = np.bincount(cls, minlength=k)
    total = np.bincount(cls, weights=weights[mask], minlength=k)
    rows = [{"class": snap.class_names[i], "objects": int(count[i]), "bytes": int(total[i])}
            for i in np.flatnonzero(count) if keep is None or keep(snap.class_names[i])]
    rows.sort(key=lambda r: (-r["objects"], -r["bytes"], r["class"]))
    return rows


def floating_classes(snap: "Snapshot", tree: DominatorTree, *, keep: Callable[[str], bool] | None = None,
                     mask: np.ndarray | None = None) -> dict:
    """Per class: objects immediately dominated by the super-root, with their retained bytes.

    ``mask`` (booleans per object) limits the objects counted, e.g. to leave the harness out.
    """
    n = len(snap)
    top = tree.idom[:n] == tree.super_root
    if mask is not None:
        top &= mask
    rows = _class_rows(snap, top, tree.retained[:n], keep)
    return {"snapshot": snap.label, "floating_objects": int(top.sum()),
            "reachable_objects": int((tree.idom[:n] >= 0).sum()), "classes": rows}


def subtree_intervals(tree: DominatorTree) -> tuple[np.ndarray, np.ndarray]:
    """Preorder position and one past the last descendant's, per node (-1 when unreachable)."""
    pre = tree_preorder(tree.idom)
    nn = len(tree.idom)
    pos = np.full(nn, -1, dtype=np.int64)
    pos[pre] = np.arange(len(pre))
    count = np.zeros(nn, dtype=np.int64)
    count[pre] = 1
    par = tree.idom
    cnt = count.tolist()
    par_l = par.tolist()
    for v in reversed(pre[1:].tolist()):
        cnt[par_l[v]] += cnt[v]
    return pos, pos + np.array(cnt, dtype=np.int64)


def retained_by_class(snap: "Snapshot", tree: DominatorTree, *, keep: Callable[[str], bool] | None = None,
                      mask: np.ndarray | None = None) -> list[dict]:
    """Per class: objects, own bytes, and retained bytes of the union of their dominator subtrees
    (``mask``: only these objects' classes are listed)."""
    n = len(snap)
    pos, end = subtree_intervals(tree)
    reach = pos[:n] >= 0
    if mask is not None:
        reach &= mask
    objs = np.flatnonzero(reach)
    cls = snap.class_id[objs].astype(np.int64)
    o = np.lexsort((pos[objs], cls))
    objs, cls = objs[o], cls[o]
    # within one class (sorted by preorder), an object is covered if an earlier one's interval contains it
    span = int(end.max(initial=0)) + 1
    ends = end[objs] + cls * span
    run = np.maximum.accumulate(ends)
    prev = np.concatenate([[-1], run[:-1]])
    covered = prev > pos[objs] + cls * span
    top = objs[~covered]
    k = len(snap.class_names)
    retained = np.bincount(snap.class_id[top], weights=tree.retained[top], minlength=k)
    count = np.bincount(snap.class_id[objs], minlength=k)
    own = np.bincount(snap.class_id[objs], weights=snap.size[objs], minlength=k)
    rows = [{"class": snap.class_names[i], "objects": int(count[i]), "bytes": int(own[i]),
             "retained": int(retained[i])}
            for i in np.flatnonzero(count) if keep is None or keep(snap.class_names[i])]
    rows.sort(key=lambda r: (-r["retained"], -r["bytes"], r["class"]))
    return rows


def head_owners(view: "OwnershipView", tree: DominatorTree) -> dict[tuple[str, str], list[int]]:
    """(owner, class) -> [retained bytes, objects] over the heads of the dominator tree."""
    snap = view.snap
    n = len(snap)
    heads = np.flatnonzero(tree.idom[:n] == tree.super_root)
    objects = retained_sizes(tree.idom, np.ones(n, dtype=np.int64))  # objects in each subtree
    out: dict[tuple[str, str], list[int]] = {}
    for h, label in zip(heads.tolist(), view.owner_labels(heads)):
        key = (label, snap.class_of(h))
        acc = out.setdefault(key, [0, 0])
        acc[0] += int(tree.retained[h])
        acc[1] += int(objects[h])
    return out


def dominator_diff(before: tuple["OwnershipView", DominatorTree], after: tuple["OwnershipView", DominatorTree],
                   *, keep: Callable[[str], bool] | None = None) -> dict:
    """Retained bytes and objects per (owner, head class), after minus before, largest growth first."""
    a, b = head_owners(*before), head_owners(*after)
    rows = []
    for key in a.keys() | b.keys():
        ra, ca = a.get(key, [0, 0])
        rb, cb = b.get(key, [0, 0])
        if (ra, ca) == (rb, cb) or (keep is not None and not keep(key[1])):
            continue
        rows.append({"owner": key[0], "class": key[1], "retained_before": ra, "retained_after": rb,
                     "retained_diff": rb - ra, "objects_before": ca, "objects_after": cb,
                     "objects_diff": cb - ca})
    rows.sort(key=lambda r: (-r["retained_diff"], -r["objects_diff"], r["owner"], r["class"]))
    return {"before": before[0].snap.label, "after": after[0].snap.label,
            "retained_before": int(before[1].retained[before[1].super_root]),
            "retained_after": int(after[1].retained[after[1].super_root]), "changes": rows}
