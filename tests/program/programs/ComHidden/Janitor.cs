// The dynamic call of ComHidden.cs's program: a COM object arrives through a parameter. Linted
// alone (tests lint this folder only) the linter cannot know what callers pass; the runtime sees it.
using System;
using System.Runtime.InteropServices;

public static class Janitor
{
    public static void Release(dynamic thing)
    {
        Marshal.FinalReleaseComObject(thing);  // HIDDEN_LEAK
    }
}
