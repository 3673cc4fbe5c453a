"""Run results: value objects with the stable JSON fields."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from callsite.site import LEVELS


@dataclass(frozen=True)
class Sample:
    """Cache and memory state after a forced full GC at an iteration boundary."""

    call: int
    binds: int
    rules_live: int
    weak_handles_live: int
    weak_targets_dead: int
    strong_instance_refs_live: int
    stale_rules_live: int
    binders_live: int
    approx_bytes: int
    # Of approx_bytes: what the binder's own state keeps (RuntimeProfile.binder_state).
    binder_state_bytes: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SimResult:
    """What a simulated run did; ``to_dict()`` gives the stable JSON fields."""

    workload: str
    profile: str
    calls: int
    binds: int
    l0_hits: int
    l1_hits: int
    l2_hits: int
    l1_rules: int
    l2_rules: int
    rules_compiled: int
    rules_live: int
    weak_handles_live: int
    weak_targets_dead: int
    strong_instance_refs_live: int
    approx_bytes: int
    binder_objects: int
    sites: list
    samples: list
    levels: Any = field(repr=False)   # a callsite.levels.LevelLog
    site_stats: list = field(repr=False, default_factory=list)
    program: Any = field(repr=False, default=None)
    binder_state_bytes: int = 0

    @property
    def level_names(self) -> list[str]:
        """Per call: which level satisfied it ("l0", "l1", "l2" or "bind")."""
        return [LEVELS[i] for i in self.levels.array().tolist()]

    def to_dict(self, *, levels: bool = False) -> dict:
        d = {
            "workload": self.workload, "profile": self.profile, "calls": self.calls,
            "binds": self.binds, "l0_hits": self.l0_hits, "l1_hits": self.l1_hits,
            "l2_hits": self.l2_hits, "l1_rules": self.l1_rules, "l2_rules": self.l2_rules,
            "rules_compiled": self.rules_compiled, "rules_live": self.rules_live,
            "weak_handles_live": self.weak_handles_live,
            "weak_targets_dead": self.weak_targets_dead,
            "strong_instance_refs_live": self.strong_instance_refs_live, "approx_bytes": self.approx_bytes,
            "binder_objects": self.binder_objects, "binder_state_bytes": self.binder_state_bytes,
            "sites": self.sites,
            "samples": [s.to_dict() for s in self.samples],
        }
        if levels:
            d["levels"] = self.level_names
        return d

    def iter_trace(self):
        """One dict per call: index, iteration, site and level."""
        program = self.program
        names = program.site_names
        for start in range(0, self.calls, 1 << 16):
            stop = min(self.calls, start + (1 << 16))
            ch = program.chunk(start, stop)
            for i, (s, it, lvl) in enumerate(zip(ch.site.tolist(), ch.iteration.tolist(),
                                                 self.levels.slice(start, stop).tolist())):
                yield {"call": start + i, "iteration": it, "site": names[s], "level": LEVELS[lvl]}

    def write_trace(self, path: "str | Path") -> None:
        with open(path, "w", encoding="utf-8") as f:
            for row in self.iter_trace():
                f.write(json.dumps(row, separators=(",", ":")))
                f.write("\n")
