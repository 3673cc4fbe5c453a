"""Reader for EventPipe ``.nettrace`` streams holding CoreCLR / .NET GC heap dumps.

A heap dump on CoreCLR is a run of bulk events that the runtime emits during
an induced full collection when ``Microsoft-Windows-DotNETRuntime`` is enabled
with the heap-dump keywords (``dotnet-gcdump``'s 0x1980001, verbose level).
The stream format itself is :mod:`callsite.heap.eventpipe_stream`; this
module turns each dump in it into the same :class:`~callsite.heap.mlpd.RawHeapShot`
the Mono reader produces, so :class:`~callsite.heap.snapshot.Snapshot` and every
analysis read both alike. The events (ids from the runtime's manifest ``ClrEtwAll.man``):
  ``GCStart`` (1) .. ``GCEnd`` (2) bracket one collection; within it
  ``GCBulkType`` (15) names types, ``GCBulkNode`` (18) lists objects
  (address, size, type id, number of references), ``GCBulkEdge`` (19) the
  references of those objects in the same order, ``GCBulkRootEdge`` (16) the
  roots (kind and flags: stack, finalizer queue, handle — pinned, weak,
  strong; weak handles are kept apart, not as roots, as Mono's shots have
  them), ``GCBulkRootConditionalWeakTableElementEdge`` (17) key -> value
  links of ``ConditionalWeakTable`` entries and ``GCBulkRootStaticVar`` (38)
  static fields (when the runtime reports them); ``GCSuspendEEBegin`` (9) and
  ``GCRestartEEEnd`` (3) give the pause the dump cost.

Bulk payloads are fixed-size records after a small header, so they are read
with ``numpy.frombuffer`` straight out of the file (no per-object Python).

A file may hold several streams back to back (what ``--heapshots`` writes
for coreclr and net8: one stream per named point) and each stream any number
of dumps; shots are numbered in file order. Root kinds become synthetic root
regions (one per kind; a root's slot is ``kind << 56 | root id``) so the
Mono-oriented :class:`Snapshot` classifies them unchanged. Generations come
from ``GCGenerationRange`` events when the session also had the
GCHeapSurvivalAndMovement keyword (dlrsim's own sessions do); EventPipe dumps
carry no field offsets (a reference's "offset" is the runtime's field id, 0 today).

Damaged or truncated input raises :class:`NettraceFormatError` with the byte
offset; complete shots read before it are kept (``partial``), and
``allow_partial=True`` returns them instead.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from typing import Callable

import numpy as np

from callsite.heap.eventpipe_stream import Corrupt as _Corrupt
from callsite.heap.eventpipe_stream import Event as _Event
from callsite.heap.eventpipe_stream import StreamReader, utf16z as _utf16z
from callsite.heap.formats import HeapFormatError
from callsite.heap.mlpd import RawHeapShot, RootRegion

RUNTIME_PROVIDER = "Microsoft-Windows-DotNETRuntime"

# event ids of Microsoft-Windows-DotNETRuntime (ClrEtwAll.man)
EV_GC_START, EV_GC_END, EV_RESTART_EE_END, EV_HEAP_STATS = 1, 2, 3, 4
EV_SUSPEND_EE_BEGIN = 9
EV_BULK_TYPE, EV_BULK_ROOT_EDGE, EV_BULK_CWT_EDGE, EV_BULK_NODE, EV_BULK_EDGE = 15, 16, 17, 18, 19
EV_BULK_STATIC_VAR = 38
EV_GENERATION_RANGE = 23  # only with the GCHeapSurvivalAndMovement keyword (0x400000)
_WANTED = {EV_GENERATION_RANGE, EV_GC_START, EV_GC_END, EV_RESTART_EE_END, EV_HEAP_STATS, EV_SUSPEND_EE_BEGIN,
           EV_BULK_TYPE, EV_BULK_ROOT_EDGE, EV_BULK_CWT_EDGE, EV_BULK_NODE, EV_BULK_EDGE, EV_BULK_STATIC_VAR}

# record layouts after each bulk event's header (Index u32, Count u32, ClrInstanceID u16)
BULK_HEADER = struct.Struct("<IIH")
NODE = np.dtype([("addr", "<u8"), ("size", "<u8"), ("type", "<u8"), ("edges", "<u8")])
EDGE = np.dtype([("target", "<u8"), ("field", "<u4")])
ROOT = np.dtype([("obj", "<u8"), ("kind", "u1"), ("flags", "<u4"), ("id", "<u8")])
CWT = np.dtype([("key", "<u8"), ("value", "<u8"), ("id", "<u8")])

# GCRootKind and GCRootFlags (ClrEtwAll.man maps)
ROOT_STACK, ROOT_FINALIZER, ROOT_HANDLE, ROOT_OLDER, ROOT_SIZEDREF, ROOT_OVERFLOW, ROOT_DEPENDENT, \
    ROOT_NEW_FQ, ROOT_STEAL, ROOT_BGC = range(10)
FLAG_PINNING, FLAG_WEAK, FLAG_INTERIOR, FLAG_REFCOUNTED = 1, 2, 4, 8

#: synthetic root regions: (source code of :data:`callsite.heap.mlpd.ROOT_SOURCES`, description)
ROOT_REGIONS: dict[str, tuple[int, str]] = {
    "stack": (1, "stack"),
    "finalizer-queue": (2, "finalizer queue"),
    "static": (3, "static field"),
    "handle-strong": (6, "normal (strong) handle"),
    "handle-pinned": (6, "pinned handle"),
    "handle-weak": (6, "weak handle"),
    "handle-refcounted": (6, "ref-counted handle"),
    "dependent-handle": (15, "dependent handle (ConditionalWeakTable)"),
    "other": (0, "other"),
}
_REGION_CODE = {k: i + 1 for i, k in enumerate(ROOT_REGIONS)}
REGION_SHIFT = 56
TYPE_TAG_SHIFT = 52
_TYPE_ID_MASK = (1 << TYPE_TAG_SHIFT) - 1
_ID_MASK = np.uint64((1 << REGION_SHIFT) - 1)


class NettraceFormatError(HeapFormatError):
    """A corrupt, truncated or unsupported nettrace stream (``offset``: byte offset in the file)."""

    FORMAT = "nettrace"


@dataclasses.dataclass
class NettraceHeader:
    """What the ``Trace`` objects say: version, pid, pointer size; ``streams``: how many streams."""

    data_version: int
    pid: int
    pointer_size: int
    qpc_frequency: int
    streams: int
    args: str = "nettrace"


@dataclasses.dataclass
class EventPipeHeapShot(RawHeapShot):
    """A heap dump from EventPipe: the Mono shot's arrays plus what the GC events say about it."""

    gc_number: int = 0                 # the runtime's collection count (GCStart's Count)
    pause_ns: int = 0                  # execution engine suspended .. restarted around the dump
    gc_ns: int = 0                     # GCStart .. GCEnd
    heap_stats: dict = dataclasses.field(default_factory=dict)  # GCHeapStats: generation sizes
    #: objects that weak GC handles point to: not roots (as on Mono), kept for counting
    weak_handle_obj: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.uint64))


