"""A client for the .NET diagnostics IPC protocol: EventPipe sessions that dump the GC heap.

CoreCLR (3.0+) and .NET 5+ run a *diagnostics server* in every process: a
Unix socket ``dotnet-diagnostic-{pid}-{key}-socket`` in ``$TMPDIR`` (or
``/tmp``), where ``key`` is the process start time. A client sends one
message (a 20-byte header ``DOTNET_IPC_V1``, size, command set, command id,
then a payload) and gets one back; for ``CollectTracing`` the connection then
carries the session's event stream in the *nettrace* format until the
session is stopped (``StopTracing``, sent on a second connection).

Enabling the runtime provider ``Microsoft-Windows-DotNETRuntime`` with the
keywords ``dotnet-gcdump`` uses (:data:`HEAP_DUMP_KEYWORDS`: GC,
GCHeapCollect, GCHeapDump, GCHeapAndTypeNames, Type) at the verbose level
makes the runtime run one induced full collection that walks the heap and
emits its types, objects, references and roots as bulk events. One session,
one heap dump: :func:`dump_heap` starts the session, waits until that
collection is over, stops it and returns the stream. The wire format is
dotnet/diagnostics ``documentation/design-docs/ipc-protocol.md``;
:mod:`callsite.heap.nettrace` reads the stream.

Works against the process itself (a helper thread reads the socket while the
runtime's own threads write it) and against another process.
"""

from __future__ import annotations

import glob
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

MAGIC = b"DOTNET_IPC_V1\0"
HEADER = struct.Struct("<14sHBBH")

COMMANDSET_EVENTPIPE = 0x02
COMMANDSET_SERVER = 0xFF
STOP_TRACING, COLLECT_TRACING, COLLECT_TRACING2 = 0x01, 0x02, 0x03
SERVER_OK, SERVER_ERROR = 0x00, 0xFF
FORMAT_NETTRACE = 1

RUNTIME_PROVIDER = "Microsoft-Windows-DotNETRuntime"
#: GC | GCHeapDump | GCHeapCollect | GCHeapAndTypeNames | Type: what ``dotnet-gcdump`` enables, plus
#: GCHeapSurvivalAndMovement (0x400000) for the generation ranges that place each object in its generation.
HEAP_DUMP_KEYWORDS = 0x1980001 | 0x400000
LEVEL_VERBOSE = 5
DEFAULT_BUFFER_MB = 256


class DiagnosticsError(RuntimeError):
    """The diagnostics server is missing, refused a command, or a dump did not finish."""


def socket_path(pid: int) -> str:
    """The diagnostics socket of process ``pid`` (the newest, if a pid was reused)."""
    tmp = os.environ.get("TMPDIR") or "/tmp"
    found = glob.glob(os.path.join(tmp, f"dotnet-diagnostic-{pid}-*-socket"))
    if not found and tmp != "/tmp":
        found = glob.glob(f"/tmp/dotnet-diagnostic-{pid}-*-socket")
    if not found:
        raise DiagnosticsError(f"no diagnostics socket for process {pid} in {tmp} "
                               "(is it a .NET Core 3+ process with DOTNET_EnableDiagnostics unset or 1?)")
    return max(found, key=os.path.getmtime)


