// Operators, interpolation, indexers, constructors, delegates and member assignment.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

class Wrapper { public Wrapper(object inner) { } }

class OperatorsAndMore
{
    Dictionary<object, int> _counts = new Dictionary<object, int>();

    void M(dynamic settings)
    {
        dynamic app = Marshal.GetActiveObject("Excel.Application");
        if (app != null) { }
        if (null != app) { } // expect: DLR001 at "app)"
        var same = settings == app; // expect: DLR001 at "app;"
        var text = $"app is {app}"; // an interpolation hole is converted to object: no site
        var count = _counts[app]; // expect: DLR001 at "app]"
        var wrapped = new Wrapper(app); // expect: DLR001 at "app)"
        Action<object> sink = o => { };
        sink(app); // expect: DLR001 at "app)"
        settings.Target = app; // expect: DLR005 at "app;"
        settings["k"] = app; // expect: DLR005 at "app;"
        settings.Target = (object)app;
        app.Caption = "title";
        app.ActiveCell = app.Range["A1"];
        Func<object, int> f = x => 1;
        f(name: app); // expect: DLR001 at "app)"
        var total = 1 + app.Count;
        var sum = app.Count + 1;
    }
}
