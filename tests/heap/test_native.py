"""The compiled heap kernels give what their numpy/igraph fallbacks give, and the fallbacks still work.

The dominator algorithms are compared in test_dominators.py; here the LEB128
tokenizer, the address lookup, a whole real Mono shot read both ways, and the
CLI without the library (``DLRSIM_NATIVE=0``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callsite.cli import main
from callsite.heap import mlpd, native
from callsite.heap.graph import index_of
from callsite.heap.snapshot import Snapshot


def test_the_library_builds_here():
    # setup.sh installs gcc: on this project's machines the fast path must be the one taken
    assert native.available(), "the native heap library did not build (is gcc installed?)"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.floats(0, 1))
def test_tokenizer_matches_numpy(raw, high):
    data = np.frombuffer(raw, dtype=np.uint8).copy()
    # many continuation bytes make long (and over-long, "bad") varints
    data[np.random.default_rng(len(raw)).random(len(data)) < high] |= 0x80
    got = native.tokenize(data)
    want = mlpd._tokenize_numpy(data)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=60, unique=True),
       st.lists(st.integers(0, 2**64 - 1), max_size=60), st.integers(0, 60))
def test_lookup_matches_binary_search(addrs, others, picks):
    addr = np.array(sorted(addrs), dtype=np.uint64)
    queries = np.array(others + sorted(addrs)[:picks], dtype=np.uint64)
    got = native.lookup(addr, queries)
    pos = np.searchsorted(addr, queries)
    ok = pos < len(addr)
    ok[ok] = addr[pos[ok]] == queries[ok]
    assert np.array_equal(got, np.where(ok, pos, -1))


def test_lookup_on_a_dense_and_a_sparse_heap():
    rng = np.random.default_rng(7)
    for addr in (np.arange(0x7F0000000000, 0x7F0000000000 + 8 * 100_000, 8, dtype=np.uint64),
                 np.unique(rng.integers(1, 2**60, 100_000, dtype=np.int64)).astype(np.uint64) * np.uint64(8)):
        q = np.concatenate([addr[rng.integers(0, len(addr), 50_000)], addr + np.uint64(1),
                            np.array([0, 2**64 - 1], dtype=np.uint64)])
        got = native.lookup(addr, q)
        assert (addr[got[:50_000]] == q[:50_000]).all()
        assert (got[50_000:] == -1).all()


def _snapshots(path: str) -> list[Snapshot]:
    f = mlpd.read_mlpd(path)
    return [Snapshot.from_mlpd(f, i) for i in range(len(f.shots))]


def test_a_real_shot_reads_the_same_without_the_library(demo_mlpd, monkeypatch):
    fast = _snapshots(demo_mlpd)
    monkeypatch.setenv("DLRSIM_NATIVE", "0")
    assert native.tokenize(np.zeros(1, np.uint8)) is None and index_of(np.zeros(0, np.uint64), np.zeros(0, np.uint64)).size == 0
    slow = _snapshots(demo_mlpd)
    assert len(fast) == len(slow) == 3
    for a, b in zip(fast, slow):
        for field in ("addr", "size", "class_id", "indptr", "indices", "field_offset", "root_obj", "root_kind"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field
        assert a.class_names == b.class_names and a.dangling_refs == b.dangling_refs


def _dominators_json(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main(["heap", "dominators", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_cli_falls_back_to_igraph_with_the_same_tree(demo_mlpd, capsys, monkeypatch):
    code, fast, _ = _dominators_json(capsys, f"{demo_mlpd}@filled", "--top", "10")
    assert code == 0 and fast["algorithm"] == "native"
    monkeypatch.setenv("DLRSIM_NATIVE", "0")
    code, slow, _ = _dominators_json(capsys, f"{demo_mlpd}@filled", "--top", "10")
    assert code == 0 and slow["algorithm"] == "igraph"
    assert fast["top"] == slow["top"]
    code, err, text = _dominators_json(capsys, f"{demo_mlpd}@filled", "--algorithm", "native")
    assert code == 2 and "native heap library is not available" in err["error"]


@pytest.mark.parametrize("algorithm", ["igraph", "lt"])
def test_cli_algorithms_agree(demo_mlpd, capsys, algorithm):
    code, fast, _ = _dominators_json(capsys, f"{demo_mlpd}@filled", "--top", "10", "--algorithm", "native")
    code2, other, _ = _dominators_json(capsys, f"{demo_mlpd}@filled", "--top", "10", "--algorithm", algorithm)
    assert code == code2 == 0 and fast["top"] == other["top"]
