"""Real-runtime fixtures: one worker batch per runtime for the whole session.

Each runtime is started once (one subprocess) and replays every built-in
scenario, the seeded random workloads and a few focused workloads; the tests
then read the outcomes.  A missing runtime is an error, not a skip: setup.sh
installs all three.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from binders import host
from binders.compare import all_scenarios
from callsite.generate import random_workload

RUNTIMES = ("mono", "coreclr", "net8")
RANDOM_SEEDS = tuple(range(1, 25))          # 24 seeded random workloads per runtime
RANDOM_CALLS = 240
SCENARIOS = tuple(all_scenarios())
# poly-N around the cache limits (L1 10, L2 append until 64, insert at 64, full at 128),
# on top of the poly-N that `compare --all` runs.
POLY_SWEEP = (2, 9, 11, 63, 127, 130, 257, 400)
WORKLOAD_DIR = Path(__file__).resolve().parent / "workloads"
FILES = tuple(sorted(p.name for p in WORKLOAD_DIR.glob("*.json")))


def random_doc(runtime: str, seed: int) -> dict:
    from callsite.profiles import get_profile

    # COM objects only where the runtime has them (CoreCLR on Linux has none).
    return random_workload(seed, calls=RANDOM_CALLS, com=get_profile(runtime).native_com_on_linux)


def jobs_for(runtime: str) -> list[dict]:
    jobs = [{"id": f"scenario:{n}", "source": {"scenario": n}, "calls": None} for n in SCENARIOS]
    jobs += [{"id": f"random:{s}", "source": {"workload": random_doc(runtime, s)}, "calls": RANDOM_CALLS}
             for s in RANDOM_SEEDS]
    jobs += [{"id": f"scenario:poly-{n}", "source": {"scenario": f"poly-{n}"}, "calls": None} for n in POLY_SWEEP]
    jobs += [{"id": f"file:{f}", "source": {"file": str(WORKLOAD_DIR / f)}, "calls": None} for f in FILES]
    # for test_runtime_facts: a full L2 (in the same worker, not a runtime start of its own)
    jobs.append({"id": "fact:poly-200", "source": {"scenario": "poly-200"}, "calls": 1000})
    return jobs


class Batch:
    def __init__(self, runtime: str, tmp_path_factory) -> None:
        from callsite.scenarios import get_scenario

        self.runtime = runtime
        jobs = jobs_for(runtime)
        for j in jobs:
            if j["calls"] is None and "scenario" in j["source"]:
                j["calls"] = get_scenario(j["source"]["scenario"]).default_calls
            elif j["calls"] is None:
                from callsite.workload import load_workload

                wl = load_workload(j["source"]["file"])
                j["calls"] = wl.default_calls
        self.jobs = {j["id"]: j for j in jobs}
        out = tmp_path_factory.mktemp(f"real-{runtime}") / "events.jsonl"
        self.hello, outcomes = host.run_batch(runtime, jobs, timeout=900, out=out)
        self.outcomes = {o.id: o for o in outcomes}


_BATCHES: dict = {}


@pytest.fixture(scope="session")
def batch(request, tmp_path_factory):
    def get(runtime: str) -> Batch:
        if runtime not in _BATCHES:
            _BATCHES[runtime] = Batch(runtime, tmp_path_factory)
        return _BATCHES[runtime]
    return get
