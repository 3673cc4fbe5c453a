"""Heap shots of the Mono runtime that pythonnet hosts, at named points of a run.

The Mono log profiler (``libmono-profiler-log.so``) can be loaded into an
embedded runtime with ``mono_profiler_load`` — but only *before* the runtime
initialises, so this module offers a hook to call just before
``clr_loader.get_mono`` (``binders.mono.load(before_init=...)`` takes it):

    from binders import heapshot
    heapshot.load_log_profiler("run.mlpd")          # before pythonnet/clr_loader start Mono
    ... start pythonnet, run the workload ...
    heapshot.take_heapshot("before")                # in the same process, any time later
    ...
    heapshot.take_heapshot("after-reset")

Nothing here runs unless called: runs without snapshots load no profiler and
pay nothing.

Default options ``nodefaults,heapshot=ondemand``: ``nodefaults`` (first) turns
off the log profiler's legacy defaults — exception and counter events, and
root reports at *every* collection, which made files four times larger and
allocation-heavy code slower — and ``heapshot=ondemand`` walks the heap only when
asked through its TCP command port (its number is in the file header), so
ordinary collections stay cheap, the file holds exactly one shot per named
point, and the runtime's own shutdown collections (pythonnet forces dozens)
add none. Mode ``heapshot`` (every major collection) also works: then the
shot index of a point is the number of major collections so far minus one.

Each point is recorded in ``FILE.mlpd.points.json`` (name -> shot index), so
``dlrsim heap summary FILE.mlpd@after-reset`` finds it. The ``.mlpd`` is
complete only after the runtime shuts down normally (process exit; not
``os._exit``), because the profiler's writer thread flushes buffers late.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import socket
import struct
import time
from typing import Callable

#: The SGen build of Mono that clr_loader must use (the profiler symbols must resolve in it).
DEFAULT_LIBMONO = "/usr/lib/libmonosgen-2.0.so.1"
PROFILER_LIBRARY = "libmono-profiler-log.so"
SIDECAR_SUFFIX = ".points.json"
DEFAULT_OPTIONS = "nodefaults,heapshot=ondemand"
#: Debian packages that provide the log profiler and ``mprof-report``.
INSTALL_HINT = "apt-get install -y libmono-profiler mono-utils"

_session: "HeapshotSession | None" = None


class HeapshotError(RuntimeError):
    """The profiler could not be loaded or a shot could not be taken."""


def find_log_profiler() -> str | None:
    """Path of ``libmono-profiler-log.so`` if installed (Mono's loader looks it up by this name)."""
    for d in ("/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib", "/usr/lib/mono"):
        for name in (PROFILER_LIBRARY, PROFILER_LIBRARY + ".0"):
            p = os.path.join(d, name)
            if os.path.exists(p):
                return p
    found = ctypes.util.find_library("mono-profiler-log")
    return found


def available() -> list[str]:
    """Problems that stop heap shots here (empty list: ready)."""
    out = []
    if not os.path.exists(DEFAULT_LIBMONO):
        out.append(f"{DEFAULT_LIBMONO} not found (package libmono-2.0-1)")
    if find_log_profiler() is None:
        out.append(f"{PROFILER_LIBRARY} not found ({INSTALL_HINT})")
    return out


class HeapshotSession:
    """The profiler loaded in this process: where it writes and which points were taken."""

    def __init__(self, output_path: str, options: str, libmono: str) -> None:
        self.output_path = output_path
        self.options = options
        self.libmono = libmono
        self.ondemand = "ondemand" in options
        self.points: list[dict] = []
        self.fields: dict[str, dict[str, str]] = {}
        self._port: int | None = None

    # -- the profiler's command port (on-demand mode) ------------------------
    def port(self) -> int:
        """TCP command port from the file header (written when the profiler starts)."""
        if self._port is None:
            deadline = time.monotonic() + 5
            while True:
                try:
                    with open(self.output_path, "rb") as fh:
                        head = fh.read(40)
                except FileNotFoundError:
                    head = b""
                if len(head) >= 38:
                    major = head[4]
                    off = 36 if major >= 3 else 28
                    (self._port,) = struct.unpack_from("<H", head, off)
                    break
                if time.monotonic() > deadline:
                    raise HeapshotError(f"profiler header not written to {self.output_path}")
                time.sleep(0.01)
        if not self._port:
            raise HeapshotError("the log profiler has no command port (was it loaded with heapshot=ondemand?)")
        return self._port

    def take(self, name: str, *, timeout: float = 30.0) -> int:
        """Take a heap shot now and record it as point ``name``; returns its shot index.

        On-demand mode asks the profiler over TCP, then waits until a major
        collection has run (the profiler triggers it from the finalizer
        thread); if none comes, it collects itself — the pending request makes
        that collection walk the heap. A second, ordinary collection then
        pushes the shot's buffers to the profiler's writer.
        """
        from System import GC  # type: ignore[import-not-found]  # pythonnet must be running

        maxgen = GC.MaxGeneration
        if self.ondemand:
            before = GC.CollectionCount(maxgen)
            with socket.create_connection(("127.0.0.1", self.port()), timeout=timeout) as s:
                s.sendall(b"heapshot\n")
                deadline = time.monotonic() + timeout
                while GC.CollectionCount(maxgen) == before and time.monotonic() < deadline:
                    time.sleep(0.001)
            if GC.CollectionCount(maxgen) == before:
                GC.Collect()
            index = len(self.points)
            GC.WaitForPendingFinalizers()
            GC.Collect()  # an ordinary collection: flushes the shot's buffers
        else:
            GC.Collect()
            index = GC.CollectionCount(maxgen) - 1
        self.points.append({"name": name, "shot": index, "time": time.time(),
                            "major_collections": int(GC.CollectionCount(maxgen))})
        self.write_sidecar()
        return index

    def write_sidecar(self) -> None:
        path = self.output_path + SIDECAR_SUFFIX
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"mlpd": os.path.basename(self.output_path), "options": self.options,
                       "mode": "ondemand" if self.ondemand else "every-major-gc",
                       "points": self.points, "fields": self.fields}, fh, indent=2)
        os.replace(tmp, path)


