"""A minimal writer of Mono log profiler files, for tests that need no Mono.

It writes what ``mono/profiler/log.h`` (data version 17) specifies for the
events a heap shot needs: class and vtable metadata, root registration,
HEAP_START, HEAP_OBJECT (with generation byte and reference offsets),
HEAP_ROOT and HEAP_END, split over several buffers. Random heaps written
with it and read back must give the same graph, which checks the reader
(and its vectorised fast paths) against an independent, byte-by-byte
encoder.
"""

from __future__ import annotations

import dataclasses
import struct

LOG_HEADER_ID = 0x4D505A01
BUF_ID = 0x4D504C01


def uleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        done = (v == 0 and not b & 0x40) or (v == -1 and b & 0x40)
        out.append(b if done else b | 0x80)
        if done:
            return bytes(out)


@dataclasses.dataclass
class FakeObject:
    addr: int
    cls: str
    size: int
    refs: list[tuple[int, int]]  # (field offset, target address), offsets ascending


@dataclasses.dataclass
class FakeRegion:
    start: int
    size: int
    source: int
    key: int
    desc: str


def header(args: str = "log:heapshot,nocalls,output=fake.mlpd") -> bytes:
    h = struct.pack("<IBBBBQQIIIH", LOG_HEADER_ID, 3, 0, 17, 8, 1_700_000_000_000, 0, 10, 0, 1234, 0)
    for s in (args, "x86-64", "linux"):
        b = s.encode() + b"\0"
        h += struct.pack("<I", len(b)) + b
    return h


class _Buf:
    """One buffer: events relative to its own bases, as the profiler writes them."""

    def __init__(self, ptr_base: int, obj_base: int) -> None:
        self.ptr_base = ptr_base
        self.obj_base = obj_base >> 3
        self.data = bytearray()

    def event(self, byte: int, dt: int = 1) -> None:
        self.data.append(byte)
        self.data += uleb(dt)

    def ptr(self, p: int) -> None:
        self.data += sleb(p - self.ptr_base)

    def obj(self, a: int) -> None:
        self.data += sleb((a >> 3) - self.obj_base)

    def bytes(self, tid: int = 1) -> bytes:
        return struct.pack("<IIQQQQQ", BUF_ID, len(self.data), 1000, self.ptr_base, self.obj_base, tid, 0) + self.data


def write_mlpd(shots: list[tuple[list[FakeObject], list[tuple[int, int]]]], regions: list[FakeRegion],
               *, objects_per_buffer: int = 7, ptr_base: int = 0x5500_0000_0000,
               obj_base: int = 0x7F00_0000_0000) -> bytes:
    """Bytes of a file with one heap shot per entry of ``shots`` (objects, roots as (slot, object))."""
    out = bytearray(header())
    classes = sorted({o.cls for objs, _ in shots for o in objs})
    klass = {c: ptr_base + 0x1000 + 0x100 * i for i, c in enumerate(classes)}
    vtable = {c: ptr_base + 0x900000 + 0x80 * i for i, c in enumerate(classes)}
    b = _Buf(ptr_base, obj_base)
    for c in classes:
        b.event(0x02 | (2 << 4))  # TYPE_METADATA | TYPE_END_LOAD
        b.data.append(1)  # TYPE_CLASS
        b.ptr(klass[c])
        b.ptr(ptr_base)  # image
        b.data += c.encode() + b"\0"
        b.event(0x02 | (2 << 4))
        b.data.append(7)  # TYPE_VTABLE
        b.ptr(vtable[c])
        b.ptr(0)  # domain
        b.ptr(klass[c])
    for r in regions:
        b.event(0x06 | (4 << 4))  # HEAP_ROOT_REGISTER
        b.ptr(r.start)
        b.data += uleb(r.size)
        b.data.append(r.source)
        b.ptr(r.key)
        b.data += r.desc.encode() + b"\0"
    out += b.bytes()
    for objs, roots in shots:
        b = _Buf(ptr_base, obj_base)
        b.event(0x06)  # HEAP_START
        if roots:
            b.event(0x06 | (3 << 4))
            b.data += uleb(len(roots))
            for slot, o in roots:
                b.ptr(slot)
                b.obj(o)
        for i, o in enumerate(objs):
            if i and i % objects_per_buffer == 0:
                out += b.bytes()
                b = _Buf(ptr_base + 8 * i, obj_base - 16 * i)
            b.event(0x06 | (2 << 4))  # HEAP_OBJECT
            b.obj(o.addr)
            b.ptr(vtable[o.cls])
            b.data += uleb(o.size)
            b.data.append(0)  # generation
            b.data += uleb(len(o.refs))
            last = 0
            for off, tgt in o.refs:
                b.data += uleb(off - last)
                last = off
                b.obj(tgt)
        b.event(0x06 | (1 << 4))  # HEAP_END
        out += b.bytes()
    return bytes(out)
