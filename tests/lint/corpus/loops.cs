// DLR002: the same argument inside loops, LINQ lambdas, recursion and handlers.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;

class Loops
{
    static void Release(object o) { }

    void Kinds(dynamic workbook)
    {
        dynamic excel = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        for (int i = 0; i < 10; i++)
        {
            Release(excel.Workbooks[i]); // expect: DLR002 at "excel.Workbooks[i]"
        }
        foreach (dynamic sheet in excel.ActiveWorkbook.Sheets)
        {
            Release(sheet); // expect: DLR002 at "sheet"
        }
        foreach (var wb in excel.Workbooks)
        {
            Release(wb); // expect: DLR002 at "wb"
        }
        int n = 0;
        while (n++ < 3)
            Release(excel); // expect: DLR002 at "excel"
        do
        {
            Release(excel.ActiveCell); // expect: DLR002 at "excel.ActiveCell"
        } while (n-- > 0);
        Release(excel); // expect: DLR001 at "excel"
    }

    void Linq()
    {
        dynamic excel = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        IEnumerable<dynamic> sheets = ((IEnumerable)excel.Sheets).Cast<dynamic>();
        sheets.ToList().ForEach(s => Release(s)); // expect: DLR002 at "s)"
        var names = sheets.Select(s => Describe(s)).ToList(); // expect: DLR002 at "s)"
        var first = sheets.First();
        Release(first); // expect: DLR001 at "first"
        var q = from dynamic s in (IEnumerable)excel.Sheets
                select Describe(s); // expect: DLR002 at "s)"
    }

    static string Describe(object o) => o.ToString();

    void Recursive(int depth)
    {
        dynamic shell = Activator.CreateInstance(Type.GetTypeFromProgID("Shell.Application"));
        Release(shell); // expect: DLR002 at "shell"
        if (depth > 0) Recursive(depth - 1);
    }

    void OnTick(object sender, EventArgs e)
    {
        dynamic word = Marshal.GetActiveObject("Word.Application");
        Release(word.ActiveDocument); // expect: DLR002 at "word.ActiveDocument"
    }

    void Subscribe(Timer timer)
    {
        timer.Elapsed += Handler;
        timer.Elapsed += (s, e) =>
        {
            dynamic word = Marshal.GetActiveObject("Word.Application");
            Release(word); // expect: DLR002 at "word"
        };
    }

    void Handler(object source)
    {
        dynamic word = Marshal.GetActiveObject("Word.Application");
        Release(word); // expect: DLR002 at "word"
    }

    void CalledInLoop()
    {
        for (var i = 0; i < 3; i++) Helper();
    }

    void Helper()
    {
        dynamic word = Marshal.GetActiveObject("Word.Application");
        Release(word); // expect: DLR002 at "word"
    }

    void StartPolling()
    {
        var timer = new System.Threading.Timer(Poll, null, 0, 1000);
    }

    void Poll(object state)
    {
        dynamic word = Marshal.GetActiveObject("Word.Application");
        Release(word); // expect: DLR002 at "word"
    }

    void LoopCastIsFine()
    {
        dynamic excel = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));
        foreach (dynamic sheet in excel.Sheets)
        {
            Release((object)sheet);
            sheet.Delete();
        }
    }
}

class Timer { public event Action<object> Elapsed; }
