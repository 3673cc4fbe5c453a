"""The nettrace stream format (EventPipe), version 4: objects, blocks and event blobs.

Written by .NET Core 3.x to .NET 8 (microsoft/perfview ``src/TraceEvent/EventPipe/EventPipeFormat.md``):
``Nettrace``, ``!FastSerialization.1``, then objects (``BeginPrivateObject`` tag,
a type object naming it, its payload, ``EndObject``) until a ``NullReference``
tag: one ``Trace`` object (clock, pointer size, pid), then
``MetadataBlock``/``EventBlock``/``StackBlock``/``SPBlock`` objects. Blocks
hold event blobs, with compressed headers (flag bits saying which fields
follow, varints, deltas against the previous event) when the block's flags
have bit 0 set. :class:`StreamReader` keeps the events of one provider that
the caller asks for (payload offsets into the data, not copies);
:mod:`callsite.heap.nettrace` makes heap shots of them.
"""

from __future__ import annotations

import dataclasses
import datetime
import struct

MAGIC = b"Nettrace"
SERIALIZER = b"!FastSerialization.1"
TAG_NULL, TAG_BEGIN_PRIVATE, TAG_END = 1, 5, 6
SUPPORTED_TRACE_VERSIONS = (4,)
_MASK64 = (1 << 64) - 1


