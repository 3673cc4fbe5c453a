// DLR003: what counts as kept (static/instance field set once, Lazy, static constructor, a factory
// whose every caller keeps the result) and what does not.
using System;
using System.Runtime.CompilerServices;
using Microsoft.CSharp.RuntimeBinder;
class S
{
    static readonly CallSite<Func<CallSite, object, object>> s_a = Make("A");
    static readonly Lazy<CallSite<Func<CallSite, object, object>>> s_b =
        new Lazy<CallSite<Func<CallSite, object, object>>>(() => CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, "B", typeof(S), null)));
    static CallSite<Func<CallSite, object, object>> s_c;
    CallSite<Func<CallSite, object, object>> _d;
    static S()
    {
        var tmp = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, "C", typeof(S), null));
        s_c = tmp;
    }
    S()
    {
        _d = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, "D", typeof(S), null));
    }
    static CallSite<Func<CallSite, object, object>> Make(string name) =>
        CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, name, typeof(S), null));
    void M()
    {
        _d = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, "E", typeof(S), null)); // expect: DLR003 at "CallSite<"
        for (int i = 0; i < 3; i++)
        {
            if (s_c == null)
                s_c = CallSite<Func<CallSite, object, object>>.Create(Binder.GetMember(0, "F", typeof(S), null));
        }
        Microsoft.CSharp.RuntimeBinder.Binder.InvokeMember(0, "G", null, typeof(S), null); // expect: DLR003 at "Microsoft"
    }
}
