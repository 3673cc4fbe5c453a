// Casts, `as object`, receivers versus arguments, static calls, null and literal arguments.
using System;
using System.Runtime.InteropServices;

static class Sink
{
    public static void Take(object o) { }
    public static void TakeTwo(object a, object b) { }
}

class CastsAndReceivers
{
    dynamic excel = Activator.CreateInstance(Type.GetTypeFromProgID("Excel.Application"));

    void Casts()
    {
        Sink.Take((object)excel);
        Sink.Take(excel as object);
        Sink.Take((dynamic)(object)excel); // expect: DLR001 at "(dynamic)"
        object plain = excel;
        Sink.Take(plain);
        Sink.Take((string)excel.Name);
        Sink.Take(excel.Name as string);
        Sink.Take(((excel))); // expect: DLR001 at "((excel))"
    }

    void Receivers()
    {
        excel.Quit();
        excel.Workbooks.Add();
        excel.Visible = true;
        var n = excel.Workbooks.Count;
        excel.Run("Macro", 1, 2.0, null);
        excel.Run(null);
        excel.Run(excel); // expect: DLR001 at "excel)"
    }

    void StaticCalls()
    {
        Console.WriteLine(excel); // expect: DLR001 at "excel)"
        Sink.TakeTwo(1, excel); // expect: DLR001 at "excel)"
        Sink.TakeTwo(null, "literal");
        Sink.TakeTwo(excel.Workbooks, (object)excel.Workbooks); // expect: DLR001 at "excel.Workbooks,"
        Marshal.ReleaseComObject(excel.ActiveWorkbook.ActiveSheet); // expect: DLR001 at "excel.ActiveWorkbook"
        GC.KeepAlive(null);
        Console.WriteLine(42);
        Console.WriteLine("text");
    }

    void Nested()
    {
        dynamic wb = excel.Workbooks.Open("book.xlsx");
        dynamic sheet = wb.Worksheets[1];
        dynamic cell = sheet.Cells[1, 1];
        Sink.Take(cell.MergeArea); // expect: DLR001 at "cell.MergeArea"
        Sink.Take(sheet); // expect: DLR001 at "sheet"
        var range = sheet.Range["A1"];
        Sink.Take(range); // expect: DLR001 at "range"
        Sink.Take(nameof(excel));
    }
}
