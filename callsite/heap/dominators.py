"""Dominator trees of object graphs, and retained sizes.

Object ``d`` dominates ``v`` when every path from the roots to ``v`` passes
through ``d``: freeing ``d`` frees ``v``. The immediate dominators form a tree
whose subtree sizes are *retained sizes* — what a cache of compiled rules
really keeps alive, which per-class byte counts cannot show.

A virtual super-root (index ``n``) points at every root object, so the tree
has one root even though the heap has thousands.

Five algorithms over the same array-based graph (CSR ``indptr``/``indices``):

* :func:`native_dominators` — Lengauer–Tarjan in C over the arrays themselves
  (:mod:`callsite.heap.native`); the default where gcc could build it: on a
  3M-object heap six times faster than igraph's, and without igraph's copy
  of the graph (``benchmarks/heap_bench.py`` measures them side by side).
* :func:`igraph_dominators` — the compiled Lengauer–Tarjan of igraph's C core
  (python-igraph); the default without the native library: several times
  faster than the pure-Python ones below on million-object heaps, but it
  needs the edges handed over as Python tuples and keeps its own graph.

* :func:`lengauer_tarjan` — Lengauer & Tarjan (1979), simple version with
  path compression, O(E log V), in Python over arrays (the default before igraph).
* :func:`iterative_dominators` — Cooper, Harvey & Kennedy, "A Simple, Fast
  Dominance Algorithm" (2001): the straightforward iterative fixpoint over
  reverse postorder. Used as the comparison in ``benchmarks/heap_bench.py``.
* :func:`naive_dominators` — the textbook data-flow equations with sets,
  Dom(v) = {v} ∪ ⋂ Dom(p); quadratic memory, only for checking the others on
  small graphs in tests.

All return ``idom``: an int64 array of length ``n + 1`` where ``idom[v]`` is
the immediate dominator of ``v`` (``n`` for the super-root), ``-1`` for
objects not reachable from any root, and ``idom[n] == n``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from callsite.errors import DlrsimError
from callsite.heap import native


def with_super_root(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the graph plus node ``n`` with an edge to each distinct root object."""
    n = len(indptr) - 1
    r = np.unique(np.asarray(roots, dtype=np.int64))
    indptr2 = np.empty(n + 2, dtype=np.int64)
    indptr2[: n + 1] = indptr
    indptr2[n + 1] = indptr[n] + len(r)
    indices2 = np.concatenate([np.asarray(indices, dtype=np.int64), r])
    return indptr2, indices2


def _dfs(indptr: list[int], indices: list[int], root: int, nn: int) -> tuple[list[int], list[int], list[int]]:
    """Iterative DFS: preorder vertex list, DFS-tree parent (by node), postorder list."""
    dfnum = [-1] * nn
    parent = [-1] * nn
    vertex = [root]
    post: list[int] = []
    dfnum[root] = 0
    ptr = indptr[:]  # next edge to look at, per node
    stack = [root]
    while stack:
        v = stack[-1]
        i = ptr[v]
        end = indptr[v + 1]
        while i < end:
            w = indices[i]
            i += 1
            if dfnum[w] < 0:
                ptr[v] = i
                dfnum[w] = len(vertex)
                vertex.append(w)
                parent[w] = v
                stack.append(w)
                break
        else:
            ptr[v] = i
            post.append(v)
            stack.pop()
    return vertex, parent, post


def _dfs_preorder(indptr: list[int], indices: list[int], root: int, nn: int) -> tuple[list[int], list[int]]:
    """DFS preorder and DFS-tree parents, without postorder (all Lengauer–Tarjan needs).

    Pushes all successors at once (reversed, so they pop in edge order) with
    the pusher alongside; a node popped for the first time is visited with
    the latest pusher as parent. That reproduces the recursive DFS order, and
    list slicing/extend keeps the per-edge work in C.
    """
    seen = [False] * nn
    parent = [-1] * nn
    vertex: list[int] = []
    stack = [root]
    pstack = [-1]
    pop, ppop = stack.pop, pstack.pop
    ext, pext = stack.extend, pstack.extend
    append = vertex.append
    while stack:
        v = pop()
        pv = ppop()
        if seen[v]:
            continue
        seen[v] = True
        parent[v] = pv
        append(v)
        a, b = indptr[v], indptr[v + 1]
        if a != b:
            ext(indices[b - 1:a - 1 if a else None:-1])
            pext([v] * (b - a))
    return vertex, parent