class Corrupt(Exception):
    """A decoding failure at byte ``offset`` of the data."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        self.message = message

@dataclasses.dataclass
class Event:
    event_id: int
    time: int        # QPC ticks
    offset: int      # payload offset in the file
    size: int


class StreamReader:
    """Walks one nettrace stream (objects, blocks, event blobs) and keeps the runtime's GC events."""

    def __init__(self, raw: bytes, start: int, provider: str, wanted: set[int]) -> None:
        self.raw = raw
        self.start = start
        self.pos = start
        self.provider = provider
        self.wanted = wanted
        self.metadata: dict[int, int] = {}   # metadata id -> event id, for the wanted events
        self.events: list[Event] = []
        self.trace: dict = {}

    # -- primitives --------------------------------------------------------
    def need(self, n: int, what: str) -> None:
        if self.pos + n > len(self.raw):
            raise Corrupt(self.pos, f"stream ends inside {what}")

    def i32(self, what: str) -> int:
        self.need(4, what)
        (v,) = struct.unpack_from("<i", self.raw, self.pos)
        self.pos += 4
        return v

    def byte(self, what: str) -> int:
        self.need(1, what)
        v = self.raw[self.pos]
        self.pos += 1
        return v

    def expect(self, tag: int, what: str) -> None:
        at = self.pos
        if self.byte(what) != tag:
            raise Corrupt(at, f"expected {what} (tag {tag}), found byte 0x{self.raw[at]:02x}")

    # -- objects -----------------------------------------------------------
    def run(self) -> int:
        """Read the whole stream; returns the offset just after its final NullReference tag."""
        raw = self.raw
        self.need(len(MAGIC) + 4 + len(SERIALIZER), "the stream header")
        if raw[self.pos:self.pos + len(MAGIC)] != MAGIC:
            raise Corrupt(self.pos, "not a nettrace stream (no 'Nettrace' magic)")
        self.pos += len(MAGIC)
        n = self.i32("the serializer name length")
        if n != len(SERIALIZER) or raw[self.pos:self.pos + n] != SERIALIZER:
            raise Corrupt(self.pos - 4, "unknown serializer (expected !FastSerialization.1)")
        self.pos += n
        first = True
        while True:
            at = self.pos
            tag = self.byte("an object tag")
            if tag == TAG_NULL:
                if first:
                    raise Corrupt(at, "stream has no Trace object")
                return self.pos
            if tag != TAG_BEGIN_PRIVATE:
                raise Corrupt(at, f"expected an object (tag 5) or the end of stream (tag 1), found 0x{tag:02x}")
            name, version = self.type_object()
            if first:
                if name != "Trace":
                    raise Corrupt(at, f"first object is {name!r}, not Trace")
                if version not in SUPPORTED_TRACE_VERSIONS:
                    raise Corrupt(at, f"unsupported nettrace version {version} (supported: 4, written by "
                                       ".NET Core 3 to .NET 8)")
                self.trace_object()
                first = False
            elif name in ("EventBlock", "MetadataBlock"):
                self.event_block(name == "MetadataBlock")
            elif name in ("StackBlock", "SPBlock"):
                self.skip_block(name)
            else:
                raise Corrupt(at, f"unknown object type {name!r}")
            self.expect(TAG_END, "the end of an object")

    def type_object(self) -> tuple[str, int]:
        self.expect(TAG_BEGIN_PRIVATE, "a type object")
        self.expect(TAG_NULL, "the type of a type (null)")
        version = self.i32("a type version")
        self.i32("a minimum reader version")
        n = self.i32("a type name length")
        if not 0 < n <= 64:
            raise Corrupt(self.pos - 4, f"implausible type name length {n}")
        self.need(n, "a type name")
        name = self.raw[self.pos:self.pos + n].decode("ascii", "replace")
        self.pos += n
        self.expect(TAG_END, "the end of a type object")
        return name, version

    def trace_object(self) -> None:
        self.need(48, "the Trace object")
        y, mo, _dow, d, h, mi, s, ms, qpc, freq, ptr, pid, _ncpu, _rate = struct.unpack_from(
            "<8hqqiiii", self.raw, self.pos)
        self.pos += 48
        if freq <= 0:
            raise Corrupt(self.pos - 32, f"bad clock frequency {freq}")
        try:
            sync = datetime.datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=datetime.timezone.utc)
            sync_ns = int(sync.timestamp()) * 10**9 + ms * 10**6
        except (ValueError, OverflowError):
            sync_ns = 0
        self.trace = {"sync_qpc": qpc, "freq": freq, "pointer_size": ptr, "pid": pid, "sync_ns": sync_ns}

    def block_bounds(self, what: str) -> tuple[int, int]:
        size = self.i32(f"the {what} size")
        self.pos += (-(self.pos - self.start)) % 4  # aligned to 4 bytes from the stream's start
        if size < 0 or self.pos + size > len(self.raw):
            raise Corrupt(self.pos, f"{what} of {size} bytes runs past the end of the data")
        return self.pos, self.pos + size

    def skip_block(self, what: str) -> None:
        _, end = self.block_bounds(what)
        self.pos = end

    def event_block(self, is_metadata: bool) -> None:
        what = "MetadataBlock" if is_metadata else "EventBlock"
        begin, end = self.block_bounds(what)
        raw = self.raw
        if end - begin < 4:
            raise Corrupt(begin, f"{what} too small for its header")
        hsize, flags = struct.unpack_from("<hh", raw, begin)
        if hsize < 20 or begin + hsize > end:
            raise Corrupt(begin, f"bad {what} header size {hsize}")
        p = begin + hsize
        compressed = flags & 1
        meta_id = seq = proc = stack = payload_size = 0
        capture_tid = tid = ts = 0
        wanted = self.metadata
        events = self.events
        while p < end:
            ev_at = p
            if compressed:
                fl = raw[p]
                p += 1
                if fl & 1:
                    meta_id, p = varint(raw, p, end)
                if fl & 2:
                    d_seq, p = varint(raw, p, end)
                    seq += d_seq
                    capture_tid, p = varint(raw, p, end)
                    proc, p = varint(raw, p, end)
                if meta_id:
                    seq += 1
                if fl & 4:
                    tid, p = varint(raw, p, end)
                if fl & 8:
                    stack, p = varint(raw, p, end)
                d_ts, p = varint(raw, p, end)
                ts = (ts + d_ts) & _MASK64  # a delta to an earlier event wraps around
                if ts >= 1 << 63:
                    ts -= 1 << 64
                if fl & 16:
                    p += 16
                if fl & 32:
                    p += 16
                if fl & 128:
                    payload_size, p = varint(raw, p, end)
                mid = meta_id & 0x7FFFFFFF
                size = payload_size
            else:
                if p + 80 > end:
                    raise Corrupt(p, f"{what} ends inside an event header")
                mid = struct.unpack_from("<i", raw, p + 4)[0] & 0x7FFFFFFF
                ts = struct.unpack_from("<q", raw, p + 36)[0]
                size = struct.unpack_from("<i", raw, p + 76)[0]
                p += 80
            if size < 0 or p > end or p + size > end:
                raise Corrupt(ev_at, f"event of {size} bytes runs past the end of its {what}")
            if is_metadata:
                self.metadata_record(p, size)
            else:
                kind = wanted.get(mid)
                if kind is not None:
                    events.append(Event(kind, ts, p, size))
            p += size
            if not compressed:
                p += (-(p - self.start)) % 4
        self.pos = end

    def metadata_record(self, p: int, size: int) -> None:
        raw = self.raw
        end = p + size
        if size < 8:
            raise Corrupt(p, "metadata record too small")
        (mid,) = struct.unpack_from("<i", raw, p)
        provider, q = utf16z(raw, p + 4, end)
        if q + 4 > end:
            raise Corrupt(q, "metadata record ends before its event id")
        (event_id,) = struct.unpack_from("<i", raw, q)
        if provider == self.provider and event_id in self.wanted:
            self.metadata[mid] = event_id


def varint(raw: bytes, p: int, end: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        if p >= end:
            raise Corrupt(p, "event header ends inside a varint")
        b = raw[p]
        p += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, p
        shift += 7
        if shift > 63:
            raise Corrupt(p, "varint longer than 10 bytes in an event header")


def utf16z(raw: bytes, p: int, end: int) -> tuple[str, int]:
    """A NUL-terminated UTF-16 string at ``p`` (2-byte aligned search for the terminator)."""
    q = p
    while True:
        q = raw.find(b"\0\0", q, end + 1)
        if q < 0 or q + 2 > end:
            raise Corrupt(p, "unterminated UTF-16 string")
        if (q - p) % 2 == 0:
            return raw[p:q].decode("utf-16-le", "replace"), q + 2
        q += 1