@dataclasses.dataclass
class HeapDumpFile:
    """Everything read from a nettrace file; the same surface as :class:`~callsite.heap.mlpd.MlpdFile`."""

    path: str
    header: NettraceHeader
    shots: list[EventPipeHeapShot]
    class_names: dict[int, str]
    vtable_class: dict[int, int]
    gc_handles: list
    bytes_read: int
    error: NettraceFormatError | None = None
    format: str = "nettrace"

    def class_name_of(self, type_id: int) -> str:
        name = self.class_names.get(type_id)
        return name if name else f"<unknown type 0x{type_id & _TYPE_ID_MASK:x}>"


# --------------------------------------------------------------------------- heap dumps
def _bulk(raw: bytes, ev: _Event, dtype: np.dtype, what: str) -> tuple[int, np.ndarray]:
    """(Index, records) of a fixed-record bulk event, checking that the count fits the payload."""
    if ev.size < BULK_HEADER.size:
        raise _Corrupt(ev.offset, f"{what} event too small")
    index, count, _ = BULK_HEADER.unpack_from(raw, ev.offset)
    if BULK_HEADER.size + count * dtype.itemsize > ev.size:
        raise _Corrupt(ev.offset, f"{what} event announces {count} records but holds {ev.size} bytes")
    return index, np.frombuffer(raw, dtype, count, ev.offset + BULK_HEADER.size)


