"""Who keeps objects alive, grouped by owner; and every retainer of one object.

:func:`owner_groups` answers "who keeps the ``__ComObject`` instances alive"
after the ownership rules (:mod:`callsite.heap.ownership`): one group per
owner and lifeline shape, with a path from a root to the owner, the number
of objects and their bytes. Objects waiting in the finalizer queue form
their own group (``live: false``); objects owned only by the harness are
counted but listed only with ``include_harness``.

:func:`retainers` lists every reference to one object (not just the one on
its lifeline), each with its classification, whether the ownership rules
kept it, and the referrer's own lifeline: what would all have to let go
for the object to be freed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from callsite.heap.classify import IGNORED_WEIGHT
from callsite.heap.graph import edges_of
from callsite.heap.ownership import OwnershipView

if TYPE_CHECKING:
    from callsite.heap.snapshot import Snapshot

PENDING_OWNER = "finalizer queue (pending finalization, not live)"
NOT_LIVE_OWNER = "(not reachable: garbage, or held only through ignored references)"


def field_of(snap: "Snapshot", edge: int, src: int) -> str:
    """How ``src`` refers through ``edge``: ``[]``, a field name (``?`` = from a generic
    definition's map, a guess), or ``+0xNN`` when the shot has no name for it."""
    off = int(snap.field_offset[edge])
    if snap.class_of(src).endswith("[]"):
        return "[]"
    nm = snap.field_name(src, off)
    return nm if nm else f"+0x{off:x}"


def lifeline_steps(view: OwnershipView, obj: int, *, upto_edge: int | None = None) -> list[dict]:
    """The lifeline as JSON-ready steps: ``{"root": LABEL}``, then ``{"class", "field"}`` per link
    (``field`` is ``[]`` for an array element, ``NAME?`` when guessed, ``+0xNN`` when unknown; the
    last step's ``field`` is None). With ``upto_edge`` the path stops at that edge's referrer.
    """
    snap, lf = view.snap, view.lifelines
    chain = view.lifeline(obj)
    if not chain:
        return []
    root = view.lifeline_root(obj)
    steps: list[dict] = [{"root": root.label() if root else "root object"}]
    for x, y in zip(chain, chain[1:]):
        e = int(lf.edge[y])
        steps.append({"class": snap.class_of(x), "field": field_of(snap, e, x)})
        if upto_edge is not None and e == upto_edge:
            return steps
    if upto_edge is None or upto_edge >= 0:
        steps.append({"class": snap.class_of(chain[-1]), "field": None})
    return steps


def step_text(step: dict, name=lambda s: s) -> str:
    """One step for a terminal: ``root: LABEL``, ``Class.field``, ``Class[]`` or ``Class``."""
    if "root" in step:
        return f"root: {step['root']}"
    f = step["field"]
    cls = name(step["class"])
    return cls if f is None or f == "[]" else f"{cls}.{f}"


def lifeline_shapes(view: OwnershipView) -> np.ndarray:
    """Per live object, an id of its lifeline's shape up to it (-1 where not live).

    The shape is what a printed path shows: the root's label, then per link
    the referrer's class and the field (or ``[]`` for an array element).
    Ids are built level by level down the lifeline tree, so a million objects
    with one shape cost a few sorts, not a million walks back to the root.
    Field offsets stand for field names here; two offsets that print alike
    are merged later by the text.
    """
    snap, lf = view.snap, view.lifelines
    n = len(snap)
    shape = np.full(n, -1, dtype=np.int64)
    order = np.argsort(lf.depth, kind="stable")
    order = order[lf.depth[order] >= 0]
    if not len(order):
        return shape
    bounds = np.searchsorted(lf.depth[order], np.arange(int(lf.depth[order[-1]]) + 2))
    top = order[bounds[0]:bounds[1]]
    labels: dict[str, int] = {}
    by_root: dict[int, int] = {}
    for v, ri in zip(top.tolist(), lf.root[top].tolist()):
        if ri not in by_root:
            by_root[ri] = labels.setdefault(snap.root(ri).label() if ri >= 0 else "root object", len(labels))
        shape[v] = by_root[ri]
    next_id = len(labels)
    is_array = np.array([nm.endswith("[]") for nm in snap.class_names] + [False], dtype=bool)
    for d in range(1, len(bounds) - 1):
        v = order[bounds[d]:bounds[d + 1]]
        p = lf.parent[v]
        cls = snap.class_id[p].astype(np.int64)
        off = np.where(is_array[cls], -1, snap.field_offset[lf.edge[v]])
        sp = shape[p]
        o = np.lexsort((off, cls, sp))
        new = np.ones(len(o), dtype=bool)
        new[1:] = (sp[o][1:] != sp[o][:-1]) | (cls[o][1:] != cls[o][:-1]) | (off[o][1:] != off[o][:-1])
        ids = np.cumsum(new) - 1 + next_id
        shape[v[o]] = ids
        next_id = int(ids[-1]) + 1
    return shape


def owner_groups(view: OwnershipView, objs: np.ndarray, *, include_harness: bool = False,
                 limit: int | None = None) -> dict:
    """Owners of ``objs`` (indices): ``groups[]`` of ``owner``, ``path``, ``objects``, ``bytes`` and more.

    Objects are grouped by owner rule and lifeline shape with array operations
    (:func:`lifeline_shapes`); the path is spelled out once per group. With
    ``limit``, only the largest groups are spelled out (a heap of random
    shapes has as many groups as objects); ``more_groups`` counts the rest.
    """
    snap = view.snap
    objs = np.asarray(objs, dtype=np.int64)
    rule, ref = view.owners()
    harness = view.is_harness()
    pending, live = view.pending[objs], view.live[objs]
    hidden = live & ~pending & harness[objs] & (not include_harness)
    # 0 pending, 1 not live, 2 owned; hidden harness objects are only counted
    kind = np.where(pending, 0, np.where(~live, 1, 2))
    keep = ~hidden
    objs_k, kind = objs[keep], kind[keep]
    r = np.where(kind == 2, rule[objs_k], -1)
    e = np.where(kind == 2, ref[objs_k], -1)
    groups: dict[tuple, dict] = {}
    more = 0
    if len(objs_k):
        # an owned object's path ends at its owner edge's target, a root-owned one's at itself
        target = snap.indices[np.maximum(e, 0)] if len(snap.indices) else objs_k
        shape = np.where(kind == 2, lifeline_shapes(view)[np.where(e >= 0, target, objs_k)], -1)
        keys = np.stack([kind, r, shape])
        o = np.lexsort(keys[::-1])
        ks = keys[:, o]
        start = np.ones(len(o), dtype=bool)
        start[1:] = (ks[:, 1:] != ks[:, :-1]).any(axis=0)
        gid = np.empty(len(o), dtype=np.int64)
        gid[o] = np.cumsum(start) - 1
        count = np.bincount(gid)
        nbytes = np.bincount(gid, weights=snap.size[objs_k]).astype(np.int64)
        first = np.full(len(count), len(objs_k), dtype=np.int64)
        np.minimum.at(first, gid, np.arange(len(objs_k)))
        todo = np.argsort(first, kind="stable")
        if limit is not None and len(todo) > 2 * limit:  # the largest, live first (2x: some merge by text)
            live_g = kind[first] == 2
            todo = np.lexsort((first, -nbytes, -count, ~live_g))[:2 * limit]
            more = len(count) - len(todo)
            todo = np.sort(todo)
            todo = todo[np.argsort(first[todo], kind="stable")]
        for g in todo.tolist():
            i = int(first[g])
            key, row = _group(view, int(objs_k[i]), int(kind[i]), int(r[i]), int(e[i]))
            grp = groups.setdefault(key, row)
            grp["objects"] += int(count[g])
            grp["bytes"] += int(nbytes[g])
    rows = sorted(groups.values(), key=lambda g: (not g["live"], -g["objects"], -g["bytes"], g["owner"]))
    if limit is not None:
        more += max(0, len(rows) - limit)
        rows = rows[:limit]
    return {"snapshot": snap.label, "objects": int(len(objs)),
            "live_objects": int(live.sum()), "pending_finalization": int(pending.sum()),
            "harness_objects": int(hidden.sum()), "harness_bytes": int(snap.size[objs[hidden]].sum()),
            "groups": rows, "more_groups": more}


def _group(view: OwnershipView, o: int, kind: int, r: int, e: int) -> tuple[tuple, dict]:
    """The key and the (empty) row of the group whose first object is ``o``."""
    snap = view.snap
    example = {"index": o, "address": f"0x{int(snap.addr[o]):x}", "class": snap.class_of(o)}
    if kind == 0:
        return (PENDING_OWNER,), {"owner": PENDING_OWNER, "group": None, "kind": "pending", "live": False,
                                  "path": [{"root": "finalizer-queue"}], "objects": 0, "bytes": 0, "example": example}
    if kind == 1:
        return (NOT_LIVE_OWNER,), {"owner": NOT_LIVE_OWNER, "group": None, "kind": "unreachable", "live": False,
                                   "path": [], "objects": 0, "bytes": 0, "example": example}
    path = lifeline_steps(view, o, upto_edge=e if e >= 0 else -1)
    if r >= 0:
        owner, group, okind = view.rules[r].name, view.rules[r].group, view.rules[r].kind
    else:
        root = view.lifeline_root(o)
        owner, group, okind = (root.label() if root else "root object"), None, "root"
    owner_obj = int(view.src[e]) if e >= 0 else (int(snap.root_obj[-2 - e]) if e <= -2 else None)
    return (owner, tuple(step_text(x) for x in path)), {
        "owner": owner, "group": group, "kind": okind, "live": True, "path": path, "objects": 0, "bytes": 0,
        "example": example, "owner_class": snap.class_of(owner_obj) if owner_obj is not None else None}


def retainers(view: OwnershipView, obj: int) -> dict:
    """Every reference to ``obj`` and every root holding it, each with its referrer's lifeline."""
    snap = view.snap
    rindptr, rindices = snap.predecessors()
    refs = []
    for src in sorted(set(rindices[rindptr[obj]:rindptr[obj + 1]].tolist())):
        es = edges_of(snap.indptr, np.array([src], dtype=np.int64))
        for e in es[snap.indices[es] == obj].tolist():
            r = int(view.edge_rule[e])
            w = int(view.edge_weight[e])
            refs.append({
                "referrer": {"index": src, "address": f"0x{int(snap.addr[src]):x}", "class": snap.class_of(src)},
                "field": field_of(snap, e, src),
                "weight": "ignored" if w == IGNORED_WEIGHT else w,
                "rule": view.rules[r].name if r >= 0 else None,
                "kept": bool(view.kept_edges[e]),
                "on_lifeline": int(view.lifelines.edge[obj]) == e,
                "referrer_live": bool(view.live[src]),
                "referrer_pending": bool(view.pending[src]),
                "lifeline": lifeline_steps(view, src),
            })
    roots = []
    for i in np.flatnonzero(snap.root_obj == obj).tolist():
        r = int(view.root_rule[i])
        root = snap.root(i)
        roots.append({"kind": root.kind, "label": root.label(), "slot": f"0x{root.slot:x}",
                      "rule": view.rules[r].name if r >= 0 else None, "weight": int(view.root_weight[i]),
                      "kept": bool(view.kept_roots[i])})
    return {
        "snapshot": snap.label,
        "object": {"index": obj, "address": f"0x{int(snap.addr[obj]):x}", "class": snap.class_of(obj),
                   "size": int(snap.size[obj])},
        "live": bool(view.live[obj]), "pending_finalization": bool(view.pending[obj]),
        "owner": view.owner_label(obj) if view.live[obj] else None,
        "lifeline": lifeline_steps(view, obj),
        "roots": roots, "references": refs,
    }


def resolve_object(snap: "Snapshot", spec: str) -> int:
    """An object by ``#INDEX`` or address (``0x7f...``), as the other commands print them."""
    from callsite.errors import DlrsimError

    try:
        if spec.startswith("#"):
            i = int(spec[1:])
            if not 0 <= i < len(snap):
                raise DlrsimError(f"object index {i} out of range (0..{len(snap) - 1})")
            return i
        a = int(spec, 0)
    except ValueError:
        raise DlrsimError(f"not an object: {spec!r} (give #INDEX or an address like 0x7f0012345678)") from None
    i = int(np.searchsorted(snap.addr, a))
    if i >= len(snap) or int(snap.addr[i]) != a:
        raise DlrsimError(f"no object at address {spec} in {snap.label}")
    return i
