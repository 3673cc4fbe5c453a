// dlrsim: the runtime half of program instrumentation.  The rewritten program calls these;
// the worker (binders/program/worker.py) reads them through pythonnet.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;

namespace Dlrsim.Program
{
    /// <summary>Wraps a real binder: Bind goes to it unchanged; the wrapper counts binds per site.
    /// One wrapper per inner binder object, so binder sharing (and L2 sharing) is the runtime's own.</summary>
    public sealed class CountingBinder : CallSiteBinder
    {
        public readonly CallSiteBinder Inner;
        [ThreadStatic] static CallSite binding;  // the site whose update path is running on this thread

        public CountingBinder(CallSiteBinder inner) { Inner = inner; }

        public override T BindDelegate<T>(CallSite<T> site, object[] args)
        {
            binding = site;
            return null;  // no shortcut: the real Bind below, then the runtime compiles the rule
        }

        public override Expression Bind(object[] args, ReadOnlyCollection<ParameterExpression> parameters, LabelTarget returnLabel)
        {
            var site = binding;
            binding = null;
            var result = Inner.Bind(args, parameters, returnLabel);
            Sites.OnBind(site, args, result);
            return result;
        }
    }

    sealed class SiteId { public int Id; public long Serial; }

    public static class Sites
    {
        public static long[] Calls = new long[0];
        public static long[] Binds = new long[0];
        public static long[] Instances = new long[0];
        public static long[] BinderCalls = new long[0];   // Binder.X objects handed to this site's Create
        public static CallSite[] Last = new CallSite[0];  // the newest site object of each site
        public static CountingBinder[] LastBinder = new CountingBinder[0];
        public static long Unattributed;                  // binds of a site we did not see created
        static readonly ConditionalWeakTable<CallSite, SiteId> ids = new ConditionalWeakTable<CallSite, SiteId>();
        static readonly ConditionalWeakTable<CallSiteBinder, CountingBinder> wrappers = new ConditionalWeakTable<CallSiteBinder, CountingBinder>();
        static readonly ConditionalWeakTable<object, object> restricted = new ConditionalWeakTable<object, object>();
        static readonly ConcurrentQueue<string> bindEvents = new ConcurrentQueue<string>();
        static readonly object gate = new object();
        static long siteSerial;
        public static Action<int> ExitHook;

        /// <summary>Room for ``count`` sites (more come as libraries of the program are loaded).</summary>
        public static void Grow(int count)
        {
            lock (gate)
            {
                if (count <= Calls.Length) return;
                Array.Resize(ref Calls, count); Array.Resize(ref Binds, count); Array.Resize(ref Instances, count);
                Array.Resize(ref BinderCalls, count); Array.Resize(ref Last, count); Array.Resize(ref LastBinder, count);
                Array.Resize(ref counters, count);
            }
        }

        public static int Count { get { return Calls.Length; } }

        public static CallSiteBinder Wrap(CallSiteBinder inner, int id)
        {
            if (inner == null) return null;
            CountingBinder w;
            lock (gate)
            {
                if (!wrappers.TryGetValue(inner, out w))
                {
                    w = new CountingBinder(inner);
                    wrappers.Add(inner, w);
                }
                if (Binders.TakeFresh(inner) || BinderCalls[id] == 0) BinderCalls[id]++;
                LastBinder[id] = w;
            }
            return w;
        }

        public static void Created(CallSite site, int id)
        {
            lock (gate)
            {
                ids.Add(site, new SiteId { Id = id, Serial = ++siteSerial });
                Instances[id]++;
                Last[id] = site;
            }
        }

        static System.Reflection.FieldInfo[] counters = new System.Reflection.FieldInfo[0];

        /// <summary>A rewritten assembly's own counters (see Imports.AddCounters): fields C{id}.</summary>
        public static void UseCounters(System.Reflection.Assembly program)
        {
            var t = program.GetType(Imports.CountersType);
            if (t == null) return;
            lock (gate)
                foreach (var f in t.GetFields())
                {
                    int id = int.Parse(f.Name.Substring(1));
                    if (id < counters.Length) counters[id] = f;
                }
        }

        /// <summary>Calls of a site so far: its counter, plus calls counted by object lookup.</summary>
        public static long CallsOf(int id)
        {
            long n = Interlocked.Read(ref Calls[id]);
            var f = id < counters.Length ? counters[id] : null;
            return f == null ? n : n + (long)f.GetValue(null);
        }

        public static void HitObject(object site)
        {
            SiteId sid;
            var cs = site as CallSite;
            if (cs != null && ids.TryGetValue(cs, out sid)) Interlocked.Increment(ref Calls[sid.Id]);
        }

        public static int IdOf(CallSite site)
        {
            SiteId sid;
            return site != null && ids.TryGetValue(site, out sid) ? sid.Id : -1;
        }

        public static long SerialOf(CallSite site)
        {
            SiteId sid;
            return site != null && ids.TryGetValue(site, out sid) ? sid.Serial : 0;
        }

        /// <summary>Environment.Exit in the program: let the host write its report first.</summary>
        public static void Exit(int code)
        {
            var hook = ExitHook;
            if (hook != null) hook(code);
            Environment.Exit(code);
        }

        internal static void OnBind(CallSite site, object[] args, Expression result)
        {
            int id = IdOf(site);
            if (id < 0) { Interlocked.Increment(ref Unattributed); return; }
            Interlocked.Increment(ref Binds[id]);
            long call = CallsOf(id);
            // Which arguments the rule is restricted to by identity: constants of the rule that are
            // the very argument objects (types, strings and boxes never are: a Type receiver
            // compiles to a token, a value test compares values).
            var constants = new ConstantFinder(args);
            constants.Visit(result);
            var sig = new StringBuilder();
            for (int k = 0; k < args.Length; k++)
            {
                if (k > 0) sig.Append(',');
                sig.Append(args[k] == null ? "null" : args[k].GetType().FullName);
            }
            var positions = new StringBuilder();
            var types = new StringBuilder();
            constants.Positions.Sort();
            foreach (var k in constants.Positions)
            {
                if (positions.Length > 0) { positions.Append(','); types.Append(','); }
                positions.Append(k);
                types.Append(args[k].GetType().FullName);
                lock (restricted) { object o; if (!restricted.TryGetValue(args[k], out o)) restricted.Add(args[k], null); }
            }
            bindEvents.Enqueue(id + "\t" + call + "\t" + sig + "\t" + positions + "\t" + types);
        }

        /// <summary>Bind events since the last call: site, call number at the site, argument types,
        /// instance-restricted positions and their types (tab-separated).</summary>
        public static string[] DrainBinds()
        {
            var list = new List<string>();
            string e;
            while (bindEvents.TryDequeue(out e)) list.Add(e);
            return list.ToArray();
        }

        /// <summary>Was this object the target of an instance restriction in some rule?</summary>
        public static bool IsRestricted(object o)
        {
            if (o == null) return false;
            object v;
            lock (restricted) return restricted.TryGetValue(o, out v);
        }

        sealed class ConstantFinder : ExpressionVisitor
        {
            readonly object[] args;
            public readonly List<int> Positions = new List<int>();

            public ConstantFinder(object[] args) { this.args = args; }

            protected override Expression VisitConstant(ConstantExpression node)
            {
                var v = node.Value;
                if (v != null && !(v is Type) && !(v is string) && !v.GetType().IsValueType)
                    for (int k = 0; k < args.Length; k++)
                        if (ReferenceEquals(v, args[k]) && !Positions.Contains(k)) Positions.Add(k);
                return node;
            }

            protected override Expression VisitExtension(Expression node) { return node; }
        }
    }
}