def _types(raw: bytes, ev: _Event, names: dict[int, str], tag: int) -> None:
    end = ev.offset + ev.size
    if ev.size < 6:
        raise _Corrupt(ev.offset, "GCBulkType event too small")
    (count,) = struct.unpack_from("<I", raw, ev.offset)
    p = ev.offset + 6
    for _ in range(count):
        if p + 25 > end:
            raise _Corrupt(p, "GCBulkType event ends inside a type record")
        (type_id,) = struct.unpack_from("<Q", raw, p)
        name, p = _utf16z(raw, p + 25, end)
        if p + 4 > end:
            raise _Corrupt(p, "GCBulkType event ends before a type's parameter count")
        (npar,) = struct.unpack_from("<I", raw, p)
        p += 4 + 8 * npar
        if p > end:
            raise _Corrupt(end, "GCBulkType event ends inside a type's parameters")
        names[type_id | tag] = mono_style_name(name)


def mono_style_name(name: str) -> str:
    """``Dictionary`2[System.String,System.Object]`` -> ``Dictionary<System.String,System.Object>``.

    The runtime writes generic instantiations with the arity and square
    brackets; Mono's profiler (and C#) use angle brackets. One spelling for
    both runtimes keeps ``Snapshot.find("Func<")`` and the diffs of shots
    from either runtime comparable. Array brackets (``[]``, ``[,]``) stay.
    """
    if "[" not in name:
        return name
    out: list[str] = []
    stack: list[bool] = []  # True: a generic argument list
    i, n = 0, len(name)
    while i < n:
        c = name[i]
        if c == "`":
            j = i + 1
            while j < n and name[j].isdigit():
                j += 1
            if j < n and name[j] == "[" and j > i + 1:
                i = j
                continue
            out.append(c)
        elif c == "[":
            generic = i + 1 < n and name[i + 1] not in "],*"
            stack.append(generic)
            out.append("<" if generic else "[")
        elif c == "]":
            out.append(">" if (stack.pop() if stack else False) else "]")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _static_vars(raw: bytes, ev: _Event) -> list[tuple[int, int, int, str]]:
    """(root id, object, type id, field name) of each static field in a GCBulkRootStaticVar event."""
    end = ev.offset + ev.size
    if ev.size < 14:
        raise _Corrupt(ev.offset, "GCBulkRootStaticVar event too small")
    (count,) = struct.unpack_from("<I", raw, ev.offset)
    p = ev.offset + 14
    out = []
    for _ in range(count):
        if p + 28 > end:
            raise _Corrupt(p, "GCBulkRootStaticVar event ends inside a record")
        rid, obj, tid, _flags = struct.unpack_from("<QQQI", raw, p)
        name, p = _utf16z(raw, p + 28, end)
        out.append((rid, obj, tid, name))
    return out


def _ordered(raw: bytes, evs: list[_Event], dtype: np.dtype, what: str) -> np.ndarray:
    parts = sorted((_bulk(raw, e, dtype, what) for e in evs), key=lambda x: x[0])
    return np.concatenate([a for _, a in parts]) if parts else np.zeros(0, dtype)


