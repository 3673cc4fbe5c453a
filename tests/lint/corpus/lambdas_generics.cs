// Lambdas, local functions and generics.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

class LambdasAndGenerics
{
    static void Use(object o) { }
    static void UseT<T>(T value) { }

    void Lambdas()
    {
        Func<dynamic> open = () => Marshal.GetActiveObject("Excel.Application");
        dynamic app = open();
        Use(app); // expect: DLR001 at "app"
        Action<dynamic> release = x => Use(x); // expect: DLR001 at "x)"
        release(app); // expect: DLR001 at "app"
        Func<dynamic, object> wrap = (dynamic y) => (object)y;
        Use(wrap((object)app));
        Action later = () => Use(app); // expect: DLR001 at "app)"
    }

    void LocalFunctions()
    {
        dynamic Open() => Marshal.GetActiveObject("Excel.Application");
        void Close(dynamic target) => Use(target); // expect: DLR002 at "target);"
        var app = Open();
        Use(app); // expect: DLR001 at "app"
        for (int i = 0; i < 3; i++)
            Close(app.Workbooks[i]); // a local function is bound at compile time
        int Count(dynamic c) => c.Count;
        Count((object)app);
    }

    void Generics()
    {
        dynamic app = Marshal.GetActiveObject("Excel.Application");
        UseT(app); // expect: DLR001 at "app"
        UseT<object>(app); // expect: DLR001 at "app"
        UseT<object>((object)app);
        var list = new List<dynamic>();
        list.Add(app); // expect: DLR001 at "app"
        Use(list[0]); // expect: DLR001 at "list[0]"
        var boxes = new List<object> { 1, 2 };
        foreach (var b in boxes) Use(b);
        dynamic[] many = { app };
        Use(many[0]); // expect: DLR001 at "many[0]"
    }
}

class Holder<T> where T : class
{
    dynamic _value = Marshal.GetActiveObject("Word.Application");
    T _typed;
    void Show() { Console.WriteLine(_value); Console.WriteLine(_typed); } // expect: DLR001 at "_value"
}
