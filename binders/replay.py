"""Replaying a workload on the loaded real runtime (runs inside a worker).

Sites are real ``CallSite<T>`` objects created with ``CallSite<T>.Create``
over real C# runtime binders (``Microsoft.CSharp.RuntimeBinder.Binder.X``),
each wrapped once per binder *object* in an emitted ``CountingBinder`` that
counts binds.  Every call goes through a compiled invoker (an expression tree
compiled by the runtime) that builds the argument values that must not cross
into Python (fresh boxed primitives), calls ``site.Target`` exactly as
compiler-generated code does, catches what the rule throws, and reports which
cache level answered (see :mod:`binders.observe`).

The result has the same fields as the simulator's ``SimResult.to_dict()``,
computed from what the runtime did, plus ``runtime``, ``runtime_version``,
``seconds``, per-call ``levels`` and memory samples.
"""

from __future__ import annotations

import time
from typing import Callable

import clr  # noqa: F401

clr.AddReference("System.Core")
clr.AddReference("Microsoft.CSharp")

import System  # noqa: E402
from System import Activator, Type  # noqa: E402
from System.Globalization import CultureInfo  # noqa: E402
from System.Linq.Expressions import Expression, ExpressionType, ParameterExpression, CatchBlock  # noqa: E402
from System.Runtime.CompilerServices import CallSite, ConditionalWeakTable  # noqa: E402
from Microsoft.CSharp.RuntimeBinder import (  # noqa: E402
    Binder, CSharpArgumentInfo, CSharpArgumentInfoFlags, CSharpBinderFlags, RuntimeBinderException)

from binders import heapshot, observe  # noqa: E402
from binders.clrhelpers import Emitter  # noqa: E402
from binders.siteholder import SiteHolder  # noqa: E402
from callsite.clrvalues import invariant_text  # noqa: E402
from callsite.semantics import is_framework  # noqa: E402
from callsite.stats import SiteStats  # noqa: E402

LEVELS = observe.LEVELS
EXC_NONE, EXC_BINDER, EXC_OTHER = 0, 1, 2
NEW = "<new>"  # shape item: the slot holds a Type, the invoker creates the instance

_CLR = {
    "object": "System.Object", "void": "System.Void", "string": "System.String", "int": "System.Int32",
    "long": "System.Int64", "short": "System.Int16", "byte": "System.Byte", "sbyte": "System.SByte",
    "uint": "System.UInt32", "ulong": "System.UInt64", "ushort": "System.UInt16", "double": "System.Double",
    "float": "System.Single", "bool": "System.Boolean", "char": "System.Char", "decimal": "System.Decimal",
}


def _t(pytype) -> Type:
    return clr.GetClrType(pytype)


def _int(k: int):
    """An Int32 constant (a bare Python int would become a PyInt constant)."""
    return Expression.Constant(System.Int32(k), _t(System.Int32))


class NotApplicable(Exception):
    """This workload cannot run faithfully on this runtime (reason in the message)."""


class TypeResolver:
    """Type names to runtime types: framework types, then the workload's declared classes
    (``classes``, set per run), then plain classes made on demand."""

    def __init__(self, emitter: Emitter) -> None:
        self.emitter = emitter
        self._cache: dict[str, Type] = {}
        self.classes: dict = {}

    def __call__(self, name: str) -> Type:
        decl = self.classes.get(name)
        if decl is not None and not is_framework(name):
            return self.emitter.declared_class(decl)
        t = self._cache.get(name)
        if t is not None:
            return t
        full = _CLR.get(name, name)
        t = Type.GetType(full)
        if t is None and "." in full:
            for asm in System.AppDomain.CurrentDomain.GetAssemblies():
                t = asm.GetType(full)
                if t is not None:
                    break
        if t is None:  # an arbitrary class name of the workload: make it
            t = self.emitter.plain_class(name)
        self._cache[name] = t
        return t


