// DLR003: sites held per instance, as expression-tree constants, in closures, or in tuples
// returned to callers that keep them, are not created per execution; a loose binder is.
using System;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.CSharp.RuntimeBinder;

class Instruction
{
    readonly CallSite<Func<CallSite, object, object>> _site;
    Instruction(CallSite<Func<CallSite, object, object>> site) { _site = site; }
    public static Instruction Factory(CallSiteBinder binder) =>
        new Instruction(CallSite<Func<CallSite, object, object>>.Create(binder));
}

class Held
{
    CallSite<Func<CallSite, object, object>> _cached;
    string _cachedName;
    Func<object, object> _getter;
    Tuple<CallSite<Func<CallSite, object, object>>, int> _pair;

    Expression AsConstant(CallSiteBinder binder) =>
        Expression.Constant(CallSite<Func<CallSite, object, object>>.Create(binder));

    object Read(object o, string name)
    {
        if (name != _cachedName)
        {
            _cachedName = name;
            _cached = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, name, typeof(Held), null));
        }
        return _cached.Target(_cached, o);
    }

    static Func<object, object> Getter(CallSiteBinder binder)
    {
        var site = CallSite<Func<CallSite, object, object>>.Create(binder);
        return o => site.Target(site, o);
    }

    static Tuple<CallSite<Func<CallSite, object, object>>, int> Pair(CallSiteBinder binder)
    {
        var site = CallSite<Func<CallSite, object, object>>.Create(binder);
        return Tuple.Create(site, 1);
    }

    Held(CallSiteBinder binder)
    {
        _getter = Getter(binder);
        _pair = Pair(binder);
    }

    object PerCall(object o, CallSiteBinder binder)
    {
        var site = CallSite<Func<CallSite, object, object>>.Create(binder); // expect: DLR003 at "CallSite<"
        return site.Target(site, o);
    }

    CallSiteBinder Loose(string name)
    {
        var binder = Binder.GetMember(0, name, typeof(Held), null); // expect: DLR003 at "Binder.GetMember"
        Console.WriteLine(binder);
        return null;
    }
}
