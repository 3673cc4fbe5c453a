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

import collections
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


def owner_groups(view: OwnershipView, objs: np.ndarray, *, include_harness: bool = False) -> dict:
    """Owners of ``objs`` (indices): ``groups[]`` of ``owner``, ``path``, ``objects``, ``bytes`` and more."""
    snap = view.snap
    rule, ref = view.owners()
    harness = view.is_harness()
    groups: dict[tuple, dict] = {}
    counts = collections.Counter()
    for o in np.asarray(objs, dtype=np.int64).tolist():
        size = int(snap.size[o])
        if view.pending[o]:
            key = (PENDING_OWNER,)
            g = groups.setdefault(key, {"owner": PENDING_OWNER, "group": None, "kind": "pending",
                                        "live": False, "path": [{"root": "finalizer-queue"}], "objects": 0,
                                        "bytes": 0, "example": None})
        elif not view.live[o]:
            key = (NOT_LIVE_OWNER,)
            g = groups.setdefault(key, {"owner": NOT_LIVE_OWNER, "group": None, "kind": "unreachable",
                                        "live": False, "path": [], "objects": 0, "bytes": 0, "example": None})
        else:
            if harness[o] and not include_harness:
                counts["harness_objects"] += 1
                counts["harness_bytes"] += size
                continue
            r, e = int(rule[o]), int(ref[o])
            path = lifeline_steps(view, o, upto_edge=e if e >= 0 else -1)
            if r >= 0:
                owner, group, kind = view.rules[r].name, view.rules[r].group, view.rules[r].kind
            else:
                root = view.lifeline_root(o)
                owner, group, kind = (root.label() if root else "root object"), None, "root"
            owner_obj = int(view.src[e]) if e >= 0 else (int(snap.root_obj[-2 - e]) if e <= -2 else None)
            key = (owner, tuple(step_text(x) for x in path))
            g = groups.setdefault(key, {"owner": owner, "group": group, "kind": kind, "live": True,
                                        "path": path, "objects": 0, "bytes": 0, "example": None,
                                        "owner_class": snap.class_of(owner_obj) if owner_obj is not None else None})
        g["objects"] += 1
        g["bytes"] += size
        if g["example"] is None:
            g["example"] = {"index": o, "address": f"0x{int(snap.addr[o]):x}", "class": snap.class_of(o)}
    rows = sorted(groups.values(), key=lambda g: (not g["live"], -g["objects"], -g["bytes"], g["owner"]))
    return {"snapshot": snap.label, "objects": int(len(objs)),
            "live_objects": int(view.live[objs].sum()) if len(objs) else 0,
            "pending_finalization": int(view.pending[objs].sum()) if len(objs) else 0,
            "harness_objects": counts["harness_objects"], "harness_bytes": counts["harness_bytes"],
            "groups": rows}


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
