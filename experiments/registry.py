"""The experiments, by name and number: what each reproduces and how to run it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from callsite.errors import DlrsimError

MODULES = ("e1_com_loop", "e2_managed_arg", "e3_com_arg", "e4_com_arg_cast", "e5_handmade_site",
           "e6_new_site_per_iteration", "e7_com_member_access", "e8_poly_sweep", "e9_unique_snippets")


@dataclass(frozen=True)
class Experiment:
    number: int
    name: str
    module: str
    title: str
    claim: str
    expectation: str
    default_calls: int

    def load(self) -> ModuleType:
        return importlib.import_module(f"experiments.{self.module}")

    @property
    def command(self) -> str:
        return f"dlrsim experiment run {self.name}"

    def to_dict(self) -> dict:
        return {"number": self.number, "name": self.name, "module": f"experiments.{self.module}",
                "title": self.title, "claim": self.claim, "expectation": self.expectation,
                "default_calls": self.default_calls, "command": self.command,
                "script": f"python -m experiments.{self.module}"}


def all_experiments() -> list[Experiment]:
    out = []
    for m in MODULES:
        mod = importlib.import_module(f"experiments.{m}")
        out.append(Experiment(mod.NUMBER, mod.NAME, m, mod.TITLE, mod.CLAIM, mod.EXPECT, mod.DEFAULT_CALLS))
    return out


def get(name: str) -> Experiment:
    """By name (``com-arg``), number (``3``) or module (``e3_com_arg``)."""
    exps = all_experiments()
    for e in exps:
        if name in (e.name, str(e.number), e.module, f"e{e.number}"):
            return e
    raise DlrsimError(f"unknown experiment {name!r} (choose from {', '.join(e.name for e in exps)})")
