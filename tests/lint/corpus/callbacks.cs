using System;
using System.Runtime.InteropServices;
using System.Threading;

// Methods passed as callbacks (method groups) run again and again, even when the code that
// passes them mentions nothing dynamic and is never walked itself.
class Callbacks
{
    static void Release(object o) => Marshal.ReleaseComObject(o);

    Timer Start() => new Timer(Poll, null, 0, 1000);

    void Queue()
    {
        ThreadPool.QueueUserWorkItem( this.Refresh );
        Register(Other , 5);
    }

    void Register(Action<object> a, int n) { }

    void Poll(object state)
    {
        dynamic excel = Marshal.GetActiveObject("Excel.Application");
        Release(excel.ActiveSheet); // expect: DLR002 at "excel.ActiveSheet"
    }

    void Refresh(object state)
    {
        dynamic excel = Marshal.GetActiveObject("Excel.Application");
        Release(excel.ActiveSheet); // expect: DLR002 at "excel.ActiveSheet"
    }

    void Other(object state)
    {
        dynamic excel = Marshal.GetActiveObject("Excel.Application");
        Release(excel.ActiveSheet); // expect: DLR002 at "excel.ActiveSheet"
    }

    // only named, never passed: `PollOnce(x)` calls it, `PollOnceMore` is another name
    void Caller(object x)
    {
        PollOnce(x);
        Register(PollOnceMore, 1);
    }

    void PollOnce(object state)
    {
        dynamic excel = Marshal.GetActiveObject("Excel.Application");
        Release(excel.ActiveSheet); // expect: DLR001 at "excel.ActiveSheet"
    }

    void PollOnceMore(object state) { }
}