def load_log_profiler(output_path: str | os.PathLike, options: str = DEFAULT_OPTIONS, *,
                      libmono: str | None = None) -> HeapshotSession:
    """Load the Mono log profiler into this process's Mono, before the runtime starts.

    Must run before ``clr_loader.get_mono``/``pythonnet.load`` (which must
    then use the same ``libmono``, :data:`DEFAULT_LIBMONO`). ``options`` are
    the log profiler's (:data:`DEFAULT_OPTIONS` by default;
    ``nodefaults,heapshot`` shoots at every major collection). Returns the
    session that :func:`take_heapshot` uses.
    """
    global _session
    libmono = libmono or DEFAULT_LIBMONO
    if find_log_profiler() is None:
        raise HeapshotError(f"{PROFILER_LIBRARY} not found ({INSTALL_HINT})")
    if not os.path.exists(libmono):
        raise HeapshotError(f"{libmono} not found")
    out = os.path.abspath(os.fspath(output_path))
    if "," in out:
        raise HeapshotError(f"the profiler's option syntax cannot take a comma in the output path: {out}")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    for stale in (out, out + SIDECAR_SUFFIX):
        if os.path.exists(stale):
            os.remove(stale)
    lib = ctypes.CDLL(libmono, mode=ctypes.RTLD_GLOBAL)
    lib.mono_profiler_load.argtypes = [ctypes.c_char_p]
    lib.mono_profiler_load.restype = None
    lib.mono_profiler_load(f"log:{options},output={out}".encode())
    _session = HeapshotSession(out, options, libmono)
    return _session


