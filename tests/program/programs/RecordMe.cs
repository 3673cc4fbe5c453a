// Dynamic calls a dlrsim-workload/1 file can say exactly: static calls with dynamic arguments of
// three types, an operator, and a site (and binder) made on every execution.
using System;
using System.Runtime.CompilerServices;
using Microsoft.CSharp.RuntimeBinder;

public static class Program
{
    public static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        dynamic total = 0;
        for (int i = 0; i < n; i++)
        {
            dynamic v = i % 3 == 0 ? (object)(-i) : i % 3 == 1 ? (object)(-1.5 * i) : (object)(-2L * i);
            dynamic a = Math.Abs(v);  // RECORD_ABS
            total = total + a;  // RECORD_ADD
            var site = CallSite<Func<CallSite, Type, object, object>>.Create(Binder.InvokeMember(CSharpBinderFlags.None, "Sign", null, typeof(Program), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.UseCompileTimeType | CSharpArgumentInfoFlags.IsStaticType, null), CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));  // RECORD_EACH
            site.Target(site, typeof(Math), (object)v);
        }
        Console.WriteLine(total);
        return 0;
    }
}
