// Type and flow knowledge: var, assignments across statements, fields, properties, returns.
using System;

class Flow
{
    static void Use(object o) { }

    dynamic _app;                 // assigned in Start, used in Stop
    object _raw;                  // not dynamic, but carries a COM object
    dynamic Doc { get; set; }
    dynamic Book => _app.Workbooks[1];
    string _name;

    void Start()
    {
        _app = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        _raw = Marshal2.GetActiveObject("Word.Application");
        Doc = _raw;
    }

    void Stop()
    {
        Use(_app); // expect: DLR001 at "_app"
        Use(this._app); // expect: DLR001 at "this._app"
        Use(Doc); // expect: DLR001 at "Doc"
        Use(Book); // expect: DLR001 at "Book"
        Use(_raw);
        dynamic fromRaw = _raw;
        Use(fromRaw); // expect: DLR001 at "fromRaw"
    }

    void Locals()
    {
        dynamic x;
        x = Create();
        Use(x); // expect: DLR001 at "x)"
        var y = x.Child;
        Use(y); // expect: DLR001 at "y)"
        var z = (object)x;
        Use(z);
        var w = y ?? z;
        Use(w); // expect: DLR001 at "w)"
        var v = DateTime.Now > DateTime.MinValue ? x : null;
        Use(v); // expect: DLR001 at "v)"
    }

    dynamic Create()
    {
        return Activator.CreateInstance(Type.GetTypeFromProgID("Shell.Application"));
    }

    object CreateObj() => Activator.CreateInstance(Type.GetTypeFromProgID("Shell.Application"));

    void Returns()
    {
        Use(Create()); // expect: DLR001 at "Create()"
        Use(CreateObj());
        dynamic s = CreateObj();
        Use(s); // expect: DLR001 at "s)"
        Func<dynamic> make = () => Create();
        Use(make()); // expect: DLR001 at "make()"
        string n = _name;
        dynamic dn = n;
        Use(dn);
    }

    void Strings()
    {
        dynamic app = Create();
        string title = app.Caption;
        dynamic again = title;
        Use(again);
    }
}

static class Marshal2
{
    public static object GetActiveObject(string progId) => System.Runtime.InteropServices.Marshal.GetActiveObject(progId);
}
