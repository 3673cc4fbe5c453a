// The article's program (seed 002) on Linux: a fresh COM object each iteration, released through
// a dynamic call.  The native objects come from the project's shim: `dlrsim run` makes
// [DllImport("comshim")] resolve to binders/native/libcomshim.so.
using System;
using System.Runtime.InteropServices;

public static class Program
{
    [DllImport("comshim")] static extern IntPtr comshim_new();
    [DllImport("comshim")] static extern uint comshim_release(IntPtr obj);

    static object NewComObject()
    {
        IntPtr native = comshim_new();
        object rcw = Marshal.GetObjectForIUnknown(native);   // a System.__ComObject
        comshim_release(native);                             // the RCW holds its own reference
        return rcw;
    }

    public static int Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 200;
        for (int i = 0; i < n; i++)
        {
            dynamic com = NewComObject();
            Marshal.FinalReleaseComObject(com);              // COM_LEAK: instance-restricted
        }
        for (int i = 0; i < n; i++)
        {
            dynamic com = NewComObject();
            Marshal.FinalReleaseComObject((object)com);      // the fix: bound statically, no site
        }
        Console.WriteLine("released " + (2 * n));
        return 0;
    }
}
