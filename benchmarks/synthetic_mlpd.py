"""Write a large synthetic Mono heap shot (``.mlpd``) fast, for the scale benchmark.

The events are the ones ``tests/heap/mlpd_writer.py`` writes byte by byte
(that writer is the reference the reader's tests check against); here the
LEB128 encoding is vectorised with numpy so a 10M-object shot takes seconds
to write. The graph is heap-like: mostly references to recently allocated
objects, some long-range ones, cross references, a few hundred roots over
static, GC handle and stack regions.

    .venv/bin/python benchmarks/synthetic_mlpd.py OUT.mlpd --objects 3000000
"""

from __future__ import annotations

import argparse
import os
import struct
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from tests.heap.mlpd_writer import BUF_ID, FakeRegion, _Buf, header, uleb  # noqa: E402

PTR_BASE = 0x5500_0000_0000
OBJ_BASE = 0x7F00_0000_0000
CLASSES = ["System.String", "System.Object[]", "App.Node", "App.Leaf", "System.Collections.Generic.List<App.Node>",
           "System.Action<System.Runtime.CompilerServices.CallSite,System.Object>", "System.Byte[]"]
ULEB, SLEB, BYTE = 0, 1, 2


def _leb_lengths(v: np.ndarray, kind: np.ndarray) -> np.ndarray:
    n = np.ones(len(v), dtype=np.int64)
    for k in range(1, 10):
        u = (kind == ULEB) & (v >= (1 << (7 * k)))
        s = (kind == SLEB) & ((v < -(1 << (7 * k - 1))) | (v >= (1 << (7 * k - 1))))
        n += u | s
    return n


def encode(v: np.ndarray, kind: np.ndarray) -> bytes:
    """LEB128 (unsigned or signed) or raw bytes, per token, concatenated."""
    n = _leb_lengths(v, kind)
    tok = np.repeat(np.arange(len(v)), n)
    j = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    b = (v[tok] >> (7 * j)) & 0x7F
    b |= np.where(j < n[tok] - 1, 0x80, 0)
    raw = kind[tok] == BYTE
    b[raw] = v[tok][raw] & 0xFF
    return b.astype(np.uint8).tobytes()


def heap_graph(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    parent = np.maximum(idx - rng.geometric(0.3, n), 0)
    far = rng.random(n) < 0.2
    parent[far] = (rng.random(int(far.sum())) * idx[far]).astype(np.int64)
    extra = int(0.4 * n)
    src = np.concatenate([parent[1:], rng.integers(0, n, extra)])
    dst = np.concatenate([idx[1:], rng.integers(0, n, extra)])
    o = np.lexsort((dst, src))
    src, dst = src[o], dst[o]
    cls = rng.integers(0, len(CLASSES), n)
    size = 8 * rng.integers(3, 12, n)
    roots = np.unique(np.concatenate([[0], rng.integers(0, n, 300)]))
    return src, dst, cls, size, roots


def write(path: str, n: int, *, chunk: int = 4_000, seed: int = 0) -> int:
    """One heap shot of ``n`` objects; returns the file size."""
    src, dst, cls, size, roots = heap_graph(n, seed)
    addr = OBJ_BASE + 16 * np.arange(n, dtype=np.int64) * 8
    vt = PTR_BASE + 0x900000 + 0x80 * np.arange(len(CLASSES))
    regions = [FakeRegion(PTR_BASE + 0x10000, 0x10000, 3, int(vt[2]), "Static Fields"),
               FakeRegion(PTR_BASE + 0x40000, 0x10000, 6, 0, "GC Handle Bucket (SGen, Normal)"),
               FakeRegion(PTR_BASE + 0x80000, 0x10000, 1, 7, "Thread Stack")]
    with open(path, "wb") as fh:
        fh.write(header())
        b = _Buf(PTR_BASE, OBJ_BASE)
        for i, c in enumerate(CLASSES):
            klass = PTR_BASE + 0x1000 + 0x100 * i
            b.event(0x02 | (2 << 4)); b.data.append(1); b.ptr(klass); b.ptr(PTR_BASE); b.data += c.encode() + b"\0"
            b.event(0x02 | (2 << 4)); b.data.append(7); b.ptr(int(vt[i])); b.ptr(0); b.ptr(klass)
        for r in regions:
            b.event(0x06 | (4 << 4)); b.ptr(r.start); b.data += uleb(r.size)
            b.data.append(r.source); b.ptr(r.key); b.data += r.desc.encode() + b"\0"
        b.event(0x06)  # HEAP_START
        b.event(0x06 | (3 << 4))
        b.data += uleb(len(roots))
        for k, o in enumerate(roots.tolist()):
            b.ptr(regions[k % 3].start + 8 * (k // 3))
            b.obj(int(addr[o]))
        fh.write(b.bytes())
        counts = np.bincount(src, minlength=n)
        starts = np.concatenate([[0], np.cumsum(counts)])
        base = OBJ_BASE >> 3
        for a in range(0, n, chunk):
            z = min(n, a + chunk)
            k = counts[a:z]
            # tokens per object: event byte, dt, addr, vtable, size, gen, nrefs, then (offset delta, ref) * k
            per = 7 + 2 * k
            tot = int(per.sum())
            v = np.zeros(tot, dtype=np.int64)
            kind = np.full(tot, ULEB, dtype=np.int8)
            o0 = np.cumsum(per) - per
            v[o0] = 0x06 | (2 << 4); kind[o0] = BYTE
            v[o0 + 1] = 1
            v[o0 + 2] = (addr[a:z] >> 3) - base; kind[o0 + 2] = SLEB
            v[o0 + 3] = vt[cls[a:z]] - PTR_BASE; kind[o0 + 3] = SLEB
            v[o0 + 4] = size[a:z]
            v[o0 + 5] = 0; kind[o0 + 5] = BYTE
            v[o0 + 6] = k
            e = np.arange(starts[a], starts[z])
            owner = np.repeat(np.arange(z - a), k)
            within = np.arange(len(e)) - np.repeat(np.cumsum(k) - k, k)
            pos = o0[owner] + 7 + 2 * within
            v[pos] = 8  # each reference 8 bytes after the previous one (offsets 8, 16, ...)
            v[pos + 1] = (addr[dst[e]] >> 3) - base; kind[pos + 1] = SLEB
            data = encode(v, kind)
            fh.write(struct.pack("<IIQQQQQ", BUF_ID, len(data), 1000, PTR_BASE, base, 1, 0) + data)
        end = _Buf(PTR_BASE, OBJ_BASE)
        end.event(0x06 | (1 << 4))
        fh.write(end.bytes())
    return os.path.getsize(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--objects", type=int, default=3_000_000)
    args = ap.parse_args()
    print(f"{args.out}: {write(args.out, args.objects) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
