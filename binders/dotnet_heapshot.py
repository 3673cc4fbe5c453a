"""Heap shots of the CoreCLR / .NET runtime that pythonnet hosts, at named points of a run.

The counterpart of :mod:`binders.heapshot` (Mono's log profiler) for runtimes
with a diagnostics server: each :meth:`EventPipeHeapshots.take` opens an
EventPipe session on this very process (:func:`binders.diagnostics.dump_heap`),
the runtime runs one induced full collection that streams the heap, and the
stream is appended to the output file. The file is therefore one or more
nettrace streams back to back (each starting at a multiple of 8 bytes), one
per point, read by :mod:`callsite.heap.nettrace`; point names go to the same
sidecar ``FILE.points.json`` as on Mono, so ``dlrsim heap summary
FILE.nettrace@WORKLOAD:after`` works alike.

Nothing needs loading before the runtime starts; runs without snapshots pay
nothing. The sidecar also records, per point, the wall time the dump took in
this process (``pause_s``: the dump's collection suspends every managed
thread) and ``GC.GetTotalMemory(false)`` just after it.
"""

from __future__ import annotations

import json
import os
import time

from binders import diagnostics, heapshot

SIDECAR_SUFFIX = heapshot.SIDECAR_SUFFIX


class EventPipeHeapshots:
    """Heap shots of this process into one nettrace file, with point names in the sidecar."""

    def __init__(self, output_path: str | os.PathLike, *, append: bool = False) -> None:
        self.output_path = os.path.abspath(os.fspath(output_path))
        self.points: list[dict] = []
        self.fields: dict[str, dict[str, str]] = {}
        self.shots_before = 0
        os.makedirs(os.path.dirname(self.output_path), exist_ok=True)
        if append and os.path.exists(self.output_path):
            from callsite.heap.nettrace import read_nettrace
            from callsite.heap.snapshot import read_sidecar

            self.points = list(read_sidecar(self.output_path).get("points", []))
            self.shots_before = len(read_nettrace(self.output_path).shots) - len(self.points)
            return
        for stale in (self.output_path, self.output_path + SIDECAR_SUFFIX):
            if os.path.exists(stale):
                os.remove(stale)
        open(self.output_path, "wb").close()

    def take(self, name: str, *, timeout: float = 120.0) -> int:
        """Dump the heap now as point ``name``; returns its shot index in the file."""
        from System import GC  # type: ignore[import-not-found]  # the runtime is running

        maxgen = GC.MaxGeneration
        before = GC.CollectionCount(maxgen)
        t0 = time.perf_counter()
        # GC.CollectionCount can only be read again once the dump's collection has finished:
        # a thread entering managed code waits while the runtime is suspended for it
        stream = diagnostics.dump_heap(os.getpid(), wait=lambda: GC.CollectionCount(maxgen) > before,
                                       timeout=timeout)
        seconds = time.perf_counter() - t0
        total = int(GC.GetTotalMemory(False))
        return self._append(stream, {"name": name, "pause_s": round(seconds, 6), "total_memory": total,
                                     "major_collections": int(GC.CollectionCount(maxgen))})

    def _append(self, stream: bytes, point: dict) -> int:
        append_stream(self.output_path, stream)
        index = self.shots_before + len(self.points)  # one dump per stream
        self.points.append(dict(point, shot=index, time=time.time(), stream_bytes=len(stream)))
        self.write_sidecar()
        return index

    def take_from(self, pid: int, name: str, *, timeout: float = 120.0) -> int:
        """Dump another running .NET process's heap as point ``name``."""
        t0 = time.perf_counter()
        stream = diagnostics.dump_heap(pid, timeout=timeout)
        return self._append(stream, {"name": name, "pid": pid, "pause_s": round(time.perf_counter() - t0, 6)})

    def record_fields(self, types=None) -> dict:
        """EventPipe references carry no field offsets, so there is no field map to record."""
        return {}

    def write_sidecar(self) -> None:
        path = self.output_path + SIDECAR_SUFFIX
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"nettrace": os.path.basename(self.output_path), "mode": "eventpipe-gcdump",
                       "keywords": hex(diagnostics.HEAP_DUMP_KEYWORDS), "points": self.points,
                       "fields": self.fields}, fh, indent=2)
        os.replace(tmp, path)


def append_stream(path: str, stream: bytes) -> int:
    """Append one nettrace stream to ``path`` at the next multiple of 8 bytes; returns its offset."""
    with open(path, "ab") as fh:
        pad = (-fh.tell()) % 8
        fh.write(b"\0" * pad)
        offset = fh.tell()
        fh.write(stream)
    return offset


def start(output_path: str | os.PathLike) -> EventPipeHeapshots:
    """Make this process's named heap shots (:func:`binders.heapshot.shot`) go to ``output_path``."""
    session = EventPipeHeapshots(output_path)
    heapshot.install(session)
    return session
