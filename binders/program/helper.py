"""The C# helper that rewrites programs: compiled with mcs on first use into a per-user cache.

The helper (``Rewriter.cs``, ``SourceLines.cs``, ``Sites.cs``, ``Binders.cs``, ``Recorder.cs``,
``Main.cs`` next to this file) uses Mono.Cecil 0.11 and Mono.CompilerServices.SymbolWriter from
Debian's Mono (``libmono-cecil-private-cil``).  It is built once per source version into
``$XDG_CACHE_HOME/dlrsim/program-helper-HASH/`` (never inside the project), with copies of
both libraries beside it so that CoreCLR, which has no GAC, finds them there too.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from callsite.errors import DlrsimError
from callsite.output import build_in_cache, cache_root

HERE = Path(__file__).resolve().parent
SOURCES = ("Rewriter.cs", "RawIL.cs", "SourceLines.cs", "Sites.cs", "Binders.cs", "Recorder.cs", "Main.cs")
NAME = "dlrsim-program.exe"
GAC = "/usr/lib/mono/gac"
LIBRARIES = {
    "Mono.Cecil.dll": f"{GAC}/Mono.Cecil/0.11.*/Mono.Cecil.dll",
    "Mono.CompilerServices.SymbolWriter.dll": f"{GAC}/Mono.CompilerServices.SymbolWriter/*/Mono.CompilerServices.SymbolWriter.dll",
}
INSTALL_HINT = "apt-get install -y mono-devel libmono-cecil-private-cil"


def _library(name: str) -> str:
    found = sorted(glob.glob(LIBRARIES[name]))
    if not found:
        raise DlrsimError(f"{name} not found under {GAC} (install: {INSTALL_HINT})")
    return found[-1]


def source_hash() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((HERE / name).read_bytes())
    return h.hexdigest()[:16]


def build(force: bool = False) -> Path:
    """The helper executable, compiled now if this version of the sources has not been yet."""
    folder = cache_root() / f"program-helper-{source_hash()}"
    exe = folder / NAME
    if exe.exists() and not force:
        return exe
    if shutil.which("mcs") is None:
        raise DlrsimError(f"mcs (the Mono C# compiler) is needed to build the program helper (install: {INSTALL_HINT})")
    libs = {name: _library(name) for name in LIBRARIES}

    def compile_into(tmp: Path) -> None:
        cmd = ["mcs", "-target:exe", "-optimize+", "-nologo", f"-out:{tmp / NAME}", "-r:System.Core", "-r:Microsoft.CSharp"]
        cmd += [f"-r:{path}" for path in libs.values()]
        cmd += [str(HERE / s) for s in SOURCES]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            lines = [ln for ln in (done.stdout + done.stderr).splitlines() if "error" in ln]
            raise DlrsimError(f"building the program helper failed: {(lines or ['mcs failed'])[0]}")
        for name, path in libs.items():
            shutil.copy2(path, tmp / name)

    build_in_cache(folder.name, compile_into)
    return exe
