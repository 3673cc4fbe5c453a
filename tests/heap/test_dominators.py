"""Dominator algorithms agree with the textbook set equations on random graphs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callsite.heap import native
from callsite.heap.dominators import (igraph_dominators, iterative_dominators, lengauer_tarjan, naive_dominators,
                                      native_dominators, retained_sizes)


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 40))
    m = draw(st.integers(0, 3 * n))
    src = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)
    dst = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)
    roots = np.array(draw(st.lists(st.integers(0, n - 1), max_size=4)), dtype=np.int64)
    o = np.argsort(src, kind="stable")
    src, dst = src[o], dst[o]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst, roots


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_fast_algorithms_match_naive(g):
    want = naive_dominators(*g)
    assert np.array_equal(lengauer_tarjan(*g), want)
    assert np.array_equal(iterative_dominators(*g), want)
    assert np.array_equal(igraph_dominators(*g), want)
    assert np.array_equal(native_dominators(*g), want)


def _dominated_by(idom, d):
    """All nodes whose dominator chain contains d (d included)."""
    out = []
    for v in range(len(idom)):
        x = v
        seen = 0
        while x >= 0 and seen <= len(idom):
            if x == d:
                out.append(v)
                break
            if idom[x] == x:
                break
            x = int(idom[x])
            seen += 1
    return out


@settings(max_examples=100, deadline=None)
@given(graphs(), st.data())
def test_retained_size_is_sum_over_dominated(g, data):
    n = len(g[0]) - 1
    size = np.array(data.draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)), dtype=np.int64)
    idom = lengauer_tarjan(*g)
    ret = retained_sizes(idom, size)
    nidom, order = native.dominators(*g)
    assert np.array_equal(retained_sizes(nidom, size, order=order), ret)
    for d in range(n):
        if idom[d] < 0:
            assert ret[d] == 0
            continue
        assert ret[d] == sum(int(size[v]) for v in _dominated_by(idom, d) if v < n)
    assert ret[n] == int(size[idom[:n] >= 0].sum())


def test_diamond_and_cycle():
    # 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 4, 4 -> 3 ; root 0
    src = np.array([0, 0, 1, 2, 3, 4])
    dst = np.array([1, 2, 3, 3, 4, 3])
    indptr = np.array([0, 2, 3, 4, 5, 6])
    idom = lengauer_tarjan(indptr, dst, np.array([0]))
    assert idom.tolist() == [5, 0, 0, 0, 3, 5]
    # two roots: object reachable from both is dominated only by the super-root
    idom2 = lengauer_tarjan(indptr, dst, np.array([0, 3]))
    assert idom2[3] == 5 and idom2[4] == 3
    assert src.size == dst.size


def test_deep_tree_takes_the_one_pass_path():
    # a chain deeper than the level-by-level limit sums the same as the levels would
    from callsite.heap import dominators

    n = dominators._MAX_LEVELS + 50
    indptr = np.arange(n + 1, dtype=np.int64)
    indptr[-1] = n - 1
    indices = np.arange(1, n, dtype=np.int64)
    idom = dominators.igraph_dominators(indptr, indices, np.array([0]))
    ret = retained_sizes(idom, np.full(n, 8, dtype=np.int64))
    assert ret[0] == 8 * n and ret[n - 1] == 8 and ret[n] == 8 * n
    assert dominators.tree_depths(idom)[n - 1] == n


def test_native_on_a_chain_of_a_million_links_and_a_ring():
    # iterative DFS and path compression: a recursive version would overflow the C stack here
    n = 1_000_000
    indptr = np.arange(n + 1, dtype=np.int64)
    indices = (np.arange(n, dtype=np.int64) + 1) % n  # 0 -> 1 -> ... -> n-1 -> 0
    idom, order = native.dominators(indptr, indices, np.array([0]))
    assert idom[0] == n and (idom[1:n] == np.arange(n - 1)).all() and idom[n] == n
    assert order.tolist()[:3] == [n, 0, 1] and len(order) == n + 1
    ret = retained_sizes(idom, np.full(n, 16, dtype=np.int64), order=order)
    assert ret[0] == 16 * n and ret[n - 1] == 16


def test_native_refuses_references_outside_the_graph():
    import pytest

    with pytest.raises(ValueError):
        native.dominators(np.array([0, 1]), np.array([5]), np.array([0]))
    with pytest.raises(ValueError):
        native.dominators(np.array([0, 0]), np.zeros(0, np.int64), np.array([-1]))
    with pytest.raises(ValueError):  # an indptr that would read past the references
        native.dominators(np.array([0, 3]), np.array([0]), np.array([0]))
    with pytest.raises(ValueError):
        native.dominators(np.array([0, 2, 1]), np.array([0]), np.array([0]))
