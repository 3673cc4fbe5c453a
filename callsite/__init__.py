"""dlrsim: an exact model of C# dynamic call-site caches.

The public API, for notebooks and scripts (the CLI is a thin shell over it)::

    from callsite import simulate, get_scenario, load_workload
    r = simulate("com-arg-fresh", profile="mono", calls=1000)
    r.binds, r.l1_rules, r.l2_rules, r.to_dict()

Names are imported on first use (PEP 562), so commands that need none of the
simulator (``dlrsim lint``) start without loading numpy.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "simulate": "callsite.simulator",
    "get_scenario": "callsite.scenarios",
    "scenario_names": ("callsite.scenarios", "names"),
    "load_workload": "callsite.workload",
    "Workload": "callsite.workload",
    "SimResult": "callsite.result",
    "Sample": "callsite.result",
    "RuntimeProfile": "callsite.profiles",
    "PROFILES": "callsite.profiles",
    "get_profile": "callsite.profiles",
    "DlrsimError": "callsite.errors",
    "WorkloadError": "callsite.errors",
    "detect": "callsite.detect",
    "Stepper": "callsite.stepper",
    "SiteCaches": "callsite.stepper",
    "Step": "callsite.stepper",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'callsite' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
