"""Reading and checking a workload document: JSON or YAML text to a :class:`~callsite.workload.Workload`.

Every problem in a document is one :class:`~callsite.errors.WorkloadError` naming the file and
the field's path (``sites.s.binder: unknown binder 'relase'``), never a traceback: names are
checked to be names before they are looked up, nesting and YAML alias expansion are bounded, and
literal values are converted to their declared CLR type here, so the simulator and the replays
only ever see valid workloads. The value objects themselves live in :mod:`callsite.workload`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from callsite.clrvalues import NotConvertible, to_clr
from callsite.errors import WorkloadError
from callsite.workload import (ARG_FLAGS, BINDER_FLAGS, BINDER_KINDS, FORMAT, MAX_CALLS, MAX_ITEMS, MAX_PARAMETERS,
                               MAX_POLY, OPERATIONS, PRIMITIVES, STATIC_ALIASES, ArgInfo, ArgTemplate, BinderSpec,
                               Boxed, CallTemplate, ClassDecl, ComObject, Cycle, NewObject, Null, Reused, SiteSpec,
                               StaticType, Workload, _delegate)

def load(source: "str | Path | Mapping[str, Any] | Workload") -> Workload:
    """Parse and validate a workload from a file path, a mapping or a Workload."""
    if isinstance(source, Workload):
        return source
    if isinstance(source, Mapping):
        return _build(source, "<workload>")
    if not isinstance(source, (str, Path)):
        raise WorkloadError(f"expected a file name, a mapping or a Workload, got {type(source).__name__}")
    path = Path(source)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkloadError("no such file", where=where) from None
    except IsADirectoryError:
        raise WorkloadError("is a directory, not a workload file", where=where) from None
    except UnicodeDecodeError as exc:
        raise WorkloadError(f"not UTF-8 text (byte {exc.start})", where=where) from None
    except OSError as exc:
        raise WorkloadError(exc.strerror or str(exc), where=where) from None
    doc = parse_document(text, where, json_syntax=path.suffix.lower() == ".json")
    if not isinstance(doc, Mapping):
        raise WorkloadError("the top level must be a mapping", where=where)
    return _build(doc, where)


def _yaml_loader():
    """libyaml's loader when PyYAML was built with it (about 6x faster than the pure-Python loader
    on a 5,000-call workload: benchmarks/yaml_bench.py), else the pure-Python one; both are safe."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_document(text: str, where: str, *, json_syntax: bool = False) -> Any:
    """JSON or YAML text to plain data; any syntax problem is a one-line WorkloadError."""
    try:
        if json_syntax:
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise WorkloadError(f"invalid JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}") from None
        import yaml
        try:
            return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            loc = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise WorkloadError(f"invalid YAML: {' '.join(str(problem).split())}", where=loc) from None
    except RecursionError:
        raise WorkloadError("nested too deeply to be a workload", where=where) from None


class _Ctx:
    def __init__(self, where: str) -> None:
        self.where = where
        self.items = 0

    def spend(self, path: str, n: int = 1) -> None:
        """Count what is built: a few kilobytes of YAML can repeat an alias into billions of calls."""
        self.items += n
        if self.items > MAX_ITEMS:
            raise self.fail(path, f"more than {MAX_ITEMS:,} calls, values and argument infos in all "
                                  "(YAML aliases repeated too often?)")

    def fail(self, path: str, message: str) -> WorkloadError:
        return WorkloadError(message, where=f"{self.where}: {path or '(top level)'}")


def _keys(ctx: _Ctx, path: str, obj: Any, allowed: set, required: set = frozenset()) -> Mapping:
    if not isinstance(obj, Mapping):
        raise ctx.fail(path, f"expected a mapping, got {type(obj).__name__}")
    extra = set(obj) - allowed
    if extra:
        raise ctx.fail(path, f"unknown key {_show(sorted(map(str, extra))[0])} (allowed: {', '.join(sorted(allowed))})")
    for r in required:
        if r not in obj:
            raise ctx.fail(path, f"missing key {r!r}")
    return obj


def _show(v: Any) -> str:
    """A user's value in an error line: scalars as written (cut short), containers by kind only
    (a YAML alias bomb must not be expanded into a message)."""
    if isinstance(v, (str, int, float, bool)) or v is None:
        text = repr(v)
        return text if len(text) <= 80 else text[:77] + "..."
    return f"a {type(v).__name__}"


