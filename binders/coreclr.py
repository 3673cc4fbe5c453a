"""CoreCLR 3.1 from the ``dotnetcore2`` wheel as a dlrsim runtime.

``pythonnet.load("coreclr", dotnet_root=...)`` alone did not find this runtime;
setting ``DOTNET_ROOT`` to the wheel's ``bin`` folder before loading does.
Without ICU the runtime needs invariant globalization.
"""

from __future__ import annotations

import glob
import os
from typing import Callable

NAME = "coreclr"
INSTALL_COMMAND = ".venv/bin/python -m pip install dotnetcore2==3.1.23"

FACTS = {
    "com_rcw": False,
    "com_reason": (
        "CoreCLR on Linux has no COM interop: Marshal.GetObjectForIUnknown throws "
        "PlatformNotSupportedException, so no System.__ComObject (and no COM instance "
        "restriction) can exist here"
    ),
}


def dotnet_root() -> str | None:
    try:
        import dotnetcore2
    except ImportError:
        return None
    root = os.path.join(os.path.dirname(dotnetcore2.__file__), "bin")
    return root if os.path.isdir(root) else None


def problems() -> list[str]:
    root = dotnet_root()
    if root is None:
        return ["the dotnetcore2 wheel is not installed in this Python"]
    if not glob.glob(os.path.join(root, "shared", "Microsoft.NETCore.App", "3.1.*")):
        return [f"no Microsoft.NETCore.App 3.1 under {root}/shared"]
    return []


def version_from_cli() -> str | None:
    root = dotnet_root()
    if root is None:
        return None
    versions = sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "shared", "Microsoft.NETCore.App", "*")))
    return versions[-1] if versions else None


def load(before_init: Callable[[str], None] | None = None) -> None:
    root = dotnet_root()
    if root is None:
        raise RuntimeError("dotnetcore2 is not installed")
    os.environ["DOTNET_ROOT"] = root
    os.environ.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
    if before_init is not None:
        before_init(root)
    import pythonnet

    pythonnet.load("coreclr")


def runtime_version() -> str:
    from System.Runtime.InteropServices import RuntimeInformation

    return str(RuntimeInformation.FrameworkDescription)
