"""Reader for the Mono log profiler's ``.mlpd`` files (heap shots only).

The format is described in ``mono/profiler/log.h`` of the Mono sources; this
module models the parts a heap shot needs, for the version Mono 6.8 writes
(log version 3.0, data version 17, also accepting 14-16 where the heap events
are the same):

* a file header, then buffers; each buffer header carries the bases that the
  events in it are relative to (``ptr_base`` for pointers, ``obj_base`` for
  object addresses, which are stored shifted right by 3);
* events: one byte (type in the low 4 bits, "extended info" in the high 4),
  a ULEB128 time delta, then fields (ULEB128/SLEB128 numbers, single bytes,
  NUL-terminated strings);
* heap shots: ``HEAP_START`` .. ``HEAP_END`` around ``HEAP_OBJECT`` events
  (object, vtable, size, generation, references) and ``HEAP_ROOT`` events
  (root slot address, object); root *kinds* come from ``HEAP_ROOT_REGISTER``
  events (address range, ``MonoGCRootSource``, key, description), which may
  be written long before the shot, so they are tracked over the whole file;
* class names come from metadata events: ``TYPE_CLASS`` (class pointer to
  name) and ``TYPE_VTABLE`` (vtable pointer to class pointer).

Why numpy: a heap shot is millions of small LEB128 numbers. Decoding them one
byte at a time in Python runs at a few MB/s; instead each buffer is split into
varint "tokens" at once (every byte below 0x80 ends one), their values are
computed with vectorised shifts, and runs of ``HEAP_OBJECT`` events are walked
token by token (each event's length follows from its reference count), with
all fields then gathered with array indexing. Only rare events (metadata,
roots, GC events) go through a general per-event path.

Corrupt or truncated input raises :class:`MlpdFormatError` with the byte
offset; what was read before it is kept on the exception (``partial``) and
:func:`read_mlpd` can return it instead with ``allow_partial=True``.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from typing import Callable, Iterator

import numpy as np

from callsite.heap.formats import HeapFormatError
from callsite.heap import native

LOG_HEADER_ID = 0x4D505A01
BUF_ID = 0x4D504C01
BUF_HEADER_SIZE = 48
SUPPORTED_DATA_VERSIONS = (14, 15, 16, 17)

# event types (low 4 bits)
TYPE_ALLOC, TYPE_GC, TYPE_METADATA, TYPE_METHOD, TYPE_EXCEPTION, TYPE_MONITOR, TYPE_HEAP, TYPE_SAMPLE, \
    TYPE_RUNTIME, TYPE_COVERAGE, TYPE_META = range(11)
# extended info for TYPE_HEAP (high 4 bits)
HEAP_START, HEAP_END, HEAP_OBJECT, HEAP_ROOT, HEAP_ROOT_REGISTER, HEAP_ROOT_UNREGISTER = range(6)
# metadata kinds
MD_CLASS, MD_IMAGE, MD_ASSEMBLY, MD_DOMAIN, MD_THREAD, MD_CONTEXT, MD_VTABLE = range(1, 8)
# extended info for TYPE_GC
GC_EVENT, GC_RESIZE, GC_MOVE, GC_HANDLE_CREATED, GC_HANDLE_DESTROYED, GC_HANDLE_CREATED_BT, \
    GC_HANDLE_DESTROYED_BT, GC_FINALIZE_START, GC_FINALIZE_END, GC_FINALIZE_OBJECT_START, \
    GC_FINALIZE_OBJECT_END = range(1, 12)

#: ``MonoGCRootSource`` values (mono/metadata/mono-gc.h) and the names we show.
ROOT_SOURCES: dict[int, str] = {
    0: "external",
    1: "stack",
    2: "finalizer-queue",
    3: "static",
    4: "thread-static",
    5: "context-static",
    6: "gc-handle",
    7: "jit",
    8: "threading",
    9: "domain",
    10: "reflection",
    11: "marshal",
    12: "thread-pool",
    13: "debugger",
    14: "handle",
    15: "ephemeron",
    16: "toggleref",
}

#: ``MonoGCHandleType`` values, for GC handle events (option ``gchandle``).
GC_HANDLE_TYPES = {0: "weak", 1: "weak-track-resurrection", 2: "normal", 3: "pinned"}

_OBJ_EVENT = TYPE_HEAP | (HEAP_OBJECT << 4)
_ROOT_EVENT = TYPE_HEAP | (HEAP_ROOT << 4)


class MlpdFormatError(HeapFormatError):
    """A corrupt, truncated or unsupported ``.mlpd`` file.

    ``offset`` is the byte offset in the file where reading failed;
    ``partial`` is the :class:`MlpdFile` with everything decoded before it
    (complete heap shots only), so callers can still use it.
    """

    FORMAT = "mlpd"


@dataclasses.dataclass
class MlpdHeader:
    """The file header: versions, pointer size, pid, command port, profiler args."""

    major: int
    minor: int
    data_version: int
    ptr_size: int
    startup_time_ms: int
    pid: int
    port: int
    args: str
    arch: str
    os: str
    size: int


@dataclasses.dataclass
class RootRegion:
    """A registered root region (``HEAP_ROOT_REGISTER``): roots whose slot lies in it have its kind."""

    start: int
    size: int
    source: int
    key: int
    description: str

    @property
    def kind(self) -> str:
        return ROOT_SOURCES.get(self.source, f"source-{self.source}")


@dataclasses.dataclass
class RawHeapShot:
    """One heap shot as written: parallel arrays, not yet an indexed graph.

    Objects may repeat (the format allows later records with size 0 that only
    add references); :class:`callsite.heap.snapshot.Snapshot` merges them.
    """

    index: int
    time_ns: int
    file_offset: int
    obj_addr: np.ndarray        # uint64, object address
    obj_vtable: np.ndarray      # uint64, MonoVTable* (data version >= 15) or MonoClass*
    obj_size: np.ndarray        # uint64, bytes (8-aligned by the profiler)
    obj_gen: np.ndarray         # uint8, GC generation (data version >= 16)
    ref_src: np.ndarray         # int64, index into the obj_* arrays of the referring object
    ref_dst: np.ndarray         # uint64, address of the referenced object
    ref_offset: np.ndarray      # uint64, byte offset of the reference field inside the referrer
    root_slot: np.ndarray       # uint64, address of the root slot
    root_obj: np.ndarray        # uint64, address of the object the root holds
    regions: list[RootRegion]   # root regions registered at the time of the shot
    end_offset: int = 0         # file offset of the HEAP_END event


@dataclasses.dataclass
class GCHandleEvent:
    """A GC handle creation or destruction (only with the profiler option ``gchandle``)."""

    created: bool
    handle_type: int
    handle: int
    obj_addr: int | None
    after_shot: int  # number of heap shots completed before this event


@dataclasses.dataclass
class MlpdFile:
    """Everything read from one file: header, heap shots and the metadata they need."""

    path: str
    header: MlpdHeader
    shots: list[RawHeapShot]
    class_names: dict[int, str]      # MonoClass* -> full name
    vtable_class: dict[int, int]     # MonoVTable* -> MonoClass*
    gc_handles: list[GCHandleEvent]
    bytes_read: int
    error: MlpdFormatError | None = None

    def class_name_of(self, vtable_or_class: int) -> str:
        """Name for a pointer from a heap object event (a vtable in v15+, a class before)."""
        klass = self.vtable_class.get(vtable_or_class, vtable_or_class)
        name = self.class_names.get(klass)
        return name if name is not None else f"<unknown class 0x{vtable_or_class:x}>"


class _Corrupt(Exception):
    """Internal: carries the byte offset of a decoding failure inside a buffer."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        self.message = message


