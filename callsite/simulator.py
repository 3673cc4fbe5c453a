"""Runs a workload against the cache model of one runtime profile.

The run is exact call by call, but not executed call by call: an L0 hit
changes nothing but counters, so for each static site the simulator finds the
next call whose arguments fail the site's current ``Target`` with one
vectorized comparison over the chunk, counts the calls before it as L0 hits,
and runs only the misses (and calls to per-iteration sites, whose first call
in an iteration is always a miss) through the Python update path, in call
order, because misses of different sites share L2 caches.
"""

from __future__ import annotations

import heapq
from typing import Callable

import numpy as np

from callsite.binder import COM_CLASS, NULL_CLASS, OTHER_CLASS, BinderFactory, CSharpBinder
from callsite.errors import DlrsimError
from callsite.levels import LevelLog
from callsite.objects import ObjectSpace
from callsite.profiles import RuntimeProfile, get_profile
from callsite.program import Program
from callsite.restrictions import COM, INSTANCE, TYPE, TYPE_OBJECT, VALUE
from callsite.result import Sample, SimResult
from callsite.semantics import Arg, World
from callsite.rule import Rule
from callsite.site import BIND, L0, L1, L2, CallSite
from callsite.stats import SiteStats
from callsite.workload import MAX_CALLS, RUNTIME_TYPE, Workload, load_workload

CHUNK = 1 << 16
MAX_SAMPLES = 100_000  # memory samples per run (each walks every live rule)
_GETTERS: dict[tuple, Callable] = {}
_ARRAY_OF_KIND = {TYPE: 0, INSTANCE: 1, TYPE_OBJECT: 1, VALUE: 2, COM: 3}


def _getter(shape: tuple) -> Callable:
    """A compiled function that extracts a call's key for a rule shape."""
    g = _GETTERS.get(shape)
    if g is None:
        names = {TYPE: "T", INSTANCE: "O", TYPE_OBJECT: "O", VALUE: "V", COM: "K"}
        parts = []
        for pos, kind in shape:
            parts.append(f"{names[kind]}[{pos}]" if kind != COM else f"K[{pos}] == 1")
        src = f"lambda T, O, V, K: ({', '.join(parts)}{',' if len(parts) == 1 else ''})"
        g = _GETTERS[shape] = eval(src)  # noqa: S307 - built from our own shape letters
    return g


