"""One-call Python API over the real-runtime host, for the detector, demo and notebooks."""

from __future__ import annotations

from typing import Any

from callsite.errors import DlrsimError


def _source(workload: Any) -> tuple[str, dict]:
    from binders.host import source_for
    from callsite.scenarios import get_scenario, scenario_document
    from callsite.workload import Workload

    if isinstance(workload, str):
        get_scenario(workload)  # unknown names fail here, in one line
        return workload, source_for(scenario=workload)
    if isinstance(workload, dict):
        return workload.get("name", "workload"), source_for(workload=workload)
    if isinstance(workload, Workload):
        if workload.source and workload.source != "<workload>":
            return workload.name, source_for(workload_file=workload.source)
        try:
            return workload.name, source_for(workload=scenario_document(workload.name))
        except DlrsimError:
            pass
    raise DlrsimError("a real run needs a scenario name, a workload file or a workload mapping")


def run_real(workload: Any, runtime: str = "mono", calls: int | None = None, *,
             timeout: float | None = None, sample_every: int | None = None, levels: bool = False,
             env: dict | None = None) -> dict:
    """Replay on a real runtime in a worker process; the result dict has the `simulate` fields.

    ``env`` adds worker environment variables (``DLRSIM_HEAPSHOT=FILE.mlpd``: heap shots on Mono).
    A workload that cannot run on that runtime (COM on CoreCLR/Linux) gives
    ``{"not_applicable": reason, ...}`` instead of counts.
    """
    from binders import host

    label, source = _source(workload)
    job = {"id": label, "source": source, "calls": calls, "sample_every": sample_every, "levels": levels}
    hello, (outcome,) = host.run_batch(runtime, [job], timeout=timeout, env=env)
    if outcome.status == "not_applicable":
        return {"workload": label, "runtime": runtime, "runtime_version": hello.get("runtime_version"),
                "not_applicable": outcome.reason, "calls": calls or 0, "sites": [], "samples": []}
    if outcome.result is None:
        raise DlrsimError(f"{runtime}: no result for {label}: {outcome.reason or outcome.status}")
    return outcome.result
