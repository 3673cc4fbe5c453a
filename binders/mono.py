"""Mono 6.8 (Debian) as a dlrsim runtime: how to find it, load it, install it.

Loading goes through clr_loader with an explicit ``libmono`` so that code that
must run inside the runtime before pythonnet initializes it (the heap-snapshot
helper loads the Mono log profiler this way) can be passed as ``before_init``:
it is called with the path of the libmono that is about to be used.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import warnings
from typing import Callable

NAME = "mono"
INSTALL_COMMAND = "apt-get install -y mono-runtime mono-devel libmono-2.0-1"
LIBMONO_CANDIDATES = (
    "/usr/lib/libmonosgen-2.0.so.1",
    "/usr/lib/libmonosgen-2.0.so",
    "/usr/lib/x86_64-linux-gnu/libmonosgen-2.0.so.1",
    "/usr/lib/libmono-2.0.so.1",
    "/usr/lib/x86_64-linux-gnu/libmono-2.0.so.1",
)
# pythonnet needs the netstandard facade, which comes with mono-devel.
FACADE_GLOB = "/usr/lib/mono/4.5/Facades/netstandard.dll"

# Runtime facts that are data, not code paths (see binders/profile.py).
#: how heap shots are taken here (``binders.worker`` loads it before the runtime starts)
HEAPSHOT_HOOK = "binders.heapshot:env_hook"
HEAPSHOT_SUFFIX = ".mlpd"

FACTS = {
    "com_rcw": True,  # Marshal.GetObjectForIUnknown gives a System.__ComObject
    "com_reason": None,
    "heapshots": True,  # the Mono log profiler loads into the hosted runtime (binders/heapshot.py)
}


def find_libmono() -> str | None:
    for path in LIBMONO_CANDIDATES:
        if os.path.exists(path):
            return path
    return None


def problems() -> list[str]:
    """What is missing for this runtime; empty when it should load."""
    out = []
    if shutil.which("mono") is None:
        out.append("the mono executable is not installed (package mono-runtime)")
    if find_libmono() is None:
        out.append("libmono-2.0 shared library not found (package libmono-2.0-1)")
    if not glob.glob(FACADE_GLOB):
        out.append("netstandard facade missing (package mono-devel)")
    return out


def version_from_cli() -> str | None:
    try:
        out = subprocess.run(["mono", "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = out.splitlines()[0] if out else ""
    # "Mono JIT compiler version 6.8.0.105 (Debian ...)"
    parts = first.split("version", 1)
    return parts[1].strip() if len(parts) == 2 else first or None


def load(before_init: Callable[[str], None] | None = None) -> None:
    """Load Mono into this process and initialize pythonnet on it."""
    libmono = find_libmono()
    if libmono is None:
        raise RuntimeError("libmono-2.0 not found")
    if before_init is not None:
        before_init(libmono)
    from clr_loader import get_mono
    import pythonnet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Mono < 6.12 is problematic": known, measured fine
        pythonnet.set_runtime(get_mono(libmono=libmono))
        pythonnet.load()


def runtime_version() -> str:
    """Version string from inside the loaded runtime."""
    import System

    mono_runtime = System.Type.GetType("Mono.Runtime")
    if mono_runtime is not None:
        from System.Reflection import BindingFlags

        method = mono_runtime.GetMethod("GetDisplayName", BindingFlags.NonPublic | BindingFlags.Static)
        if method is not None:
            return "Mono " + str(method.Invoke(None, None))
    return "Mono " + str(System.Environment.Version)
