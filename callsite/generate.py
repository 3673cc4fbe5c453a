"""Seeded random workloads, for conformance runs and property tests.

They mix what the issue asks a replay to handle: boxed primitives, fresh and
reused managed objects of a few classes, nulls, fresh and reused COM objects,
casts, static receivers, several sites sharing one binder, equivalent binders
under different names (shared on de-duplicating runtimes), and sites or
binders created per iteration. Members are ones every runtime has
(``GC.KeepAlive(object)``, ``object.Equals(object)``, ``object.GetHashCode()``)
so the rules call rather than throw.
"""

from __future__ import annotations

import random


def random_workload(seed: int, *, calls: int = 200, com: bool = True) -> dict:
    """A valid workload document; the same seed always gives the same document."""
    rng = random.Random(seed)
    classes = [f"Rw{seed}C{i}" for i in range(rng.randint(1, 4))]
    binders: dict = {}
    for i in range(rng.randint(1, 3)):
        form = rng.choice(["static", "instance", "get"])
        if form == "static":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                                "args": [["UseCompileTimeType", "IsStaticType"], []]}
        elif form == "instance":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "Equals", "args": [[], []]}
        else:
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "GetHashCode", "args": [[]]}
    if rng.random() < 0.5:  # an equivalent binder under another name
        src = rng.choice(list(binders))
        binders[f"b{len(binders)}"] = dict(binders[src])
    sites: dict = {}
    for i in range(rng.randint(1, 4)):
        b = rng.choice(list(binders))
        lifetime = rng.choice(["static", "static", "per-iteration"])
        site = {"binder": b, "lifetime": lifetime}
        if lifetime == "per-iteration" and rng.random() < 0.5:
            site["binder_per_iteration"] = True
        sites[f"s{i}"] = site
    reused = [f"o{i}" for i in range(rng.randint(1, 3))]

    def value():
        kinds = ["box", "new", "obj", "null"] + (["com-fresh", "com-keep"] if com else [])
        k = rng.choice(kinds)
        if k == "box":
            t = rng.choice(["int", "string", "double", "long"])
            return {"box": t}
        if k == "new":
            return {"new": rng.choice(classes)}
        if k == "obj":
            o = rng.choice(reused)
            return {"obj": o, "type": classes[reused.index(o) % len(classes)]}
        if k == "null":
            return None
        if k == "com-fresh":
            return {"com": "fresh"}
        return {"com": "c0"}

    receivers = {o: classes[reused.index(o) % len(classes)] for o in reused}
    script = []
    n = 0
    while n < calls:
        iteration = []
        for _ in range(rng.randint(1, 3)):
            s = rng.choice(list(sites))
            spec = binders[sites[s]["binder"]]
            if spec["args"][0] == ["UseCompileTimeType", "IsStaticType"]:
                args = [{"static": "System.GC"}, value()]
            elif len(spec["args"]) == 2:
                o = rng.choice(reused)
                args = [{"obj": o, "type": receivers[o]}, value()]
            else:
                args = [rng.choice([{"new": rng.choice(classes)}, {"box": "int"},
                                    {"obj": reused[0], "type": receivers[reused[0]]}])]
            iteration.append({"site": s, "args": args})
            n += 1
        script.append(iteration)
    return {"format": "dlrsim-workload/1", "name": f"random-{seed}",
            "description": f"seeded random workload {seed}",
            "binders": binders, "sites": sites, "script": script}
