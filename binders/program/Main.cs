// dlrsim program helper: command-line uses (tests and benchmarks).
//   mono dlrsim-program.exe pdb IN OUT       copy IN to OUT with a portable PDB (from IN's .mdb)
//   mono dlrsim-program.exe rewrite IN [N]   rewrite IN N times in memory; print sites and seconds
using System;
using System.Diagnostics;

namespace Dlrsim.Program
{
    public static class Tool
    {
        public static int Main(string[] args)
        {
            if (args.Length == 3 && args[0] == "pdb")
            {
                Rewriter.WritePortablePdb(args[1], args[2]);
                return 0;
            }
            if (args.Length >= 2 && args[0] == "rewrite")
            {
                int n = args.Length > 2 ? int.Parse(args[2]) : 1;
                string sites = "";
                byte[] bytes = null;
                for (int k = 0; k < n; k++)
                {
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    bytes = Rewriter.Rewrite(args[1], false, out sites);
                    Console.WriteLine("seconds\t" + sw.Elapsed.TotalSeconds.ToString("R") + "\t" +
                                      (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds.ToString("R"));
                }
                Console.WriteLine("bytes\t" + bytes.Length);
                Console.WriteLine("symbols\t" + Rewriter.Symbols);
                Console.Write(sites);
                return 0;
            }
            Console.Error.WriteLine("usage: dlrsim-program.exe pdb IN OUT | rewrite IN [N]");
            return 2;
        }
    }
}

namespace Dlrsim.Program
{
    /// <summary>Resolves the program's references from its own folder, and the helper's own
    /// libraries (Mono.Cecil) from the helper's folder (CoreCLR has no GAC).</summary>
    public static class Loader
    {
        static string[] folders = new string[0];

        public static void Install(string programFolder)
        {
            var helperFolder = System.IO.Path.GetDirectoryName(typeof(Loader).Assembly.Location);
            folders = new[] { programFolder, helperFolder };
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        static bool record, instrument;
        static readonly System.Text.StringBuilder allSites = new System.Text.StringBuilder();

        /// <summary>Sites of the program and of the libraries loaded so far, one per line.</summary>
        public static string AllSites { get { lock (allSites) return allSites.ToString(); } }

        static System.Reflection.Assembly Resolve(object sender, ResolveEventArgs e)
        {
            var name = new System.Reflection.AssemblyName(e.Name).Name;
            foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
                if (a.GetName().Name == name) return a;
            for (int k = 0; k < folders.Length; k++)
                foreach (var ext in new[] { ".dll", ".exe" })
                {
                    var path = System.IO.Path.Combine(folders[k], name + ext);
                    if (!System.IO.File.Exists(path)) continue;
                    // the program's own libraries are rewritten too (their sites are reported)
                    return k == 0 && instrument ? LoadRewritten(path) : System.Reflection.Assembly.LoadFrom(path);
                }
            return null;
        }

        static System.Reflection.Assembly LoadRewritten(string path)
        {
            lock (allSites)
            {
                string sites;
                var bytes = Rewriter.Rewrite(path, record, Sites.Count, out sites);
                int count = sites.Length == 0 ? 0 : sites.TrimEnd('\n').Split('\n').Length;
                Sites.Grow(Sites.Count + count);
                var asm = System.Reflection.Assembly.Load(bytes);
                Sites.UseCounters(asm);
                allSites.Append(sites);
                return asm;
            }
        }

        /// <summary>Rewrites and loads the program; its entry point, or null if it has none.</summary>
        public static System.Reflection.MethodInfo Load(string path, bool record, out string sites)
        {
            Loader.record = record;
            instrument = true;
            var program = LoadRewritten(path);
            sites = AllSites;
            return program.EntryPoint;
        }

        /// <summary>The program as it is, without instrumentation (the benchmarks' baseline).</summary>
        public static System.Reflection.MethodInfo LoadPlain(string path)
        {
            return System.Reflection.Assembly.LoadFrom(path).EntryPoint;
        }

        public static int ExitCode;
        public static Exception Error;

        /// <summary>Runs the entry point on a thread of its own; the host's one Python thread waits for
        /// it with Join(timeout) and reads the state between waits, so no two Python threads ever
        /// call into the runtime at once (that deadlocked Mono once: a sampler thread in a call
        /// while the main thread came back from the program).</summary>
        public static System.Threading.Thread Start(System.Reflection.MethodInfo entry, string[] args)
        {
            var t = new System.Threading.Thread(() =>
            {
                try { ExitCode = Run(entry, args); }
                catch (Exception e) { Error = e; }
            }, 16 << 20);
            t.Name = "Main (dlrsim run)";
            t.Start();
            return t;
        }

        /// <summary>Runs the entry point; returns its exit code, or throws what the program threw.</summary>
        public static int Run(System.Reflection.MethodInfo entry, string[] args)
        {
            object result;
            try
            {
                result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : new object[] { args });
            }
            catch (System.Reflection.TargetInvocationException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            finally
            {
                Console.Out.Flush();
                Console.Error.Flush();
            }
            return result is int ? (int)result : 0;
        }
    }
}
