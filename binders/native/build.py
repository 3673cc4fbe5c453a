"""Build the native COM shim (binders/native/libcomshim.so) with gcc.

Run by setup.sh; prints what it builds and does nothing when the library is
newer than its source.  Usable as a module too: :func:`build` returns the path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "comshim.c"
LIBRARY = HERE / "libcomshim.so"
COMMAND = ["gcc", "-O2", "-shared", "-fPIC", "-Wall", "-Werror", "-o", str(LIBRARY), str(SOURCE)]


def up_to_date() -> bool:
    return LIBRARY.exists() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime


def build(quiet: bool = False) -> Path:
    if up_to_date():
        if not quiet:
            print(f"setup: {LIBRARY.name} is up to date ({LIBRARY})")
        return LIBRARY
    if shutil.which("gcc") is None:
        raise RuntimeError("gcc not found: apt-get install gcc libc6-dev")
    if not quiet:
        print(f"setup: building {LIBRARY.name}: {' '.join(COMMAND)}")
    subprocess.run(COMMAND, check=True)
    return LIBRARY


if __name__ == "__main__":
    try:
        build()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"setup: building the COM shim failed: {exc}", file=sys.stderr)
        raise SystemExit(1)
