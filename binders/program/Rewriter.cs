// dlrsim: rewrites a compiled C# program's IL so that every dynamic call site reports
// what the DLR does with it.  Sites are found by IL shape, never by compiler names:
//   call CallSite<T>::Create(binder)  followed by  stsfld / stfld / stloc   -> a site
//   (ldsfld | ldfld | ldloc of that storage)  ldfld CallSite<T>::Target     -> a call of it
// Every Create gets its binder wrapped (Sites.Wrap) and the new site registered
// (Sites.Created); every Target load is followed by an increment of the site's counter, a static
// field added to the program's module (or, for a site that arrives another way, Sites.HitObject).
// Compiled with mcs on first use (binders/program/helper.py); no file of the program changes.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Dlrsim.Program
{
    public sealed class SiteDef
    {
        public int Id;
        public string Type;      // declaring type of the method that creates the site
        public string Method;    // that method's name
        public string File;      // source file ("" without symbols)
        public int Line, Column;
        public string Storage;   // static | instance | local | other
        public string Delegate;  // the site's delegate type

        public string ToLine()
        {
            return string.Join("\t", new[] { Id.ToString(), Type, Method, File ?? "", Line.ToString(),
                                             Column.ToString(), Storage, Delegate });
        }
    }

    public static class Rewriter
    {
        const string CallSiteT = "System.Runtime.CompilerServices.CallSite`1";
        const string BinderType = "Microsoft.CSharp.RuntimeBinder.Binder";
        const string ArgInfoType = "Microsoft.CSharp.RuntimeBinder.CSharpArgumentInfo";

        /// <summary>Where the last rewrite found source lines: mdb, pdb or none.</summary>
        public static string Symbols = "none";

        /// <summary>The rewritten assembly's bytes; sites described one per line in <paramref name="sites"/>.</summary>
        public static byte[] Rewrite(string path, bool record, out string sites)
        {
            return Rewrite(path, record, 0, out sites);
        }

        /// <summary>As above, numbering sites from <paramref name="firstId"/> (one numbering for the
        /// program and the libraries it loads).</summary>
        public static byte[] Rewrite(string path, bool record, int firstId, out string sites)
        {
            var defs = new List<SiteDef>();
            var first = firstId;
            var module = SourceLines.ReadModule(path);
            var lines = SourceLines.For(path, module);
            Symbols = lines.Kind;
            var refs = new Imports(module);
            var storage = new Dictionary<string, int>();
            var creates = new Dictionary<MethodDefinition, List<KeyValuePair<Instruction, SiteDef>>>();
            var methods = new List<MethodDefinition>();
            var raw = RawIL.For(path, module);
            foreach (var type in AllTypes(module))
                foreach (var method in type.Methods)
                    if (method.HasBody && raw.MayHaveSites(method))
                    {
                        methods.Add(method);
                        creates[method] = FindSites(method, lines, defs, storage, first);
                    }
            refs.AddCounters(first, defs.Count);
            foreach (var method in methods)
                RewriteMethod(method, refs, storage, creates[method], record);
            var ms = new MemoryStream();
            module.Write(ms);
            var sb = new StringBuilder();
            foreach (var d in defs) sb.Append(d.ToLine()).Append('\n');
            sites = sb.ToString();
            return ms.ToArray();
        }

        /// <summary>Writes a copy of an assembly with a portable PDB made from its symbols (.mdb or .pdb).</summary>
        public static void WritePortablePdb(string path, string outPath)
        {
            var module = SourceLines.ReadModule(path);
            var lines = SourceLines.For(path, module);
            var docs = new Dictionary<string, Document>();
            foreach (var type in AllTypes(module))
                foreach (var method in type.Methods)
                {
                    if (!method.HasBody) continue;
                    var points = lines.Points(method);
                    if (points == null) continue;
                    var byOffset = new Dictionary<int, Instruction>();
                    foreach (var ins in method.Body.Instructions) byOffset[ins.Offset] = ins;
                    method.DebugInformation.SequencePoints.Clear();
                    foreach (var p in points)
                    {
                        Instruction ins;
                        if (!byOffset.TryGetValue(p.Offset, out ins)) continue;
                        Document doc;
                        if (!docs.TryGetValue(p.File, out doc)) docs[p.File] = doc = new Document(p.File);
                        method.DebugInformation.SequencePoints.Add(new SequencePoint(ins, doc) {
                            StartLine = p.Line, EndLine = p.Line, StartColumn = Math.Max(1, p.Column), EndColumn = Math.Max(2, p.Column + 1) });
                    }
                }
            module.Write(outPath, new WriterParameters { WriteSymbols = true, SymbolWriterProvider = new PortablePdbWriterProvider() });
        }

        static IEnumerable<TypeDefinition> AllTypes(ModuleDefinition module)
        {
            var pending = new List<TypeDefinition>(module.Types);
            for (int k = 0; k < pending.Count; k++)
            {
                yield return pending[k];
                pending.AddRange(pending[k].NestedTypes);
            }
        }

        internal static bool IsCallSite(TypeReference t)
        {
            var git = t as GenericInstanceType;
            return git != null && git.ElementType.FullName == CallSiteT;
        }

        static string StorageKey(Instruction ins, MethodDefinition method)
        {
            var code = ins.OpCode.Code;
            if (code == Code.Stsfld || code == Code.Ldsfld || code == Code.Stfld || code == Code.Ldfld)
            {
                var f = (FieldReference)ins.Operand;
                return "F:" + f.DeclaringType.GetElementType().FullName + "::" + f.Name;
            }
            int local = LocalIndex(ins);
            return local >= 0 ? "L:" + method.FullName + ":" + local : null;
        }

        static int LocalIndex(Instruction ins)
        {
            switch (ins.OpCode.Code)
            {
                case Code.Stloc_0: case Code.Ldloc_0: return 0;
                case Code.Stloc_1: case Code.Ldloc_1: return 1;
                case Code.Stloc_2: case Code.Ldloc_2: return 2;
                case Code.Stloc_3: case Code.Ldloc_3: return 3;
                case Code.Stloc: case Code.Stloc_S: case Code.Ldloc: case Code.Ldloc_S:
                    return ((VariableDefinition)ins.Operand).Index;
            }
            return -1;
        }

        static string StorageKind(Instruction ins)
        {
            if (ins == null) return "other";
            switch (ins.OpCode.Code)
            {
                case Code.Stsfld: return "static";
                case Code.Stfld: return "instance";
            }
            return LocalIndex(ins) >= 0 ? "local" : "other";
        }

        // 1. sites: CallSite<T>.Create, located by the sequence point at or before it (original
        // offsets).  Storage keys are global (fields) or per method (locals), collected over the
        // whole module first, so a site created in a constructor is known where it is called.
        static List<KeyValuePair<Instruction, SiteDef>> FindSites(MethodDefinition method, SourceLines lines,
                                                                  List<SiteDef> defs, Dictionary<string, int> storage,
                                                                  int first)
        {
            var creates = new List<KeyValuePair<Instruction, SiteDef>>();
            foreach (var ins in method.Body.Instructions)
            {
                var mr = ins.Operand as MethodReference;
                if (ins.OpCode.Code != Code.Call || mr == null || mr.Name != "Create" || !IsCallSite(mr.DeclaringType))
                    continue;
                var next = ins.Next;
                var def = new SiteDef {
                    Id = first + defs.Count, Type = method.DeclaringType.FullName, Method = method.Name,
                    Storage = StorageKind(next), Delegate = ((GenericInstanceType)mr.DeclaringType).GenericArguments[0].FullName };
                lines.Locate(method, ins.Offset, def);
                defs.Add(def);
                var key = next == null ? null : StorageKey(next, method);
                if (key != null) storage[key] = def.Id;
                creates.Add(new KeyValuePair<Instruction, SiteDef>(ins, def));
            }
            return creates;
        }

        static void RewriteMethod(MethodDefinition method, Imports refs, Dictionary<string, int> storage,
                                  List<KeyValuePair<Instruction, SiteDef>> creates, bool record)
        {
            var body = method.Body;
            var il = body.GetILProcessor();
            var list = new List<Instruction>(body.Instructions);
            // 2. calls: ldfld CallSite<T>::Target after a load of a known site's storage
            var targets = new List<KeyValuePair<Instruction, int>>();
            foreach (var ins in list)
            {
                var fr = ins.Operand as FieldReference;
                if (ins.OpCode.Code != Code.Ldfld || fr == null || fr.Name != "Target" || !IsCallSite(fr.DeclaringType))
                    continue;
                int id = -1;
                var key = ins.Previous == null ? null : StorageKey(ins.Previous, method);
                if (key == null || !storage.TryGetValue(key, out id)) id = -1;
                targets.Add(new KeyValuePair<Instruction, int>(ins, id));
            }
            // 3. other calls: Environment.Exit (the report must come out), binder factories (recorded)
            foreach (var ins in list)
            {
                var mr = ins.Operand as MethodReference;
                if (mr == null || ins.OpCode.Code != Code.Call) continue;
                var owner = mr.DeclaringType.FullName;
                if (owner == "System.Environment" && mr.Name == "Exit") ins.Operand = refs.Exit;
                else if (owner == BinderType || owner == ArgInfoType)
                {
                    var replacement = refs.Factory(mr);
                    if (replacement != null) ins.Operand = replacement;
                }
            }
            if (creates.Count == 0 && targets.Count == 0) return;
            foreach (var kv in creates)
            {
                var ins = kv.Key;
                var id = kv.Value.Id;
                // binder on the stack -> Wrap(binder, id) -> Create -> dup; Created(site, id)
                var create = il.Create(OpCodes.Call, (MethodReference)ins.Operand);
                Replace(il, ins, new[] {
                    il.Create(OpCodes.Ldc_I4, id), il.Create(OpCodes.Call, refs.Wrap), create,
                    il.Create(OpCodes.Dup), il.Create(OpCodes.Ldc_I4, id), il.Create(OpCodes.Call, refs.Created) });
            }
            foreach (var kv in targets)
            {
                var ins = kv.Key;
                if (record) Recording.Instrument(method, il, ins, refs);
                if (kv.Value >= 0)
                {
                    // Interlocked.Increment(ref <dlrsim>Counters.C{id}): a JIT intrinsic on a static
                    // field of the program's own module, no call and no bounds check
                    il.InsertAfter(ins, il.Create(OpCodes.Pop));
                    il.InsertAfter(ins, il.Create(OpCodes.Call, refs.Increment));
                    il.InsertAfter(ins, il.Create(OpCodes.Ldsflda, refs.Counters[kv.Value - refs.First]));
                }
                else
                {
                    // a site that arrives another way (a parameter, a call): look it up by object
                    Replace(il, ins, new[] { il.Create(OpCodes.Dup), il.Create(OpCodes.Call, refs.HitObject),
                                             il.Create(OpCodes.Ldfld, (FieldReference)ins.Operand) });
                }
            }
        }

        /// <summary>Replaces <paramref name="ins"/> by a sequence, keeping branch targets, handlers and
        /// sequence points that point at it (the first new instruction takes its place).</summary>
        internal static void Replace(ILProcessor il, Instruction ins, Instruction[] seq)
        {
            ins.OpCode = seq[0].OpCode;
            ins.Operand = seq[0].Operand;
            var at = ins;
            for (int k = 1; k < seq.Length; k++)
            {
                il.InsertAfter(at, seq[k]);
                at = seq[k];
            }
        }
    }

    /// <summary>References to the runtime half (Sites) imported into the rewritten module.</summary>
    internal sealed class Imports
    {
        public readonly ModuleDefinition Module;
        public readonly MethodReference Wrap, Created, HitObject, Exit, RecordCall, Increment;
        public FieldDefinition[] Counters = new FieldDefinition[0];
        public int First;
        public const string CountersType = "<dlrsim>Counters";
        readonly Dictionary<string, MethodReference> factories = new Dictionary<string, MethodReference>();

        public Imports(ModuleDefinition module)
        {
            Module = module;
            var t = typeof(Sites);
            Wrap = module.ImportReference(t.GetMethod("Wrap"));
            Created = module.ImportReference(t.GetMethod("Created"));
            HitObject = module.ImportReference(t.GetMethod("HitObject"));
            Exit = module.ImportReference(t.GetMethod("Exit"));
            RecordCall = module.ImportReference(typeof(Recorder).GetMethod("Call"));
            Increment = module.ImportReference(typeof(System.Threading.Interlocked).GetMethod("Increment", new[] { typeof(long).MakeByRefType() }));
        }

        /// <summary>One static call counter per site, in a class added to the program's module.</summary>
        public void AddCounters(int first, int count)
        {
            First = first;
            var t = new TypeDefinition("", CountersType, TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed
                                       | TypeAttributes.BeforeFieldInit, Module.TypeSystem.Object);
            Counters = new FieldDefinition[count];
            for (int k = 0; k < count; k++)
            {
                Counters[k] = new FieldDefinition("C" + (first + k), FieldAttributes.Public | FieldAttributes.Static, Module.TypeSystem.Int64);
                t.Fields.Add(Counters[k]);
            }
            Module.Types.Add(t);
        }

        /// <summary>Binders.X with the same signature as Binder.X / CSharpArgumentInfo.Create, or null.</summary>
        public MethodReference Factory(MethodReference original)
        {
            var sig = original.Name + "/" + original.Parameters.Count;
            MethodReference found;
            if (factories.TryGetValue(sig, out found)) return found;
            foreach (var m in typeof(Binders).GetMethods())
                if (m.Name == original.Name && m.GetParameters().Length == original.Parameters.Count)
                {
                    bool same = true;
                    var ps = m.GetParameters();
                    for (int k = 0; k < ps.Length && same; k++)
                        same = ps[k].ParameterType.Name == original.Parameters[k].ParameterType.Name;
                    if (same) found = Module.ImportReference(m);
                }
            factories[sig] = found;
            return found;
        }
    }
}
