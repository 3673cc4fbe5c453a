// Origins through syntax (!, ?? throw, parentheses, tuples) and flows through tasks and LINQ.
#nullable enable
using System;
using System.Collections.Generic;
using System.DirectoryServices;
using System.Linq;
using System.Threading.Tasks;
using ExcelDna.Integration;

class OriginsAndFlows
{
    static void Use(object o) { }

    void Syntax(string p)
    {
        dynamic a = Activator.CreateInstance(Type.GetTypeFromProgID(p)!)!;
        Use(a); // expect: DLR001 at "a)"
        var t = Type.GetTypeFromProgID(p) ?? throw new InvalidOperationException();
        dynamic b = Activator.CreateInstance(t);
        Use(b); // expect: DLR001 at "b)"
        dynamic c = (Activator.CreateInstance((Type.GetTypeFromProgID(p))));
        Use((c)); // expect: DLR001 at "(c)"
        var (x, n) = (Activator.CreateInstance(t), 1);
        dynamic dx = x;
        Use(dx); // expect: DLR001 at "dx"
        (dynamic app, int count) pair = (Activator.CreateInstance(t), 2);
        Use(pair.app); // expect: DLR001 at "pair.app"
        Use(pair.Item1); // expect: DLR001 at "pair.Item1"
        Use(pair.count);
    }

    void Reflection(Type type)
    {
        object app = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        dynamic books = type.InvokeMember("Workbooks", System.Reflection.BindingFlags.GetProperty, null, app, null);
        Use(books); // expect: DLR001 at "books"
    }

    readonly Dictionary<string, dynamic> _open = new Dictionary<string, dynamic>();

    void OutOfACollection(string key)
    {
        _open.Add(key, Activator.CreateInstance(Type.GetTypeFromProgID(key)));
        if (_open.TryGetValue(key, out dynamic doc))
            Use(doc); // expect: DLR001 at "doc"
    }

    void Sources(DirectoryEntry entry)
    {
        dynamic native = entry.NativeObject;
        Use(native); // expect: DLR001 at "native"
        dynamic excel = ExcelDnaUtil.Application;
        Use(excel); // expect: DLR001 at "excel"
    }

    async Task Tasks(string p)
    {
        dynamic viaRun = await Task.Run(() => Activator.CreateInstance(Type.GetTypeFromProgID(p)));
        Use(viaRun); // expect: DLR001 at "viaRun"
        var task = Task.Run(() => (dynamic)Activator.CreateInstance(Type.GetTypeFromProgID(p)));
        dynamic result = task.Result;
        Use(result); // expect: DLR001 at "result"
        dynamic fromResult = await Task.FromResult(Activator.CreateInstance(Type.GetTypeFromProgID(p)));
        Use(fromResult); // expect: DLR001 at "fromResult"
    }

    void Projections()
    {
        dynamic app = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        List<dynamic> books = ((IEnumerable<object>)app.Workbooks).Select(w => (dynamic)w).ToList();
        foreach (var book in books)
            Use(book); // expect: DLR002 at "book"
        IEnumerable<dynamic> sheets = Enumerable.Range(1, 3).Select(i => app.Sheets[i]);
        foreach (var sheet in sheets)
            Use(sheet); // expect: DLR002 at "sheet"
    }
}

class SheetWrapper
{
    readonly dynamic _sheet;
    public SheetWrapper(dynamic sheet) { _sheet = sheet; }
    public void Print() => Console.WriteLine(_sheet); // expect: DLR001 at "_sheet"
}

class WrapperUser
{
    void M()
    {
        dynamic app = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        new SheetWrapper(app.ActiveSheet).Print(); // expect: DLR001 at "app.ActiveSheet"
    }
}
