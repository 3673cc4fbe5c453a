"""A workload compiled to arrays, so long runs are generated without Python loops.

For a chunk of call indices the program yields, per argument position, the
type id, object id, literal value id and COM flag of every call, plus the
site and iteration of each call. Fresh objects get the id
``fresh_base + call_index * positions + position``: unique for the run and
never reused, as object identity is in a real process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from callsite.objects import ObjectSpace
from callsite.workload import Cycle, Workload


@dataclass
class Chunk:
    start: int
    stop: int
    site: np.ndarray        # site index per call
    iteration: np.ndarray   # iteration per call
    types: list             # per position: np.ndarray of type ids
    objs: list              # per position: object ids (0 = null)
    values: list            # per position: literal value ids
    coms: list              # per position: 1 if the value is a COM object


class Program:
    """The cycle of a workload's iterations as lookup tables."""

    def __init__(self, workload: Workload, space: ObjectSpace) -> None:
        self.workload = workload
        self.space = space
        self.site_names = list(workload.sites)
        site_index = {n: i for i, n in enumerate(self.site_names)}
        slots = [(j, tpl) for j, it in enumerate(workload.script) for tpl in it]
        self.cycle_calls = len(slots)
        self.cycle_iterations = len(workload.script)
        self.positions = max(len(tpl.args) for _, tpl in slots)
        self.arity = [len(workload.binders[workload.sites[n].binder].args) for n in self.site_names]
        n, p = self.cycle_calls, self.positions
        self.slot_site = np.array([site_index[tpl.site] for _, tpl in slots], dtype=np.int32)
        self.slot_iter = np.array([j for j, _ in slots], dtype=np.int64)
        self.t = np.zeros((p, n), dtype=np.int64)
        self.o = np.zeros((p, n), dtype=np.int64)
        self.v = np.zeros((p, n), dtype=np.int64)
        self.k = np.zeros((p, n), dtype=np.int8)
        self.fresh = np.zeros((p, n), dtype=bool)
        self.cycles: list[tuple] = []   # (slot, position, item arrays)
        for r, (_, tpl) in enumerate(slots):
            for pos, arg in enumerate(tpl.args):
                if isinstance(arg.value, Cycle):
                    items = [space.describe(v) for v in arg.value.items]
                    self.cycles.append((r, pos,
                                        np.array([d[0] for d in items], dtype=np.int64),
                                        np.array([0 if d[1] is None else d[1] for d in items], dtype=np.int64),
                                        np.array([d[1] is None for d in items], dtype=bool),
                                        np.array([d[2] for d in items], dtype=np.int64),
                                        np.array([d[3] for d in items], dtype=np.int8)))
                    continue
                tid, oid, vid, com = space.describe(arg.value)
                self.t[pos, r], self.v[pos, r], self.k[pos, r] = tid, vid, com
                if oid is None:
                    self.fresh[pos, r] = True
                else:
                    self.o[pos, r] = oid
        # The inputs repeat (up to fresh object identities) every this many calls:
        # a whole number of script cycles that is also a multiple of every
        # value cycle's length (value cycles advance by iteration).
        iters = self.cycle_iterations
        for c in self.cycles:
            iters = math.lcm(iters, len(c[2]))
        self.input_period_calls = (iters // self.cycle_iterations) * self.cycle_calls

    def iteration_of(self, call_index: int) -> int:
        q, r = divmod(call_index, self.cycle_calls)
        return q * self.cycle_iterations + int(self.slot_iter[r])

    def first_call_of_iteration(self, iteration: int) -> int:
        q, j = divmod(iteration, self.cycle_iterations)
        return q * self.cycle_calls + int(np.searchsorted(self.slot_iter, j))

    def chunk(self, start: int, stop: int) -> Chunk:
        cs = np.arange(start, stop, dtype=np.int64)
        q, r = np.divmod(cs, self.cycle_calls)
        iteration = q * self.cycle_iterations + self.slot_iter[r]
        base = self.space.fresh_base
        P = self.positions
        types, objs, values, coms = [], [], [], []
        for pos in range(P):
            types.append(self.t[pos][r])
            fresh = self.fresh[pos][r]
            objs.append(np.where(fresh, base + cs * P + pos, self.o[pos][r]))
            values.append(self.v[pos][r])
            coms.append(self.k[pos][r])
        for slot, pos, it, io, ifresh, iv, ik in self.cycles:
            m = np.nonzero(r == slot)[0]
            if m.size == 0:
                continue
            sel = iteration[m] % len(it)
            types[pos][m] = it[sel]
            objs[pos][m] = np.where(ifresh[sel], base + cs[m] * P + pos, io[sel])
            values[pos][m] = iv[sel]
            coms[pos][m] = ik[sel]
        return Chunk(start, stop, self.slot_site[r], iteration, types, objs, values, coms)