def _listing(names: Any, at_most: int = 10) -> str:
    names = list(names)
    shown = ", ".join(_show(str(n)).strip("'") for n in names[:at_most])
    return shown + (f", ... ({len(names)} in all)" if len(names) > at_most else "")


def _choice(ctx: _Ctx, path: str, v: Any, allowed: "Mapping | set | tuple", what: str) -> str:
    """One of a fixed set of names; anything else (a mapping or list included) in one line."""
    if not isinstance(v, str) or v not in allowed:
        raise ctx.fail(path, f"unknown {what} {_show(v)} (allowed: {', '.join(allowed)})")
    return v


def _name(ctx: _Ctx, path: str, v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ctx.fail(path, "expected a non-empty string")
    return v


def _flags(ctx: _Ctx, path: str, v: Any, allowed: set) -> frozenset:
    if v is None:
        return frozenset()
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list):
        raise ctx.fail(path, "expected a list of flag names")
    ctx.spend(path, len(v))
    for i, f in enumerate(v):
        _choice(ctx, f"{path}[{i}]", f, sorted(allowed), "flag")
    return frozenset(f for f in v if f != "None")


def _arginfo(ctx: _Ctx, path: str, v: Any) -> ArgInfo:
    ctx.spend(path)
    if isinstance(v, Mapping):
        _keys(ctx, path, v, {"flags", "name"})
        name = v.get("name")
        if name is not None:
            name = _name(ctx, f"{path}.name", name)
        return ArgInfo(_flags(ctx, f"{path}.flags", v.get("flags"), ARG_FLAGS), name)
    return ArgInfo(_flags(ctx, path, v, ARG_FLAGS))


def _binder(ctx: _Ctx, path: str, v: Any) -> BinderSpec:
    _keys(ctx, path, v, {"kind", "name", "flags", "context", "args", "operation", "type",
                         "explicit", "type_args", "throws"}, {"kind"})
    if not isinstance(v.get("throws", False), bool):
        raise ctx.fail(f"{path}.throws", "expected true or false (an old option, now ignored: whether a rule "
                                         "throws follows from the workload's classes)")
    kind = _choice(ctx, f"{path}.kind", v["kind"], BINDER_KINDS, "binder kind")
    needs_name, lo, hi = BINDER_KINDS[kind]
    name = v.get("name")
    if needs_name:
        name = _name(ctx, f"{path}.name", name)
    elif name is not None:
        raise ctx.fail(f"{path}.name", f"{kind} binders have no member name")
    raw_args = v.get("args")
    if kind == "Convert":
        if raw_args is not None:
            raise ctx.fail(f"{path}.args", "Convert binders take no argument infos (Binder.Convert has none)")
        args: tuple = (None,)
    else:
        if not isinstance(raw_args, list) or not raw_args:
            raise ctx.fail(f"{path}.args", "expected a non-empty list of argument infos (receiver first)")
        args = tuple(_arginfo(ctx, f"{path}.args[{i}]", a) for i, a in enumerate(raw_args))
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else f"at least {lo}"
            raise ctx.fail(f"{path}.args", f"{kind} takes {want} argument infos, got {len(args)}")
    op = v.get("operation")
    if kind in ("BinaryOperation", "UnaryOperation"):
        if not isinstance(op, str) or op not in OPERATIONS:
            raise ctx.fail(f"{path}.operation", f"expected an ExpressionType name, got {_show(op)}")
    elif op is not None:
        raise ctx.fail(f"{path}.operation", "only operator binders have an operation")
    typ = v.get("type")
    if kind == "Convert":
        typ = _type_name(_name(ctx, f"{path}.type", typ))
    elif typ is not None:
        raise ctx.fail(f"{path}.type", "only Convert binders have a target type")
    explicit = v.get("explicit", False)
    if not isinstance(explicit, bool):
        raise ctx.fail(f"{path}.explicit", "expected true or false")
    type_args = v.get("type_args", [])
    if not isinstance(type_args, list) or not all(isinstance(t, str) and t.strip() for t in type_args):
        raise ctx.fail(f"{path}.type_args", "expected a list of type names")
    if type_args and kind != "InvokeMember":
        raise ctx.fail(f"{path}.type_args", "only InvokeMember binders have type arguments")
    flags = _flags(ctx, f"{path}.flags", v.get("flags"), BINDER_FLAGS)
    if kind == "Convert" and "ConvertExplicit" in flags:
        explicit = True  # the flag and `explicit: true` are one spelling of (T)d
    context = _type_name(_name(ctx, f"{path}.context", v.get("context", "Program")))
    return BinderSpec(kind=kind, name=name, flags=flags, context=context, args=args, operation=op,
                      type=typ, explicit=explicit, type_args=tuple(_type_name(t) for t in type_args))


