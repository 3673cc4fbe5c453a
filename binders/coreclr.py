"""CoreCLR 3.1 from the ``dotnetcore2`` wheel as a dlrsim runtime.

``pythonnet.load("coreclr", dotnet_root=...)`` alone did not find this runtime;
setting ``DOTNET_ROOT`` to the wheel's ``bin`` folder before loading does.
Without ICU the runtime needs invariant globalization.  The helpers that do
not depend on where the runtime comes from (:func:`framework_versions`,
:func:`runtime_version`, :data:`FACTS`) are shared with :mod:`binders.net8`.
"""

from __future__ import annotations

import glob
import os
from typing import Callable

NAME = "coreclr"
INSTALL_COMMAND = ".venv/bin/python -m pip install dotnetcore2==3.1.23"
FRAMEWORK = "Microsoft.NETCore.App"

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


def framework_versions(root: str | None) -> list[str]:
    """Versions of Microsoft.NETCore.App under a dotnet root, oldest first."""
    if root is None:
        return []
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "shared", FRAMEWORK, "*")))


def framework_problems(root: str | None, wheel: str, major: str) -> list[str]:
    if root is None:
        return [f"the {wheel} wheel is not installed in this Python"]
    if not any(v.startswith(major + ".") for v in framework_versions(root)):
        return [f"no {FRAMEWORK} {major} under {root}/shared"]
    return []


def problems() -> list[str]:
    return framework_problems(dotnet_root(), "dotnetcore2", "3.1")


def version_from_cli() -> str | None:
    versions = framework_versions(dotnet_root())
    return versions[-1] if versions else None


def prepare_environment(root: str | None, wheel: str, before_init: Callable[[str], None] | None) -> str:
    """Check the runtime folder, point DOTNET_ROOT at it, run the before-init hook; returns the folder."""
    if root is None:
        raise RuntimeError(f"{wheel} is not installed")
    os.environ["DOTNET_ROOT"] = root
    os.environ.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
    if before_init is not None:
        before_init(root)
    return root


def load(before_init: Callable[[str], None] | None = None) -> None:
    prepare_environment(dotnet_root(), "dotnetcore2", before_init)
    import pythonnet

    pythonnet.load("coreclr")


def runtime_version() -> str:
    from System.Runtime.InteropServices import RuntimeInformation

    return str(RuntimeInformation.FrameworkDescription)
