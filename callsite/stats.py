"""Per-site statistics and the inline-cache state they imply."""

from __future__ import annotations

from dataclasses import dataclass, field

UNINITIALIZED = "uninitialized"
MONOMORPHIC = "monomorphic"
POLYMORPHIC = "polymorphic"
MEGAMORPHIC = "megamorphic"


@dataclass
class SiteStats:
    """What one site (all instances of one site spec) saw during a run.

    ``type_binds`` are binds for an argument-type combination the site had not
    bound before; ``identity_binds`` are binds for a combination it had bound
    before, forced by an instance restriction on a new object: the leak's
    signature. Other repeat binds (``repeat_binds - identity_binds``) come from
    lost caches: a new site or binder per iteration, or eviction.
    """

    name: str
    lifetime: str
    binder: str
    operation: str
    calls: int = 0
    binds: int = 0
    l0_hits: int = 0
    l1_hits: int = 0
    l2_hits: int = 0
    instances: int = 0
    binder_objects: int = 0
    type_binds: int = 0
    repeat_binds: int = 0
    identity_binds: int = 0
    identity_positions: dict = field(default_factory=dict)
    signatures: set = field(default_factory=set)
    l1_rules: int = 0
    l2_rules: int = 0
    first_bind_call: int | None = None
    # Call indices (first few) at which evidence accumulated, so a detector can
    # say how early a pattern was visible.
    repeat_bind_calls: list = field(default_factory=list)
    identity_bind_calls: list = field(default_factory=list)

    EVIDENCE_KEPT = 16

    def record_bind(self, call: int, signature: tuple, fresh_instance_positions: list) -> None:
        """Count one bind: new argument types, or a repeat (forced by identity when a
        new object sits in an instance-restricted position)."""
        self.binds += 1
        if self.first_bind_call is None:
            self.first_bind_call = call
        if signature not in self.signatures:
            self.type_binds += 1
            self.signatures.add(signature)
            return
        self.repeat_binds += 1
        if len(self.repeat_bind_calls) < self.EVIDENCE_KEPT:
            self.repeat_bind_calls.append(call)
        if fresh_instance_positions:
            self.identity_binds += 1
            if len(self.identity_bind_calls) < self.EVIDENCE_KEPT:
                self.identity_bind_calls.append(call)
            counts = self.identity_positions
            for pos in fresh_instance_positions:
                counts[pos] = counts.get(pos, 0) + 1

    def ic_state(self, l1_max: int) -> str:
        n = len(self.signatures)
        if n == 0:
            return UNINITIALIZED
        if n == 1:
            return MONOMORPHIC
        return POLYMORPHIC if n <= l1_max else MEGAMORPHIC

    @property
    def identity_churn(self) -> bool:
        """Misses driven by object identity rather than by new types."""
        return self.identity_binds > 0 and self.identity_binds >= self.type_binds

    @property
    def bind_rate(self) -> float:
        return self.binds / self.calls if self.calls else 0.0

    def to_dict(self, l1_max: int) -> dict:
        return {
            "name": self.name, "lifetime": self.lifetime, "binder": self.binder,
            "operation": self.operation, "calls": self.calls, "binds": self.binds,
            "l0_hits": self.l0_hits, "l1_hits": self.l1_hits, "l2_hits": self.l2_hits,
            "l1_rules": self.l1_rules, "l2_rules": self.l2_rules,
            "ic_state": self.ic_state(l1_max), "identity_churn": self.identity_churn,
            "types_seen": len(self.signatures), "type_binds": self.type_binds,
            "repeat_binds": self.repeat_binds, "identity_binds": self.identity_binds,
            "identity_positions": sorted(self.identity_positions),
            "site_instances": self.instances, "binder_objects": self.binder_objects,
            "bind_rate": round(self.bind_rate, 6),
            "first_bind_call": self.first_bind_call,
            "repeat_bind_calls": self.repeat_bind_calls,
            "identity_bind_calls": self.identity_bind_calls,
        }
