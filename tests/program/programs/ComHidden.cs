// Makes fresh COM objects and hands each to Janitor.Release (ComHidden/Janitor.cs) as an object.
using System;
using System.Runtime.InteropServices;

public static class Program
{
    [DllImport("comshim")] static extern IntPtr comshim_new();
    [DllImport("comshim")] static extern uint comshim_release(IntPtr obj);

    public static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        for (int i = 0; i < n; i++)
        {
            IntPtr p = comshim_new();
            object rcw = Marshal.GetObjectForIUnknown(p);
            comshim_release(p);
            Janitor.Release(rcw);
        }
        return 0;
    }
}