class Invokers:
    """Compiled ``Func<CallSite, object[], int>`` per (delegate type, argument shape)."""

    def __init__(self, emitter: Emitter, resolve: TypeResolver) -> None:
        self.emitter = emitter
        self.resolve = resolve
        self._cache: dict = {}
        self._create_instance = _t(Activator).GetMethod("CreateInstance", System.Array[Type]([_t(Type)]))
        self._func = Expression.GetFuncType(System.Array[Type]([
            _t(CallSite), _t(System.Array[System.Object]), _t(System.Int32)]))

    def get(self, delegate_type, site_type, rules_fi, shape: tuple):
        key = (delegate_type.AssemblyQualifiedName, shape)
        inv = self._cache.get(key)
        if inv is None:
            inv = self._cache[key] = self._compile(delegate_type, site_type, rules_fi, shape)
        return inv

    def _parse_expr(self, type_name: str, raw):
        t = self.resolve(type_name)
        as_string = Expression.Convert(raw, _t(System.String))
        if t == _t(System.String):
            return as_string
        string_t = _t(System.String)
        m = t.GetMethod("Parse", System.Array[Type]([string_t, _t(System.IFormatProvider)]))
        if m is not None:
            call = Expression.Call(m, as_string, Expression.Constant(CultureInfo.InvariantCulture,
                                                                     _t(System.IFormatProvider)))
        else:
            m = t.GetMethod("Parse", System.Array[Type]([string_t]))
            call = Expression.Call(m, as_string)
        return Expression.Convert(call, _t(System.Object))

    def _compile(self, delegate_type, site_type, rules_fi, shape):
        invoke = delegate_type.GetMethod("Invoke")
        params = list(invoke.GetParameters())[1:]
        site_p = Expression.Parameter(_t(CallSite), "site")
        slots_p = Expression.Parameter(_t(System.Array[System.Object]), "slots")
        s = Expression.Variable(site_type, "s")
        t0 = Expression.Variable(delegate_type, "t0")
        r0 = Expression.Variable(rules_fi.FieldType, "r0")
        b0 = Expression.Variable(_t(System.Int64), "b0")
        exc = Expression.Variable(_t(System.Int32), "exc")
        total = Expression.Field(None, self.emitter.total_binds_field)
        target = Expression.Field(s, site_type.GetField("Target"))
        rules = Expression.Field(s, rules_fi)
        args = [s]
        prologue = []
        for k, (p, kind) in enumerate(zip(params, shape)):
            slot = Expression.ArrayAccess(slots_p, System.Array[Expression]([_int(k)]))
            if kind is not None:
                # Make the value inside the runtime (a fresh box, a fresh instance) and write it
                # back to its slot, so the caller sees the very object the site was given.
                if kind == NEW:
                    made = Expression.Call(self._create_instance, Expression.Convert(slot, _t(Type)))
                else:
                    made = self._parse_expr(kind, slot)
                prologue.append(Expression.Assign(slot, made))
            args.append(Expression.Convert(slot, p.ParameterType))
        call = Expression.Invoke(target, System.Array[Expression](args))
        void = _t(System.Void)
        last = Expression.ArrayAccess(slots_p, System.Array[Expression]([_int(len(params))]))
        ex1 = Expression.Parameter(_t(RuntimeBinderException), "e1")
        ex2 = Expression.Parameter(_t(System.Exception), "e2")
        handlers = System.Array[CatchBlock]([
            Expression.Catch(ex1, Expression.Block(void, System.Array[Expression]([
                Expression.Assign(exc, _int(EXC_BINDER)),
                Expression.Assign(last, Expression.Convert(ex1, _t(System.Object)))]))),
            Expression.Catch(ex2, Expression.Block(void, System.Array[Expression]([
                Expression.Assign(exc, _int(EXC_OTHER)),
                Expression.Assign(last, Expression.Convert(ex2, _t(System.Object)))]))),
        ])
        guarded = Expression.TryCatch(Expression.Block(void, System.Array[Expression]([call])), handlers)
        obj = _t(System.Object)

        def ne(a, b):
            return Expression.ReferenceNotEqual(Expression.Convert(a, obj), Expression.Convert(b, obj))

        level = Expression.Condition(
            Expression.NotEqual(total, b0), _int(3),
            Expression.Condition(ne(rules, r0), _int(2),
                                 Expression.Condition(ne(target, t0), _int(1), _int(0))))
        code = Expression.Add(Expression.Multiply(level, _int(4)), exc)
        body = Expression.Block(_t(System.Int32), System.Array[ParameterExpression]([s, t0, r0, b0, exc]),
                                System.Array[Expression]([
                                    Expression.Assign(s, Expression.Convert(site_p, site_type)),
                                    Expression.Assign(t0, target),
                                    Expression.Assign(r0, rules),
                                    Expression.Assign(b0, total),
                                    Expression.Assign(exc, _int(0))] + prologue + [
                                    guarded,
                                    code]))
        lam = Expression.Lambda(self._func, body, System.Array[ParameterExpression]([site_p, slots_p]))
        return lam.Compile()


