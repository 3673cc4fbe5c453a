"""Heap evidence for `dlrsim run --heapshots`: what each site's instance-restricted rules keep alive.

The worker takes a Mono heap shot before the entry point (``before``) and when the program ends
(``exit``).  For every site whose rules are restricted to instances, each restricted type is
counted in both shots, and the objects of that type at exit that a compiled rule's closure
(``System.Runtime.CompilerServices.Closure``) reaches within a few references (its constants
array, and on Mono an RCW's proxy pair) are the ones the rule caches hold.  Shortest paths from
the roots are not used for this count: a released RCW waiting in the finalizer queue has a
shorter path that does not go through the rule although the rule holds it too.  One path from a
root through a rule is kept as the example.
"""

from __future__ import annotations

RULE_CLASS = "System.Runtime.CompilerServices.Closure"
REACH = 4  # Closure -> object[] -> (Mono: TransparentProxy -> ComInteropProxy ->) the object


def held_by_rules(snap, class_name: str) -> set[int]:
    """Objects of ``class_name`` within REACH references of a compiled rule's closure."""
    held: set[int] = set()
    for c in snap.find(RULE_CLASS, exact=True):
        frontier, seen = [int(c)], {int(c)}
        for _ in range(REACH):
            nxt = []
            for o in frontier:
                for r in snap.refs_from(o):
                    r = int(r)
                    if r in seen:
                        continue
                    seen.add(r)
                    if snap.class_of(r) == class_name:
                        held.add(r)
                    else:
                        nxt.append(r)
            frontier = nxt
    return held


def heap_evidence(report, mlpd: str) -> dict:
    from callsite.heap import Snapshot, path_to

    before = Snapshot.load(f"{mlpd}@before")
    after = Snapshot.load(f"{mlpd}@exit")
    for s in report.sites:
        if not s["instance_rules"]:
            continue
        held = []
        for r in s["restricted"]:
            for t in r["types"]:
                objs = after.find(t, exact=True)
                rules = held_by_rules(after, t)
                through_rules, example = len(rules), None
                for o in objs:
                    p = path_to(after, int(o))
                    if p is not None and RULE_CLASS in p.classes(after):
                        example = p.format(after)
                        break
                held.append({"type": t, "live_before": int(len(before.find(t, exact=True))),
                             "live_at_exit": int(len(objs)), "held_by_rules": through_rules,
                             "example_path": example})
        s["heap"] = held
    return {"file": mlpd, "points": ["before", "exit"],
            "heap_bytes_before": int(before.total_size), "heap_bytes_at_exit": int(after.total_size)}
