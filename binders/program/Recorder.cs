// dlrsim: --record.  Every call of a site reports its arguments (types and identities) before
// the site's Target runs, so the run can be written as a dlrsim-workload/1 file and replayed.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Dlrsim.Program
{
    public static class Recorder
    {
        sealed class Id { public long Value; }
        static readonly ConditionalWeakTable<object, Id> objectIds = new ConditionalWeakTable<object, Id>();
        static readonly List<string> calls = new List<string>();
        static long nextId;

        /// <summary>One call: site serial and id, then per argument null | T:type (a Type receiver) |
        /// V:type (a value, string or box) | C:id (a COM object) | O:type:id (a managed object).</summary>
        public static void Call(System.Runtime.CompilerServices.CallSite site, object[] args)
        {
            var sb = new StringBuilder();
            sb.Append(Sites.SerialOf(site)).Append('\t').Append(Sites.IdOf(site));
            lock (calls)
            {
                foreach (var a in args)
                {
                    sb.Append('\t');
                    if (a == null) sb.Append("null");
                    else if (a is Type) sb.Append("T:").Append(((Type)a).FullName);
                    else if (a is string || a.GetType().IsValueType)
                        sb.Append("V:").Append(a.GetType().FullName).Append(':').Append(
                            Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture).Replace('\t', ' ').Replace('\n', ' '));
                    else if (Marshal.IsComObject(a)) sb.Append("C:").Append(IdOf(a));
                    else sb.Append("O:").Append(a.GetType().FullName).Append(':').Append(IdOf(a));
                }
                calls.Add(sb.ToString());
            }
        }

        static long IdOf(object o)
        {
            Id id;
            if (!objectIds.TryGetValue(o, out id)) { id = new Id { Value = ++nextId }; objectIds.Add(o, id); }
            return id.Value;
        }

        public static string[] Drain()
        {
            lock (calls)
            {
                var a = calls.ToArray();
                calls.Clear();
                return a;
            }
        }
    }

    /// <summary>IL for --record: the arguments of the Invoke that consumes a Target load are kept in
    /// locals, reported to Recorder.Call, and passed on unchanged.</summary>
    static class Recording
    {
        public static void Instrument(MethodDefinition method, ILProcessor il, Instruction target, Imports refs)
        {
            int depth = 0;
            Instruction invoke = null;
            for (var i = target.Next; i != null && invoke == null; i = i.Next)
            {
                var fr = i.Operand as FieldReference;
                if (i.OpCode.Code == Code.Ldfld && fr != null && fr.Name == "Target" && Rewriter.IsCallSite(fr.DeclaringType))
                {
                    depth++;
                    continue;
                }
                var mr = i.Operand as MethodReference;
                if (i.OpCode.Code == Code.Callvirt && mr != null && mr.Name == "Invoke" && mr.Parameters.Count > 0
                    && Resolve(mr.Parameters[0].ParameterType, mr.DeclaringType as GenericInstanceType).FullName
                       == "System.Runtime.CompilerServices.CallSite")
                {
                    if (depth == 0) invoke = i;
                    else depth--;
                }
            }
            if (invoke == null) return;
            var m = (MethodReference)invoke.Operand;
            var git = m.DeclaringType as GenericInstanceType;
            var module = method.Module;
            var locals = new List<VariableDefinition>();
            foreach (var p in m.Parameters)
            {
                var v = new VariableDefinition(module.ImportReference(Resolve(p.ParameterType, git)));
                method.Body.Variables.Add(v);
                locals.Add(v);
            }
            var seq = new List<Instruction>();
            for (int k = locals.Count - 1; k >= 0; k--) seq.Add(il.Create(OpCodes.Stloc, locals[k]));
            seq.Add(il.Create(OpCodes.Ldloc, locals[0]));
            seq.Add(il.Create(OpCodes.Ldc_I4, locals.Count - 1));
            seq.Add(il.Create(OpCodes.Newarr, module.TypeSystem.Object));
            for (int k = 1; k < locals.Count; k++)
            {
                seq.Add(il.Create(OpCodes.Dup));
                seq.Add(il.Create(OpCodes.Ldc_I4, k - 1));
                var t = locals[k].VariableType;
                if (t.IsByReference) seq.Add(il.Create(OpCodes.Ldnull));
                else
                {
                    seq.Add(il.Create(OpCodes.Ldloc, locals[k]));
                    seq.Add(il.Create(OpCodes.Box, t));
                }
                seq.Add(il.Create(OpCodes.Stelem_Ref));
            }
            seq.Add(il.Create(OpCodes.Call, refs.RecordCall));
            foreach (var v in locals) seq.Add(il.Create(OpCodes.Ldloc, v));
            seq.Add(il.Create(OpCodes.Callvirt, m));
            Rewriter.Replace(il, invoke, seq.ToArray());
        }

        static TypeReference Resolve(TypeReference t, GenericInstanceType git)
        {
            var gp = t as GenericParameter;
            if (gp != null && gp.Type == GenericParameterType.Type && git != null) return git.GenericArguments[gp.Position];
            var br = t as ByReferenceType;
            if (br != null) return new ByReferenceType(Resolve(br.ElementType, git));
            return t;
        }
    }
}
