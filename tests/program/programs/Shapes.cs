// One method per shape of compiled dynamic call site; each site's line carries a marker that
// tests/program/test_run.py looks up.  Usage: Shapes.exe N THREADS
using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CSharp.RuntimeBinder;

public class Sink
{
    long total;
    public void Inc(int k) { Interlocked.Add(ref total, k); }
    public long Total { get { return Interlocked.Read(ref total); } }
}

// A site kept in an instance field, made by each object's constructor.
public class Holder
{
    readonly CallSite<Func<CallSite, object, object>> length = CallSite<Func<CallSite, object, object>>.Create(  // FIELD_SITE
        Binder.GetMember(CSharpBinderFlags.None, "Length", typeof(Holder),
                         new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));

    public object Get(object o) { return length.Target(length, o); }
}

public static class Shapes
{
    // A site made in the static constructor and called through a parameter: the call is matched
    // to its site by object, not by the storage the Target load reads.
    static readonly CallSite<Func<CallSite, object, object>> Shared = CallSite<Func<CallSite, object, object>>.Create(  // SHARED_SITE
        Binder.GetMember(CSharpBinderFlags.None, "Count", typeof(Shapes), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));

    static object Through(CallSite<Func<CallSite, object, object>> site, object x)
    {
        return site.Target(site, x);
    }

    // A site (and binder) created on every execution, as hand-written DLR code sometimes does.
    static void PerExecution(int n)
    {
        for (int i = 0; i < n; i++)
        {
            var site = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(CSharpBinderFlags.None, "Length", typeof(Shapes), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));  // PER_EXECUTION
            site.Target(site, "abc");
        }
    }

    // A generic method: one site container per instantiation (T appears in the site's delegate).
    static object Generic<T>(T value)
    {
        dynamic d = value;
        return d.Equals(value);  // GENERIC
    }

    static long Lambda(int n)
    {
        Func<object, long> hash = x => ((dynamic)x).GetHashCode();  // LAMBDA
        long h = 0;
        for (int i = 0; i < n; i++) h ^= hash("s" + i);
        return h;
    }

    static async Task<int> Async(dynamic text)
    {
        await Task.Yield();
        return text.IndexOf('c');  // ASYNC
    }

    static long Threads(int threads, int n)
    {
        var sink = new Sink();
        dynamic d = sink;
        d.Inc(1);  // THREADS
        Bump(sink);  // the threads' site bound once here first, so its one bind is deterministic
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() => { for (int i = 0; i < n; i++) Bump(sink); });
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();
        return sink.Total;
    }

    static void Bump(dynamic d)
    {
        d.Inc(2);  // BUMP (one binder object with the site above on runtimes that share equivalent binders)
    }

    public static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        int threads = int.Parse(args[1]);
        PerExecution(n);
        Generic(1); Generic(2); Generic("a"); Generic(1.5);
        Lambda(n);
        int len = 0;
        for (int i = 0; i < n; i++) len += Async("abcd").Result;
        var h1 = new Holder();
        var h2 = new Holder();
        for (int i = 0; i < 3; i++) { h1.Get("x"); h2.Get("yy"); }
        var list = new System.Collections.Generic.List<int> { 1, 2 };
        for (int i = 0; i < n; i++) Through(Shared, list);
        long total = Threads(threads, n);
        Console.WriteLine("len=" + len + " total=" + total);
        return 0;
    }
}