#: Types whose reference fields name the links from a call site to its rules, closures and
#: weak references; recorded by :func:`record_fields` when no types are given.
DLR_TYPES: tuple[str, ...] = (
    "System.Runtime.CompilerServices.CallSite, System.Core",
    "System.Runtime.CompilerServices.CallSite`1, System.Core",
    "System.Runtime.CompilerServices.CallSiteBinder, System.Core",
    "System.Runtime.CompilerServices.RuleCache`1, System.Core",
    "System.Runtime.CompilerServices.Closure, System.Core",
    "System.Dynamic.BindingRestrictions, System.Core",
    "System.Delegate",
    "System.MulticastDelegate",
    "System.DelegateData",
    "System.WeakReference",
    "System.Collections.Generic.Dictionary`2",
    "System.Collections.Generic.List`1",
    "System.Collections.Generic.LinkedList`1, System",
    "System.Collections.Generic.LinkedListNode`1, System",
    "Microsoft.CSharp.RuntimeBinder.CSharpInvokeMemberBinder, Microsoft.CSharp",
    "Microsoft.CSharp.RuntimeBinder.CSharpInvokeBinder, Microsoft.CSharp",
    "Microsoft.CSharp.RuntimeBinder.CSharpGetMemberBinder, Microsoft.CSharp",
    "Microsoft.CSharp.RuntimeBinder.CSharpConvertBinder, Microsoft.CSharp",
    "Microsoft.CSharp.RuntimeBinder.RuntimeBinder, Microsoft.CSharp",
    "System.Action",
    *(f"System.Action`{i}" for i in range(1, 6)),
    *(f"System.Func`{i}" for i in range(1, 7)),
)


