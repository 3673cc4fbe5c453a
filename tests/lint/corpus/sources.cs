// Every kind of COM / transparent-proxy source, and look-alikes that are not.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Remoting.Proxies;
using Microsoft.VisualBasic;
using Excel = Microsoft.Office.Interop.Excel;

[ComImport, Guid("00000000-0000-0000-0000-000000000001")]
class NativeThing { }

[CoClass(typeof(NativeThing))]
interface INativeThing { }

class Sources
{
    static void Use(object o) { }

    void All(RealProxy proxy, AppDomain domain)
    {
        dynamic a = Marshal.GetActiveObject("Word.Application");
        Use(a); // expect: DLR001 at "a)"
        dynamic b = Marshal.BindToMoniker("file.xlsx");
        Use(b); // expect: DLR001 at "b)"
        dynamic c = Interaction.CreateObject("Outlook.Application");
        Use(c); // expect: DLR001 at "c)"
        dynamic d = Interaction.GetObject("winmgmts:");
        Use(d); // expect: DLR001 at "d)"
        dynamic e = new NativeThing();
        Use(e); // expect: DLR001 at "e)"
        dynamic f = new Excel.Application();
        Use(f); // expect: DLR001 at "f)"
        dynamic g = new Microsoft.Office.Interop.Word.Application();
        Use(g); // expect: DLR001 at "g)"
        dynamic h = proxy.GetTransparentProxy();
        Use(h); // expect: DLR001 at "h)"
        dynamic i = domain.CreateInstanceAndUnwrap("Asm", "Type");
        Use(i); // expect: DLR001 at "i)"
        var clsid = Type.GetTypeFromCLSID(Guid.Empty);
        var progid = Type.GetTypeFromProgID("X.Y");
        dynamic j = Activator.CreateInstance(clsid);
        Use(j); // expect: DLR001 at "j)"
        dynamic k = Activator.CreateInstance(progid, true);
        Use(k); // expect: DLR001 at "k)"
        dynamic l = Activator.CreateInstance(typeof(NativeThing));
        Use(l); // expect: DLR001 at "l)"
        dynamic m = Activator.CreateInstance<NativeThing>();
        Use(m); // expect: DLR001 at "m)"
    }

    void NotCom()
    {
        dynamic a = Activator.CreateInstance(typeof(List<int>));
        Use(a);
        dynamic b = new List<int>();
        Use(b);
        dynamic c = "text";
        Use(c);
        dynamic d = 42;
        Use(d);
        dynamic e = new Uri("http://x");
        Use(e);
        var t = typeof(string);
        dynamic f = Activator.CreateInstance(t);
        Use(f);
    }
}
