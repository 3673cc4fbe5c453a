// DLR003: CallSite<T>.Create and runtime binder calls not kept in a field created once.
using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CSharp.RuntimeBinder;
using Binder = Microsoft.CSharp.RuntimeBinder.Binder;

static class Sites
{
    // what the C# compiler generates: a static field, created once
    static CallSite<Action<CallSite, Type, object>> p__0;
    static readonly CallSite<Func<CallSite, object, object>> s_get =
        CallSite<Func<CallSite, object, object>>.Create(
            Binder.GetMember(CSharpBinderFlags.None, "Name", typeof(Sites),
                new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));
    static CallSite<Func<CallSite, object, object>> s_lazy;
    static CallSite<Func<CallSite, object, object>> s_unguarded;
    static readonly ConcurrentDictionary<string, CallSite<Func<CallSite, object, object>>> s_cache = new();

    static void Release(object instance)
    {
        if (p__0 == null)
        {
            p__0 = CallSite<Action<CallSite, Type, object>>.Create(Binder.InvokeMember(
                CSharpBinderFlags.ResultDiscarded, "FinalReleaseComObject", null, typeof(Sites),
                new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.UseCompileTimeType | CSharpArgumentInfoFlags.IsStaticType, null),
                        CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));
        }
        p__0.Target(p__0, typeof(System.Runtime.InteropServices.Marshal), instance);
    }

    static object GetLazy(object o)
    {
        s_lazy ??= CallSite<Func<CallSite, object, object>>.Create(
            Binder.GetMember(CSharpBinderFlags.None, "Name", typeof(Sites), null));
        return s_lazy.Target(s_lazy, o);
    }

    static object GetCached(string name, object o)
    {
        var site = s_cache.GetOrAdd(name, n => CallSite<Func<CallSite, object, object>>.Create(
            Binder.GetMember(CSharpBinderFlags.None, n, typeof(Sites), null)));
        return site.Target(site, o);
    }

    static object PerCall(object o)
    {
        var site = CallSite<Func<CallSite, object, object>>.Create( // expect: DLR003 at "CallSite<"
            Binder.GetMember(CSharpBinderFlags.None, "Name", typeof(Sites), null));
        return site.Target(site, o);
    }

    static object Unguarded(object o)
    {
        s_unguarded = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(CSharpBinderFlags.None, "Name", typeof(Sites), null)); // expect: DLR003 at "CallSite<"
        return s_unguarded.Target(s_unguarded, o);
    }

    static object SeparateBinder(object o)
    {
        var binder = Binder.GetMember(CSharpBinderFlags.None, "Name", typeof(Sites), null);
        var site = CallSite<Func<CallSite, object, object>>.Create(binder); // expect: DLR003 at "CallSite<"
        return site.Target(site, o);
    }

    static void LooseBinder(System.Collections.Generic.List<object> sink)
    {
        sink.Add(Binder.Convert(CSharpBinderFlags.None, typeof(int), typeof(Sites))); // expect: DLR003 at "Binder.Convert"
    }

    static object NonGeneric(object o)
    {
        var site = CallSite.Create(typeof(Func<CallSite, object, object>), // expect: DLR003 at "CallSite.Create"
            Binder.GetMember(CSharpBinderFlags.None, "Name", typeof(Sites), null));
        return site;
    }
}

class NotTheRuntimeBinder
{
    // System.Reflection.Binder and other Create methods are not call sites
    void M(System.Reflection.Binder b, Factory f)
    {
        var x = f.Create();
        var y = Tuple.Create(1, 2);
    }
}

class Factory { public object Create() => null; }
