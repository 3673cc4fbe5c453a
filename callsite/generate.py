"""Seeded random workloads, for conformance runs and property tests.

They mix what the issue asks a replay to handle: boxed primitives, fresh and
reused managed objects of a few declared classes, nulls, fresh and reused
COM objects, casts, static receivers, several sites sharing one binder,
equivalent binders under different names (shared on de-duplicating
runtimes), also ones that differ only in flags the binder drops, sites or
binders created per iteration, literal (``Constant``) arguments of several
types on one binder (one L2 per delegate type) spelled in several ways
(``3``, ``3.0``, ``"3"``), member accesses that exist on some classes and
not on others (rules that throw per type), and checked conversions whose
values sometimes overflow (rules that throw per value).
"""

from __future__ import annotations

import random

# Flags each binder kind drops (Microsoft.CSharp Binder.cs): adding one keeps the binder equivalent.
IRRELEVANT = {
    "InvokeMember": ["CheckedContext", "ConvertExplicit", "ValueFromCompoundAssignment", "ResultIndexed"],
    "GetMember": ["ResultDiscarded", "CheckedContext", "InvokeSimpleName"],
    "Convert": ["ResultDiscarded", "InvokeSimpleName"],
}
LITERALS = {  # type: spellings of a few values (each list is one CLR value)
    "int": [[1, 1.0, "1"], [7, "7"]],
    "long": [[1, "1"], [3000000000, 3e9]],
    "double": [[3, 3.0, "3"], [2.5, "2.5"], [float("nan"), "NaN"]],
    "string": [["1", 1], ["x"]],
}
CONVERT_VALUES = [("double", 2.5), ("double", 1e20), ("double", -3.0), ("long", 5), ("long", 2 ** 40),
                  ("int", 9), ("short", 3), ("float", 1.5), ("decimal", "12.5"), ("uint", 4000000000)]


def random_workload(seed: int, *, calls: int = 200, com: bool = True) -> dict:
    """A valid workload document; the same seed always gives the same document."""
    rng = random.Random(seed)
    classes = [f"Rw{seed}C{i}" for i in range(rng.randint(1, 4))]
    # Some classes have the member and the method the binders use, some not.
    declared = {}
    for c in classes:
        fields = ["Size"] if rng.random() < 0.5 else []
        methods = {"Run": 1} if rng.random() < 0.5 else {}
        declared[c] = {"fields": fields, "methods": methods}
    binders: dict = {}
    for i in range(rng.randint(1, 4)):
        form = rng.choice(["static", "instance", "get", "member", "method", "literal", "convert"])
        if form == "static":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                                "args": [["UseCompileTimeType", "IsStaticType"], []]}
        elif form == "instance":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "Equals", "args": [[], []]}
        elif form == "get":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "GetHashCode", "args": [[]]}
        elif form == "member":
            binders[f"b{i}"] = {"kind": "GetMember", "name": "Size", "args": [[]]}
        elif form == "method":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "Run", "args": [[], []]}
        elif form == "literal":
            binders[f"b{i}"] = {"kind": "InvokeMember", "name": "Equals",
                                "args": [[], ["UseCompileTimeType", "Constant"]]}
        else:
            binders[f"b{i}"] = {"kind": "Convert", "type": "int", "explicit": True,
                                "flags": rng.choice([["CheckedContext"], []])}
    if rng.random() < 0.6:  # an equivalent binder under another name, maybe with a flag it drops
        src = rng.choice(list(binders))
        copy = dict(binders[src])
        extra = IRRELEVANT.get(copy["kind"])
        if extra and rng.random() < 0.7:
            copy["flags"] = sorted(set(copy.get("flags", [])) | {rng.choice(extra)})
        if copy["kind"] == "Convert" and rng.random() < 0.5:  # the other spelling of (int)d
            copy.pop("explicit")
            copy["flags"] = sorted(set(copy.get("flags", [])) | {"ConvertExplicit"})
        binders[f"b{len(binders)}"] = copy
    sites: dict = {}
    literal_type: dict = {}
    for i in range(rng.randint(1, 5)):
        b = rng.choice(list(binders))
        lifetime = rng.choice(["static", "static", "per-iteration"])
        site = {"binder": b, "lifetime": lifetime}
        if lifetime == "per-iteration" and rng.random() < 0.5:
            site["binder_per_iteration"] = True
        sites[f"s{i}"] = site
        literal_type[f"s{i}"] = rng.choice(list(LITERALS))  # each site's literal type: its delegate type
    literal_binders = [k for k, b in binders.items() if b.get("args", [[]])[-1] == ["UseCompileTimeType", "Constant"]]
    if literal_binders and rng.random() < 0.7:  # a second literal site on one binder: two delegate types
        name = f"s{len(sites)}"
        sites[name] = {"binder": rng.choice(literal_binders), "lifetime": "static"}
        literal_type[name] = rng.choice(list(LITERALS))
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

    def receiver():
        return rng.choice([{"new": rng.choice(classes)}, {"box": "int"},
                           {"obj": reused[0], "type": receivers[reused[0]]}, {"box": "string", "value": "s"}])

    receivers = {o: classes[reused.index(o) % len(classes)] for o in reused}
    script = []
    n = 0
    while n < calls:
        iteration = []
        for _ in range(rng.randint(1, 3)):
            s = rng.choice(list(sites))
            spec = binders[sites[s]["binder"]]
            kind, name = spec["kind"], spec.get("name")
            if kind == "Convert":
                t, v = rng.choice(CONVERT_VALUES)
                args = [{"box": t, "value": v}]
            elif spec["args"][0] == ["UseCompileTimeType", "IsStaticType"]:
                args = [{"static": "System.GC"}, value()]
            elif spec["args"][-1] == ["UseCompileTimeType", "Constant"]:
                t = literal_type[s]
                spelling = rng.choice(rng.choice(LITERALS[t]))
                args = [receiver(), {"box": t, "value": spelling}]
            elif kind == "GetMember":
                args = [rng.choice([{"new": rng.choice(classes)}, {"box": "string", "value": "abc"},
                                    {"obj": reused[0], "type": receivers[reused[0]]}])]
            elif name == "Run":
                args = [rng.choice([{"new": rng.choice(classes)},
                                    {"obj": reused[-1], "type": receivers[reused[-1]]}]), value()]
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
            "classes": declared, "binders": binders, "sites": sites, "script": script}
