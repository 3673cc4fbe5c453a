// Managed-only dynamic calls: a static site with one receiver type, one that sees three types,
// a property read, and an operator.  Runs on every runtime.
using System;

public class Counter
{
    public int Total;
    public void Add(int n) { Total += n; }
}

public class A { public int Size() { return 1; } }
public class B { public int Size() { return 2; } }
public class C { public int Size() { return 3; } }

public static class Program
{
    public static int Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 300;
        dynamic counter = new Counter();
        for (int i = 0; i < n; i++)
            counter.Add(i);                                        // MANAGED_ADD
        object[] shapes = { new A(), new B(), new C() };
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            dynamic s = shapes[i % 3];
            sum += (int)s.Size();                                  // MANAGED_SIZE
        }
        dynamic total = counter.Total;                             // MANAGED_TOTAL
        Console.WriteLine("sum=" + sum + " total=" + total);
        return 3;
    }
}
