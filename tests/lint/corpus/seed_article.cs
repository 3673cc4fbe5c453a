// The seed article's forms: passing a dynamic COM object to a static method.
using System;
using System.Runtime.InteropServices;

class SeedArticle
{
    static void Wrong()
    {
        //Any native COM object
        var comType = Type.GetTypeFromCLSID(new Guid("E13B6688-3F39-11D0-96F6-00A0C9191601"));
        while (true)
        {
            dynamic com = Activator.CreateInstance(comType);
            //do some work
            Marshal.FinalReleaseComObject(com); // expect: DLR002 at "com)"
        }
    }

    static void Correct()
    {
        var comType = Type.GetTypeFromCLSID(new Guid("435356F9-F33F-403D-B475-1E4AB512FF95"));
        while (true)
        {
            dynamic com = Activator.CreateInstance(comType);
            //do some work
            Marshal.FinalReleaseComObject((object) com);
        }
    }

    static void ManagedType()
    {
        // Any managed type: not a COM object, no instance restriction.
        var type = typeof(int);
        while (true)
        {
            dynamic com = Activator.CreateInstance(type);
            Marshal.FinalReleaseComObject(com);
        }
    }

    static void NoArgument()
    {
        var comType = Type.GetTypeFromCLSID(new Guid("E13B6688-3F39-11D0-96F6-00A0C9191601"));
        while (true)
        {
            // creating and using members only does not leak
            dynamic com = Activator.CreateInstance(comType);
            com.DoWork(1, "two");
        }
    }

    static void WrongOnce()
    {
        dynamic com = Activator.CreateInstance(Type.GetTypeFromProgID("Scripting.FileSystemObject"));
        Marshal.FinalReleaseComObject(com); // expect: DLR001 at "com)"
    }

    static void DeclaredObject()
    {
        // "A similar picture will be if you declare com as an object"
        var comType = Type.GetTypeFromCLSID(new Guid("E13B6688-3F39-11D0-96F6-00A0C9191601"));
        while (true)
        {
            object com = Activator.CreateInstance(comType);
            Marshal.FinalReleaseComObject(com);
        }
    }
}
