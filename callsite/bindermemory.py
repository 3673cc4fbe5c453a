"""The C# runtime binder's own memory: what one bind leaves behind outside the DLR caches.

The DLR caches (L0/L1/L2) are bounded by their constants; whatever the binder
keeps in its *own* state is not. On .NET Framework that state grows with every
bind: ``RuntimeBinder`` is one process-wide object (``RuntimeBinder.GetInstance``)
whose symbol table (``SYMTBL``, a ``Dictionary<Key, Symbol>``) receives, per
bind, one ``LocalVariableSymbol`` per argument plus the lambda's ``this`` local,
each under a ``Key(name, parent)`` whose parent is that bind's new ``Scope``, so
no key repeats and none is removed. Each argument local keeps, in its ``wrap``
field, the ``Expression.Parameter(...)`` call the expression-tree rewriter built
for it. A bind with a calling context also appends an ``AggregateDeclaration``
to that type's declaration list. Sources (microsoft/referencesource,
``Microsoft.CSharp/Microsoft/CSharp/``): ``RuntimeBinder.cs`` (``BindCore``,
``PopulateLocalScope``, ``GenerateBoundLambda``, ``InitializeCallingContext``),
``ManagedBinder/Semantics/Symbols/SymbolTable.cs`` (``SYMTBL.InsertChildNoGrow``),
``ManagedBinder/Semantics/Symbols/SymbolFactoryBase.cs`` (``newBasicSym`` inserts
every symbol that has a parent), ``ManagedBinder/Semantics/Symbols/SymbolFactory.cs``
(``CreateLocalVar``, ``CreateAggregateDecl``: ``agg.AddDecl``) and
``ManagedBinder/Semantics/Tree/Visitors/ExpressionTreeRewriter.cs``
(``CreateWraps``, ``GenerateParameter``, ``GenerateCall``). dotnet/corefx#15397
(January 2017) stopped inserting ``Scope`` and ``LocalVariableSymbol``. Mono builds
``Microsoft.CSharp`` from corefx sources (mono/mono
``mcs/class/Microsoft.CSharp/Microsoft.CSharp.dll.sources``) and CoreCLR carries
corefx's binder; on Mono 6.8 and CoreCLR 3.1 the binder's state is measured flat
(:func:`measure`), which is the evidence that both have the fix.

A :class:`BinderStateModel` is profile data: objects kept per bind, per
argument and per calling context, times their 64-bit sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from callsite.verdict import theil_sen


@dataclass(frozen=True)
class ClassSize:
    """The 64-bit size of one class the binder keeps, and where the figure comes from."""

    name: str
    bytes: int
    source: str


# Sizes measured on a 64-bit runtime by the heap census in dotnet/roslyn#2887
# (`!dumpheap -stat`, total bytes / count, with the pre-fix Microsoft.CSharp):
ROSLYN_2887 = "measured: dotnet/roslyn#2887 heap census (bytes / count, 64-bit)"
# Others: 16-byte object header + 8 bytes per reference field, 4 per int/enum
# field, rounded up to 8; field lists read from the reference source.
LAYOUT = "estimate: 64-bit layout from the reference source's fields"

NETFX_SIZES: dict[str, ClassSize] = {c.name: c for c in (
    ClassSize("SYMTBL+Key", 32, ROSLYN_2887),                 # 424000 B / 13250
    ClassSize("Scope", 88, ROSLYN_2887),                      # 616176 B / 7002
    ClassSize("LocalVariableSymbol", 88, ROSLYN_2887),        # 1144528 B / 13006
    ClassSize("AggregateDeclaration", 96, ROSLYN_2887),       # 672192 B / 7002
    ClassSize("EXPRCALL", 112, ROSLYN_2887),                  # 449456 B / 4013
    ClassSize("EXPRMEMGRP", 120, ROSLYN_2887),                # 481680 B / 4014
    # Dictionary<Key, Symbol> entry: hashCode + next (ints) + key + value, and one
    # int bucket; growth slack (capacity up to about twice the count) not counted.
    ClassSize("SYMTBL dictionary entry", 28, LAYOUT),
    ClassSize("EXPRWRAP", 56, LAYOUT),
    ClassSize("EXPRLIST", 56, LAYOUT),
    ClassSize("EXPRTYPEOF", 48, LAYOUT),
    ClassSize("EXPRCLASS", 48, LAYOUT),
    ClassSize("EXPRCONSTANT", 48, LAYOUT),
    ClassSize("CONSTVAL", 24, LAYOUT),
    ClassSize("MethWithInst", 40, LAYOUT),
    ClassSize("CMemberLookupResults", 64, LAYOUT),
)}


@dataclass(frozen=True)
class BinderStateModel:
    """Objects the binder's own state keeps after each bind (an empty model keeps none).

    ``per_bind`` objects are kept once per bind, ``per_argument`` once per
    argument of the call (the delegate's parameters after the CallSite),
    ``per_context`` once per bind whose binder has a calling context.
    """

    per_bind: tuple[tuple[str, int], ...] = ()
    per_argument: tuple[tuple[str, int], ...] = ()
    per_context: tuple[tuple[str, int], ...] = ()
    sizes: dict = field(default_factory=dict)
    part: str = "the C# runtime binder's symbol table"
    source: str = ""

    @property
    def grows(self) -> bool:
        """Whether every bind leaves memory behind (unbounded growth with the number of binds)."""
        return bool(self.per_bind or self.per_argument or self.per_context)

    def census(self, arguments: int, calling_context: bool = True) -> dict[str, int]:
        """Objects one bind keeps, by class, for a call with this many arguments."""
        out: dict[str, int] = {}
        groups = [(self.per_bind, 1), (self.per_argument, arguments),
                  (self.per_context, 1 if calling_context else 0)]
        for group, times in groups:
            for name, n in group:
                if n * times:
                    out[name] = out.get(name, 0) + n * times
        return out

    def objects_per_bind(self, arguments: int, calling_context: bool = True) -> int:
        return sum(self.census(arguments, calling_context).values())

    def bytes_per_bind(self, arguments: int, calling_context: bool = True) -> int:
        return sum(n * self.sizes[name].bytes for name, n in self.census(arguments, calling_context).items())


# .NET Framework 4.x (microsoft/referencesource, Microsoft.CSharp/Microsoft/CSharp/):
NETFX_SYMBOL_TABLE = BinderStateModel(
    # BindCore: CreateScope(null) (not inserted itself, but every key below
    # holds it as parent); GenerateBoundLambda's `this` local, inserted
    # under (this, scope).
    per_bind=(("Scope", 1), ("LocalVariableSymbol", 1), ("SYMTBL+Key", 1), ("SYMTBL dictionary entry", 1)),
    # PopulateLocalScope: local "p<i>" per argument, inserted under (p<i>, scope);
    # CreateWraps: local.wrap = WRAP(GenerateParameter(name, type)), i.e.
    # CALL(Expression.Parameter) with LIST(TYPEOF(CLASS), CONSTANT(CONSTVAL)),
    # a MethWithInst and a MEMGRP with its CMemberLookupResults.
    per_argument=(("LocalVariableSymbol", 1), ("SYMTBL+Key", 1), ("SYMTBL dictionary entry", 1),
                  ("EXPRWRAP", 1), ("EXPRCALL", 1), ("EXPRLIST", 1), ("EXPRTYPEOF", 1), ("EXPRCLASS", 1),
                  ("EXPRCONSTANT", 1), ("CONSTVAL", 1), ("MethWithInst", 1), ("EXPRMEMGRP", 1),
                  ("CMemberLookupResults", 1)),
    # InitializeCallingContext: CreateAggregateDecl(agg, null) -> agg.AddDecl(decl).
    per_context=(("AggregateDeclaration", 1),),
    sizes=NETFX_SIZES,
    source=("built from sources, unverified here: microsoft/referencesource Microsoft.CSharp/Microsoft/CSharp/"
            "RuntimeBinder.cs and ManagedBinder/Semantics/Symbols/SymbolTable.cs (SYMTBL), "
            "SymbolFactoryBase.cs, SymbolFactory.cs, Tree/Visitors/ExpressionTreeRewriter.cs; "
            "dotnet/corefx#11934 (OutOfMemoryException in SYMTBL.InsertChildNoGrow), "
            "dotnet/corefx#15397 (the fix); sizes from dotnet/roslyn#2887's heap census where it lists the class"),
)

# After dotnet/corefx#15397 (Mono 6.8, CoreCLR): nothing kept per bind, measured
# flat by `measure` (tests/real/test_binder_memory.py).
NO_GROWTH = BinderStateModel(source="measured flat on this machine (callsite.bindermemory.measure)")


# ------------------------------------------------------------------ real runtimes
# The smallest managed object on a 64-bit runtime (header, method table, one field):
# a binder that kept anything per bind would grow at least this much per bind.
SMALLEST_OBJECT_BYTES = 24


@dataclass(frozen=True)
class Measurement:
    """Binder-internal memory per bind on a real runtime, from heap-after-GC samples.

    ``bytes_per_bind`` is the Theil–Sen slope of (managed heap after a forced
    GC − what the DLR caches hold) against binds, over the second half of the
    run, where L1 and L2 are already full; ``low``/``high`` its 95% interval.
    """

    runtime: str
    workload: str
    calls: int
    binds: int
    samples: int
    bytes_per_bind: float
    low: float
    high: float
    cache_bytes_first: int
    cache_bytes_last: int
    method: str = ("managed heap after GC.Collect (GC.GetTotalMemory(true)) minus the modelled bytes of the rules "
                   "and objects the DLR caches hold (bounded by L1/L2), slope against binds, second half of the run")

    @property
    def flat(self) -> bool:
        """Not even one object per bind: the slope's upper bound is below the smallest object."""
        return self.high < SMALLEST_OBJECT_BYTES

    @property
    def verdict(self) -> str:
        """flat, growing (at least one object per bind, surely) or inconclusive (too noisy: run longer)."""
        if self.flat:
            return "flat"
        return "growing" if self.low >= SMALLEST_OBJECT_BYTES else "inconclusive"

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return dict(asdict(self), flat=self.flat, verdict=self.verdict)


def cache_bytes(sample: dict, memory: Any) -> int:
    """Modelled bytes of what the DLR caches hold in one real sample (rules and strongly held objects)."""
    return int((sample.get("rules_live") or 0) * memory.rule_bytes
               + (sample.get("weak_handles_live") or 0) * (memory.weak_reference_bytes + memory.gc_handle_bytes)
               + (sample.get("strong_instance_refs_live") or 0) * memory.retained_object_bytes)


def per_bind(result: dict, memory: Any) -> Measurement:
    """Binder-internal bytes per bind from one real result's samples."""
    samples = [s for s in result.get("samples") or [] if s.get("heap_bytes") is not None]
    half = samples[len(samples) // 2:]
    binds = [s["binds"] for s in half]
    rest = [s["heap_bytes"] - cache_bytes(s, memory) for s in half]
    slope = theil_sen(binds, rest)
    return Measurement(runtime=result.get("profile") or result.get("runtime") or "?",
                       workload=result.get("workload", "?"), calls=result.get("calls", 0),
                       binds=result.get("binds", 0), samples=len(half),
                       bytes_per_bind=round(slope.per_call, 3), low=round(slope.low, 3), high=round(slope.high, 3),
                       cache_bytes_first=cache_bytes(half[0], memory) if half else 0,
                       cache_bytes_last=cache_bytes(half[-1], memory) if half else 0)


# Workloads that can make a site bind on (almost) every call, each for its own reason:
# a new binder and site per iteration (Mono: no shared binder), a fresh COM object
# as a dynamic argument (instance restriction), more types than L2 holds.
CANDIDATES = ("new-site-per-iteration", "com-arg-fresh", "poly-400")
BIND_RATE = 0.5


def bind_per_call_workloads(runtime: str, candidates: Sequence[str] = CANDIDATES) -> list[str]:
    """The candidates that bind on most calls on this runtime, as its profile predicts.

    CoreCLR shares equivalent binders, so a new site per iteration binds once
    there; COM workloads need COM objects on this platform.
    """
    import json

    from callsite.profiles import get_profile
    from callsite.scenarios import scenario_document
    from callsite.simulator import simulate

    profile = get_profile(runtime)
    out = []
    for name in candidates:
        if '"com"' in json.dumps(scenario_document(name)) and not profile.native_com_on_linux:
            continue
        r = simulate(name, profile)
        if r.calls and r.binds / r.calls >= BIND_RATE:
            out.append(name)
    return out


def measure(runtime: str, workloads: Sequence[str] | None = None, calls: int | None = None,
            timeout: float = 600.0) -> list[Measurement]:
    """Run bind-per-call workloads on a real runtime and measure the binder's own memory per bind.

    By default the workloads are those its profile says bind on most calls
    (:func:`bind_per_call_workloads`), so any runtime name that ``binders.runtimes``
    knows can be measured the same way.
    """
    from binders.api import run_real
    from callsite.profiles import get_profile

    memory = get_profile(runtime).memory
    out = []
    for w in (bind_per_call_workloads(runtime) if workloads is None else workloads):
        res = run_real(w, runtime, calls, timeout=timeout)
        if res.get("not_applicable"):
            continue
        out.append(per_bind(res, memory))
    return out