def _string(s: str) -> bytes:
    if not s:
        return struct.pack("<I", 0)
    data = (s + "\0").encode("utf-16-le")
    return struct.pack("<I", len(data) // 2) + data


def message(command_set: int, command_id: int, payload: bytes = b"") -> bytes:
    """One IPC message: header then payload."""
    return HEADER.pack(MAGIC, HEADER.size + len(payload), command_set, command_id, 0) + payload


@dataclass
class Provider:
    name: str
    keywords: int
    level: int = LEVEL_VERBOSE
    filter_data: str = ""

    def encode(self) -> bytes:
        return struct.pack("<QI", self.keywords, self.level) + _string(self.name) + _string(self.filter_data)


def collect_payload(providers: list[Provider], *, buffer_mb: int = DEFAULT_BUFFER_MB,
                    rundown: bool | None = None) -> bytes:
    """``CollectTracing`` payload, or ``CollectTracing2``'s when ``rundown`` is given."""
    head = struct.pack("<II", buffer_mb, FORMAT_NETTRACE)
    if rundown is not None:
        head += struct.pack("<B", 1 if rundown else 0)
    return head + struct.pack("<I", len(providers)) + b"".join(p.encode() for p in providers)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise DiagnosticsError("the diagnostics server closed the connection")
        buf += chunk
    return bytes(buf)


def read_response(sock: socket.socket) -> tuple[int, int, bytes]:
    """(command set, command id, payload) of the server's reply."""
    magic, size, cset, cid, _ = HEADER.unpack(_recv_exact(sock, HEADER.size))
    if magic != MAGIC:
        raise DiagnosticsError(f"bad reply from the diagnostics server (magic {magic!r})")
    return cset, cid, _recv_exact(sock, size - HEADER.size)


def _connect(pid: int, timeout: float) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(socket_path(pid))
    return s


def _check_ok(cset: int, cid: int, payload: bytes, what: str) -> None:
    if cset == COMMANDSET_SERVER and cid == SERVER_OK:
        return
    code = struct.unpack_from("<I", payload)[0] if len(payload) >= 4 else 0
    raise DiagnosticsError(f"{what} refused by the diagnostics server (error 0x{code:08x})")


def start_session(pid: int, providers: list[Provider], *, buffer_mb: int = DEFAULT_BUFFER_MB,
                  timeout: float = 30.0, rundown: bool = False) -> tuple[socket.socket, int]:
    """Start an EventPipe streaming session; returns the socket carrying the stream and the session id.

    ``CollectTracing2`` first, by default without rundown (no method and
    module rundown at the end, so a smaller stream); ``CollectTracing`` when
    the runtime does not know it (it answers with an error).
    """
    for cid, payload in ((COLLECT_TRACING2, collect_payload(providers, buffer_mb=buffer_mb, rundown=rundown)),
                         (COLLECT_TRACING, collect_payload(providers, buffer_mb=buffer_mb))):
        s = _connect(pid, timeout)
        try:
            s.sendall(message(COMMANDSET_EVENTPIPE, cid, payload))
            cset, rid, reply = read_response(s)
        except (OSError, DiagnosticsError):
            s.close()
            if cid == COLLECT_TRACING2:
                continue
            raise
        if cset == COMMANDSET_SERVER and rid == SERVER_ERROR and cid == COLLECT_TRACING2:
            s.close()
            continue
        try:
            _check_ok(cset, rid, reply, "CollectTracing")
        except DiagnosticsError:
            s.close()
            raise
        return s, struct.unpack_from("<Q", reply)[0]
    raise DiagnosticsError("the diagnostics server accepted neither CollectTracing2 nor CollectTracing")


def stop_session(pid: int, session_id: int, *, timeout: float = 30.0) -> None:
    with _connect(pid, timeout) as s:
        s.sendall(message(COMMANDSET_EVENTPIPE, STOP_TRACING, struct.pack("<Q", session_id)))
        _check_ok(*read_response(s), "StopTracing")


@dataclass
class StreamReader:
    """Drains a session's socket on a helper thread (the runtime blocks if nobody reads)."""

    sock: socket.socket
    chunks: list[bytes] = field(default_factory=list)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.received = 0
        self.thread = threading.Thread(target=self._run, name="dlrsim-eventpipe-reader", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.sock.settimeout(None)
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    break
                self.chunks.append(chunk)
                self.received += len(chunk)
        except OSError as exc:
            self.error = exc
        finally:
            self.sock.close()

    def join(self, timeout: float) -> bytes:
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise DiagnosticsError(f"the event stream did not end within {timeout:.0f} s")
        if self.error is not None:
            raise DiagnosticsError(f"reading the event stream failed: {self.error}")
        return b"".join(self.chunks)


def heap_dump_providers(keywords: int = HEAP_DUMP_KEYWORDS) -> list[Provider]:
    return [Provider(RUNTIME_PROVIDER, keywords, LEVEL_VERBOSE)]


def dump_heap(pid: int, *, wait: Callable[[], bool] | None = None, timeout: float = 120.0,
              keywords: int = HEAP_DUMP_KEYWORDS, rundown: bool = False) -> bytes:
    """Run one heap-dump session against process ``pid`` and return its nettrace stream.

    The runtime answers ``CollectTracing`` at once and runs the dump's
    collection shortly after, on another thread, so the session must stay
    open until that collection is over. ``wait`` is called repeatedly until
    it says so (in-process callers compare ``GC.CollectionCount(2)`` before
    and after: a thread cannot re-enter managed code while the runtime is
    suspended for the dump). Without ``wait`` (another process) the stream
    received so far is read until it holds a finished dump
    (:func:`callsite.heap.nettrace.dump_complete`).
    """
    sock, session_id = start_session(pid, heap_dump_providers(keywords), timeout=timeout, rundown=rundown)
    reader = StreamReader(sock)
    poll = 0.002 if wait is not None else 0.05
    if wait is None:
        from callsite.heap.nettrace import dump_complete

        seen = [0]

        def wait() -> bool:
            if reader.received == seen[0]:
                return False
            seen[0] = reader.received
            return dump_complete(b"".join(list(reader.chunks)))
    try:
        deadline = time.monotonic() + timeout
        while not wait():
            if time.monotonic() > deadline or not reader.thread.is_alive():
                raise DiagnosticsError(f"the heap dump's collection did not finish within {timeout:.0f} s")
            time.sleep(poll)
    finally:
        try:
            stop_session(pid, session_id, timeout=timeout)
        except (OSError, DiagnosticsError):
            pass  # the process may be gone; what was streamed is still read below
    return reader.join(timeout)
