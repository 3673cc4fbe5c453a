"""A deliberately naive reference engine: one call at a time, no vectorization.

It drives the same CallSite/RuleCache/binder classes through
``Workload.iter_calls`` (the semantic view of a workload) with objects
numbered as it goes, so comparing it with the vectorized simulator checks the
engine's bookkeeping (L0 run skipping, chunking, per-iteration sites) against
the plain reading of the algorithm.
"""

from __future__ import annotations

from callsite.binder import COM_CLASS, NULL_CLASS, OTHER_CLASS, BinderFactory
from callsite.objects import ObjectSpace
from callsite.profiles import get_profile
from callsite.site import LEVELS, CallSite
from callsite.semantics import World, arg_of
from callsite.simulator import _getter


def reference_levels(workload, profile, calls):
    prof = get_profile(profile)
    space = ObjectSpace()
    factory = BinderFactory(prof)
    run_binders, static_sites, current = {}, {}, {}
    levels = []
    fresh = [space.fresh_base]
    rule_ids = [0]
    world = World(workload.classes)

    def binder_for_run(name):
        if name not in run_binders:
            run_binders[name] = factory.create(workload.binders[name])
        return run_binders[name]

    for call in workload.iter_calls(calls):
        spec = workload.sites[call.site]
        if spec.lifetime == "static":
            if call.site not in static_sites:
                b = binder_for_run(spec.binder)
                static_sites[call.site] = CallSite(call.site, 0, b, prof.l1_max_rules, b.cache_for(spec.delegate))
            site = static_sites[call.site]
        else:
            cur = current.get(call.site)
            if cur is None or cur[0] != call.iteration:
                binder = (factory.create(workload.binders[spec.binder]) if spec.binder_per_iteration
                          else binder_for_run(spec.binder))
                cur = current[call.site] = (call.iteration, CallSite(call.site, 0, binder, prof.l1_max_rules,
                                                                     binder.cache_for(spec.delegate)))
            site = cur[1]
        T, O, V, K = [], [], [], []
        for v in call.args:
            tid, oid, vid, com = space.describe(v)
            if oid is None:
                fresh[0] += 1
                oid = fresh[0]
            T.append(tid); O.append(oid); V.append(vid); K.append(com)
        T, O, V, K = tuple(T), tuple(O), tuple(V), tuple(K)

        def key(shape):
            return _getter(shape)(T, O, V, K)

        def bind():
            classes = tuple(NULL_CLASS if o == 0 else (COM_CLASS if k else OTHER_CLASS) for o, k in zip(O, K))
            rule_ids[0] += 1
            return site.binder.bind(rule_ids[0], key, T, classes, space, site.cache)

        def throws():  # from the workload values, not the simulator's ids
            return world.throws(workload.binders[spec.binder], tuple(arg_of(v) for v in call.args))

        levels.append(LEVELS[site.call(key, bind, throws)])
    return levels
