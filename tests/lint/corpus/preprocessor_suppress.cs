// Preprocessor regions and suppressions.
using System;
using System.Runtime.InteropServices;

class Regions
{
    static void Use(object o) { }

    #region Automation
    void Run()
    {
        dynamic app = Marshal.GetActiveObject("Excel.Application");
#if DEBUG
        Use(app); // expect: DLR001 at "app"
#else
        Use(app.Workbooks); // expect: DLR001 at "app.Workbooks"
#endif
        Use(app); // dlrsim: ignore[DLR001]
        // dlrsim: ignore[DLR001]
        Use(app);
        Use(app); // dlrsim: ignore
        Use(app); // dlrsim: ignore[DLR003] expect: DLR001 at "app"
#pragma warning disable DLR001
        Use(app);
        Use(app.Name);
#pragma warning restore DLR001
        Use(app.ActiveWindow); // expect: DLR001 at "app.ActiveWindow"
#pragma warning disable
        Use(app.Caption);
#pragma warning restore
        for (;;)
        {
            Use(app); // dlrsim: ignore[DLR001]
            Use(app); // expect: DLR002 at "app"
        }
    }
    #endregion
}