class Simulator:
    """One run: the object space, binders, sites and counters of a process."""

    def __init__(self, workload: Workload, profile: RuntimeProfile, calls: int,
                 sample_every: int | None = None,
                 progress: Callable[[int], None] | None = None, shortcuts: bool = True) -> None:
        self.workload = workload
        self.shortcuts = shortcuts
        self.profile = profile
        self.calls = calls
        self.space = ObjectSpace()
        self.program = Program(workload, self.space)
        self.factory = BinderFactory(profile)
        self.progress = progress
        names = self.program.site_names
        self.specs = [workload.sites[n] for n in names]
        self.per_iteration = np.array([s.lifetime == "per-iteration" for s in self.specs], dtype=bool)
        self.stats = [SiteStats(s.name, s.lifetime, s.binder,
                                workload.binders[s.binder].describe()) for s in self.specs]
        self.static_sites: dict[int, CallSite] = {}
        self.current: dict[int, tuple[int, CallSite]] = {}   # per-iteration: (iteration, site)
        self.run_binders: dict[str, CSharpBinder] = {}      # binder objects kept for the run
        self.binders_seen: dict[int, CSharpBinder] = {}
        self.rule_count = 0
        self.binds = 0
        # What each site's bind leaves in the binder's own state (profile data).
        state = profile.binder_state
        self.state_bytes_per_bind = [state.bytes_per_bind(self.program.arity[i], bool(workload.binders[sp.binder].context))
                                     for i, sp in enumerate(self.specs)]
        self.binder_state_bytes = 0
        self.world = World(workload.classes)
        self._throws_memo: dict[tuple, bool] = {}
        self._runtime_type = self.space.type_id(RUNTIME_TYPE)
        self.levels = LevelLog(calls)
        self.samples: list[Sample] = []
        total_iterations = max(1, self.program.iteration_of(calls - 1) + 1) if calls else 1
        self.sample_every = sample_every or max(1, total_iterations // 32)
        if total_iterations // self.sample_every > MAX_SAMPLES:
            raise DlrsimError(f"a sample every {self.sample_every} iterations takes "
                              f"{total_iterations // self.sample_every:,} samples; at most {MAX_SAMPLES:,}: "
                              "sample less often (--sample-every)")

    # -------------------------------------------------------------- objects
    def _binder_for_run(self, name: str) -> CSharpBinder:
        b = self.run_binders.get(name)
        if b is None:
            b = self.run_binders[name] = self.factory.create(self.workload.binders[name])
            self.binders_seen[b.id] = b
        return b

    def _site(self, s: int, iteration: int) -> CallSite:
        spec = self.specs[s]
        if spec.lifetime == "static":
            site = self.static_sites.get(s)
            if site is None:
                binder = self._binder_for_run(spec.binder)
                site = self.static_sites[s] = CallSite(spec.name, 0, binder, self.profile.l1_max_rules,
                                                       binder.cache_for(spec.delegate))
                self.stats[s].instances += 1
                self.stats[s].binder_objects = 1
            return site
        cur = self.current.get(s)
        if cur is not None and cur[0] == iteration:
            return cur[1]
        if spec.binder_per_iteration:
            binder = self.factory.create(self.workload.binders[spec.binder])
            if binder.id not in self.binders_seen:
                self.binders_seen[binder.id] = binder
                self.stats[s].binder_objects += 1
        else:
            binder = self._binder_for_run(spec.binder)
            self.stats[s].binder_objects = 1
        st = self.stats[s]
        site = CallSite(spec.name, st.instances, binder, self.profile.l1_max_rules,
                        binder.cache_for(spec.delegate))
        st.instances += 1
        self.current[s] = (iteration, site)
        return site

    # -------------------------------------------------------------- the run
    def run(self) -> SimResult:
        program = self.program
        sample_calls = []
        it = 0
        last_iter = program.iteration_of(self.calls - 1) if self.calls else -1
        while it <= last_iter:
            sample_calls.append(program.first_call_of_iteration(it))
            it += self.sample_every
        si = 0
        period = program.input_period_calls
        detect = self.shortcuts and period <= 4 * CHUNK
        seen: dict[tuple, tuple] = {}
        size = period if detect else CHUNK
        start = 0
        while start < self.calls:
            stop = min(self.calls, start + size)
            chunk_samples = []
            while si < len(sample_calls) and sample_calls[si] < stop:
                chunk_samples.append(sample_calls[si])
                si += 1
            self._run_chunk(program.chunk(start, stop), chunk_samples)
            if self.progress:
                self.progress(stop - start)
            start = stop
            if detect and start < self.calls:
                # Chunks end on input-period boundaries, so equal states mean the
                # rest of the run repeats them: skip whole repeats.
                skipped = self._shortcuts(start, seen, sample_calls, si)
                if skipped:
                    start, si = skipped
                    detect = False
                    size = CHUNK
                else:
                    size = min(size * 2, max(period, (CHUNK // period) * period))
        self._take_sample(self.calls)
        return self._result()

    def _state(self) -> tuple:
        """Everything that decides future cache behaviour, by rule and binder identity."""
        sites = tuple((s, site.target.id if site.target else 0, tuple(r.id for r in site.rules or ()))
                      for s, site in sorted(self.static_sites.items()))
        binders = {b.id: b for b in self.run_binders.values()}
        for b in self.factory.cached:
            binders[b.id] = b
        caches = tuple((i, d, tuple(r.id for r in c.rules)) for i in sorted(binders)
                       for d, c in sorted(binders[i].caches.items()))
        return (self.rule_count, self.factory.created, self.factory.clears, sites, caches)

    def _counters(self) -> list[tuple]:
        return [(st.calls, st.l0_hits, st.l1_hits, st.l2_hits, st.instances) for st in self.stats]

    def _shortcuts(self, at: int, seen: dict, sample_calls: list[int], si: int):
        """If the state at ``at`` was seen at an earlier period boundary, skip repeats.

        Between two equal states no rule was bound (the rule counter is part of
        the state) and the inputs repeat (both are input-period boundaries;
        fresh objects can only differ where a type restriction ignores
        identity), so every later repeat replays the same levels and counters.
        The live rule set cannot change inside such a cycle (a rule that left
        every cache could not come back without a bind), so memory samples in
        the skipped calls equal the one at ``at``.
        """
        state = self._state()
        before = seen.get(state)
        if before is None:
            if len(seen) > 256:
                seen.clear()
            seen[state] = (at, self._counters())
            return None
        c1, counters = before
        delta = at - c1
        repeats = (self.calls - at) // delta
        if repeats < 1:
            return None
        end = at + repeats * delta
        self.levels.set_repeat(c1, at, repeats)
        for st, (calls, l0, l1, l2, instances) in zip(self.stats, counters):
            st.instances += repeats * (st.instances - instances)
            st.calls += repeats * (st.calls - calls)
            st.l0_hits += repeats * (st.l0_hits - l0)
            st.l1_hits += repeats * (st.l1_hits - l1)
            st.l2_hits += repeats * (st.l2_hits - l2)
        while si < len(sample_calls) and sample_calls[si] < end:
            self._take_sample(sample_calls[si])
            si += 1
        if self.progress:
            self.progress(end - at)
        return end, si

    def _run_chunk(self, ch, sample_calls: list[int]) -> None:
        self._ch = ch
        self._lists = None
        self._pending = None
        self._scalar = 0
        self._window = self.levels.window(ch.start, ch.stop)
        arrays = (ch.types, ch.objs, ch.values, ch.coms)
        sites = ch.site
        heap: list[tuple] = []
        idx_of: dict[int, np.ndarray] = {}
        ptr: dict[int, int] = {}
        present = np.unique(sites)
        for s in present.tolist():
            if self.per_iteration[s]:
                continue
            idx = np.flatnonzero(sites == s)
            idx_of[s] = idx
            ptr[s] = 0
            m = self._next_miss(arrays, idx, 0, s)
            if m < len(idx):
                heapq.heappush(heap, (int(idx[m]), 1, s, m))
            else:
                self.stats[s].l0_hits += len(idx)
                self.stats[s].calls += len(idx)
                ptr[s] = len(idx)
        for c in sample_calls:
            heapq.heappush(heap, (c - ch.start, 0, -1, 0))
        per_iter_idx = np.flatnonzero(self.per_iteration[sites]) if self.per_iteration.any() else np.empty(0, np.int64)
        for e in per_iter_idx.tolist():
            heapq.heappush(heap, (e, 1, -2, 0))
        levels = self._window
        while heap:
            e, _, s, m = heapq.heappop(heap)
            if s == -1:
                self._take_sample(ch.start + e)
                continue
            if s == -2:
                s = int(sites[e])
                lvl = self._process(e, s)
                levels[e] = lvl
                continue
            st = self.stats[s]
            hits = m - ptr[s]
            st.l0_hits += hits
            st.calls += hits
            lvl = self._process(e, s)
            levels[e] = lvl
            ptr[s] = m + 1
            idx = idx_of[s]
            if lvl == BIND and self.shortcuts:
                # Other events (sites, samples) must not fall inside a bulk run.
                limit = heap[0][0] if heap else len(sites)
                ptr[s] += self._bulk_binds(s, idx, m + 1, limit)
            m2 = self._next_miss(arrays, idx, ptr[s], s)
            if m2 < len(idx):
                heapq.heappush(heap, (int(idx[m2]), 1, s, m2))
            else:
                rest = len(idx) - ptr[s]
                st.l0_hits += rest
                st.calls += rest
                ptr[s] = len(idx)

    def _bulk_binds(self, s: int, idx: np.ndarray, start: int, limit: int) -> int:
        """Apply a run of certain binds at a steady-state site at once; returns how many.

        A call whose instance-restricted argument is a new object binds (see
        ``_process``). Once L1 and L2 are full, k binds in a row leave L1 as the
        last 10 rules and L2's back half as ``[r_k, r_k, r_k-1, ...]`` (the
        in-place insert), so only the rules that can still be cached are
        created; the others are counted, as compiled and dropped. The run stops
        at the first call that is not a certain bind with the same argument
        classes, at another site's call, or at a sample.
        """
        site = self.static_sites.get(s)
        binder = site.binder if site is not None else None
        cache = site.cache if site is not None else None
        if (cache is None or site.l1_size < site.max_rules or len(cache) < cache.max_rules
                or self.profile.l2_insert_position + 2 > cache.max_rules):
            return 0
        n_idx = len(idx)
        if start >= n_idx or idx[start] >= limit:
            return 0
        if self._lists is None:
            self._scalar = 65
            self._call_data(int(idx[start]), 0)
        rowsT, rowsO, rowsV, rowsK = self._lists
        arity = self.program.arity[s]
        first = int(idx[start])
        O0, K0 = rowsO[first], rowsK[first]
        classes = tuple([NULL_CLASS if O0[p] == 0 else (COM_CLASS if K0[p] else OTHER_CLASS)
                         for p in range(arity)])
        inst = binder.instance_positions(classes)
        if not inst:
            return 0
        shape = binder.plan(classes)
        type_positions = [p for p, kind in shape if kind == TYPE]
        fresh = self.space.fresh_base
        guards = binder.type_guards
        st = self.stats[s]
        levels = self._window
        base = self._ch.start
        n = 0
        calls: list[int] = []
        j = start
        while j < n_idx:
            e = int(idx[j])
            if e >= limit:
                break
            T, O, K = rowsT[e], rowsO[e], rowsK[e]
            if tuple([NULL_CLASS if O[p] == 0 else (COM_CLASS if K[p] else OTHER_CLASS)
                      for p in range(arity)]) != classes:
                break
            if not any(O[p] >= fresh and (p, T[p]) not in guards for p in inst):
                break
            g = base + e
            for p in type_positions:
                guards.add((p, T[p]))
            st.record_bind(g, T, [p for p in inst if O[p] >= fresh])
            levels[e] = BIND
            calls.append(e)
            n += 1
            j += 1
        if n == 0:
            return 0
        st.calls += n
        self.binder_state_bytes += n * self.state_bytes_per_bind[s]
        # Rules that can still be cached: the last 63 (L2's back half) cover L1's 10.
        getter = _GETTERS.get(shape) or _getter(shape)
        keep = calls[-63:]
        first_id = self.rule_count + n - len(keep) + 1
        rules = [Rule(first_id + i, shape, getter(rowsT[e], rowsO[e], rowsV[e], rowsK[e]), binder.id,
                      binder.action, rowsT[e], self.space)
                 for i, e in enumerate(keep)]
        self.rule_count += n
        self.binds += n
        newest = rules[::-1]
        ins = cache.insert_position
        old_back = cache.rules[ins:]
        # k inserts into a full cache: [r_k, r_k, r_k-1, ..., r_1, b_1, ..., b_(63-k)]
        back = [newest[0]] + newest + old_back[1:len(old_back) - len(newest)]
        cache.replace_back(back[: len(old_back)])
        site.rules = (newest + site.rules)[: site.max_rules]
        site.target = newest[0]
        return n

    def _call_data(self, e: int, arity: int) -> tuple:
        rows = self._lists
        if rows is None:
            self._scalar += 1
            if self._scalar > 64:
                # Dense misses: build every call's tuples for the chunk at once.
                ch = self._ch
                rows = self._lists = tuple(list(zip(*[a.tolist() for a in arrs]))
                                           for arrs in (ch.types, ch.objs, ch.values, ch.coms))
        if rows is not None:
            return rows[0][e], rows[1][e], rows[2][e], rows[3][e]
        # Same shape as the dense rows: every position, so signatures compare equal.
        ch = self._ch
        rng = range(self.program.positions)
        return (tuple(int(ch.types[p][e]) for p in rng), tuple(int(ch.objs[p][e]) for p in rng),
                tuple(int(ch.values[p][e]) for p in rng), tuple(int(ch.coms[p][e]) for p in rng))

    def _next_miss(self, arrays, idx: np.ndarray, start: int, s: int) -> int:
        """Index into ``idx`` of the first call that fails the site's L0 test."""
        n = len(idx)
        if start >= n:
            return n
        site = self.static_sites.get(s)
        target = site.target if site is not None else None
        if target is None:
            return start
        arity = self.program.arity[s]
        e = int(idx[start])
        data = self._call_data(e, arity)
        if _getter(target.shape)(*data) != target.key:
            self._pending = (e, data)
            return start
        pos = start + 1
        width = 16
        guards = [(arrays[_ARRAY_OF_KIND[kind]][p], (1 if kind == COM else key))
                  for (p, kind), key in zip(target.shape, target.key)]
        while pos < n:
            end = min(n, pos + width)
            sub = idx[pos:end]
            bad = None
            for arr, key in guards:
                mism = arr[sub] != key
                bad = mism if bad is None else (bad | mism)
            nz = np.flatnonzero(bad)
            if nz.size:
                return pos + int(nz[0])
            pos = end
            width *= 8
        return n

    def _process(self, e: int, s: int) -> int:
        ch = self._ch
        arity = self.program.arity[s]
        pending = self._pending
        if pending is not None and pending[0] == e:
            T, O, V, K = pending[1]
        else:
            T, O, V, K = self._call_data(e, arity)
        site = self.static_sites.get(s)
        if site is None:
            site = self._site(s, int(ch.iteration[e]))
        st = self.stats[s]
        st.calls += 1

        memo: dict = {}

        def call_key(shape):
            k = memo.get(shape)
            if k is None:
                k = memo[shape] = (_GETTERS.get(shape) or _getter(shape))(T, O, V, K)
            return k

        classes = tuple([NULL_CLASS if O[p] == 0 else (COM_CLASS if K[p] else OTHER_CLASS)
                         for p in range(arity)])

        binder = site.binder
        fresh = self.space.fresh_base
        inst = binder.instance_positions(classes)

        def bind():
            self.rule_count += 1
            rule = binder.bind(self.rule_count, call_key, T, classes, self.space, site.cache)
            self.binds += 1
            self.binder_state_bytes += self.state_bytes_per_bind[s]
            st.record_bind(ch.start + e, T, [p for p in inst if O[p] >= fresh])
            return rule

        for p in inst:
            if O[p] >= fresh and (p, T[p]) not in binder.type_guards:
                # A new object in an instance-restricted position: no cached rule
                # can accept it (no rule names it, and no type guard of this binder
                # admits its type there), so the scans would all fail: bind.
                rule = bind()
                site.target = rule
                site.add_rule(rule)
                return BIND
        lvl = site.call(call_key, bind, lambda: self._throws(s, arity, T, O, V, K))
        if lvl == L0:
            st.l0_hits += 1
        elif lvl == L1:
            st.l1_hits += 1
        elif lvl == L2:
            st.l2_hits += 1
        return lvl

    def _throws(self, s: int, arity: int, T: tuple, O: tuple, V: tuple, K: tuple) -> bool:
        """Whether the rule matching this call throws running it (from the workload's declaration)."""
        rt = self._runtime_type
        # a Type receiver's identity matters (which type it stands for), other objects' do not
        key = (s, T, V, K, tuple([o for t, o in zip(T, O) if t == rt]) if rt in T else None)
        hit = self._throws_memo.get(key)
        if hit is None:
            space = self.space
            args = tuple(Arg(None) if O[p] == 0 and T[p] == 0 else
                         Arg(space.type_name(T[p]), com=True) if K[p] else
                         Arg(RUNTIME_TYPE, static=space.object_type_name(O[p])) if T[p] == rt else
                         Arg(space.type_name(T[p]), space.value_of(V[p]) if V[p] else None)
                         for p in range(arity))
            hit = self._throws_memo[key] = self.world.throws(self.workload.binders[self.specs[s].binder], args)
        return hit

    # -------------------------------------------------------------- memory
    def _take_sample(self, call: int) -> None:
        """State after a forced full GC at an iteration boundary.

        Roots: static sites (compiler-generated static fields), binders the
        workload keeps for the run (a local outside the loop), and the
        equivalence cache (a static dictionary). Per-iteration sites, their
        per-iteration binders and fresh objects of finished iterations are
        garbage; WeakReferences to those objects read null.
        """
        rules: dict[int, object] = {}
        for site in self.static_sites.values():
            if site.target is not None:
                rules[site.target.id] = site.target
            for r in site.rules or ():
                rules[r.id] = r
        binders = {b.id: b for b in self.run_binders.values()}
        for b in self.factory.cached:
            binders[b.id] = b
        for b in binders.values():
            for c in b.caches.values():
                for r in c.rules:
                    rules[r.id] = r
        counts = self._references(rules.values())
        mem = self.profile.memory
        site_count = len(self.static_sites)
        l1_slots = sum(site.l1_size for site in self.static_sites.values())
        l2_slots = sum(len(c) for b in binders.values() for c in b.caches.values())
        nbytes = (len(rules) * mem.rule_bytes
                  + counts["weak"] * (mem.weak_reference_bytes + mem.gc_handle_bytes)
                  + counts["strong_stale"] * mem.retained_object_bytes
                  + site_count * (mem.site_bytes + 24) + l1_slots * mem.l1_array_bytes_per_rule
                  + len(binders) * (mem.binder_bytes + 24) + l2_slots * mem.l2_array_bytes_per_rule
                  + self.binder_state_bytes)
        self.samples.append(Sample(call=call, binds=self.binds, rules_live=len(rules),
                                   weak_handles_live=counts["weak"], weak_targets_dead=counts["weak_dead"],
                                   strong_instance_refs_live=counts["strong"], stale_rules_live=counts["stale"],
                                   binders_live=len(binders), approx_bytes=nbytes,
                                   binder_state_bytes=self.binder_state_bytes))

    def _references(self, rules) -> dict:
        """What live rules hold, by the profile's reference kinds, after a forced GC.

        An instance target is *stale* when the program no longer holds it (a
        fresh object of a finished iteration): a weak reference to it reads
        null, a strong one keeps it alive.
        """
        fixed = self.space.is_fixed
        weak_instances = self.profile.instance_reference == "weak"
        weak_types = self.profile.type_object_reference == "weak"
        strong_types = self.profile.type_object_reference == "strong"
        out = {"weak": 0, "weak_dead": 0, "strong": 0, "strong_stale": 0, "stale": 0}
        for r in rules:
            stale_targets = sum(1 for o in r.instance_targets if not fixed(o))
            n = len(r.instance_targets)
            types = len(r.type_objects) if (weak_types or strong_types) else 0
            if weak_instances:
                out["weak"] += n
                out["weak_dead"] += stale_targets
            else:
                out["strong"] += n
                out["strong_stale"] += stale_targets
            out["weak" if weak_types else "strong"] += types
            out["stale"] += 1 if stale_targets else 0
        return out

    def _retention(self, s: int) -> dict:
        """What one site's caches still hold after the run and a forced GC."""
        fixed = self.space.is_fixed
        site = self.static_sites.get(s)
        l1 = list(site.rules or ()) if site is not None else []
        spec = self.specs[s]
        binder = None
        if site is not None:
            binder = site.binder
        elif not spec.binder_per_iteration and spec.binder in self.run_binders:
            binder = self.run_binders[spec.binder]
        elif spec.binder_per_iteration and self.current.get(s):
            b = self.current[s][1].binder
            if any(b is c for c in self.factory.cached):
                binder = b
        l2 = list(binder.cache_for(spec.delegate).rules) if binder is not None else []
        rules = {r.id: r for r in l1 + l2}

        def stale(r):
            return any(not fixed(o) for o in r.instance_targets)
        counts = self._references(rules.values())
        return {"rules_retained": len(rules),
                "weak_handles_retained": counts["weak"],
                "strong_refs_retained": counts["strong"],
                "stale_rules_l1": sum(1 for r in l1 if stale(r)),
                "stale_rules_l2": sum(1 for r in l2 if stale(r))}

    def _final_cache_sizes(self) -> None:
        """L1/L2 sizes of each site's last instance (its binder's L2), at the end of the run."""
        for s, st in enumerate(self.stats):
            site = self.static_sites.get(s) or (self.current.get(s) or (None, None))[1]
            if site is not None:
                st.l1_rules = site.l1_size
                st.l2_rules = len(site.cache)

    def _result(self) -> SimResult:
        self._final_cache_sizes()
        final = self.samples[-1]
        l1max = self.profile.l1_max_rules
        sites = [dict(st.to_dict(l1max), **self._retention(i), arguments=self.program.arity[i],
                      binder_state_bytes_per_bind=self.state_bytes_per_bind[i])
                 for i, st in enumerate(self.stats)]
        counts = self.levels.counts()
        return SimResult(
            workload=self.workload.name, profile=self.profile.name, calls=self.calls,
            binds=int(counts[BIND]), l0_hits=int(counts[L0]), l1_hits=int(counts[L1]),
            l2_hits=int(counts[L2]),
            l1_rules=max((s["l1_rules"] for s in sites), default=0),
            l2_rules=max((s["l2_rules"] for s in sites), default=0),
            rules_compiled=self.rule_count, rules_live=final.rules_live,
            weak_handles_live=final.weak_handles_live, weak_targets_dead=final.weak_targets_dead,
            strong_instance_refs_live=final.strong_instance_refs_live,
            approx_bytes=final.approx_bytes, binder_objects=self.factory.created,
            binder_state_bytes=self.binder_state_bytes,
            sites=sites, samples=self.samples, levels=self.levels, site_stats=self.stats,
            program=self.program)


def simulate(workload: "Workload | str | dict", profile: "str | RuntimeProfile" = "mono",
             calls: int | None = None, *, sample_every: int | None = None,
             progress: Callable[[int], None] | None = None, shortcuts: bool = True) -> SimResult:
    """Simulate ``calls`` calls of a workload (file, mapping, Workload or scenario name).

    ``shortcuts=False`` turns off the two exact shortcuts (replaying a repeating
    cache state, and applying a run of certain binds at once) so every call
    goes through the update path: for checking them.
    """
    if isinstance(workload, str) and not workload.endswith((".json", ".yaml", ".yml")):
        from callsite.scenarios import get_scenario
        wl = get_scenario(workload)
    else:
        wl = load_workload(workload)
    prof = get_profile(profile)
    n = wl.default_calls if calls is None else calls
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise DlrsimError(f"--calls must be a non-negative whole number, got {n!r}")
    if n > MAX_CALLS:
        raise DlrsimError(f"--calls: at most {MAX_CALLS:,} (10^15), got {n:,}")
    if sample_every is not None and sample_every < 1:
        raise DlrsimError("sample interval must be at least 1 iteration")
    return Simulator(wl, prof, n, sample_every, progress, shortcuts).run()
