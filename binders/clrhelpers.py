"""Helper types made inside the loaded runtime with Reflection.Emit.

Everything here runs in a worker process after a runtime is loaded.  Emitting
(rather than shipping a compiled assembly) keeps one source for Mono and
CoreCLR:

* ``CountingBinder``: a ``CallSiteBinder`` that forwards ``Bind`` to a real C#
  runtime binder and counts the calls (a static total and a per-instance count).
  The site's L2 cache lives on this wrapper; one wrapper is kept per inner binder
  *object* (a ConditionalWeakTable), so binder identity, and therefore L2
  sharing, is whatever the runtime's ``Binder.X(...)`` factory really returns.
* ``Program``: the calling-context type for every binder.
* any number of plain classes (``Poly17``, ``Widget``, ...) made on demand, and
  the classes a workload declares (``classes:``) with their public ``object``
  fields and methods that take ``object`` parameters and return null.
"""

from __future__ import annotations

import clr  # noqa: F401  (pythonnet, loaded by the worker)

clr.AddReference("System.Core")
clr.AddReference("Microsoft.CSharp")

import System  # noqa: E402
from System import Type  # noqa: E402
from System.Reflection import (AssemblyName, BindingFlags, CallingConventions, DefaultMemberAttribute,  # noqa: E402
                               MethodAttributes, ParameterAttributes, PropertyAttributes, TypeAttributes,
                               FieldAttributes)
from System.Reflection.Emit import (AssemblyBuilder, AssemblyBuilderAccess, CustomAttributeBuilder,  # noqa: E402
                                    OpCodes)
from System.Runtime.CompilerServices import CallSiteBinder  # noqa: E402

_NONPUB_INST = BindingFlags.NonPublic | BindingFlags.Instance
_PUB_INST = BindingFlags.Public | BindingFlags.Instance


