// dlrsim: source lines of IL offsets, from an .mdb (mcs) or a portable PDB (Roslyn, or one Cecil wrote).
using System;
using System.Collections.Generic;
using System.IO;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.CompilerServices.SymbolWriter;

namespace Dlrsim.Program
{
    public struct LinePoint
    {
        public int Offset, Line, Column;
        public string File;
    }

    /// <summary>Cecil's default resolver probes the GAC after the search folders, and that probe
    /// fails outright on CoreCLR/.NET 8 (this Cecil is Mono's build). Reading a custom attribute's
    /// enum argument resolves its type (mscorlib's), so the running runtime's own folder, where
    /// mscorlib and its forwards live, is searched first, beside the program's.</summary>
    sealed class RuntimeResolver : DefaultAssemblyResolver
    {
        public RuntimeResolver(string programDir)
        {
            if (!string.IsNullOrEmpty(programDir)) AddSearchDirectory(programDir);
            var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
            if (!string.IsNullOrEmpty(runtimeDir)) AddSearchDirectory(runtimeDir);
        }

        public override AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters)
        {
            try { return base.Resolve(name, parameters); }
            catch (AssemblyResolutionException) { throw; }
            catch (Exception) { throw new AssemblyResolutionException(name); }  // the GAC probe off Mono
        }
    }

    public abstract class SourceLines
    {
        public string Kind = "none";

        /// <summary>The module, read with its portable PDB when there is one.</summary>
        public static ModuleDefinition ReadModule(string path)
        {
            var pdb = Path.ChangeExtension(path, ".pdb");
            var resolver = new RuntimeResolver(Path.GetDirectoryName(Path.GetFullPath(path)));
            if (File.Exists(pdb))
            {
                try
                {
                    return ModuleDefinition.ReadModule(path, new ReaderParameters {
                        ReadingMode = ReadingMode.Immediate, InMemory = true, ReadSymbols = true, AssemblyResolver = resolver,
                        SymbolReaderProvider = new PortablePdbReaderProvider() });
                }
                catch (Exception) { }  // a Windows PDB or a stale one: lines unknown, methods still named
            }
            return ModuleDefinition.ReadModule(path, new ReaderParameters {
                ReadingMode = ReadingMode.Immediate, InMemory = true, AssemblyResolver = resolver });
        }

        public static SourceLines For(string path, ModuleDefinition module)
        {
            if (module.HasSymbols) return new PdbLines();
            var mdb = path + ".mdb";
            if (File.Exists(mdb))
            {
                try
                {
                    return new MdbLines(MonoSymbolFile.ReadSymbolFile(mdb, module.Mvid));
                }
                catch (Exception) { }  // an .mdb of another build
            }
            return new NoLines();
        }

        public abstract List<LinePoint> Points(MethodDefinition method);

        public void Locate(MethodDefinition method, int offset, SiteDef def)
        {
            var points = Points(method);
            def.File = "";
            if (points == null || points.Count == 0) return;
            LinePoint best = points[0];
            foreach (var p in points)
                if (p.Offset <= offset && p.Offset >= best.Offset) best = p;
            def.File = best.File;
            def.Line = best.Line;
            def.Column = best.Column;
        }
    }

    sealed class NoLines : SourceLines
    {
        public override List<LinePoint> Points(MethodDefinition method) { return null; }
    }

    sealed class PdbLines : SourceLines
    {
        public PdbLines() { Kind = "pdb"; }

        public override List<LinePoint> Points(MethodDefinition method)
        {
            if (!method.DebugInformation.HasSequencePoints) return null;
            var list = new List<LinePoint>();
            foreach (var sp in method.DebugInformation.SequencePoints)
                if (!sp.IsHidden)
                    list.Add(new LinePoint { Offset = sp.Offset, Line = sp.StartLine, Column = sp.StartColumn, File = sp.Document.Url });
            return list;
        }
    }

    sealed class MdbLines : SourceLines
    {
        readonly MonoSymbolFile file;

        public MdbLines(MonoSymbolFile file) { this.file = file; Kind = "mdb"; }

        public override List<LinePoint> Points(MethodDefinition method)
        {
            var entry = file.GetMethodByToken(method.MetadataToken.ToInt32());
            if (entry == null) return null;
            var list = new List<LinePoint>();
            var unitFile = entry.CompileUnit.SourceFile.FileName;
            foreach (var ln in entry.GetLineNumberTable().LineNumbers)
            {
                if (ln.IsHidden || ln.Row <= 0 || ln.Row == 0xfeefee) continue;
                var src = ln.File > 0 ? file.GetSourceFile(ln.File) : null;
                list.Add(new LinePoint { Offset = ln.Offset, Line = ln.Row, Column = ln.Column,
                                         File = src != null ? src.FileName : unitFile });
            }
            return list;
        }
    }
}
