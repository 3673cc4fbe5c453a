"""CSR graph helpers shared by the analyses: address lookup, edge slicing, reachability, first-seen dedup.

Heap graphs are CSR arrays (``indptr``, ``indices``); these helpers work a
whole BFS frontier at a time with numpy, and deduplicate with a stamp array
(O(n), no sort), which matters on graphs with hundreds of BFS levels.
"""

from __future__ import annotations

import numpy as np

from callsite.heap import native


def index_of(addr: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Position of each query in the sorted, duplicate-free ``addr``; -1 where it is not an object.

    References land anywhere in the heap, so a binary search per reference
    misses the cache at every step; the native lookup narrows each search with
    a bucket table first (0.08 s against 1.17 s for 4.2M references into 3M objects).
    """
    found = native.lookup(addr, queries)
    if found is not None:
        return found
    pos = np.searchsorted(addr, queries)
    ok = pos < len(addr)
    ok[ok] = addr[pos[ok]] == queries[ok]
    return np.where(ok, pos, -1)


def edge_sources(indptr: np.ndarray) -> np.ndarray:
    """Referrer of every edge of a CSR graph."""
    return np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))


def edges_of(indptr: np.ndarray, objs: np.ndarray) -> np.ndarray:
    """Indices of the edges leaving ``objs`` (vectorised CSR slicing)."""
    counts = indptr[objs + 1] - indptr[objs]
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(indptr[objs], counts)
    return starts + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))


def first_occurrences(values: np.ndarray, stamp: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct value (``stamp``: scratch, len >= max+1)."""
    pos = np.arange(len(values))
    stamp[values[::-1]] = pos[::-1]
    return pos[stamp[values] == pos]


def reach(indptr: np.ndarray, indices: np.ndarray, start: np.ndarray, n: int,
          edge_ok: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of what ``start`` reaches over edges with ``edge_ok`` (all when None)."""
    seen = np.zeros(n, dtype=bool)
    frontier = np.unique(np.asarray(start, dtype=np.int64))
    seen[frontier] = True
    stamp = np.zeros(n, dtype=np.int64)
    while len(frontier):
        e = edges_of(indptr, frontier)
        if edge_ok is not None:
            e = e[edge_ok[e]]
        nxt = indices[e]
        nxt = nxt[~seen[nxt]]
        nxt = nxt[first_occurrences(nxt, stamp)]  # each new object once, or the frontier multiplies
        seen[nxt] = True
        frontier = nxt
    return seen
