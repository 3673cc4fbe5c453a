// Members of other classes in these files, reached through typed variables, fields and parameters.
using System.Runtime.InteropServices;
class Helper
{
    public dynamic Excel = Marshal.GetActiveObject("Excel.Application");
    public dynamic Open() => Excel.Workbooks.Open("x");
    public void Take(object o) { }
}
class User
{
    Helper _h = new Helper();
    static void Use(object o) { }
    void M(Helper p)
    {
        var h = new Helper();
        Use(h.Excel); // expect: DLR001 at "h.Excel"
        Use(p.Open()); // expect: DLR001 at "p.Open()"
        Use(_h.Excel.ActiveWorkbook); // expect: DLR001 at "_h.Excel.ActiveWorkbook"
        Use(this._h.Excel); // expect: DLR001 at "this._h.Excel"
        h.Take(h.Excel); // expect: DLR001 at "h.Excel"
        Use(h);
    }
}
