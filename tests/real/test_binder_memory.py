"""The C# binder's own memory on real runtimes: flat per bind (dotnet/corefx#15397 is in their Microsoft.CSharp).

Each runtime replays the workloads its profile says bind on most calls; the
managed heap after a forced GC, minus what the DLR caches hold (bounded by
L1/L2), must not grow with the binds: less than one smallest object per bind,
where .NET Framework's symbol table would keep about 1.1-1.9 KB per bind.
"""

from __future__ import annotations

import pytest

from binders.runtimes import RUNTIMES
from callsite.bindermemory import SMALLEST_OBJECT_BYTES, bind_per_call_workloads, measure
from callsite.profiles import get_profile

# Enough binds in the second half for the slope to resolve a few bytes per bind.
CALLS = {"mono": 2000}
DEFAULT_CALLS = 8000


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_binder_state_is_flat_per_bind(runtime):
    workloads = bind_per_call_workloads(runtime)
    assert workloads, f"no bind-per-call workload for {runtime}"
    results = measure(runtime, workloads, calls=CALLS.get(runtime, DEFAULT_CALLS))
    assert [m.workload for m in results] == workloads
    modelled = get_profile("netfx").binder_state.bytes_per_bind(1)
    for m in results:
        assert m.binds >= m.calls * 0.5, m            # the run really bound on most calls
        assert m.cache_bytes_first == m.cache_bytes_last, m   # L1/L2 full: the caches no longer change
        assert m.flat, m
        assert m.high < SMALLEST_OBJECT_BYTES < modelled