class _SiteType:
    """Per delegate signature: the delegate, CallSite<T> and its reflection handles."""

    def __init__(self, resolve: TypeResolver, delegate: tuple) -> None:
        params = [resolve(n) for n in delegate[:-1]]
        ret = resolve(delegate[-1])
        self.delegate = Expression.GetDelegateType(System.Array[Type]([_t(CallSite)] + params + [ret]))
        self.site = observe.site_type(self.delegate)
        self.create = self.site.GetMethod("Create")
        self.rules = observe.rules_field(self.site)
        self.arity = len(params)


class Replayer:
    """Replays workloads in the loaded runtime.  Compiled invokers and emitted
    types are kept across workloads; sites, binders and objects are not."""

    def __init__(self, runtime: str, runtime_version: str, facts: dict, com_factory=None) -> None:
        self.runtime = runtime
        self.runtime_version = runtime_version
        self.facts = facts
        self.com = com_factory
        self.emitter = Emitter()
        self.resolve = TypeResolver(self.emitter)
        self.invokers = Invokers(self.emitter, self.resolve)
        self._site_types: dict[tuple, _SiteType] = {}
        self._wrapper_ctor = self.emitter.counting_binder.GetConstructors()[0]
        self.runs = 0

    # ----------------------------------------------------------- helpers
    def site_type(self, delegate: tuple) -> _SiteType:
        st = self._site_types.get(delegate)
        if st is None:
            st = self._site_types[delegate] = _SiteType(self.resolve, delegate)
        return st

    def make_binder(self, spec):
        """One ``Binder.X(...)`` call, exactly as the compiler emits it."""
        flags = set(spec.flags)
        if spec.kind == "Convert" and spec.explicit:
            flags.add("ConvertExplicit")
        bflags = System.Enum.Parse(_t(CSharpBinderFlags), ", ".join(sorted(flags)) or "None")
        ctx = self.emitter.program
        infos = System.Array[CSharpArgumentInfo]([
            CSharpArgumentInfo.Create(System.Enum.Parse(_t(CSharpArgumentInfoFlags), ", ".join(sorted(a.flags)) or "None"),
                                      a.name) for a in spec.args if a is not None])  # Convert has none
        k = spec.kind
        if k == "InvokeMember":
            targs = System.Array[Type]([self.resolve(n) for n in spec.type_args]) if spec.type_args else None
            return Binder.InvokeMember(bflags, spec.name, targs, ctx, infos)
        if k == "GetMember":
            return Binder.GetMember(bflags, spec.name, ctx, infos)
        if k == "SetMember":
            return Binder.SetMember(bflags, spec.name, ctx, infos)
        if k == "Invoke":
            return Binder.Invoke(bflags, ctx, infos)
        if k == "Convert":
            return Binder.Convert(bflags, self.resolve(spec.type), ctx)
        if k == "BinaryOperation":
            return Binder.BinaryOperation(bflags, System.Enum.Parse(_t(ExpressionType), spec.operation), ctx, infos)
        if k == "UnaryOperation":
            return Binder.UnaryOperation(bflags, System.Enum.Parse(_t(ExpressionType), spec.operation), ctx, infos)
        if k == "GetIndex":
            return Binder.GetIndex(bflags, ctx, infos)
        if k == "SetIndex":
            return Binder.SetIndex(bflags, ctx, infos)
        raise ValueError(f"unknown binder kind {k!r}")

    def uses_com(self, workload) -> bool:
        for it in workload.script:
            for tpl in it:
                for a in tpl.args:
                    v = a.value
                    items = getattr(v, "items", None) or (v,)
                    if any(type(x).__name__ == "ComObject" for x in items):
                        return True
        return False

    # ----------------------------------------------------------- the run
    def run(self, workload, calls: int, emit: Callable[[dict], None] | None = None,
            sample_every: int | None = None, chunk: int = 2000, keep_levels: bool = True) -> dict:
        if self.uses_com(workload) and (not self.facts.get("com_rcw") or self.com is None):
            raise NotApplicable(self.facts.get("com_reason") or "no COM objects on this runtime")
        self.resolve.classes = workload.classes
        return _Run(self, workload, calls, emit, sample_every, chunk, keep_levels).run()


