// Dynamic values that are not COM objects, and dynamic-looking calls that bind nothing on them.
using System;
using System.Runtime.InteropServices;

class NotCallSites
{
    static void Use(object o) { }

    void M()
    {
        dynamic app = Marshal.GetActiveObject("Excel.Application");
        Console.WriteLine($"{app} and {app.ActiveSheet,10}");
        void Local(object o) { }
        Local(app);
        Use(app.GetType());
        Use(app.ToString());
        Use(app.GetHashCode());
        Use(app.Equals(null));
        dynamic cell = app.ActiveCell;
        Use(cell.Address);
        Use(cell.Value2);
        Use(cell.Value == true);
        Use(cell.Row + 1);
        Use(cell.Worksheet.Name);
        Use(cell.HasFormula);
        Use(-cell.Column);
        string text = cell.Text;
        Use(text);
        Use((string)cell.Formula);
        Use(cell.get_Value());
        Use(cell.get_Offset(1, 0)); // expect: DLR001 at "cell.get_Offset(1, 0)"
        Use(cell.MergeArea); // expect: DLR001 at "cell.MergeArea"
        dynamic wmi = Marshal.BindToMoniker("winmgmts:");
        foreach (dynamic process in wmi.ExecQuery("SELECT * FROM Win32_Process"))
        {
            Use(process.CommandLine);
            Use(process.Path_); // expect: DLR002 at "process.Path_"
        }
    }
}
