"""The real runtimes dlrsim can replay on, by name."""

from __future__ import annotations

from types import ModuleType

from binders import coreclr, mono, net8

RUNTIMES: dict[str, ModuleType] = {"mono": mono, "coreclr": coreclr, "net8": net8}
DEFAULT = "mono"


def get(name: str) -> ModuleType:
    try:
        return RUNTIMES[name]
    except KeyError:
        raise KeyError(f"unknown runtime {name!r} (choose from {', '.join(RUNTIMES)})") from None
