"""dlrsim: an exact model of C# dynamic call-site caches.

The public API, for notebooks and scripts (the CLI is a thin shell over it)::

    from callsite import simulate, get_scenario, load_workload
    r = simulate("com-arg-fresh", profile="mono", calls=1000)
    r.binds, r.l1_rules, r.l2_rules, r.to_dict()
"""

from callsite.errors import DlrsimError, WorkloadError
from callsite.profiles import PROFILES, RuntimeProfile, get_profile
from callsite.result import Sample, SimResult
from callsite.scenarios import get_scenario, names as scenario_names
from callsite.simulator import simulate
from callsite.workload import Workload, load_workload

__all__ = ["simulate", "get_scenario", "scenario_names", "load_workload", "Workload", "SimResult",
           "Sample", "RuntimeProfile", "PROFILES", "get_profile", "DlrsimError", "WorkloadError"]
