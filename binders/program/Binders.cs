// dlrsim: Microsoft.CSharp binder factories with the same signatures as Binder.X and
// CSharpArgumentInfo.Create.  The rewritten program calls these instead; each calls the real
// factory and remembers what the binder was made from (kind, member, flags, argument infos),
// which the report names and --record writes as a workload binder.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.CSharp.RuntimeBinder;
using B = Microsoft.CSharp.RuntimeBinder.Binder;

namespace Dlrsim.Program
{
    public sealed class BinderSpec
    {
        public string Kind, Name = "", Flags, Context = "", Args = "", Operation = "", Type = "", TypeArgs = "";
        public bool Fresh = true;

        /// <summary>Tab-separated: kind, name, flags, context, args (flags|name;...), operation, type, type args.</summary>
        public override string ToString()
        {
            return string.Join("\t", new[] { Kind, Name, Flags, Context, Args, Operation, Type, TypeArgs });
        }
    }

    public static class Binders
    {
        static readonly ConditionalWeakTable<CallSiteBinder, BinderSpec> specs = new ConditionalWeakTable<CallSiteBinder, BinderSpec>();
        static readonly ConditionalWeakTable<CSharpArgumentInfo, string> infos = new ConditionalWeakTable<CSharpArgumentInfo, string>();

        public static string SpecOf(CallSiteBinder binder)
        {
            var w = binder as CountingBinder;
            if (w != null) binder = w.Inner;
            BinderSpec s;
            return binder != null && specs.TryGetValue(binder, out s) ? s.ToString() : null;
        }

        /// <summary>True once per Binder.X call that returned this object (CoreCLR returns one object
        /// for equivalent binders; each call still counts as a binder made at that point).</summary>
        internal static bool TakeFresh(CallSiteBinder binder)
        {
            BinderSpec s;
            lock (specs)
            {
                if (!specs.TryGetValue(binder, out s) || !s.Fresh) return false;
                s.Fresh = false;
                return true;
            }
        }

        static CallSiteBinder Remember(CallSiteBinder b, string kind, string name, CSharpBinderFlags flags, Type context,
                                       IEnumerable<CSharpArgumentInfo> args, string operation = "", Type type = null,
                                       IEnumerable<Type> typeArgs = null)
        {
            var spec = new BinderSpec {
                Kind = kind, Name = name ?? "", Flags = flags.ToString(), Context = context == null ? "" : context.FullName,
                Args = args == null ? "" : string.Join(";", args.Select(Info)), Operation = operation,
                Type = type == null ? "" : type.FullName,
                TypeArgs = typeArgs == null ? "" : string.Join(";", typeArgs.Select(t => t.FullName)) };
            lock (specs)
            {
                specs.Remove(b);
                specs.Add(b, spec);
            }
            return b;
        }

        static string Info(CSharpArgumentInfo a)
        {
            string s;
            return a != null && infos.TryGetValue(a, out s) ? s : "?|";
        }

        public static CSharpArgumentInfo Create(CSharpArgumentInfoFlags flags, string name)
        {
            var a = CSharpArgumentInfo.Create(flags, name);
            infos.Add(a, flags.ToString() + "|" + (name ?? ""));
            return a;
        }

        public static CallSiteBinder InvokeMember(CSharpBinderFlags flags, string name, IEnumerable<Type> typeArguments, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.InvokeMember(flags, name, typeArguments, context, args), "InvokeMember", name, flags, context, args, typeArgs: typeArguments);
        }

        public static CallSiteBinder GetMember(CSharpBinderFlags flags, string name, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.GetMember(flags, name, context, args), "GetMember", name, flags, context, args);
        }

        public static CallSiteBinder SetMember(CSharpBinderFlags flags, string name, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.SetMember(flags, name, context, args), "SetMember", name, flags, context, args);
        }

        public static CallSiteBinder Invoke(CSharpBinderFlags flags, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.Invoke(flags, context, args), "Invoke", null, flags, context, args);
        }

        public static CallSiteBinder InvokeConstructor(CSharpBinderFlags flags, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.InvokeConstructor(flags, context, args), "InvokeConstructor", null, flags, context, args);
        }

        public static CallSiteBinder GetIndex(CSharpBinderFlags flags, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.GetIndex(flags, context, args), "GetIndex", null, flags, context, args);
        }

        public static CallSiteBinder SetIndex(CSharpBinderFlags flags, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.SetIndex(flags, context, args), "SetIndex", null, flags, context, args);
        }

        public static CallSiteBinder IsEvent(CSharpBinderFlags flags, string name, Type context)
        {
            return Remember(B.IsEvent(flags, name, context), "IsEvent", name, flags, context, null);
        }

        public static CallSiteBinder Convert(CSharpBinderFlags flags, Type type, Type context)
        {
            return Remember(B.Convert(flags, type, context), "Convert", null, flags, context, null, type: type);
        }

        public static CallSiteBinder BinaryOperation(CSharpBinderFlags flags, ExpressionType operation, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.BinaryOperation(flags, operation, context, args), "BinaryOperation", null, flags, context, args, operation.ToString());
        }

        public static CallSiteBinder UnaryOperation(CSharpBinderFlags flags, ExpressionType operation, Type context, IEnumerable<CSharpArgumentInfo> argumentInfo)
        {
            var args = argumentInfo == null ? null : argumentInfo.ToArray();
            return Remember(B.UnaryOperation(flags, operation, context, args), "UnaryOperation", null, flags, context, args, operation.ToString());
        }
    }
}
