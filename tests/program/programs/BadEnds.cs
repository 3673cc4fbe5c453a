// A program that ends badly, as asked: `throw` (an unhandled exception after 5 calls),
// `exit` (Environment.Exit(42) after 7 calls), `hang` (sleeps forever after 3 calls).
using System;
using System.Threading;

public static class Program
{
    static int Twice(dynamic d) { return d * 2; }  // BAD_ENDS

    public static void Main(string[] args)
    {
        int calls = args[0] == "throw" ? 5 : args[0] == "exit" ? 7 : 3;
        int sum = 0;
        for (int i = 0; i < calls; i++) sum += Twice(i);
        Console.WriteLine("before the end: " + sum);
        if (args[0] == "throw") throw new InvalidOperationException("boom after " + calls);
        if (args[0] == "exit") Environment.Exit(42);
        Thread.Sleep(Timeout.Infinite);
    }
}