def _field_api(libmono: str):
    lib = ctypes.CDLL(libmono)
    vp = ctypes.c_void_p
    sig = {
        "mono_class_from_mono_type": (vp, [vp]),
        "mono_class_init": (ctypes.c_int, [vp]),
        "mono_class_get_fields": (vp, [vp, ctypes.POINTER(vp)]),
        "mono_class_get_parent": (vp, [vp]),
        "mono_class_get_type": (vp, [vp]),
        "mono_type_get_name": (ctypes.c_char_p, [vp]),
        "mono_field_get_name": (ctypes.c_char_p, [vp]),
        "mono_field_get_offset": (ctypes.c_uint32, [vp]),
        "mono_field_get_flags": (ctypes.c_uint32, [vp]),
        "mono_field_get_type": (vp, [vp]),
        "mono_type_is_reference": (ctypes.c_int, [vp]),
        "mono_type_get_type": (ctypes.c_int, [vp]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def record_fields(types=None, *, session_: "HeapshotSession | None" = None) -> dict[str, dict[str, str]]:
    """Record the byte offset -> name of reference fields of ``types`` (and their bases) in the sidecar.

    Heap shots give a reference's byte offset inside the referrer, not the
    field's name; this asks the running Mono (its embedding API, through
    ctypes) for the layout so that retention paths can say ``field _rules``.
    ``types``: ``System.Type`` objects or assembly-qualified names; default
    :data:`DLR_TYPES`. Names are keyed as the profiler names classes;
    generic definitions also under their name without arity, which
    :meth:`callsite.heap.snapshot.Snapshot.field_name` uses as a fallback.
    """
    from System import Type  # type: ignore[import-not-found]

    sess = session_ or _session
    if sess is not None and not isinstance(sess, HeapshotSession):
        return sess.record_fields(types)
    lib = _field_api(sess.libmono if sess else DEFAULT_LIBMONO)
    out: dict[str, dict[str, str]] = {}
    for t in (types if types is not None else DLR_TYPES):
        if isinstance(t, str):
            t = Type.GetType(t, False)
            if t is None:
                continue
        handle = t.TypeHandle.Value.ToInt64()
        klass = lib.mono_class_from_mono_type(handle)
        chain: list[tuple[str, dict[str, str]]] = []
        while klass:
            lib.mono_class_init(klass)
            raw_name = lib.mono_type_get_name(lib.mono_class_get_type(klass))
            fields: dict[str, str] = {}
            it = ctypes.c_void_p(None)
            while True:
                f = lib.mono_class_get_fields(klass, ctypes.byref(it))
                if not f:
                    break
                if lib.mono_field_get_flags(f) & 0x10:  # FIELD_ATTRIBUTE_STATIC
                    continue
                ftype = lib.mono_field_get_type(f)
                # reference types, and generic parameters (T Target in CallSite<T>)
                if ftype and not (lib.mono_type_is_reference(ftype) or lib.mono_type_get_type(ftype) in (0x13, 0x1E)):
                    continue
                fields[str(lib.mono_field_get_offset(f))] = lib.mono_field_get_name(f).decode("utf-8", "replace")
            chain.append((raw_name.decode("utf-8", "replace") if raw_name else "", fields))
            klass = lib.mono_class_get_parent(klass)
        # a class's map holds its own reference fields and those it inherits
        for i, (name, _) in enumerate(chain):
            if not name:
                continue
            merged: dict[str, str] = {}
            for _, fs in reversed(chain[i:]):
                merged.update(fs)
            for key in {name, name.split("<", 1)[0].split("`", 1)[0]}:
                out.setdefault(key, {}).update(merged)
    if sess is not None:
        for k, v in out.items():
            sess.fields.setdefault(k, {}).update(v)
        sess.write_sidecar()
    return out


def profiler_hook(output_path: str | os.PathLike, options: str = DEFAULT_OPTIONS) -> Callable[[str], None]:
    """A ``before_init(libmono_path)`` callback for runtime loaders that load the profiler."""

    def hook(libmono: str) -> None:
        load_log_profiler(output_path, options, libmono=libmono)

    return hook


ENV_OUTPUT = "DLRSIM_HEAPSHOT"


def env_hook(libmono: str) -> None:
    """``before_init`` for worker processes: load the profiler if ``DLRSIM_HEAPSHOT`` names a file."""
    path = os.environ.get(ENV_OUTPUT)
    if path:
        load_log_profiler(path, libmono=libmono)


def load_runtime(module, before_init: Callable[[str], None] | None = None) -> None:
    """Load a runtime module (``binders.runtimes``); with ``DLRSIM_HEAPSHOT`` set, ready for heap shots.

    A runtime that must load something before it starts names that hook as
    ``HEAPSHOT_HOOK`` (Mono: this module's log profiler); the others take
    heap shots through EventPipe (:mod:`binders.dotnet_heapshot`), started
    once the runtime runs. ``before_init``, if given, replaces the hook.
    """
    shots_to = os.environ.get(ENV_OUTPUT)
    pre_start = getattr(module, "HEAPSHOT_HOOK", None)
    if shots_to and pre_start and before_init is None:
        import importlib

        mod, _, fn = pre_start.partition(":")
        before_init = getattr(importlib.import_module(mod), fn)
    module.load(before_init=before_init)
    if shots_to and pre_start is None:
        from binders import dotnet_heapshot

        dotnet_heapshot.start(shots_to)


def shot(name: str) -> int | None:
    """Take a heap shot at ``name`` when this process has the profiler loaded; otherwise nothing.

    Lets a replay mark its points unconditionally at no cost when snapshots are off.
    """
    if _session is None:
        return None
    return _session.take(name)


def session():
    """The heap shot session of this process: Mono's profiler (:func:`load_log_profiler`) or the
    EventPipe one of :mod:`binders.dotnet_heapshot` (:func:`install`), or None."""
    return _session


def install(session_) -> None:
    """Use ``session_`` (anything with ``take(name)`` and ``record_fields(types)``) for :func:`shot`."""
    global _session
    _session = session_


def take_heapshot(name: str, *, timeout: float = 30.0) -> int:
    """Take a heap shot at point ``name`` in this process (see :meth:`HeapshotSession.take`)."""
    if _session is None:
        raise HeapshotError("no heap shot session: call load_log_profiler() before starting Mono, or "
                            "binders.dotnet_heapshot.start() on CoreCLR/.NET")
    return _session.take(name, timeout=timeout)
