"""Native COM objects for replay: the C shim (binders/native/libcomshim.so).

``ComFactory.new()`` makes a native object, wraps it in a runtime-callable
wrapper with ``Marshal.GetObjectForIUnknown`` and drops the creation
reference, so the RCW holds the only ones.

Two Mono 6.8 facts (measured, and read in mono/metadata/cominterop.c) shape this:

* ``__ComObject.ReleaseInterfaces`` returns early when the RCW's interface
  table (``itf_hash``) was never created, so an RCW that was only ever used as
  an IUnknown never releases its native object: not on
  ``FinalReleaseComObject``, not on finalization.  ``new()`` therefore asks the
  RCW once for ``Mono.Interop.IUnknown`` (``GetComInterfaceForObject``), which
  creates the table, and releases that pointer again.
* ``ReleaseComObject`` on an RCW whose count is already 0 returns -1, and
  ``FinalReleaseComObject`` loops until it sees 0: calling it twice hangs.
  ``release()`` calls ``ReleaseComObject`` until it returns 0 or -1.  ``live()`` counts native objects not yet
freed, read straight from the shim's counters (no callbacks into Python).
"""

from __future__ import annotations

import ctypes
from pathlib import Path


def System_Int32(v: int):
    import System

    return System.Int32(v)

LIBRARY = Path(__file__).resolve().parent / "native" / "libcomshim.so"
_COUNTERS = ("live", "created", "freed", "addrefs", "releases", "qi_ok", "qi_refused")


class Shim:
    def __init__(self, path: Path = LIBRARY) -> None:
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run ./setup.sh (binders/native/build.py builds it)")
        self.lib = ctypes.CDLL(str(path))
        self.lib.comshim_new.restype = ctypes.c_void_p
        self.lib.comshim_release.restype = ctypes.c_uint32
        self.lib.comshim_release.argtypes = [ctypes.c_void_p]
        for name in _COUNTERS:
            getattr(self.lib, f"comshim_{name}").restype = ctypes.c_int64

    def new_pointer(self) -> int:
        return self.lib.comshim_new()

    def release_pointer(self, ptr: int) -> int:
        return self.lib.comshim_release(ptr)

    def live(self) -> int:
        return self.lib.comshim_live()

    def counters(self) -> dict[str, int]:
        return {name: int(getattr(self.lib, f"comshim_{name}")()) for name in _COUNTERS}


class ComFactory:
    """RCWs over shim objects (needs a runtime with COM interop: Mono here)."""

    def __init__(self, shim: Shim | None = None) -> None:
        import clr  # noqa: F401
        from System import IntPtr
        from System.Runtime.InteropServices import Marshal

        import System

        self.shim = shim or Shim()
        self._IntPtr = IntPtr
        self._Marshal = Marshal
        self._iunknown = clr.GetClrType(System.Object).Assembly.GetType("Mono.Interop.IUnknown")
        self._proxy_count = None
        proxy_type = clr.GetClrType(System.Object).Assembly.GetType("Mono.Interop.ComInteropProxy")
        if proxy_type is not None:
            from System.Reflection import BindingFlags
            from System.Runtime.Remoting import RemotingServices

            self._RemotingServices = RemotingServices
            self._proxy_count = proxy_type.GetField("ref_count", BindingFlags.NonPublic | BindingFlags.Instance)

    def new(self):
        ptr = self.shim.new_pointer()
        rcw = self._Marshal.GetObjectForIUnknown(self._IntPtr(ptr))
        self.shim.release_pointer(ptr)  # the RCW holds its own reference now
        if self._iunknown is not None:  # create itf_hash so that release really releases
            itf = self._Marshal.GetComInterfaceForObject(rcw, self._iunknown)
            self._Marshal.Release(itf)
        return rcw

    def rearm(self, rcw) -> None:
        """Give a reused RCW that the workload already released a count of 1 again.

        A reused COM object passed to ``FinalReleaseComObject`` every iteration
        (``com-arg-same``) would make Mono loop forever from the second call on
        (see above).  Only the RCW's own counter is reset (its interfaces are
        already released, so a second release is a no-op): the object's identity,
        its type and every cache decision stay exactly as they were.
        """
        if self._proxy_count is None:
            return
        proxy = self._RemotingServices.GetRealProxy(rcw)
        if proxy is not None and int(self._proxy_count.GetValue(proxy)) == 0:
            self._proxy_count.SetValue(proxy, System_Int32(1))

    def release(self, rcw) -> int:
        """Release an RCW completely; returns how many counts were dropped."""
        dropped = 0
        for _ in range(1 << 16):
            left = int(self._Marshal.ReleaseComObject(rcw))
            if left < 0:
                break
            dropped += 1
            if left == 0:
                break
        return dropped

    def is_com(self, obj) -> bool:
        return bool(self._Marshal.IsComObject(obj))

    def live(self) -> int:
        return self.shim.live()