def _type_name(name: str) -> str:
    if name in PRIMITIVES:
        return PRIMITIVES[name][0]
    return STATIC_ALIASES.get(name, name)


def _value(ctx: _Ctx, path: str, v: Any, allow_cycle: bool = True) -> tuple[Any, bool]:
    """Returns (value or Cycle, cast)."""
    ctx.spend(path)
    if v is None:
        return Null(), False
    if not isinstance(v, Mapping) or len(v) == 0:
        raise ctx.fail(path, "expected a value such as {box: int}, {new: Widget}, {com: fresh}, null")
    if "cast" in v:
        _keys(ctx, path, v, {"cast", "value"}, {"value"})
        if v["cast"] != "object":
            raise ctx.fail(f"{path}.cast", "only casts to object are modelled")
        inner, inner_cast = _value(ctx, f"{path}.value", v["value"], allow_cycle)
        return inner, True
    if "null" in v:
        _keys(ctx, path, v, {"null"})
        return Null(), False
    if "static" in v:
        _keys(ctx, path, v, {"static"})
        return StaticType(_type_name(_name(ctx, f"{path}.static", v["static"]))), False
    if "box" in v:
        _keys(ctx, path, v, {"box", "value"})
        t = _choice(ctx, f"{path}.box", v["box"], PRIMITIVES, "primitive")
        clr, default = PRIMITIVES[t]
        value = v.get("value", default)
        if isinstance(value, (list, dict)) or (value is None):
            raise ctx.fail(f"{path}.value", "expected a scalar")
        try:
            return Boxed(clr, to_clr(clr, value)), False
        except NotConvertible as exc:
            raise ctx.fail(f"{path}.value", f"not a {t}: {exc}") from None
    if "new" in v:
        _keys(ctx, path, v, {"new"})
        return NewObject(_class_name(ctx, f"{path}.new", v["new"])), False
    if "obj" in v:
        _keys(ctx, path, v, {"obj", "type"}, {"type"})
        if isinstance(v["obj"], (list, dict)):
            raise ctx.fail(f"{path}.obj", "expected an id")
        return Reused(_name(ctx, f"{path}.obj", str(v["obj"])), _class_name(ctx, f"{path}.type", v["type"])), False
    if "com" in v:
        _keys(ctx, path, v, {"com"})
        c = v["com"]
        if isinstance(c, (list, dict)):
            raise ctx.fail(f"{path}.com", "expected 'fresh' or an id")
        if c is True or c == "fresh":
            return ComObject(None), False
        return ComObject(_name(ctx, f"{path}.com", str(c))), False
    if "poly" in v:
        _keys(ctx, path, v, {"poly", "fresh", "prefix"})
        n = v["poly"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ctx.fail(f"{path}.poly", "expected a positive number of types")
        if n > MAX_POLY:
            raise ctx.fail(f"{path}.poly", f"at most {MAX_POLY:,} types, got {n:,} (past L2's 128 rules every "
                                            "number of types behaves alike: each call binds)")
        prefix = _name(ctx, f"{path}.prefix", v.get("prefix", "Poly"))
        fresh = v.get("fresh", True)
        items = tuple(NewObject(f"{prefix}{k}") if fresh else Reused(f"{prefix}{k}", f"{prefix}{k}")
                      for k in range(n))
        if not allow_cycle:
            raise ctx.fail(path, "a cycle cannot nest inside a cycle")
        return Cycle(items), False
    if "cycle" in v:
        _keys(ctx, path, v, {"cycle"})
        items = v["cycle"]
        if not allow_cycle:
            raise ctx.fail(path, "a cycle cannot nest inside a cycle")
        if not isinstance(items, list) or not items:
            raise ctx.fail(f"{path}.cycle", "expected a non-empty list of values")
        vals = []
        for i, item in enumerate(items):
            val, cast = _value(ctx, f"{path}.cycle[{i}]", item, allow_cycle=False)
            if cast:
                raise ctx.fail(f"{path}.cycle[{i}]", "put the cast around the whole cycle")
            vals.append(val)
        return Cycle(tuple(vals)), False
    raise ctx.fail(path, f"unknown value kind {_show(sorted(map(str, v))[0])} "
                         "(use null, static, box, new, obj, com, cast, cycle or poly)")


def _classes(ctx: _Ctx, raw: Any) -> dict:
    """``classes: {Widget: {fields: [Foo], methods: {Run: 1, Add: [1, 2]}, indexer: 1}}``."""
    if raw is None:
        return {}
    _keys(ctx, "classes", raw, set(raw) if isinstance(raw, Mapping) else set())
    out = {}
    for k, v in raw.items():
        path = f"classes.{k}"
        name = _type_name(_class_name(ctx, path, k if isinstance(k, str) else str(k)))
        v = {} if v is None else v
        _keys(ctx, path, v, {"fields", "methods", "indexer"})
        fields = v.get("fields", [])
        if not isinstance(fields, list):
            raise ctx.fail(f"{path}.fields", "expected a list of field names")
        for i, f in enumerate(fields):
            if not isinstance(f, str) or not f.isidentifier():
                raise ctx.fail(f"{path}.fields[{i}]", "expected an identifier")
        methods = v.get("methods", {})
        if not isinstance(methods, Mapping):
            raise ctx.fail(f"{path}.methods", "expected a mapping of method name to parameter count(s)")
        ms = []
        for m, n in methods.items():
            mp = f"{path}.methods.{m}"
            if not isinstance(m, str) or not m.isidentifier():
                raise ctx.fail(mp, "expected an identifier as the method name")
            counts = n if isinstance(n, list) else [n]
            if not counts or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= MAX_PARAMETERS for c in counts):
                raise ctx.fail(mp, f"expected a parameter count (0 to {MAX_PARAMETERS}) or a list of them")
            ms.append((m, frozenset(counts)))
        idx = v.get("indexer", [])
        idx = idx if isinstance(idx, list) else [idx]
        if not all(isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= MAX_PARAMETERS for c in idx):
            raise ctx.fail(f"{path}.indexer", f"expected an index count (1 to {MAX_PARAMETERS}) or a list of them")
        out[name] = ClassDecl(name, frozenset(fields), tuple(sorted(ms, key=lambda x: x[0])), frozenset(idx))
    return out