def _root_region_of(kind: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Synthetic region code per root (see :data:`ROOT_REGIONS`)."""
    code = np.full(len(kind), _REGION_CODE["other"], np.uint64)
    code[kind == ROOT_STACK] = _REGION_CODE["stack"]
    code[(kind == ROOT_FINALIZER) | (kind == ROOT_NEW_FQ)] = _REGION_CODE["finalizer-queue"]
    handle = (kind == ROOT_HANDLE) | (kind == ROOT_SIZEDREF)
    code[handle] = _REGION_CODE["handle-strong"]
    code[handle & ((flags & FLAG_REFCOUNTED) != 0)] = _REGION_CODE["handle-refcounted"]
    code[handle & ((flags & FLAG_WEAK) != 0)] = _REGION_CODE["handle-weak"]
    code[handle & ((flags & FLAG_PINNING) != 0)] = _REGION_CODE["handle-pinned"]
    code[kind == ROOT_DEPENDENT] = _REGION_CODE["dependent-handle"]
    return code


def _regions(statics: list[tuple[int, int, int, str]]) -> list[RootRegion]:
    out = [RootRegion(code << REGION_SHIFT, 1 << REGION_SHIFT, ROOT_REGIONS[k][0], 0, ROOT_REGIONS[k][1])
           for k, code in _REGION_CODE.items() if k != "static"]
    base = _REGION_CODE["static"] << REGION_SHIFT
    seen = set()
    for rid, _obj, _tid, name in statics:  # one region per static field, so each root says its field
        slot = base | (rid & int(_ID_MASK))
        if slot not in seen:
            seen.add(slot)
            out.append(RootRegion(slot, 1, ROOT_REGIONS["static"][0], 0, f"static field {name}"))
    return out


class _Dump:
    """The events of one collection (GCStart .. GCEnd) of one stream."""

    def __init__(self, start: _Event) -> None:
        self.start = start
        self.end: _Event | None = None
        self.events: dict[int, list[_Event]] = {}

    def add(self, ev: _Event) -> None:
        self.events.setdefault(ev.event_id, []).append(ev)


def _dumps(events: list[_Event]) -> list[_Dump]:
    """Group a stream's events by collection, by time (threads' buffers interleave in the file)."""
    gcs: list[_Dump] = []
    for ev in sorted((e for e in events if e.event_id == EV_GC_START), key=lambda e: e.time):
        gcs.append(_Dump(ev))
    ends = sorted((e for e in events if e.event_id == EV_GC_END), key=lambda e: e.time)
    starts = np.array([g.start.time for g in gcs], dtype=np.int64)
    for ev in ends:
        i = int(np.searchsorted(starts, ev.time, side="right")) - 1
        if i >= 0 and gcs[i].end is None:
            gcs[i].end = ev
    for ev in events:
        if ev.event_id in (EV_GC_START, EV_GC_END, EV_BULK_TYPE):
            continue
        if ev.event_id == EV_SUSPEND_EE_BEGIN:  # comes just before its GCStart
            i = int(np.searchsorted(starts, ev.time, side="left"))
        else:
            i = int(np.searchsorted(starts, ev.time, side="right")) - 1
        if 0 <= i < len(gcs):
            gcs[i].add(ev)
    return gcs


#: generation of objects outside every generation's range (.NET 8's non-GC heap of literals and types)
GEN_OUTSIDE = 5


def _generations(raw: bytes, dump: _Dump, addr: np.ndarray) -> np.ndarray:
    """Generation of each object from the ranges the runtime reports as the collection ends.

    ``GCGenerationRange`` (generation, start, used, reserved) comes once as the
    collection starts and again after the heap walk, so the ranges written
    after the first object event describe the heap the dump lists (0-2, 3 for
    the large object heap, 4 for the pinned one; :data:`GEN_OUTSIDE` for none).
    Without those events (a trace without 0x400000) every object is reported in gen 0.
    """
    ranges = dump.events.get(EV_GENERATION_RANGE, [])
    first_node = min((e.time for e in dump.events.get(EV_BULK_NODE, [])), default=0)
    rows = [struct.unpack_from("<BQQ", raw, e.offset) for e in ranges if e.time >= first_node and e.size >= 17]
    if not rows:
        return np.zeros(len(addr), np.uint8)
    table = np.array(sorted((start, start + used, gen) for gen, start, used in rows if used), dtype=np.uint64)
    if not len(table):
        return np.full(len(addr), GEN_OUTSIDE, np.uint8)
    i = np.searchsorted(table[:, 0], addr, side="right").astype(np.int64) - 1
    inside = i >= 0
    inside[inside] = addr[inside] < table[i[inside], 1]
    return np.where(inside, table[np.maximum(i, 0), 2], GEN_OUTSIDE).astype(np.uint8)


def _shot(raw: bytes, dump: _Dump, index: int, to_ns: Callable[[int], int], tag: int) -> EventPipeHeapShot:
    ev = dump.events
    nodes = _ordered(raw, ev.get(EV_BULK_NODE, []), NODE, "GCBulkNode")
    edges = _ordered(raw, ev.get(EV_BULK_EDGE, []), EDGE, "GCBulkEdge")
    roots = _ordered(raw, ev.get(EV_BULK_ROOT_EDGE, []), ROOT, "GCBulkRootEdge")
    cwt = _ordered(raw, ev.get(EV_BULK_CWT_EDGE, []), CWT, "GCBulkRootConditionalWeakTableElementEdge")
    counts = nodes["edges"].astype(np.int64)
    if (counts < 0).any() or (counts > len(edges)).any() or int(counts.sum()) != len(edges):
        at = ev[EV_BULK_EDGE][-1].offset if ev.get(EV_BULK_EDGE) else dump.start.offset
        raise _Corrupt(at, f"objects announce {int(counts.sum())} references but the dump holds {len(edges)} "
                           "(events were lost: a larger buffer or a slower heap helps)")
    n = len(nodes)
    ref_src = np.repeat(np.arange(n, dtype=np.int64), counts)
    ref_dst = edges["target"].astype(np.uint64)
    ref_off = edges["field"].astype(np.uint64)
    if len(cwt):  # a ConditionalWeakTable entry: its key keeps its value alive
        order = np.argsort(nodes["addr"], kind="stable")
        pos = np.searchsorted(nodes["addr"], cwt["key"], sorter=order)
        ok = pos < n
        ok[ok] = nodes["addr"][order[pos[ok]]] == cwt["key"][ok]
        ref_src = np.concatenate([ref_src, order[pos[ok]]])
        ref_dst = np.concatenate([ref_dst, cwt["value"][ok]])
        ref_off = np.concatenate([ref_off, np.zeros(int(ok.sum()), np.uint64)])
    statics = [s for e in ev.get(EV_BULK_STATIC_VAR, []) for s in _static_vars(raw, e)]
    code = _root_region_of(roots["kind"], roots["flags"])
    # weak and dependent handles keep nothing alive: like Mono's shots, no root (a ConditionalWeakTable
    # value's link from its key is an edge above)
    weak = (code == _REGION_CODE["handle-weak"]) | (code == _REGION_CODE["dependent-handle"])
    weak_obj = roots["obj"][weak & (roots["obj"] != 0)].astype(np.uint64)
    roots, code = roots[~weak], code[~weak]
    slots = (code << np.uint64(REGION_SHIFT)) | (roots["id"] & _ID_MASK)
    objs = roots["obj"]
    if statics:
        st = np.array([(r, o) for r, o, _, _ in statics], dtype=np.uint64).reshape(-1, 2)
        slots = np.concatenate([slots, (np.uint64(_REGION_CODE["static"]) << np.uint64(REGION_SHIFT))
                                | (st[:, 0] & _ID_MASK)])
        objs = np.concatenate([objs, st[:, 1]])
    keep = objs != 0
    start_t = dump.start.time
    end_t = dump.end.time if dump.end else start_t
    suspend = min((e.time for e in ev.get(EV_SUSPEND_EE_BEGIN, [])), default=start_t)
    restart = max((e.time for e in ev.get(EV_RESTART_EE_END, [])), default=end_t)
    gc_number = struct.unpack_from("<I", raw, dump.start.offset)[0] if dump.start.size >= 4 else 0
    stats = {}
    hs = ev.get(EV_HEAP_STATS)
    if hs and hs[0].size >= 72:
        v = struct.unpack_from("<9Q", raw, hs[0].offset)
        stats = {"gen0_bytes": v[0], "gen1_bytes": v[2], "gen2_bytes": v[4], "loh_bytes": v[6]}
        if hs[0].size >= 72 + 8 + 12 + 2 + 16:  # V2: the pinned object heap
            stats["poh_bytes"] = struct.unpack_from("<Q", raw, hs[0].offset + 94)[0]
    return EventPipeHeapShot(
        index=index, time_ns=to_ns(start_t), file_offset=dump.start.offset,
        obj_addr=nodes["addr"].astype(np.uint64), obj_vtable=nodes["type"].astype(np.uint64) | np.uint64(tag),
        obj_size=nodes["size"].astype(np.uint64), obj_gen=_generations(raw, dump, nodes["addr"]),
        ref_src=ref_src, ref_dst=ref_dst, ref_offset=ref_off,
        root_slot=slots[keep], root_obj=objs[keep].astype(np.uint64), regions=_regions(statics),
        end_offset=(dump.end.offset if dump.end else dump.start.offset),
        gc_number=gc_number, pause_ns=to_ns(restart) - to_ns(suspend), gc_ns=to_ns(end_t) - to_ns(start_t),
        heap_stats=stats, weak_handle_obj=weak_obj)


def _stream_shots(raw: bytes, sr: StreamReader, first_index: int, names: dict[int, str],
                  process_no: int) -> list[EventPipeHeapShot]:
    """The dumps of one stream. Type ids are method table addresses of one process, and a process
    names each type once (a later session of the same process does not repeat it), so ids are
    tagged with the process's number in the file (above bit 52): streams of several processes can
    share a file."""
    tag = (process_no & 0xFFF) << TYPE_TAG_SHIFT
    tr = sr.trace
    freq, qpc, sync = tr["freq"], tr["sync_qpc"], tr["sync_ns"]

    def to_ns(t: int) -> int:
        return sync + (t - qpc) * 10**9 // freq

    for e in sr.events:
        if e.event_id == EV_BULK_TYPE:
            _types(raw, e, names, tag)
    shots = []
    for dump in _dumps(sr.events):
        if EV_BULK_NODE not in dump.events:
            continue  # an ordinary collection during the session
        if dump.end is None:
            raise _Corrupt(dump.start.offset, "a heap dump's collection has no GCEnd (stream cut short)")
        shots.append(_shot(raw, dump, first_index + len(shots), to_ns, tag))
    return shots


def dump_complete(raw: bytes) -> bool:
    """Whether the first ``len(raw)`` bytes of a stream being received already hold a finished heap dump
    (a collection with bulk node events and its GCEnd); used to know when a session may stop."""
    sr = StreamReader(raw, 0, RUNTIME_PROVIDER, _WANTED)
    try:
        sr.run()
    except _Corrupt:
        pass  # the stream is still arriving
    return any(EV_BULK_NODE in d.events and d.end is not None for d in _dumps(sr.events))


def parse_nettrace(raw: bytes, *, path: str = "<bytes>", allow_partial: bool = False,
                   progress: Callable[[int], None] | None = None) -> HeapDumpFile:
    """Read every heap dump from one or more nettrace streams stored back to back in ``raw``."""
    pos = 0
    shots: list[EventPipeHeapShot] = []
    names: dict[int, str] = {}
    processes: dict[int, int] = {}
    header = NettraceHeader(4, 0, 8, 0, 0)
    done = 0
    try:
        while pos < len(raw):
            pad = (-pos) % 8
            if pad and not raw[pos:pos + pad].strip(b"\0"):  # alignment between streams
                pos += pad
                continue
            sr = StreamReader(raw, pos, RUNTIME_PROVIDER, _WANTED)
            end = sr.run()
            if header.streams == 0:
                header = NettraceHeader(4, sr.trace["pid"], sr.trace["pointer_size"], sr.trace["freq"], 0)
            if sr.trace["pointer_size"] != 8:
                raise _Corrupt(pos, f"unsupported pointer size {sr.trace['pointer_size']}")
            process_no = processes.setdefault(sr.trace["pid"], len(processes))
            shots.extend(_stream_shots(raw, sr, len(shots), names, process_no))
            header.streams += 1
            if progress is not None:
                progress(end - done)
            done = pos = end
    except _Corrupt as exc:
        err = NettraceFormatError(path, min(exc.offset, len(raw)), exc.message)
        err.partial = HeapDumpFile(path, header, shots, names, {}, [], done, err)
        if allow_partial:
            return err.partial
        raise err from None
    if header.streams == 0:
        raise NettraceFormatError(path, 0, "no nettrace stream in file")
    return HeapDumpFile(path, header, shots, names, {}, [], len(raw))


def read_nettrace(path: str | os.PathLike, *, allow_partial: bool = False,
                  progress: Callable[[int], None] | None = None) -> HeapDumpFile:
    """Read the heap dumps of a ``.nettrace`` file (see the module docs)."""
    from callsite.heap.formats import read_bytes

    path = os.fspath(path)
    return parse_nettrace(read_bytes(path), path=path, allow_partial=allow_partial, progress=progress)