def _preds_lists(indptr: np.ndarray, indices: np.ndarray, nn: int) -> tuple[list[int], list[int]]:
    src = np.repeat(np.arange(nn, dtype=np.int64), np.diff(indptr))
    order = np.argsort(indices, kind="stable")
    rptr = np.zeros(nn + 1, dtype=np.int64)
    np.cumsum(np.bincount(indices, minlength=nn), out=rptr[1:])
    return rptr.tolist(), src[order].tolist()


def lengauer_tarjan(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Immediate dominators by Lengauer–Tarjan (see module doc for the result's layout).

    Two shortcuts keep the Python loop short on heap graphs, where most
    objects have one referrer: a predecessor ``v`` with a smaller DFS number
    than ``w`` is not yet linked, so ``eval(v) = v`` and its contribution to
    the semi-dominator is ``v`` itself — the minimum over all of those is
    taken with numpy beforehand, and only predecessors with larger numbers
    go through ``eval`` with path compression; and a node whose
    semi-dominator is its DFS parent gets that parent as immediate dominator
    without a trip through the bucket (what the bucket step would compute).
    """
    n = len(indptr) - 1
    iptr, ind = with_super_root(indptr, indices, roots)
    nn = n + 1
    ptr_l, ind_l = iptr.tolist(), ind.tolist()
    vertex, parent_node = _dfs_preorder(ptr_l, ind_l, n, nn)
    count = len(vertex)
    dfnum = np.full(nn, -1, dtype=np.int64)
    vertex_a = np.array(vertex, dtype=np.int64)
    dfnum[vertex_a] = np.arange(count)
    parent_a = dfnum[np.maximum(np.array(parent_node, dtype=np.int64)[vertex_a], 0)]
    parent_a[0] = 0
    # predecessor edges in DFS numbers, reachable ones only
    src = np.repeat(np.arange(nn, dtype=np.int64), np.diff(iptr))
    ps, pw = dfnum[src], dfnum[ind]
    keep = (ps >= 0) & (pw >= 0)
    ps, pw = ps[keep], pw[keep]
    # forward/tree predecessors (v < w): their contribution is v itself
    fwd = ps < pw
    m1 = parent_a.copy()
    np.minimum.at(m1, pw[fwd], ps[fwd])
    # the others (v > w, or v == w) need eval(); group them by w
    bw, bv = pw[~fwd], ps[~fwd]
    o = np.argsort(bw, kind="stable")
    bw, bv = bw[o], bv[o]
    bptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(bw, minlength=count), out=bptr[1:])
    has_back = (np.diff(bptr) > 0).tolist()
    bptr_l, bv_l = bptr.tolist(), bv.tolist()
    semi = m1.tolist()
    parent = parent_a.tolist()
    semi[0] = 0
    label = list(range(count))
    ancestor = [-1] * count
    idom = [0] * count
    bucket: list[list[int]] = [[] for _ in range(count)]
    for w in range(count - 1, 0, -1):
        sw = semi[w]
        if has_back[w]:
            for k in range(bptr_l[w], bptr_l[w + 1]):
                v = bv_l[k]
                if ancestor[v] < 0:
                    u = v
                else:
                    path = []
                    x = v
                    while ancestor[ancestor[x]] >= 0:
                        path.append(x)
                        x = ancestor[x]
                    for y in reversed(path):
                        a = ancestor[y]
                        if semi[label[a]] < semi[label[y]]:
                            label[y] = label[a]
                        ancestor[y] = ancestor[a]
                    u = label[v]
                su = semi[u]
                if su < sw:
                    sw = su
            semi[w] = sw
        p = parent[w]
        ancestor[w] = p
        if sw == p:
            idom[w] = p
        else:
            bucket[sw].append(w)
        bp = bucket[p]
        if bp:
            for v in bp:
                if ancestor[v] < 0:
                    u = v
                else:
                    path = []
                    x = v
                    while ancestor[ancestor[x]] >= 0:
                        path.append(x)
                        x = ancestor[x]
                    for y in reversed(path):
                        a = ancestor[y]
                        if semi[label[a]] < semi[label[y]]:
                            label[y] = label[a]
                        ancestor[y] = ancestor[a]
                    u = label[v]
                idom[v] = u if semi[u] < semi[v] else p
            bp.clear()
    for w in range(1, count):
        if idom[w] != semi[w]:
            idom[w] = idom[idom[w]]
    out = np.full(nn, -1, dtype=np.int64)
    out[vertex_a] = vertex_a[np.array(idom, dtype=np.int64)]
    out[n] = n
    return out


#: Edges handed to igraph per call, so the Python tuples of a 10M-object heap never exist at once.
_IGRAPH_CHUNK = 1 << 19


def peel_leaves(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Objects whose immediate dominator is simply their one referrer, found without a dominator search.

    A node with no outgoing edges and a single incoming one is dominated by
    that referrer; removing it can leave its referrer such a node in turn, so
    whole pure trees hanging off the graph come off round by round (strings,
    boxed values and small private structures on real heaps). Returns the sole
    predecessor of every node (-1 where there is none or several) and the
    removed nodes per round; nothing else's dominators change.
    """
    nn = len(indptr) - 1
    indeg = np.bincount(indices, minlength=nn)
    outdeg = np.diff(indptr).copy()
    pred = np.full(nn, -1, dtype=np.int64)
    one = indeg == 1
    src = np.repeat(np.arange(nn, dtype=np.int64), np.diff(indptr))
    m = one[indices]
    pred[indices[m]] = src[m]
    del src
    alive = np.ones(nn, dtype=bool)
    rounds: list[np.ndarray] = []
    cand = np.flatnonzero((outdeg == 0) & one)
    while len(cand):
        alive[cand] = False
        rounds.append(cand)
        p = pred[cand]
        np.subtract.at(outdeg, p, 1)
        p = np.unique(p)
        cand = p[(outdeg[p] == 0) & one[p] & alive[p]]
    return pred, rounds


def igraph_dominators(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Immediate dominators by igraph's compiled Lengauer–Tarjan (result layout as in the module doc).

    Pure trees hanging off the graph are peeled first (:func:`peel_leaves`)
    and get their referrer as immediate dominator; igraph sees only the rest.
    """
    import igraph

    n = len(indptr) - 1
    iptr, ind = with_super_root(indptr, indices, roots)
    nn = n + 1
    pred, rounds = peel_leaves(iptr, ind)
    keep = np.ones(nn, dtype=bool)
    for r in rounds:
        keep[r] = False
    new_id = np.cumsum(keep) - 1
    kept_edges = keep[ind]  # an edge into a peeled node is that node's only one
    src = new_id[np.repeat(np.arange(nn, dtype=np.int64), np.diff(iptr))[kept_edges]]
    dst = new_id[ind[kept_edges]]
    del iptr, ind, kept_edges
    g = igraph.Graph(n=int(keep.sum()), directed=True)
    for a in range(0, len(dst), _IGRAPH_CHUNK):
        g.add_edges(zip(src[a:a + _IGRAPH_CHUNK].tolist(), dst[a:a + _IGRAPH_CHUNK].tolist()))
    del src, dst
    dom = g.dominator(int(new_id[n]), mode="out")
    del g
    dom = np.array(dom, dtype=np.float64)
    old_id = np.flatnonzero(keep)
    sub = np.where(np.isnan(dom), -1, dom).astype(np.int64)
    out = np.full(nn, -1, dtype=np.int64)
    out[old_id] = np.where(sub >= 0, old_id[np.maximum(sub, 0)], -1)
    out[n] = n
    for r in reversed(rounds):  # referrers are settled before the nodes peeled off them
        p = pred[r]
        out[r] = np.where(out[p] >= 0, p, -1)
    return out


def _native_tree(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Immediate dominators and DFS preorder from :mod:`callsite.heap.native`, or one clear error."""
    found = native.dominators(indptr, indices, roots)
    if found is None:
        raise DlrsimError("the native heap library is not available (gcc missing, or DLRSIM_NATIVE=0): "
                          "use --algorithm igraph")
    return found


def native_dominators(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Immediate dominators by the compiled Lengauer–Tarjan of :mod:`callsite.heap.native`."""
    return _native_tree(indptr, indices, roots)[0]


def default_algorithm() -> str:
    """``native`` where the library could be built, else ``igraph``."""
    return "native" if native.available() else "igraph"


def iterative_dominators(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Immediate dominators by the Cooper–Harvey–Kennedy iterative algorithm."""
    n = len(indptr) - 1
    iptr, ind = with_super_root(indptr, indices, roots)
    nn = n + 1
    ptr_l, ind_l = iptr.tolist(), ind.tolist()
    _vertex, _parent, post = _dfs(ptr_l, ind_l, n, nn)
    ponum = [-1] * nn
    for i, v in enumerate(post):
        ponum[v] = i
    rptr, rsrc = _preds_lists(iptr, ind, nn)
    idom = [-1] * nn
    idom[n] = n
    rpo = post[::-1][1:]
    changed = True
    while changed:
        changed = False
        for b in rpo:
            new = -1
            for k in range(rptr[b], rptr[b + 1]):
                p = rsrc[k]
                if idom[p] < 0:
                    continue
                if new < 0:
                    new = p
                    continue
                f1, f2 = p, new
                while f1 != f2:
                    while ponum[f1] < ponum[f2]:
                        f1 = idom[f1]
                    while ponum[f2] < ponum[f1]:
                        f2 = idom[f2]
                new = f1
            if idom[b] != new:
                idom[b] = new
                changed = True
    return np.array(idom, dtype=np.int64)


def naive_dominators(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Immediate dominators from the set equations; O(V^2) memory, for tests on small graphs."""
    n = len(indptr) - 1
    iptr, ind = with_super_root(indptr, indices, roots)
    nn = n + 1
    succ = [ind[iptr[v]:iptr[v + 1]].tolist() for v in range(nn)]
    # reachable set
    seen = {n}
    stack = [n]
    while stack:
        v = stack.pop()
        for w in succ[v]:
            if w not in seen:
                seen.add(w)
                stack.append(w)
    preds: dict[int, list[int]] = {v: [] for v in seen}
    for v in seen:
        for w in succ[v]:
            preds[w].append(v)
    dom = {v: set(seen) for v in seen}
    dom[n] = {n}
    changed = True
    while changed:
        changed = False
        for v in seen:
            if v == n:
                continue
            ps = [dom[p] for p in preds[v]]
            new = set.intersection(*ps) | {v} if ps else {v}
            if new != dom[v]:
                dom[v] = new
                changed = True
    out = np.full(nn, -1, dtype=np.int64)
    out[n] = n
    for v in seen:
        if v == n:
            continue
        strict = dom[v] - {v}
        # the immediate dominator is the strict dominator dominated by all the others
        for d in strict:
            if all(e in dom[d] for e in strict):
                out[v] = d
                break
    return out


ALGORITHMS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "native": native_dominators,
    "igraph": igraph_dominators,
    "lt": lengauer_tarjan,
    "iterative": iterative_dominators,
    "naive": naive_dominators,
}


def tree_preorder(idom: np.ndarray) -> np.ndarray:
    """Preorder of the dominator tree from the super-root (reachable nodes only)."""
    nn = len(idom)
    sr = nn - 1
    kids_of = idom.copy()
    kids_of[sr] = -1
    valid = np.flatnonzero(kids_of >= 0)
    order = valid[np.argsort(kids_of[valid], kind="stable")]
    cptr = np.zeros(nn + 1, dtype=np.int64)
    np.cumsum(np.bincount(kids_of[valid], minlength=nn), out=cptr[1:])
    cptr_l, order_l = cptr.tolist(), order.tolist()
    out = [sr]
    stack = [sr]
    while stack:
        v = stack.pop()
        kids = order_l[cptr_l[v]:cptr_l[v + 1]]
        out.extend(kids)
        stack.extend(kids)
    return np.array(out, dtype=np.int64)


#: Above this many levels, retained sizes are summed in one pass over the preorder instead of level by level.
_MAX_LEVELS = 20000


def tree_depths(idom: np.ndarray) -> np.ndarray:
    """Depth of every node in the dominator tree (super-root 0, unreachable -1), by pointer doubling:
    O(n log depth) numpy work, no per-node Python."""
    sr = len(idom) - 1
    reach = idom >= 0
    anc = np.where(reach, idom, sr)
    anc[sr] = sr
    dist = reach.astype(np.int64)  # one hop to the immediate dominator
    dist[sr] = 0
    m = np.flatnonzero(anc != sr)
    while len(m):
        dist[m] += dist[anc[m]]
        anc[m] = anc[anc[m]]
        m = m[anc[m] != sr]
    dist[~reach] = -1
    dist[sr] = 0
    return dist


def retained_sizes(idom: np.ndarray, size: np.ndarray, *, order: np.ndarray | None = None) -> np.ndarray:
    """Retained size of every node (own size plus its dominator subtree); super-root last.

    With ``order`` (a preorder in which each node's dominator comes first, as
    :func:`callsite.heap.native.dominators` returns) and the native library: one
    compiled pass backwards along it. Otherwise summed level by level from the
    deepest (one ``np.add.at`` per level); trees deeper than ``_MAX_LEVELS``
    (long linked lists) take one Python pass instead.
    """
    n = len(size)
    retained = np.zeros(n + 1, dtype=np.int64)
    retained[:n] = np.where(idom[:n] >= 0, size, 0)
    if order is not None:
        summed = native.retained(order, idom, retained)
        if summed is not None:
            return summed
    depth = tree_depths(idom)
    top = int(depth.max(initial=0))
    if top <= _MAX_LEVELS:
        nodes = np.flatnonzero(depth > 0)
        nodes = nodes[np.argsort(-depth[nodes], kind="stable")]
        bounds = np.searchsorted(-depth[nodes], np.arange(-top, 0))
        bounds = np.append(bounds, len(nodes))
        for a, b in zip(bounds[:-1], bounds[1:]):
            level = nodes[a:b]
            np.add.at(retained, idom[level], retained[level])
        return retained
    pre = tree_preorder(idom)
    # children before parents: walk the preorder backwards (a parent precedes its subtree)
    ret = retained.tolist()
    par = idom.tolist()
    for v in reversed(pre[1:].tolist()):
        ret[par[v]] += ret[v]
    return np.array(ret, dtype=np.int64)


@dataclasses.dataclass
class DominatorTree:
    """Immediate dominators and retained sizes of one snapshot's objects."""

    idom: np.ndarray        # length n+1; n is the super-root; -1 = unreachable
    retained: np.ndarray    # length n+1
    size: np.ndarray        # own sizes, length n
    algorithm: str = ""     # the key of ALGORITHMS that made it

    @property
    def super_root(self) -> int:
        return len(self.size)

    def children(self, v: int) -> np.ndarray:
        """Objects immediately dominated by ``v`` (use ``super_root`` for the top level)."""
        kids = np.flatnonzero(self.idom == v)
        return kids[kids != self.super_root]

    def top(self, k: int = 20) -> np.ndarray:
        """The ``k`` objects with the largest retained sizes."""
        r = self.retained[: self.super_root]
        k = min(k, len(r))
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        part = np.argpartition(-r, k - 1)[:k]
        return part[np.argsort(-r[part], kind="stable")]

    def dominator_chain(self, v: int) -> list[int]:
        """``v``, its immediate dominator, ... up to (excluding) the super-root."""
        out = []
        sr = self.super_root
        while v != sr and v >= 0 and len(out) <= sr:
            out.append(v)
            v = int(self.idom[v])
        return out


def dominator_tree(snapshot, algorithm: str | None = None, *, view=None) -> DominatorTree:
    """Dominator tree of a :class:`~callsite.heap.snapshot.Snapshot` (cached on it).

    ``algorithm`` is a key of :data:`ALGORITHMS`; None picks :func:`default_algorithm`.
    With ``view`` (an :class:`~callsite.heap.ownership.OwnershipView`), the tree of
    the references the ownership rules keep, from the roots (or root object) they keep.
    """
    algorithm = algorithm or default_algorithm()
    cache = getattr(snapshot, "_domtree", None)
    if cache is not None and cache[0] == algorithm and cache[1] is view:
        return cache[2]
    graph = view.graph() if view is not None else (snapshot.indptr, snapshot.indices, snapshot.root_obj)
    if algorithm == "native":  # its DFS preorder sums retained sizes in one compiled pass
        idom, order = _native_tree(*graph)
    else:
        idom, order = ALGORITHMS[algorithm](*graph), None
    del graph
    tree = DominatorTree(idom, retained_sizes(idom, snapshot.size, order=order), snapshot.size, algorithm)
    snapshot._domtree = (algorithm, view, tree)
    return tree
