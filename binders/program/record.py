"""``dlrsim run --record FILE.yaml``: what the program did, as a ``dlrsim-workload/1`` document.

Binders come from the ``Binder.X(...)`` calls the program made (kind, member, flags, argument
infos: recorded by the helper's factory replacements); one workload binder per binder *object*,
so sites that shared a binder share it in the replay.  Sites keep their lifetime (a static field,
or made per execution, with a new binder each time when the program called ``Binder.X`` each
time).  Calls keep their order, argument types and identities: a value or string is a fresh box,
a ``Type`` receiver a static type, an object seen in one call only a fresh one (``{new: T}``,
``{com: fresh}``), an object seen again the same object (``{obj: ID}``, ``{com: ID}``).  An
iteration ends where a site made per execution is made again.

What the format cannot say is listed in ``approximations`` (a typed delegate parameter that is
not ``object``, a binder kind the format has no name for); replays of such a file may differ.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from callsite.errors import DlrsimError
from callsite.semantics import is_framework
from callsite.workload import BINDER_KINDS, FORMAT, MAX_PARAMETERS, PRIMITIVES, load_workload

_BOX = {clr: short for short, (clr, _) in PRIMITIVES.items()}
_ALIASES = {"object": "System.Object", "void": "System.Void", **{k: v[0] for k, v in PRIMITIVES.items()}}
_SPELLING = {clr: short for short, clr in _ALIASES.items()}  # System.Int32 -> int


def _flags(text: str) -> list[str]:
    return [f.strip() for f in text.split(",") if f.strip() and f.strip() != "None"]


def _binder(spec_text: str) -> dict:
    f = (spec_text.split("\t") + [""] * 8)[:8]
    kind, name, flags, _context, args, operation, typ, type_args = f
    b: dict = {"kind": kind}
    if name:
        b["name"] = name
    fl = _flags(flags)
    if kind == "Convert":
        if "ConvertExplicit" in fl:
            fl.remove("ConvertExplicit")
            b["explicit"] = True
        b["type"] = typ
    if fl:
        b["flags"] = fl
    if kind != "Convert":
        infos = []
        for a in args.split(";") if args else []:
            aflags, _, aname = a.partition("|")
            info = _flags(aflags)
            infos.append({"flags": info, "name": aname} if aname else info)
        b["args"] = infos
    if operation:
        b["operation"] = operation
    if type_args:
        b["type_args"] = type_args.split(";")
    return b


def _delegate_types(delegate: str) -> tuple:
    """``System.Func`3<CallSite,System.Object,System.Object>`` -> (params after CallSite..., return)."""
    inner = delegate[delegate.index("<") + 1:-1] if "<" in delegate else ""
    parts = [p.strip() for p in inner.split(",") if p.strip()]
    params = parts[1:]
    if delegate.startswith("System.Action"):
        return tuple(params) + ("System.Void",)
    return tuple(params[:-1]) + (params[-1],) if params else ("System.Void",)


def _clr_type(s: str, i: int = 0) -> tuple[str, int]:
    """A runtime type name from ``s[i:]`` in C# spelling, and where it ends:
    ``System.Func`2[[System.Int32, mscorlib, ...],[...]]`` -> ``System.Func<System.Int32,System.Int32>``,
    ``Outer+Inner`` -> ``Outer.Inner``, array ranks kept."""
    j = i
    while j < len(s) and s[j] not in "[],":
        j += 1
    name = re.sub(r"`\d+", "", s[i:j].strip()).replace("+", ".")
    args = []
    if j + 1 < len(s) and s[j] == "[" and s[j + 1] not in "],":
        j += 1  # generic arguments, each either [assembly-qualified] or bare
        while True:
            if s[j] == "[":
                a, j = _clr_type(s, j + 1)
                j = s.index("]", j) + 1  # past the argument's assembly name
            else:
                a, j = _clr_type(s, j)
            args.append(a)
            j += 1
            if s[j - 1] == "]":
                break
    if args:
        name += "<" + ",".join(args) + ">"
    while j + 1 < len(s) and s[j] == "[" and s[j + 1] in "],":
        k = s.index("]", j)
        name += s[j:k + 1]
        j = k + 1
    return name, j


def _ranks(suffix: str) -> str:
    """``[]`` -> ``Array``, ``[,]`` -> ``Array2``, ``[][]`` -> ``ArrayArray``."""
    return "".join("Array" + (str(r.count(",") + 1) if "," in r else "") for r in re.findall(r"\[,*\]", suffix))


def _workload_class(clr: str) -> tuple[str, str | None]:
    """A class name the workload format takes for a runtime type, and why it is only a stand-in.

    The replay makes every class it does not find as a plain class of that name, so a program's
    own classes (nested ones too: ``Outer+Inner`` is written ``Outer.Inner``) replay as they
    always do. The format has no spelling for generic, array or delegate types: those become a
    plain class with a readable name (``StandIn.System.Func_of_Int32_Int32``), listed as an approximation.
    """
    try:
        cs = _clr_type(clr)[0]
    except (IndexError, ValueError):
        cs = clr
    if all(part.isidentifier() for part in cs.split(".")):
        return cs, None
    m = re.fullmatch(r"([\w.]*\w)<(.*)>((?:\[,*\])*)", cs)
    if m:  # Outer<Args>[]: the arguments by their short names
        args = re.sub(r"[A-Za-z_]\w*\.", "", m.group(2))
        ident = f"{m.group(1)}_of_{re.sub(r'[^0-9A-Za-z]+', '_', args).strip('_')}" + _ranks(m.group(3))
    else:
        plain = re.match(r"(.*?)((?:\[,*\])*)$", cs)
        ident = plain.group(1) + _ranks(plain.group(2))
    parts = [re.sub(r"\W", "_", p) or "_" for p in ident.split(".")]
    ident = ".".join(p if p[0].isalpha() or p[0] == "_" else "_" + p for p in parts)
    if is_framework(ident):  # a framework name would be taken for the real type, whose members exist
        ident = "StandIn." + ident
    return ident, f"a {cs} stands in as a plain class {ident} (the format names no generic or array types)"


def _format_type(clr: str) -> str | None:
    """A delegate type as the format writes it (``int``, ``object``, ``System.Type``), None when it has no spelling."""
    return clr if clr == "System.Type" else _SPELLING.get(clr)


def _site_types(delegate: str, nargs: int) -> dict:
    """``params``/``returns`` for a site whose compiler-made delegate is typed beyond ``object``
    (``total += d.Value`` with ``int total``); types the format cannot spell stay ``object``."""
    *params, ret = _delegate_types(delegate)
    if len(params) != nargs:
        return {}
    ps = [_format_type(t) or "object" for t in params]
    out: dict = {}
    if any(t != "object" for t in ps):
        out["params"] = ps
    r = _format_type(ret)
    if r is not None and r != "object":
        out["returns"] = r
    return out


def _value(item: str, seen: Counter, constant: bool):
    if item == "null":
        return None
    tag, _, rest = item.partition(":")
    if tag == "T":
        name, why = _workload_class(rest)
        return ({"static": name}, why) if why else {"static": name}
    if tag == "V":
        typ, _, val = rest.partition(":")
        short = _BOX.get(typ)
        if short is None:
            name, why = _workload_class(typ)
            return {"new": name}, why or f"a value of type {name} (no such box in the format)"
        if constant:
            v = {"int": int, "long": int, "short": int, "byte": int, "sbyte": int, "uint": int, "ulong": int,
                 "ushort": int, "double": float, "float": float, "decimal": float}.get(short, str)
            if short == "bool":
                return {"box": short, "value": val == "True"}
            return {"box": short, "value": v(val)}
        return {"box": short}
    if tag == "C":
        return {"com": "fresh"} if seen[item] == 1 else {"com": f"com{rest}"}
    if tag == "O":
        typ, _, oid = rest.rpartition(":")
        name, why = _workload_class(typ)
        v = {"new": name} if seen[item] == 1 else {"obj": f"o{oid}", "type": name}
        return (v, why) if why else v
    return None


def _member_classes(script: list, sites: dict, binders: dict) -> dict:
    """The members the program used on its own objects, declared so that the replay's classes have
    them: a field per ``GetMember``/``SetMember`` name, a method per ``InvokeMember`` name with the
    parameter counts it was called with, an indexer per index count of ``GetIndex``/``SetIndex``
    (the program's calls did not throw, so neither should the replay's). Framework types are left
    out: their members are taken to exist; stand-ins for generic or array types are declared."""
    fields: dict[str, list] = {}
    methods: dict[str, dict] = {}
    indexers: dict[str, set] = {}
    kinds = ("GetMember", "SetMember", "InvokeMember", "GetIndex", "SetIndex")
    for it in script:
        for c in it:
            b = binders[sites[c["site"]]["binder"]]
            recv = c["args"][0] if c["args"] else None
            if b["kind"] not in kinds or not isinstance(recv, dict):
                continue
            typ = recv.get("new") or recv.get("type")
            if not typ or is_framework(typ):
                continue
            fields.setdefault(typ, [])
            methods.setdefault(typ, {})
            indexers.setdefault(typ, set())
            n = len(c["args"]) - 1
            if b["kind"] == "InvokeMember":
                if n <= MAX_PARAMETERS:
                    methods[typ].setdefault(b["name"], set()).add(n)
            elif b["kind"] in ("GetIndex", "SetIndex"):
                n -= b["kind"] == "SetIndex"  # the last argument is the value
                if 1 <= n <= MAX_PARAMETERS:
                    indexers[typ].add(n)
            elif b["name"] not in fields[typ]:
                fields[typ].append(b["name"])
    out = {}
    for typ in fields:
        decl: dict = {}
        if fields[typ]:
            decl["fields"] = fields[typ]
        if methods[typ]:
            decl["methods"] = {m: sorted(n) if len(n) > 1 else next(iter(n)) for m, n in methods[typ].items()}
        if indexers[typ]:
            decl["indexer"] = sorted(indexers[typ]) if len(indexers[typ]) > 1 else next(iter(indexers[typ]))
        out[typ] = decl
    return out


def build_workload(state: dict, calls_file: Path, name: str) -> tuple[dict, dict]:
    """(workload document, summary) from the final state and the recorded calls."""
    rows = {r["id"]: r for r in state["sites"]}
    binders: dict[str, dict] = {}
    sites: dict[str, dict] = {}
    approximations: list[str] = []
    site_names: dict[int, str] = {}
    constants: dict[int, set] = {}
    for sid, r in rows.items():
        spec = r.get("binder_spec")
        if not spec:
            continue
        b = _binder(spec)
        where = f"{os.path.basename(r['file'])}:{r['line']}" if r["file"] else f"{r['type']}::{r['il_method']}"
        if b["kind"] not in BINDER_KINDS:
            approximations.append(f"{where}: {b['kind']} binders have no workload form; its calls are left out")
            continue
        sname = f"s{sid}_line{r['line']}" if r["line"] else f"s{sid}"
        per_execution = r["storage"] != "static" and r["instances"] > 1
        each = per_execution and r["binder_calls"] > 1
        key = f"b{sid}_each" if each else f"b{r['binder_key']}"
        binders.setdefault(key, b)
        site = {"binder": key, "lifetime": "per-iteration" if per_execution else "static"}
        if each:
            site["binder_per_iteration"] = True
        site.update(_site_types(r["delegate"], len(b.get("args", [None]))))
        sites[sname] = site
        site_names[sid] = sname
        constants[sid] = {k for k, a in enumerate(b.get("args", [])) if "Constant" in (a if isinstance(a, list) else a["flags"])}
    lines = [ln.split("\t") for ln in calls_file.read_text().splitlines() if ln.strip()] if calls_file.exists() else []
    seen = Counter(item for ln in lines for item in ln[2:] if item[:2] in ("C:", "O:"))
    calls, script, current = [], [], []
    serial_of: dict[str, str] = {}
    for ln in lines:
        serial, sid = ln[0], int(ln[1])
        sname = site_names.get(sid)
        if sname is None:
            continue
        if sites[sname]["lifetime"] == "per-iteration":
            if serial_of.get(sname) not in (None, serial) and current:
                script.append(current)
                current = []
                serial_of.clear()
            serial_of[sname] = serial
        args = []
        for k, item in enumerate(ln[2:]):
            v = _value(item, seen, k in constants[sid])
            if isinstance(v, tuple):
                v, why = v
                approximations.append(f"{sname}: {why}")
            args.append(v)
        current.append({"site": sname, "args": args})
        calls.append(1)
    if current:
        script.append(current)
    used = {c["site"] for it in script for c in it}
    sites = {k: v for k, v in sites.items() if k in used}
    binders = {k: v for k, v in binders.items() if any(s["binder"] == k for s in sites.values())}
    if not sites:
        raise DlrsimError("--record: the program made no dynamic calls that a workload can describe")
    doc = {"format": FORMAT, "name": name, "description": "recorded by dlrsim run", "binders": binders,
           "sites": sites, "script": script}
    classes = _member_classes(script, sites, binders)
    if classes:
        doc["classes"] = classes
    wl = load_workload(doc)  # the loader's own rules: a recorded file must load
    for sid, sname in site_names.items():
        if sname not in wl.sites:
            continue
        derived = tuple(_ALIASES.get(t, t) for t in wl.sites[sname].delegate)
        real = _delegate_types(rows[sid]["delegate"])
        if derived != real:
            approximations.append(f"{sname}: the program's delegate is ({', '.join(real)}); a workload site "
                                  f"has ({', '.join(derived)})")
    summary = {"calls": len(calls), "sites": len(sites), "iterations": len(script),
               "approximations": sorted(set(approximations))}
    return doc, summary


def write_workload(run, report, path: str) -> dict:
    """Write the run as a workload file (YAML, or JSON for a .json name); returns a summary."""
    import json

    state = run.last("state")
    if state is None or run.record_calls is None:
        raise DlrsimError("--record: the program ended before anything could be recorded")
    out = Path(path)
    doc, summary = build_workload(state, run.record_calls, out.stem)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(doc))
    else:
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        with open(out, "w", encoding="utf-8") as f:
            yaml.dump(doc, f, Dumper=dumper, sort_keys=False, default_flow_style=None, width=120)
    summary["path"] = str(out)
    return summary
