"""Which reader a heap file needs, decided by its first bytes (the one place that knows the formats).

* Mono log profiler ``.mlpd`` (magic 0x4D505A01): :mod:`callsite.heap.mlpd`;
* EventPipe ``.nettrace`` (``Nettrace``), one stream or several back to back
  (what ``--heapshots`` writes on coreclr and net8): :mod:`callsite.heap.nettrace`.

Both readers return an object with the same surface (``path``, ``header``,
``shots`` of :class:`~callsite.heap.mlpd.RawHeapShot`, ``class_name_of``,
``vtable_class``, ``error``), which :class:`~callsite.heap.snapshot.Snapshot` turns
into a graph.
"""

from __future__ import annotations

import os
import struct
from typing import Callable

from callsite.errors import DlrsimError

NETTRACE_MAGIC = b"Nettrace"


class HeapFormatError(DlrsimError):
    """A corrupt, truncated or unsupported heap file: ``offset`` is the byte offset in the file where
    reading failed, ``partial`` the file object with everything decoded before it (complete shots)."""

    FORMAT = "heap file"

    def __init__(self, path: str, offset: int, message: str, partial=None) -> None:
        self.path = path
        self.offset = offset
        self.reason = message
        self.partial = partial
        super().__init__(f"{path}: corrupt or truncated {self.FORMAT} at byte offset {offset}: {message}")


def sniff(head: bytes) -> str | None:
    """``"mlpd"``, ``"nettrace"`` or None for the first bytes of a file."""
    from callsite.heap.mlpd import LOG_HEADER_ID

    if head.startswith(NETTRACE_MAGIC):
        return "nettrace"
    if len(head) >= 4 and struct.unpack_from("<I", head)[0] == LOG_HEADER_ID:
        return "mlpd"
    return None


def read_bytes(path: str) -> bytes:
    """The whole file, or a one-line error naming it."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise DlrsimError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_heap_file(path: str | os.PathLike, *, allow_partial: bool = False,
                   progress: Callable[[int], None] | None = None):
    """Read every heap shot of a ``.mlpd`` or ``.nettrace`` file (see the readers for ``allow_partial``)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise DlrsimError(f"cannot read {path}: {exc.strerror or exc}") from None
    kind = sniff(head)
    if kind == "nettrace":
        from callsite.heap.nettrace import read_nettrace

        return read_nettrace(path, allow_partial=allow_partial, progress=progress)
    if kind == "mlpd" or path.endswith(".mlpd"):
        from callsite.heap.mlpd import read_mlpd

        return read_mlpd(path, allow_partial=allow_partial, progress=progress)
    if path.endswith(".gcdump"):
        raise DlrsimError(f"{path}: .gcdump files are not read yet; capture a .nettrace instead with "
                          "dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x1980001:5")
    raise DlrsimError(f"{path}: not a heap file dlrsim reads (neither a Mono .mlpd nor a .nettrace stream)")
