"""Unique dynamic code snippets for experiment 9: tiny distinct assemblies as bytes.

A template assembly is compiled once with ``mcs`` (Roslyn is not available; ``mcs``
output references ``mscorlib``, which both Mono and CoreCLR 3.1 resolve), then
each snippet is a copy with its own name (assembly, namespace) and its own
string payload patched in place (same lengths, so the metadata stays valid):
distinct assemblies, as an editor compiling unique snippets produces.  The
helper ``DomainRunner.dll`` (Mono's ``AppDomain`` path) is compiled the same way.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from callsite.errors import DlrsimError

MARK = "S_000000"          # patched to S_%06d
PAYLOAD_CHARS = 2048        # a constant string: each snippet carries ~4 KB of its own metadata

TEMPLATE = """
namespace %(mark)s {
  public static class Code {
    public static string Payload = "%(payload)s";
    public static int Run(int x) { return x * 31 + Payload.Length + Payload[7]; }
  }
}
"""

RUNNER = """
using System;
using System.Reflection;
public class DomainRunner : MarshalByRefObject {
  public int RunAll(byte[][] batch) {
    int acc = 0;
    foreach (var bytes in batch) acc += RunOne(bytes);
    return acc;
  }
  public static int RunOne(byte[] bytes) { return RunAssembly(Assembly.Load(bytes)); }
  public static int RunAssembly(Assembly a) {
    foreach (Type t in a.GetTypes())
      if (t.Name == "Code")
        return (int)t.GetMethod("Run").Invoke(null, new object[] { 1 });
    return -1;
  }
  // CoreCLR 3.1: a collectible AssemblyLoadContext, reached by reflection (mcs compiles against
  // mscorlib, which has no System.Runtime.Loader); returns a weak reference to the unloaded context.
  [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
  public static WeakReference RunInCollectibleContext(string name, byte[][] batch, int[] acc) {
    Type alcType = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", true);
    object alc = Activator.CreateInstance(alcType, new object[] { name, true });
    MethodInfo load = alcType.GetMethod("LoadFromStream", new Type[] { typeof(System.IO.Stream) });
    foreach (var bytes in batch) {
      var a = (Assembly)load.Invoke(alc, new object[] { new System.IO.MemoryStream(bytes) });
      acc[0] += RunAssembly(a);
    }
    alcType.GetMethod("Unload").Invoke(alc, null);
    return new WeakReference(alc);
  }
  public int LoadedAssemblies() { return AppDomain.CurrentDomain.GetAssemblies().Length; }
  public static int RunInNewDomain(string appBase, byte[][] batch, out int loadedInside) {
    var setup = new AppDomainSetup();
    setup.ApplicationBase = appBase;
    AppDomain d = AppDomain.CreateDomain("snippets", null, setup);
    try {
      var r = (DomainRunner)d.CreateInstanceAndUnwrap("DomainRunner", "DomainRunner");
      int acc = r.RunAll(batch);
      loadedInside = r.LoadedAssemblies();
      return acc;
    } finally {
      AppDomain.Unload(d);
    }
  }
}
"""


def _mcs(source: str, out: Path) -> None:
    if shutil.which("mcs") is None:
        raise DlrsimError("experiment 9 needs mcs (Debian package mono-devel) to compile its snippet template")
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".cs")
    src.write_text(source)
    proc = subprocess.run(["mcs", "-target:library", "-nologo", f"-out:{out}", str(src)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise DlrsimError(f"mcs failed on {src}: {(proc.stdout + proc.stderr).strip().splitlines()[-1:]}")


def _payload() -> str:
    return ("P" * 8) + "x" * (PAYLOAD_CHARS - 8)


def build_dir() -> Path:
    """Compiled helpers live beside the experiment's results (``BUILD`` under its output folder)."""
    from experiments import common

    return common.scratch_dir() / "build"


def template_bytes() -> bytes:
    out = build_dir() / f"{MARK}.dll"  # the assembly name is the mark too
    if not out.exists():
        _mcs(TEMPLATE % {"mark": MARK, "payload": _payload()}, out)
    return out.read_bytes()


def runner_path() -> Path:
    out = build_dir() / "DomainRunner.dll"
    if not out.exists():
        _mcs(RUNNER, out)
    return out


def snippet(template: bytes, i: int) -> bytes:
    """The i-th unique snippet: the template with its name and payload made unique."""
    name = f"S_{i:06d}".encode()
    data = template.replace(MARK.encode(), name)
    # payload: the #US heap holds it as UTF-16; give it 8 unique leading characters
    digest = hashlib.sha1(str(i).encode()).hexdigest()[:8]
    old = ("P" * 8).encode("utf-16-le")
    assert data.count(old) == 1, "template payload marker not found exactly once"
    return data.replace(old, digest.encode("utf-16-le"))
