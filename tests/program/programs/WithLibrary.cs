// A program whose dynamic call site is in a library of its folder (WithLibrary.lib/Greeter.cs).
using System;

public static class Program
{
    public static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        int total = 0;
        for (int i = 0; i < n; i++) total += Greeter.Measure(i % 2 == 0 ? "ab" : "abc");
        dynamic t = total;
        Console.WriteLine(t);  // PROGRAM_SITE
        return 0;
    }
}
