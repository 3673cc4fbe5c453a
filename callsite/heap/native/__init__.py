"""Compiled kernels of the heap tools: LEB128 tokens, address lookup, dominator trees.

Three loops decide how large a heap the tools can handle, and none of them
vectorises: splitting a Mono log buffer into varints, finding the object
each of millions of references points to, and the Lengauer–Tarjan dominator
search. numpy versions of the first two, and igraph's compiled dominator
search, stay as the fallback and as the reference the tests compare against;
``benchmarks/heap_bench.py`` times both on the same 3M-object heap.

The C sources next to this file are compiled with gcc into one shared library
in ``~/.cache/dlrsim/heap-native-HASH/`` (``setup.sh`` builds it; otherwise the
first use does, in a fraction of a second) and called through ctypes on numpy
arrays. Without gcc, or with ``DLRSIM_NATIVE=0`` in the environment, every
caller takes its fallback: same results, slower.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from callsite.output import build_in_cache, cache_root

HERE = Path(__file__).resolve().parent
SOURCES = ("leb128.c", "addresses.c", "dominators.c")
NAME = "libdlrheap.so"
FLAGS = ["-O2", "-shared", "-fPIC", "-Wall", "-Werror"]

_I64 = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
_U64 = np.ctypeslib.ndpointer(dtype=np.uint64, flags="C_CONTIGUOUS")
_U8 = np.ctypeslib.ndpointer(dtype=np.uint8, flags="C_CONTIGUOUS")

_lib: ctypes.CDLL | None = None
_tried = False


class NativeError(RuntimeError):
    """The library could not be built or loaded (the message says why)."""


def source_hash() -> str:
    h = hashlib.sha256(" ".join(FLAGS).encode())
    for name in SOURCES:
        h.update(name.encode())
        h.update((HERE / name).read_bytes())
    return h.hexdigest()[:16]


def build() -> Path:
    """The shared library, compiled now if this version of the sources has not been yet."""
    folder = cache_root() / f"heap-native-{source_hash()}"
    lib = folder / NAME
    if lib.exists():
        return lib
    if shutil.which("gcc") is None:
        raise NativeError("gcc not found (apt-get install gcc libc6-dev)")

    def compile_into(tmp: Path) -> None:
        cmd = ["gcc", *FLAGS, "-o", str(tmp / NAME), *(str(HERE / s) for s in SOURCES)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise NativeError(f"gcc failed: {(done.stderr.strip().splitlines() or ['?'])[0]}")

    build_in_cache(folder.name, compile_into)
    return lib


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(str(build()))
    lib.dlr_tokenize.restype = ctypes.c_int64
    lib.dlr_tokenize.argtypes = [_U8, ctypes.c_int64, _I64, _I64, _U64, _I64, _U8]
    lib.dlr_lookup.restype = ctypes.c_int
    lib.dlr_lookup.argtypes = [_U64, ctypes.c_int64, _U64, ctypes.c_int64, _I64]
    lib.dlr_idom.restype = ctypes.c_int64
    lib.dlr_idom.argtypes = [ctypes.c_int64, _I64, _I64, _I64, ctypes.c_int64, _I64, _I64]
    lib.dlr_retained.restype = None
    lib.dlr_retained.argtypes = [ctypes.c_int64, _I64, _I64, _I64]
    return lib


def library() -> ctypes.CDLL | None:
    """The loaded library, or None where it cannot be had (callers then use their fallback)."""
    global _lib, _tried
    if os.environ.get("DLRSIM_NATIVE", "1") == "0":
        return None
    if not _tried:
        _tried = True
        try:
            _lib = _load()
        except (NativeError, OSError, subprocess.SubprocessError):
            _lib = None
    return _lib


def available() -> bool:
    return library() is not None


def _i64(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


def tokenize(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """LEB128 tokens of ``data`` as ``mlpd._tokenize`` returns them, or None without the library."""
    lib = library()
    if lib is None:
        return None
    data = np.ascontiguousarray(data, dtype=np.uint8)
    n = len(data)
    starts = np.empty(n, np.int64)
    ends = np.empty(n, np.int64)
    uval = np.empty(n, np.uint64)
    sval = np.empty(n, np.int64)
    bad = np.empty(n, np.uint8)
    k = lib.dlr_tokenize(data, n, starts, ends, uval, sval, bad)
    return starts[:k], ends[:k], uval[:k], sval[:k], bad[:k].view(bool)


def lookup(addr: np.ndarray, queries: np.ndarray) -> np.ndarray | None:
    """Index in the sorted, duplicate-free ``addr`` of each query, -1 where absent; None without the library."""
    lib = library()
    if lib is None:
        return None
    addr = np.ascontiguousarray(addr, dtype=np.uint64)
    queries = np.ascontiguousarray(queries, dtype=np.uint64)
    out = np.empty(len(queries), np.int64)
    if lib.dlr_lookup(addr, len(addr), queries, len(queries), out) != 0:
        raise MemoryError("address lookup: out of memory")
    return out


def dominators(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Immediate dominators (layout of ``callsite.heap.dominators``) and the DFS preorder of the
    reachable nodes (super-root first; each node's dominator precedes it); None without the library."""
    lib = library()
    if lib is None:
        return None
    indptr, indices = _i64(indptr), _i64(indices)
    n = len(indptr) - 1
    if n < 0 or indptr[0] != 0 or indptr[-1] != len(indices) or (n and (np.diff(indptr) < 0).any()):
        raise ValueError("dominator tree: indptr is not a CSR index of indices")
    idom = np.empty(n + 1, np.int64)
    order = np.empty(n + 1, np.int64)
    count = lib.dlr_idom(n, indptr, indices, _i64(roots), len(roots), idom, order)
    if count == -2:
        raise MemoryError("dominator tree: out of memory")
    if count < 0:
        raise ValueError("dominator tree: a reference or root outside the graph, or 2^31 objects or more")
    return idom, order[:count]


def retained(order: np.ndarray, idom: np.ndarray, sizes: np.ndarray) -> np.ndarray | None:
    """Retained sizes (own ``sizes`` of the reachable nodes plus their dominator subtrees) along
    ``order`` from :func:`dominators`; None without the library."""
    lib = library()
    if lib is None:
        return None
    out = np.ascontiguousarray(sizes, dtype=np.int64).copy()
    lib.dlr_retained(len(order), _i64(order), _i64(idom), out)
    return out