class _Run:
    def __init__(self, rp: Replayer, wl, calls, emit, sample_every, chunk, keep_levels) -> None:
        self.rp = rp
        self.wl = wl
        self.calls = calls
        self.emit = emit or (lambda e: None)
        self.chunk = chunk
        self.keep_levels = keep_levels
        self.names = list(wl.sites)
        self.stats = {n: SiteStats(n, wl.sites[n].lifetime, wl.sites[n].binder,
                                   wl.binders[wl.sites[n].binder].describe()) for n in self.names}
        self.wrappers = ConditionalWeakTable[System.Object, System.Object]()  # inner binder -> wrapper, this run only
        self.wrapper_refs: list = []
        self.binder_objects = 0
        self.run_binders: dict[str, object] = {}
        self.static_sites: dict[str, object] = {}
        # the program's own references to its sites: static fields, as compiled C# keeps them
        self.holder = SiteHolder(rp.emitter.module, rp.runs,
                                 {n: rp.site_type(wl.sites[n].delegate).site for n in self.names})
        rp.runs += 1
        self.current: dict[str, object] = {}       # per-iteration site of the current iteration
        self.last_site: dict[str, object] = {}     # last instance of each site (for final sizes)
        self.site_binder: dict[str, object] = {}
        self.reused: dict[str, object] = {}
        self.rule_stale: dict[int, bool] = {}
        self.com_reused: dict[str, object] = {}
        self.com_fresh: list = []
        self.samples: list[dict] = []
        self.levels = bytearray()
        self.errors: dict[str, int] = {}
        self.thrown: dict[str, int] = {n: 0 for n in self.names}  # calls whose rule threw, per site
        self.error_examples: list[str] = []
        self.binds = 0
        self.instance_rules = 0
        self.rule_info: dict[int, int] = {}  # rule hash -> instance-restricted objects held strongly
        self.type_rules = 0
        total_iters = self._iterations(calls)
        self.sample_every = sample_every or max(1, total_iters // 32)
        self.call_seconds = 0.0

    def _iterations(self, calls: int) -> int:
        per = [len(it) for it in self.wl.script]
        if not calls or not any(per):
            return 1
        n, it = 0, 0
        while n < calls:
            n += per[it % len(per)]
            it += 1
        return it

    # ------------------------------------------------------------- objects
    def wrapper_for(self, inner):
        found, w = self.wrappers.TryGetValue(inner, None)
        if found:
            return w
        w = self.rp._wrapper_ctor.Invoke(System.Array[System.Object]([inner]))
        self.wrappers.Add(inner, w)
        self.wrapper_refs.append(System.WeakReference(w))
        self.binder_objects += 1  # a new wrapper means a binder object not seen in this run
        return w

    def binder_for_run(self, key: str):
        b = self.run_binders.get(key)
        if b is None:
            b = self.run_binders[key] = self.wrapper_for(self.rp.make_binder(self.wl.binders[key]))
        return b

    def site(self, name: str, iteration: int):
        s = self.static_sites.get(name)
        if s is not None:
            return s
        spec = self.wl.sites[name]
        st = self.rp.site_type(spec.delegate)
        stats = self.stats[name]
        if spec.lifetime == "static":
            binder = self.binder_for_run(spec.binder)
            s = st.create.Invoke(None, System.Array[System.Object]([binder]))
            self.static_sites[name] = s
            self.holder.store(name, s)
            stats.instances += 1
            stats.binder_objects = 1
        else:
            cur = self.current.get(name)
            if cur is not None:
                return cur
            if spec.binder_per_iteration:
                before = self.binder_objects
                binder = self.wrapper_for(self.rp.make_binder(self.wl.binders[spec.binder]))
                stats.binder_objects += self.binder_objects - before
            else:
                binder = self.binder_for_run(spec.binder)
                stats.binder_objects = 1
            s = st.create.Invoke(None, System.Array[System.Object]([binder]))
            self.current[name] = s
            self.holder.store(name, s)
            stats.instances += 1
        self.last_site[name] = s
        self.site_binder[name] = binder
        return s

    def value(self, v):
        """(slot content, shape item, fresh?) for one argument value."""
        kind = type(v).__name__
        if kind == "Boxed":
            return invariant_text(v.value), v.type_name, True
        if kind == "Null":
            return None, None, False
        if kind == "StaticType":
            return self.rp.resolve(v.type_name), None, False
        if kind == "NewObject":
            return self.rp.resolve(v.type_name), NEW, True
        if kind == "Reused":
            o = self.reused.get(v.id)
            if o is None:
                o = self.reused[v.id] = Activator.CreateInstance(self.rp.resolve(v.type_name))
            return o, None, False
        if kind == "ComObject":
            if v.id is None:
                o = self.rp.com.new()
                self.com_fresh.append(o)
                return o, None, True
            o = self.com_reused.get(v.id)
            if o is None:
                o = self.com_reused[v.id] = self.rp.com.new()
            else:
                self.rp.com.rearm(o)
            return o, None, False
        raise ValueError(f"unknown value kind {kind}")

    # ------------------------------------------------------------- run
    def run(self) -> dict:
        rp = self.rp
        slots_by_arity: dict[int, object] = {}
        site_types: dict[str, _SiteType] = {}
        start = time.perf_counter()
        self.heap_base = observe.full_gc()
        self.sample(0)
        heapshot.shot(f"{self.wl.name}:before")
        if heapshot.session() is not None:  # field names, also of the binder the sites hold
            heapshot.record_fields([*heapshot.DLR_TYPES, rp.emitter.counting_binder])
        during = self.calls // 2 if heapshot.session() is not None else None
        cur_iter = 0
        pending_levels: list[str] = []
        window_calls, window_seconds = 0, 0.0
        perf = time.perf_counter
        for call in self.wl.iter_calls(self.calls):
            if call.iteration != cur_iter:
                self.end_iteration(slots_by_arity)
                cur_iter = call.iteration
                if cur_iter % self.sample_every == 0:
                    self.sample(call.index, window_calls, window_seconds)
                    window_calls, window_seconds = 0, 0.0
                if during is not None and call.index >= during:
                    heapshot.shot(f"{self.wl.name}:during")
                    during = None
            name = call.site
            site = self.static_sites.get(name) or self.site(name, call.iteration)
            st = site_types.get(name)
            if st is None:
                st = site_types[name] = rp.site_type(self.wl.sites[name].delegate)
            n = len(call.args)
            slots = slots_by_arity.get(n)
            if slots is None:
                slots = slots_by_arity[n] = System.Array.CreateInstance(_t(System.Object), n + 1)
            shape = []
            fresh = []
            for k, v in enumerate(call.args):
                content, kind, is_fresh = self.value(v)
                slots[k] = content
                shape.append(kind)
                fresh.append(is_fresh)
            inv = rp.invokers.get(st.delegate, st.site, st.rules, tuple(shape))
            t0 = perf()
            code = inv.Invoke(site, slots)
            dt = perf() - t0
            window_seconds += dt
            window_calls += 1
            self.call_seconds += dt
            level, exc = code >> 2, code & 3
            if exc:
                err = slots[n]
                slots[n] = None
                ename = err.GetType().Name if err is not None else "Exception"
                self.errors[ename] = self.errors.get(ename, 0) + 1
                self.thrown[name] += 1
                if exc == EXC_OTHER and len(self.error_examples) < 3:
                    self.error_examples.append(f"call {call.index}: {ename}: {err.Message}")
            self.account(call, name, site, st, level, slots, fresh)
            lv = LEVELS[level]
            if self.keep_levels:
                self.levels.append(level)
            pending_levels.append(lv)
            if len(pending_levels) >= self.chunk:
                self.emit({"event": "levels", "start": call.index + 1 - len(pending_levels),
                           "levels": "".join(str(LEVELS.index(x)) for x in pending_levels)})
                pending_levels = []
        if pending_levels:
            self.emit({"event": "levels", "start": self.calls - len(pending_levels),
                       "levels": "".join(str(LEVELS.index(x)) for x in pending_levels)})
        self.end_iteration(slots_by_arity)
        self.sample(self.calls, window_calls, window_seconds, final=True)
        seconds = time.perf_counter() - start
        heapshot.shot(f"{self.wl.name}:after")
        result = self.result(seconds)
        if heapshot.session() is not None:
            # "reset": the program drops its sites and binders, as a host resetting its scripts would
            site = None  # noqa: F841  (the loop's last site: the program no longer holds it either)
            self.static_sites.clear()
            self.holder.clear()
            self.site_binder.clear()
            self.run_binders.clear()
            self.current = {}
            self.last_site.clear()
            heapshot.shot(f"{self.wl.name}:reset")
        return result

    def account(self, call, name, site, st, level, slots, fresh) -> None:
        stats = self.stats[name]
        stats.calls += 1
        if level == 0:
            stats.l0_hits += 1
        elif level == 1:
            stats.l1_hits += 1
        elif level == 2:
            stats.l2_hits += 1
        else:
            self.binds += 1
            sig = tuple("null" if slots[k] is None else (v.type_name if hasattr(v, "type_name") and type(v).__name__ != "StaticType"
                                                          else slots[k].GetType().FullName)
                        for k, v in enumerate(call.args))
            rules = observe.l1_rules(site, st.rules)
            weak, consts = observe.rule_constants(rules[0]) if rules else ([], [])
            targets = [w.Target for w in weak] + consts
            restricted = [k for k in range(len(call.args)) if slots[k] is not None and any(
                System.Object.ReferenceEquals(o, slots[k]) for o in targets)]
            strong = sum(1 for c in consts if any(System.Object.ReferenceEquals(c, slots[k]) for k in restricted))
            if rules:
                self.rule_info[observe.RuntimeHelpers.GetHashCode(rules[0])] = strong
                # stale once its iteration ends: the rule restricts on an object the program drops
                self.rule_stale[observe.RuntimeHelpers.GetHashCode(rules[0])] = any(
                    fresh[k] for k in restricted)
            if weak or strong:
                self.instance_rules += 1
            else:
                self.type_rules += 1
            stats.record_bind(call.index, sig, [k for k in restricted if fresh[k]])

    def end_iteration(self, slots_by_arity) -> None:
        for slots in slots_by_arity.values():
            for k in range(slots.Length):
                slots[k] = None
        for o in self.com_fresh:
            self.rp.com.release(o)
        self.com_fresh = []
        self.current = {}

    # ------------------------------------------------------------- memory
    def live_state(self):
        """Rules, weak references and binders reachable from what the program keeps."""
        rules = observe.IdentitySet()
        for name, s in self.static_sites.items():
            # Target is always the rule used last, which L1 holds (AddRule puts it first).
            st = self.rp.site_type(self.wl.sites[name].delegate)
            for r in observe.l1_rules(s, st.rules):
                rules.add(r)
        binders = observe.IdentitySet()
        for ref in self.wrapper_refs:
            w = ref.Target
            if w is not None:
                binders.add(w)
        delegates = {self.rp.site_type(sp.delegate).delegate for sp in self.wl.sites.values()}
        for b in binders.items:
            for d in delegates:
                for r in observe.l2_rules(b, d):
                    rules.add(r)
        weak = [w for r in rules.items for w in observe.weak_references(r)]
        dead = sum(1 for w in weak if w.Target is None)
        strong = sum(self.rule_info.get(observe.RuntimeHelpers.GetHashCode(r), 0) for r in rules.items)
        return rules, weak, dead, binders, strong

    def sample(self, call: int, window_calls: int = 0, window_seconds: float = 0.0, final: bool = False) -> None:
        heap = observe.full_gc()
        self.wrapper_refs = [r for r in self.wrapper_refs if r.IsAlive]
        rules, weak, dead, binders, strong = self.live_state()
        s = {
            "call": call, "binds": self.binds, "rules_live": len(rules), "weak_handles_live": len(weak),
            "weak_targets_dead": dead, "binders_live": len(binders),
            "strong_instance_refs_live": strong,
            "approx_bytes": heap - self.heap_base, "heap_bytes": heap,
            "com_live": self.rp.com.live() if self.rp.com is not None else None,
            "us_per_call": round(1e6 * window_seconds / window_calls, 3) if window_calls else None,
        }
        self.samples.append(s)
        self.emit(dict(s, event="sample"))

    def retention(self, name: str) -> dict:
        spec = self.wl.sites[name]
        st = self.rp.site_type(spec.delegate)
        site = self.static_sites.get(name)
        l1 = observe.l1_rules(site, st.rules) if site is not None else []
        binder = self.site_binder.get(name)
        if binder is not None and site is None:
            # a per-iteration site is gone; its binder is retained only if something still holds it
            alive = any(System.Object.ReferenceEquals(r.Target, binder) for r in self.wrapper_refs)
            keep = spec.binder in self.run_binders and not spec.binder_per_iteration
            binder = binder if (keep or alive) else None
        l2 = observe.l2_rules(binder, st.delegate) if binder is not None else []
        rules = observe.IdentitySet()
        for r in l1 + l2:
            rules.add(r)

        def stale(r):
            # weak: the target died; strong: the rule alone keeps an object the program dropped
            return (any(w.Target is None for w in observe.weak_references(r))
                    or self.rule_stale.get(observe.RuntimeHelpers.GetHashCode(r), False))
        return {"rules_retained": len(rules),
                "weak_handles_retained": sum(len(observe.weak_references(r)) for r in rules.items),
                "strong_refs_retained": sum(self.rule_info.get(observe.RuntimeHelpers.GetHashCode(r), 0)
                                            for r in rules.items),
                "stale_rules_l1": sum(1 for r in l1 if stale(r)),
                "stale_rules_l2": sum(1 for r in l2 if stale(r))}

    def result(self, seconds: float) -> dict:
        l1max = 10
        sites = []
        for name in self.names:
            stats = self.stats[name]
            site = self.last_site.get(name)
            if site is not None:
                st = self.rp.site_type(self.wl.sites[name].delegate)
                stats.l1_rules = len(observe.l1_rules(site, st.rules))
                stats.l2_rules = len(observe.l2_rules(self.site_binder[name], st.delegate))
            sites.append(dict(stats.to_dict(l1max), thrown=self.thrown[name], **self.retention(name)))
        counts = [self.levels.count(i) for i in range(4)] if self.keep_levels else [None] * 4
        final = self.samples[-1]
        # release what the run kept, so native COM objects can be counted afterwards
        for o in self.com_reused.values():
            self.rp.com.release(o)
        self.com_reused.clear()
        return {
            "workload": self.wl.name, "profile": self.rp.runtime, "calls": self.calls,
            "binds": self.binds, "l0_hits": counts[0], "l1_hits": counts[1], "l2_hits": counts[2],
            "l1_rules": max((s["l1_rules"] for s in sites), default=0),
            "l2_rules": max((s["l2_rules"] for s in sites), default=0),
            "rules_compiled": self.binds, "rules_live": final["rules_live"],
            "weak_handles_live": final["weak_handles_live"], "weak_targets_dead": final["weak_targets_dead"],
            "strong_instance_refs_live": final["strong_instance_refs_live"],
            "approx_bytes": final["approx_bytes"], "binder_objects": self.binder_objects,
            "sites": sites, "samples": self.samples,
            "runtime": self.rp.runtime, "runtime_version": self.rp.runtime_version,
            "seconds": round(seconds, 6), "call_seconds": round(self.call_seconds, 6),
            "instance_restricted_rules": self.instance_rules, "type_restricted_rules": self.type_rules,
            "exceptions": self.errors, "unexpected_exceptions": self.error_examples,
            "thrown": sum(self.thrown.values()),
            "levels": [LEVELS[i] for i in self.levels] if self.keep_levels else None,
        }