def _class_name(ctx: _Ctx, path: str, v: Any) -> str:
    name = _name(ctx, path, v)
    if not all(part.isidentifier() for part in name.split(".")):
        raise ctx.fail(path, f"{_show(name)} is not a valid class name")
    return name


def _count(ctx: _Ctx, path: str, v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ctx.fail(path, "expected a non-negative whole number")
    if v > MAX_CALLS:
        raise ctx.fail(path, f"at most {MAX_CALLS:,} (10^15), got {v:,}")
    return v


def _build(doc: Mapping, where: str) -> Workload:
    try:
        return _build_checked(doc, where)
    except RecursionError:
        raise WorkloadError("nested too deeply to be a workload", where=where) from None


def _build_checked(doc: Mapping, where: str) -> Workload:
    ctx = _Ctx(where)
    _keys(ctx, "", doc, {"format", "name", "description", "binders", "sites", "body",
                         "iterations", "calls", "script", "default_calls", "classes"},
          {"binders", "sites"})
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        raise ctx.fail("format", f"unsupported format {_show(fmt)} (this dlrsim reads {FORMAT})")
    name = doc.get("name", Path(where).stem if where != "<workload>" else "workload")
    if not isinstance(name, str):
        raise ctx.fail("name", "expected a string")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise ctx.fail("description", "expected a string")

    raw_binders = _keys(ctx, "binders", doc["binders"], set(doc["binders"]) if isinstance(doc["binders"], Mapping) else set())
    if not raw_binders:
        raise ctx.fail("binders", "define at least one binder")
    binders = {str(k): _binder(ctx, f"binders.{k}", v) for k, v in raw_binders.items()}

    raw_sites = _keys(ctx, "sites", doc["sites"], set(doc["sites"]) if isinstance(doc["sites"], Mapping) else set())
    if not raw_sites:
        raise ctx.fail("sites", "define at least one site")
    sites: dict[str, SiteSpec] = {}
    typed: dict[str, tuple] = {}
    for k, v in raw_sites.items():
        p = f"sites.{k}"
        _keys(ctx, p, v, {"binder", "lifetime", "binder_per_iteration", "params", "returns"}, {"binder"})
        b = v["binder"]
        if not isinstance(b, str) or b not in binders:
            raise ctx.fail(f"{p}.binder", f"unknown binder {_show(b)} (defined: {_listing(binders)})")
        lifetime = v.get("lifetime", "static")
        if not isinstance(lifetime, str) or lifetime not in ("static", "per-iteration"):
            raise ctx.fail(f"{p}.lifetime", "expected 'static' or 'per-iteration'")
        bpi = v.get("binder_per_iteration", False)
        if not isinstance(bpi, bool):
            raise ctx.fail(f"{p}.binder_per_iteration", "expected true or false")
        if bpi and lifetime != "per-iteration":
            raise ctx.fail(f"{p}.binder_per_iteration", "a static site creates its binder once; use lifetime: per-iteration")
        sites[str(k)] = SiteSpec(str(k), b, lifetime, bpi)
        typed[str(k)] = _site_types(ctx, p, v, binders[b])

    forms = [k for k in ("body", "calls", "script") if k in doc]
    if len(forms) != 1:
        raise ctx.fail("", "give exactly one of 'body' (repeated each iteration), 'calls' (one call per iteration) or 'script' (a list of iterations)")
    form = forms[0]

    def call_tpl(path: str, c: Any) -> CallTemplate:
        ctx.spend(path)
        _keys(ctx, path, c, {"site", "args"}, {"site", "args"})
        s = c["site"]
        if not isinstance(s, str) or s not in sites:
            raise ctx.fail(f"{path}.site", f"unknown site {_show(s)} (defined: {_listing(sites)})")
        raw = c["args"]
        if not isinstance(raw, list):
            raise ctx.fail(f"{path}.args", "expected a list of values")
        spec = binders[sites[s].binder]
        if len(raw) != len(spec.args):
            raise ctx.fail(f"{path}.args", f"binder {sites[s].binder!r} ({spec.kind}) takes {len(spec.args)} "
                                             f"argument(s) (receiver first), got {len(raw)}")
        args = []
        for i, a in enumerate(raw):
            val, cast = _value(ctx, f"{path}.args[{i}]", a)
            info = spec.args[i]
            items = val.items if isinstance(val, Cycle) else (val,)
            if (info is not None and info.is_static_type and i == 0
                    and not all(isinstance(x, StaticType) for x in items)):
                raise ctx.fail(f"{path}.args[0]", "argument info says IsStaticType: pass {static: TYPE} "
                                                  "(or a cycle of them)")
            args.append(ArgTemplate(val, cast))
        return CallTemplate(s, tuple(args))

    script: list[list[CallTemplate]] = []
    if form == "body":
        body = doc["body"]
        if not isinstance(body, list) or not body:
            raise ctx.fail("body", "expected a non-empty list of calls")
        script = [[call_tpl(f"body[{i}]", c) for i, c in enumerate(body)]]
        iterations = _count(ctx, "iterations", doc.get("iterations", 1000))
        default_calls = iterations * len(script[0])
    elif form == "calls":
        calls = doc["calls"]
        if not isinstance(calls, list) or not calls:
            raise ctx.fail("calls", "expected a non-empty list of calls")
        script = [[call_tpl(f"calls[{i}]", c)] for i, c in enumerate(calls)]
        default_calls = len(script)
    else:
        raw = doc["script"]
        if not isinstance(raw, list) or not raw:
            raise ctx.fail("script", "expected a non-empty list of iterations")
        for i, it in enumerate(raw):
            if not isinstance(it, list) or not it:
                raise ctx.fail(f"script[{i}]", "expected a non-empty list of calls")
            script.append([call_tpl(f"script[{i}][{j}]", c) for j, c in enumerate(it)])
        default_calls = sum(len(it) for it in script)
    if "iterations" in doc and form != "body":
        raise ctx.fail("iterations", "'iterations' goes with 'body'")
    if "default_calls" in doc:
        default_calls = _count(ctx, "default_calls", doc["default_calls"])

    binders = _apply_casts(ctx, binders, sites, script)
    literals = _literal_types(ctx, binders, sites, script)
    sites = {k: replace(s, delegate=_typed_delegate(ctx, f"sites.{k}", _delegate(binders[s.binder], literals.get(k, {})),
                                                    *typed[k]))
             for k, s in sites.items()}
    classes = _classes(ctx, doc.get("classes", {}))
    return Workload(name=name, binders=binders, sites=sites, script=script, description=description,
                    default_calls=default_calls, source=where, classes=classes)


def _apply_casts(ctx: _Ctx, binders: dict, sites: dict, script: list) -> dict:
    """A ``(object)`` cast is compile-time: it becomes UseCompileTimeType in the binder."""
    cast_at: dict[str, dict[int, bool]] = {}
    for i, it in enumerate(script):
        for j, tpl in enumerate(it):
            b = sites[tpl.site].binder
            seen = cast_at.setdefault(b, {})
            for pos, a in enumerate(tpl.args):
                if pos in seen and seen[pos] != a.cast:
                    raise ctx.fail(f"script[{i}][{j}].args[{pos}]",
                                   f"binder {b!r}: argument {pos} is cast to object in some calls and not in others; "
                                   "argument infos are fixed at compile time, so use two binders")
                seen[pos] = a.cast
    out = {}
    for name, spec in binders.items():
        casts = cast_at.get(name, {})
        if any(casts.values()) and spec.kind != "Convert":
            args = tuple(ArgInfo(a.flags | {"UseCompileTimeType"}, a.name) if casts.get(i) else a
                         for i, a in enumerate(spec.args))
            spec = replace(spec, args=args)
        out[name] = spec
    return out


def _delegate_type(ctx: _Ctx, path: str, v: Any) -> str:
    """A delegate parameter or return type: ``object`` (the default), ``void``, a primitive alias or a class."""
    if v in ("object", "void"):
        return v
    t = _type_name(_class_name(ctx, path, v))
    return "object" if t == "System.Object" else t


def _site_types(ctx: _Ctx, path: str, v: Mapping, spec: BinderSpec) -> tuple:
    """A site's ``params`` (one type per binder argument) and ``returns``, as the compiler typed its
    delegate: ``total += d.Value`` with ``int total`` makes ``Func<CallSite, int, object, object>``.
    Without them every parameter is ``object`` (literals and ``Type`` receivers excepted)."""
    params = v.get("params")
    if params is not None:
        if not isinstance(params, list) or len(params) != len(spec.args):
            raise ctx.fail(f"{path}.params", f"expected a list of {len(spec.args)} type names, one per binder argument")
        params = tuple(_delegate_type(ctx, f"{path}.params[{i}]", t) for i, t in enumerate(params))
        if "void" in params:
            raise ctx.fail(f"{path}.params[{params.index('void')}]", "a parameter cannot be void")
    returns = _delegate_type(ctx, f"{path}.returns", v["returns"]) if "returns" in v else None
    return params, returns


def _typed_delegate(ctx: _Ctx, path: str, base: tuple, params: tuple | None, returns: str | None) -> tuple:
    """The derived delegate with the site's declared types put in (``object`` keeps the derived one)."""
    out = list(base)
    for i, t in enumerate(params or ()):
        if t == "object" or t == out[i]:
            continue
        if out[i] != "object":
            raise ctx.fail(f"{path}.params[{i}]", f"argument {i} is typed {out[i]} already (a literal or a Type "
                                                  f"receiver), not {t}")
        out[i] = t
    if returns is not None:
        out[-1] = returns
    return tuple(out)


def _literal_types(ctx: _Ctx, binders: dict, sites: dict, script: list) -> dict:
    """The static type of each literal (``Constant``) argument, per site and position.

    The compiler types a literal's delegate parameter (``d.M(1)`` makes
    ``Func<CallSite, object, int, object>``), so the binder's value test
    compares values, not boxes. A literal's type is fixed at compile time,
    per site: two sites on one binder (``d.M(1)`` and ``d.M(1L)``) have
    different delegate types, and so different L2 caches.
    """
    out: dict[str, dict[int, str]] = {}
    for i, it in enumerate(script):
        for j, tpl in enumerate(it):
            b = tpl.site
            spec = binders[sites[b].binder]
            for pos, a in enumerate(tpl.args):
                info = spec.args[pos]
                if info is None or not info.constant:
                    continue
                values = a.value.items if isinstance(a.value, Cycle) else (a.value,)
                for v in values:
                    t = v.type_name if isinstance(v, Boxed) else ("object" if isinstance(v, Null) else None)
                    if t is None:
                        raise ctx.fail(f"script[{i}][{j}].args[{pos}]",
                                       "a Constant (literal) argument must be {box: ...} or null")
                    seen = out.setdefault(b, {}).get(pos)
                    if t == "object" or seen == t:
                        out[b].setdefault(pos, t)
                    elif seen in (None, "object"):
                        out[b][pos] = t
                    else:
                        raise ctx.fail(f"script[{i}][{j}].args[{pos}]",
                                       f"site {b!r}: literal argument {pos} is {seen} in one call and {t} in "
                                       "another; a literal's type is fixed at compile time (use two sites)")
    return out