_MASK64 = (1 << 64) - 1


def _tokenize(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split bytes into LEB128 tokens (each ends at a byte < 0x80): compiled where the
    native library is available (0.38 s against 1.37 s for the buffers of a 3M-object shot),
    else :func:`_tokenize_numpy`."""
    tokens = native.tokenize(data)
    return tokens if tokens is not None else _tokenize_numpy(data)


def _tokenize_numpy(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split bytes into LEB128 tokens (each ends at a byte < 0x80).

    Returns ``starts``, ``ends`` (byte index of first/last byte of each
    token), ``uval`` (unsigned value, uint64), ``sval`` (signed value, int64)
    and ``bad`` (token longer than 10 bytes, so not a valid 64-bit varint).
    Bytes after the last terminator are not part of any token.
    """
    term = data < 0x80
    ends = np.flatnonzero(term)
    ntok = len(ends)
    if ntok == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, bool)
    starts = np.empty(ntok, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lens = ends - starts + 1
    uval = (data[starts] & 0x7F).astype(np.uint64)
    # most tokens are 1-3 bytes: add the k-th byte only where tokens are that long
    sel = np.flatnonzero(lens > 1)
    k = 1
    while len(sel) and k < 10:
        uval[sel] |= (data[starts[sel] + k] & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        k += 1
        sel = sel[lens[sel] > k]
    bits = lens * 7
    neg = ((data[ends] & 0x40) != 0) & (bits < 64)
    sval = uval.view(np.int64).copy()
    if neg.any():
        sval[neg] -= (np.int64(1) << bits[neg].astype(np.int64))
    bad = lens > 10
    return starts, ends, uval, sval, bad


class _BufferReader:
    """Decodes the events of one buffer; state that spans buffers lives in the file reader."""

    def __init__(self, owner: "_FileReader", data: np.ndarray, raw: bytes, file_off: int,
                 time_base: int, ptr_base: int, obj_base: int, method_base: int) -> None:
        self.o = owner
        self.data = data
        self.raw = raw
        self.file_off = file_off
        self.time = time_base
        self.ptr_base = ptr_base
        self.obj_base = obj_base
        # The same bases as int64 two's complement, for vectorized sums that wrap
        # modulo 2**64 like the scalar path (a corrupt header can hold any value).
        self._ptr64 = np.int64(ptr_base - (1 << 64) if ptr_base >= 1 << 63 else ptr_base)
        self._obj64 = np.int64(obj_base - (1 << 64) if obj_base >= 1 << 63 else obj_base)
        self.starts, self.ends, self.uval, self.sval, self.bad = _tokenize(data)
        self.ntok = len(self.starts)
        self.lens1 = (self.ends == self.starts)
        self._chain_cache: tuple | None = None
        self.root_runs: list[tuple[int, int]] = []

    # -- helpers ---------------------------------------------------------
    def _off(self, t: int) -> int:
        if t < self.ntok:
            return self.file_off + int(self.starts[t])
        return self.file_off + len(self.raw)

    def _need(self, t: int, what: str) -> None:
        if t >= self.ntok:
            raise _Corrupt(self.file_off + len(self.raw), f"buffer ends inside {what}")
        if self.bad[t]:
            raise _Corrupt(self._off(t), f"varint longer than 10 bytes in {what}")

    def _u(self, t: int, what: str) -> int:
        self._need(t, what)
        return int(self.uval[t])

    def _s(self, t: int, what: str) -> int:
        self._need(t, what)
        return int(self.sval[t])

    def _byte(self, t: int, what: str) -> int:
        """A single-byte field; valid values we read this way are all < 0x80."""
        self._need(t, what)
        if not self.lens1[t]:
            raise _Corrupt(self._off(t), f"unexpected byte value in {what}")
        return int(self.uval[t])

    def _string(self, t: int, what: str) -> tuple[str, int]:
        if t >= self.ntok:
            raise _Corrupt(self.file_off + len(self.raw), f"buffer ends inside {what}")
        p = int(self.starts[t])
        nul = self.raw.find(b"\0", p)
        if nul < 0:
            raise _Corrupt(self.file_off + p, f"unterminated string in {what}")
        text = self.raw[p:nul].decode("utf-8", "replace")
        nxt = int(np.searchsorted(self.ends, nul)) + 1
        return text, nxt

    def _ptr(self, t: int, what: str) -> int:
        return (self.ptr_base + self._s(t, what)) & _MASK64

    def _obj(self, t: int, what: str) -> int:
        return ((self.obj_base + self._s(t, what)) << 3) & _MASK64

    def _skip_backtrace(self, t: int) -> int:
        n = self._u(t, "backtrace")
        if n > self.ntok:
            raise _Corrupt(self._off(t), "backtrace length past buffer end")
        end = t + 1 + n
        self._need(end - 1, "backtrace") if n else None
        return end

    # -- byte-wise decoding for rare events with raw (non-varint) fields ----
    def _bu(self, q: int, what: str) -> tuple[int, int]:
        raw = self.raw
        v = 0
        shift = 0
        while True:
            if q >= len(raw):
                raise _Corrupt(self.file_off + len(raw), f"buffer ends inside {what}")
            if shift >= 70:
                raise _Corrupt(self.file_off + q, f"varint longer than 10 bytes in {what}")
            b = raw[q]
            v |= (b & 0x7F) << shift
            shift += 7
            q += 1
            if b < 0x80:
                return v, q

    def _bstr(self, q: int, what: str) -> int:
        nul = self.raw.find(b"\0", q)
        if nul < 0:
            raise _Corrupt(self.file_off + q, f"unterminated string in {what}")
        return nul + 1

    def _token_at(self, q: int, what: str) -> int:
        """Token index starting exactly at byte ``q`` (after a byte-wise parsed event)."""
        if q >= len(self.raw):
            return self.ntok
        k = int(np.searchsorted(self.starts, q))
        if k >= self.ntok or int(self.starts[k]) != q:
            raise _Corrupt(self.file_off + q, f"misaligned data after {what}")
        return k

    def _counters(self, q: int, desc: bool) -> int:
        if desc:
            n, q = self._bu(q, "counter count")
            for _ in range(n):
                section, q = self._bu(q, "counter section")
                if section == 1 << 15:
                    q = self._bstr(q, "counter section name")
                q = self._bstr(q, "counter name")
                for what in ("type", "unit", "variance", "index"):
                    _, q = self._bu(q, f"counter {what}")
            return self._token_at(q, "counter descriptions")
        while True:
            index, q = self._bu(q, "counter index")
            if index == 0:
                return self._token_at(q, "counter samples")
            ctype, q = self._bu(q, "counter type")
            if ctype == 6:  # string
                if q >= len(self.raw):
                    raise _Corrupt(self.file_off + q, "buffer ends inside counter value")
                present = self.raw[q]
                q += 1
                if present:
                    q = self._bstr(q, "counter value")
            elif ctype == 5:  # double: 8 raw bytes
                q += 8
                if q > len(self.raw):
                    raise _Corrupt(self.file_off + len(self.raw), "buffer ends inside counter value")
            else:
                _, q = self._bu(q, "counter value")

    def _flush_roots(self) -> None:
        """Gather the roots of the HEAP_ROOT events seen so far in this buffer (vectorised)."""
        root_runs = self.root_runs
        if not root_runs:
            return
        sl = np.concatenate([np.arange(a, b, 2) for a, b in root_runs])
        root_runs.clear()
        if self.bad[sl].any() or self.bad[sl + 1].any():
            raise _Corrupt(self._off(int(sl[0])), "varint longer than 10 bytes in heap root event")
        slots = (self.sval[sl] + self._ptr64).astype(np.uint64)
        objs = (self.sval[sl + 1] + self._obj64).astype(np.uint64) << np.uint64(3)
        self.o.add_roots(slots, objs)

    # -- main loop -------------------------------------------------------
    def run(self) -> None:
        t = 0
        ntok = self.ntok
        o = self.o
        root_runs = self.root_runs
        while t < ntok:
            b0 = self.raw[self.starts[t]]
            if b0 == _OBJ_EVENT and o.in_shot and self.lens1[t]:
                t = self._object_run(t)
                continue
            if b0 == _ROOT_EVENT and self.lens1[t] and t + 2 < ntok and not self.bad[t + 2]:
                n = int(self.uval[t + 2])
                end = t + 3 + 2 * n
                if end > ntok:
                    raise _Corrupt(self._off(t), "buffer ends inside a heap root event")
                self.time += int(self.uval[t + 1])
                if n:
                    root_runs.append((t + 3, end))
                t = end
                continue
            t = self._event(t)
        self._flush_roots()
        used = int(self.ends[-1]) + 1 if ntok else 0
        if used != len(self.raw):
            raise _Corrupt(self.file_off + used, "buffer ends inside a varint")

    def _object_run(self, t0: int) -> int:
        """Decode a run of consecutive HEAP_OBJECT events starting at token ``t0``.

        Layout in tokens: event, time, obj, vtable, size, [generation,] num,
        then (offset, ref) pairs. With the generation byte (v16+) an event
        with ``n`` refs is ``7 + 2n`` tokens long.
        """
        o = self.o
        hdr = 7 if o.has_generation else 6
        ntok = self.ntok
        num_at = hdr - 1
        if self._chain_cache is None:
            # computed once per buffer: every token that could start a heap object event
            # (false positives are data tokens equal to the event byte), where the next
            # event would start, and which candidate that is
            cand = np.flatnonzero(self.lens1 & (self.uval == _OBJ_EVENT))
            look = np.minimum(cand + num_at, ntok - 1)
            nref_c = np.minimum(self.uval[look], np.uint64(ntok)).astype(np.int64)
            nxt_c = np.minimum(cand + hdr + 2 * nref_c, ntok)
            jump = np.searchsorted(cand, nxt_c)
            exact = jump < len(cand)
            exact[exact] = cand[jump[exact]] == nxt_c[exact]
            jump = np.where(exact, jump, -1)
            breaks = np.flatnonzero(jump != np.arange(1, len(cand) + 1))
            self._chain_cache = (cand, jump, breaks)
        cand, jump, breaks = self._chain_cache
        # follow the chain: consecutive candidates except where a false positive
        # (or the end of the run) breaks it; one Python step per break
        cur = int(np.searchsorted(cand, t0))
        segs = []
        while True:
            k = int(breaks[np.searchsorted(breaks, cur)])
            segs.append(np.arange(cur, k + 1))
            j = int(jump[k])
            if j < 0:
                break
            cur = j
        chain = cand[np.concatenate(segs)] if len(segs) > 1 else cand[segs[0]]
        ev = chain
        look = np.minimum(ev + num_at, ntok - 1)
        n = np.minimum(self.uval[look], np.uint64(ntok)).astype(np.int64)
        last = int(ev[-1])
        n_last = int(n[-1])
        end_last = last + hdr + 2 * n_last
        if last + num_at >= ntok or end_last > ntok:
            raise _Corrupt(self._off(last), "buffer ends inside a heap object event")
        if self.bad[last:end_last].any() or self.bad[ev + 1].any():
            bad_t = last + int(np.argmax(self.bad[last:end_last])) if self.bad[last:end_last].any() else int(ev[np.argmax(self.bad[ev + 1])]) + 1
            raise _Corrupt(self._off(bad_t), "varint longer than 10 bytes in heap object event")
        fields = ev[:, None] + np.arange(1, hdr)[None, :]
        if self.bad[fields].any():
            bad_t = int(fields.ravel()[np.argmax(self.bad[fields].ravel())])
            raise _Corrupt(self._off(bad_t), "varint longer than 10 bytes in heap object event")
        self.time += int(self.uval[ev + 1].sum(dtype=np.uint64))
        addr = ((self.sval[ev + 2] + self._obj64).astype(np.uint64) << np.uint64(3))
        vt = (self.sval[ev + 3] + self._ptr64).astype(np.uint64)
        size = self.uval[ev + 4]
        if o.has_generation:
            gen = self.uval[ev + 5].astype(np.uint8)
        else:
            gen = np.zeros(len(ev), np.uint8)
        total = int(n.sum())
        if total:
            rep_ev = np.repeat(ev, n)
            within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
            off_t = rep_ev + hdr + 2 * within
            ref_t = off_t + 1
            if self.bad[ref_t].any() or self.bad[off_t].any():
                raise _Corrupt(self._off(int(ev[0])), "varint longer than 10 bytes in heap references")
            dst = ((self.sval[ref_t] + self._obj64).astype(np.uint64) << np.uint64(3))
            # offsets are deltas from the previous reference's offset within each object
            deltas = self.uval[off_t]
            cs = np.cumsum(deltas, dtype=np.uint64)
            has = n > 0
            first = (np.cumsum(n) - n)[has]
            base = np.repeat(cs[first] - deltas[first], n[has])
            offs = cs - base
            src_local = np.repeat(np.arange(len(ev), dtype=np.int64), n)
        else:
            dst = np.zeros(0, np.uint64)
            offs = np.zeros(0, np.uint64)
            src_local = np.zeros(0, np.int64)
        o.add_objects(addr, vt, size, gen, src_local, dst, offs)
        return end_last

    def _event(self, t: int) -> int:
        o = self.o
        p = int(self.starts[t])
        evbyte = self.raw[p]
        etype = evbyte & 0x0F
        ext = evbyte >> 4
        # time delta: the rest of this token if the event byte is >= 0x80, else the next token
        if self.lens1[t]:
            self.time += self._u(t + 1, "event time")
            f = t + 2
        else:
            self._need(t, "event time")
            e = int(self.ends[t])
            v = 0
            for i, b in enumerate(self.raw[p + 1:e + 1]):
                v |= (b & 0x7F) << (7 * i)
            self.time += v
            f = t + 1
        if etype == TYPE_HEAP:
            if ext == HEAP_START:
                self._flush_roots()
                o.start_shot(self.time, self._off(t))
                return f
            if ext == HEAP_END:
                self._flush_roots()
                o.end_shot(self._off(t))
                return f
            if ext == HEAP_OBJECT:
                # only reached outside a heap shot (inside, _object_run handles it)
                hdr = 7 if o.has_generation else 6
                n = self._u(f + hdr - 2, "heap object")
                end = f + hdr - 1 + 2 * n
                if end > self.ntok:
                    raise _Corrupt(self._off(t), "buffer ends inside a heap object event")
                o.stray_objects += 1
                return end
            if ext == HEAP_ROOT:
                n = self._u(f, "heap root count")
                end = f + 1 + 2 * n
                if end > self.ntok:
                    raise _Corrupt(self._off(t), "buffer ends inside a heap root event")
                if n:
                    sl = np.arange(f + 1, end, 2)
                    if self.bad[f + 1:end].any():
                        raise _Corrupt(self._off(t), "varint longer than 10 bytes in heap root event")
                    slots = (self.sval[sl] + self._ptr64).astype(np.uint64)
                    objs = (self.sval[sl + 1] + self._obj64).astype(np.uint64) << np.uint64(3)
                    o.add_roots(slots, objs)
                return end
            if ext == HEAP_ROOT_REGISTER:
                start = self._ptr(f, "root register start")
                size = self._u(f + 1, "root register size")
                source = self._byte(f + 2, "root register source")
                key = self._ptr(f + 3, "root register key")
                desc, nxt = self._string(f + 4, "root register description")
                o.register_root(RootRegion(start, size, source, key, desc))
                return nxt
            if ext == HEAP_ROOT_UNREGISTER:
                o.unregister_root(self._ptr(f, "root unregister start"))
                return f + 1
            raise _Corrupt(self._off(t), f"unknown heap event 0x{evbyte:02x}")
        if etype == TYPE_METADATA:
            mtype = self._byte(f, "metadata type")
            ptr = self._ptr(f + 1, "metadata pointer")
            g = f + 2
            if mtype == MD_CLASS:
                g += 1  # image
                name, g = self._string(g, "class name")
                o.class_names[ptr] = name
                return g
            if mtype == MD_IMAGE:
                if ext in (0, 2, 4):  # load and unload carry the name; the load also the mvid in v16+
                    _, g = self._string(g, "image name")
                    if o.data_version >= 16 and ext != 4:
                        _, g = self._string(g, "image mvid")
                return g
            if mtype == MD_ASSEMBLY:
                if ext in (0, 2, 4):  # load and unload (an unloaded AppDomain) alike
                    if o.data_version >= 14:
                        g += 1
                    _, g = self._string(g, "assembly name")
                return g
            if mtype == MD_DOMAIN:
                if ext == 0:
                    _, g = self._string(g, "domain name")
                return g
            if mtype == MD_CONTEXT:
                return g + 1
            if mtype == MD_THREAD:
                if ext == 0:
                    _, g = self._string(g, "thread name")
                return g
            if mtype == MD_VTABLE:
                self._need(g + 1, "vtable event")
                klass = self._ptr(g + 1, "vtable class")
                o.vtable_class[ptr] = klass
                return g + 2
            raise _Corrupt(self._off(f), f"unknown metadata type {mtype}")
        if etype == TYPE_GC:
            if ext == GC_EVENT:
                self._need(f + 1, "gc event")
                return f + 2
            if ext == GC_RESIZE:
                self._need(f, "gc resize")
                return f + 1
            if ext == GC_MOVE:
                n = self._u(f, "gc move count")
                if f + 1 + n > self.ntok:
                    raise _Corrupt(self._off(t), "buffer ends inside a gc move event")
                return f + 1 + n
            if ext in (GC_HANDLE_CREATED, GC_HANDLE_CREATED_BT):
                htype = self._u(f, "gc handle type")
                handle = self._u(f + 1, "gc handle")
                obj = self._obj(f + 2, "gc handle object")
                o.gc_handles.append(GCHandleEvent(True, htype, handle, obj, len(o.shots)))
                g = f + 3
                return self._skip_backtrace(g) if ext == GC_HANDLE_CREATED_BT else g
            if ext in (GC_HANDLE_DESTROYED, GC_HANDLE_DESTROYED_BT):
                htype = self._u(f, "gc handle type")
                handle = self._u(f + 1, "gc handle")
                o.gc_handles.append(GCHandleEvent(False, htype, handle, None, len(o.shots)))
                g = f + 2
                return self._skip_backtrace(g) if ext == GC_HANDLE_DESTROYED_BT else g
            if ext in (GC_FINALIZE_START, GC_FINALIZE_END):
                return f
            if ext in (GC_FINALIZE_OBJECT_START, GC_FINALIZE_OBJECT_END):
                self._need(f, "finalize object")
                return f + 1
            raise _Corrupt(self._off(t), f"unknown gc event 0x{evbyte:02x}")
        if etype == TYPE_ALLOC:
            self._need(f + 2, "alloc event")
            return self._skip_backtrace(f + 3) if ext & 1 else f + 3
        if etype == TYPE_METHOD:
            if ext == 4:  # JIT
                self._need(f + 2, "jit event")
                _, g = self._string(f + 3, "method name")
                return g
            if ext in (1, 2, 3):
                self._need(f, "method event")
                return f + 1
            raise _Corrupt(self._off(t), f"unknown method event 0x{evbyte:02x}")
        if etype == TYPE_EXCEPTION:
            if ext & 0x7 == 1:  # clause
                self._need(f + 3, "exception clause")
                return f + 4
            self._need(f, "exception")
            return self._skip_backtrace(f + 1) if evbyte & 0x80 else f + 1
        if etype == TYPE_MONITOR:
            self._need(f + 1, "monitor event")
            return self._skip_backtrace(f + 2) if evbyte & 0x80 else f + 2
        if etype == TYPE_META:
            if ext == 0:  # sync point
                self._need(f, "sync point")
                return f + 1
            if ext == 1:  # AOT id
                _, g = self._string(f, "aot id")
                return g
            raise _Corrupt(self._off(t), f"unknown meta event 0x{evbyte:02x}")
        if etype == TYPE_RUNTIME:
            if ext == 1:
                kind = self._byte(f, "code buffer type")
                self._need(f + 2, "code buffer")
                g = f + 3
                if kind == o.specific_trampoline_kind:
                    _, g = self._string(g, "trampoline name")
                return g
            raise _Corrupt(self._off(t), f"unknown runtime event 0x{evbyte:02x}")
        if etype == TYPE_SAMPLE:
            if ext == 1:  # usym
                self._need(f + 1, "usym")
                _, g = self._string(f + 2, "symbol name")
                return g
            if ext == 0:  # hit
                n = self._u(f + 1, "sample ips")
                g = f + 2 + n
                m = self._u(g, "sample frames")
                g = g + 1 + m
                if g > self.ntok:
                    raise _Corrupt(self._off(t), "buffer ends inside a sample")
                return g
            if ext in (3, 4):  # counter descriptions / counter samples: parsed byte-wise
                return self._counters(int(self.starts[f]) if f < self.ntok else len(self.raw), ext == 3)
            raise _Corrupt(self._off(t), f"unsupported sample event 0x{evbyte:02x}")
        raise _Corrupt(self._off(t), f"unknown event byte 0x{evbyte:02x}")


class _FileReader:
    """File-level state: open heap shot, registered root regions, metadata."""

    def __init__(self, path: str, raw: bytes) -> None:
        self.path = path
        self.raw = raw
        self.shots: list[RawHeapShot] = []
        self.class_names: dict[int, str] = {}
        self.vtable_class: dict[int, int] = {}
        self.gc_handles: list[GCHandleEvent] = []
        self.regions: dict[int, RootRegion] = {}
        self.in_shot = False
        self.stray_objects = 0
        self.data_version = 17
        self.has_generation = True
        # MonoProfilerCodeBufferType: SPECIFIC_TRAMPOLINE was renumbered in v14
        self.specific_trampoline_kind = 3
        self._reset_shot()

    def _reset_shot(self) -> None:
        self._objs: list[tuple] = []
        self._n_objs = 0
        self._roots: list[tuple[np.ndarray, np.ndarray]] = []
        self._shot_time = 0
        self._shot_off = 0

    def start_shot(self, time_ns: int, off: int) -> None:
        self._reset_shot()
        self.in_shot = True
        self._shot_time = time_ns
        self._shot_off = off

    def add_objects(self, addr, vt, size, gen, src_local, dst, offs) -> None:
        self._objs.append((addr, vt, size, gen, src_local + self._n_objs, dst, offs))
        self._n_objs += len(addr)

    def add_roots(self, slots: np.ndarray, objs: np.ndarray) -> None:
        if self.in_shot:
            self._roots.append((slots, objs))

    def register_root(self, region: RootRegion) -> None:
        self.regions[region.start] = region

    def unregister_root(self, start: int) -> None:
        self.regions.pop(start, None)

    def end_shot(self, off: int) -> None:
        if not self.in_shot:
            return
        cat = (lambda i, dt: np.concatenate([x[i] for x in self._objs]) if self._objs else np.zeros(0, dt))
        shot = RawHeapShot(
            index=len(self.shots), time_ns=self._shot_time, file_offset=self._shot_off,
            obj_addr=cat(0, np.uint64), obj_vtable=cat(1, np.uint64), obj_size=cat(2, np.uint64),
            obj_gen=cat(3, np.uint8), ref_src=cat(4, np.int64), ref_dst=cat(5, np.uint64),
            ref_offset=cat(6, np.uint64),
            root_slot=np.concatenate([r[0] for r in self._roots]) if self._roots else np.zeros(0, np.uint64),
            root_obj=np.concatenate([r[1] for r in self._roots]) if self._roots else np.zeros(0, np.uint64),
            regions=list(self.regions.values()), end_offset=off,
        )
        self.shots.append(shot)
        self.in_shot = False
        self._reset_shot()

    def result(self, header: MlpdHeader, nread: int, error: MlpdFormatError | None = None) -> MlpdFile:
        return MlpdFile(self.path, header, list(self.shots), dict(self.class_names), dict(self.vtable_class),
                        list(self.gc_handles), nread, error)


def _read_header(path: str, raw: bytes) -> MlpdHeader:
    def need(n: int, at: int, what: str) -> None:
        if at + n > len(raw):
            raise MlpdFormatError(path, at, f"file ends inside the header ({what})")

    need(8, 0, "magic")
    magic, major, minor, data_version, ptr_size = struct.unpack_from("<IBBBB", raw, 0)
    if magic != LOG_HEADER_ID:
        raise MlpdFormatError(path, 0, f"not a Mono log profiler file (magic 0x{magic:08x})")
    if data_version not in SUPPORTED_DATA_VERSIONS:
        raise MlpdFormatError(path, 6, f"unsupported data version {data_version} (supported: {SUPPORTED_DATA_VERSIONS})")
    if ptr_size != 8:
        raise MlpdFormatError(path, 7, f"unsupported pointer size {ptr_size}")
    p = 8
    need(8, p, "startup time")
    (startup_ms,) = struct.unpack_from("<Q", raw, p)
    p += 8
    if major >= 3:
        need(8, p, "ns startup time")
        p += 8
    need(14, p, "timer, flags, pid, port")
    _timer, _flags, pid, port = struct.unpack_from("<IIIH", raw, p)
    p += 14
    strings = []
    for what in ("args", "arch", "os"):
        need(4, p, what)
        (n,) = struct.unpack_from("<I", raw, p)
        p += 4
        need(n, p, what)
        strings.append(raw[p:p + n].rstrip(b"\0").decode("utf-8", "replace"))
        p += n
    return MlpdHeader(major, minor, data_version, ptr_size, startup_ms, pid, port, *strings, size=p)


def iter_buffers(raw: bytes, start: int) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """Yield (offset of buffer data, length, (time_base, ptr_base, obj_base, tid, method_base))."""
    p = start
    n = len(raw)
    while p < n:
        if p + BUF_HEADER_SIZE > n:
            raise _Corrupt(p, "file ends inside a buffer header")
        bufid, length = struct.unpack_from("<II", raw, p)
        if bufid != BUF_ID:
            raise _Corrupt(p, f"bad buffer magic 0x{bufid:08x}")
        bases = struct.unpack_from("<QQQQQ", raw, p + 8)
        if p + BUF_HEADER_SIZE + length > n:
            raise _Corrupt(n, f"file ends inside a buffer ({length} bytes announced at offset {p})")
        yield p + BUF_HEADER_SIZE, length, bases
        p += BUF_HEADER_SIZE + length


def read_mlpd(path: str | os.PathLike, *, allow_partial: bool = False,
              progress: Callable[[int], None] | None = None) -> MlpdFile:
    """Read all heap shots (and the class names and root regions they need) from an ``.mlpd`` file.

    With ``allow_partial`` a corrupt or truncated file returns what was read
    before the damage (complete heap shots only) with ``.error`` set;
    otherwise :class:`MlpdFormatError` is raised, carrying the same partial
    result as ``.partial``. ``progress`` is called with bytes consumed per
    buffer (for progress bars on large files).
    """
    from callsite.heap.formats import read_bytes

    path = os.fspath(path)
    return parse_mlpd(read_bytes(path), path=path, allow_partial=allow_partial, progress=progress)


def parse_mlpd(raw: bytes, *, path: str = "<bytes>", allow_partial: bool = False,
               progress: Callable[[int], None] | None = None) -> MlpdFile:
    """Like :func:`read_mlpd` on bytes already in memory (used by the fuzz tests)."""
    header = _read_header(path, raw)
    fr = _FileReader(path, raw)
    fr.data_version = header.data_version
    fr.has_generation = header.data_version >= 16
    fr.specific_trampoline_kind = 3 if header.data_version >= 14 else 4
    arr = np.frombuffer(raw, dtype=np.uint8)
    last = header.size
    try:
        for off, length, bases in iter_buffers(raw, header.size):
            time_base, ptr_base, obj_base, _tid, method_base = bases
            br = _BufferReader(fr, arr[off:off + length], raw[off:off + length], off,
                               time_base, ptr_base, obj_base, method_base)
            br.run()
            last = off + length
            if progress is not None:
                progress(length + BUF_HEADER_SIZE)
    except _Corrupt as exc:
        err = MlpdFormatError(path, exc.offset, exc.message)
        err.partial = fr.result(header, last, err)
        if allow_partial:
            return err.partial
        raise err from None
    return fr.result(header, len(raw))