class Emitter:
    def __init__(self) -> None:
        name = AssemblyName("DlrsimDynamic")
        self.assembly = AssemblyBuilder.DefineDynamicAssembly(name, AssemblyBuilderAccess.Run)
        self.module = self.assembly.DefineDynamicModule("DlrsimDynamic")
        self.classes: dict[str, Type] = {}
        self.declared: dict = {}  # ClassDecl -> Type
        self.counting_binder = self._counting_binder()
        self.program = self.plain_class("Program")
        self.total_binds_field = self.counting_binder.GetField("TotalBinds")

    def _counting_binder(self) -> Type:
        tb = self.module.DefineType("Dlrsim.CountingBinder", TypeAttributes.Public | TypeAttributes.Class,
                                    clr.GetClrType(CallSiteBinder))
        inner = tb.DefineField("Inner", clr.GetClrType(CallSiteBinder), FieldAttributes.Public)
        count = tb.DefineField("Binds", clr.GetClrType(System.Int64), FieldAttributes.Public)
        total = tb.DefineField("TotalBinds", clr.GetClrType(System.Int64), FieldAttributes.Public | FieldAttributes.Static)
        base_ctor = clr.GetClrType(CallSiteBinder).GetConstructor(_NONPUB_INST, None, Type.EmptyTypes, None)
        ctor = tb.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard,
                                    System.Array[Type]([clr.GetClrType(CallSiteBinder)]))
        il = ctor.GetILGenerator()
        il.Emit(OpCodes.Ldarg_0)
        il.Emit(OpCodes.Call, base_ctor)
        il.Emit(OpCodes.Ldarg_0)
        il.Emit(OpCodes.Ldarg_1)
        il.Emit(OpCodes.Stfld, inner)
        il.Emit(OpCodes.Ret)

        bind_base = clr.GetClrType(CallSiteBinder).GetMethod("Bind", _PUB_INST)
        params = System.Array[Type]([p.ParameterType for p in bind_base.GetParameters()])
        m = tb.DefineMethod("Bind", MethodAttributes.Public | MethodAttributes.Virtual | MethodAttributes.HideBySig,
                            bind_base.ReturnType, params)
        il = m.GetILGenerator()
        il.Emit(OpCodes.Ldsfld, total)
        il.Emit(OpCodes.Ldc_I8, System.Int64(1))
        il.Emit(OpCodes.Add)
        il.Emit(OpCodes.Stsfld, total)
        il.Emit(OpCodes.Ldarg_0)
        il.Emit(OpCodes.Ldarg_0)
        il.Emit(OpCodes.Ldfld, count)
        il.Emit(OpCodes.Ldc_I8, System.Int64(1))
        il.Emit(OpCodes.Add)
        il.Emit(OpCodes.Stfld, count)
        il.Emit(OpCodes.Ldarg_0)
        il.Emit(OpCodes.Ldfld, inner)
        il.Emit(OpCodes.Ldarg_1)
        il.Emit(OpCodes.Ldarg_2)
        il.Emit(OpCodes.Ldarg_3)
        il.Emit(OpCodes.Callvirt, bind_base)
        il.Emit(OpCodes.Ret)
        tb.DefineMethodOverride(m, bind_base)
        return tb.CreateType()

    def declared_class(self, decl) -> Type:
        """The class a workload declares (a ``ClassDecl``), made once per distinct declaration."""
        t = self.declared.get(decl)
        if t is not None:
            return t
        obj = clr.GetClrType(System.Object)
        tb = self.module.DefineType(f"Dlrsim.Declared.{decl.name}__{len(self.declared)}",
                                    TypeAttributes.Public | TypeAttributes.Class)
        tb.DefineDefaultConstructor(MethodAttributes.Public)
        for f in sorted(decl.fields):
            tb.DefineField(f, obj, FieldAttributes.Public)
        for name, arities in decl.methods:
            for n in sorted(arities):
                m = tb.DefineMethod(name, MethodAttributes.Public | MethodAttributes.HideBySig, obj,
                                    System.Array[Type]([obj] * n))
                for i in range(n):
                    m.DefineParameter(i + 1, getattr(ParameterAttributes, "None"), f"a{i}")
                il = m.GetILGenerator()
                il.Emit(OpCodes.Ldnull)
                il.Emit(OpCodes.Ret)
        if getattr(decl, "indexers", None):
            self._indexers(tb, sorted(decl.indexers))
        t = self.declared[decl] = tb.CreateType()
        return t

    @staticmethod
    def _indexers(tb, counts: list) -> None:
        """``public object this[object a0, ...] { get => null; set {} }`` per index count, named
        ``Item`` and marked as the default member, as C# compiles an indexer."""
        obj = clr.GetClrType(System.Object)
        attrs = MethodAttributes.Public | MethodAttributes.HideBySig | MethodAttributes.SpecialName
        for n in counts:
            params = System.Array[Type]([obj] * n)
            prop = tb.DefineProperty("Item", getattr(PropertyAttributes, "None"), obj, params)
            get = tb.DefineMethod("get_Item", attrs, obj, params)
            il = get.GetILGenerator()
            il.Emit(OpCodes.Ldnull)
            il.Emit(OpCodes.Ret)
            set_ = tb.DefineMethod("set_Item", attrs, clr.GetClrType(System.Void), System.Array[Type]([obj] * (n + 1)))
            il = set_.GetILGenerator()
            il.Emit(OpCodes.Ret)
            prop.SetGetMethod(get)
            prop.SetSetMethod(set_)
        ctor = clr.GetClrType(DefaultMemberAttribute).GetConstructor(System.Array[Type]([clr.GetClrType(System.String)]))
        tb.SetCustomAttribute(CustomAttributeBuilder(ctor, System.Array[System.Object](["Item"])))

    def plain_class(self, name: str) -> Type:
        """A public class with a default constructor, made once per name."""
        t = self.classes.get(name)
        if t is None:
            tb = self.module.DefineType(f"Dlrsim.Types.{name}", TypeAttributes.Public | TypeAttributes.Class)
            tb.DefineDefaultConstructor(MethodAttributes.Public)
            t = tb.CreateType()
            self.classes[name] = t
        return t
