// A declaration split across #if branches does not parse as is; the linter retries
// with one branch of each #if (positions unchanged) and lints that.
using System;
using System.Runtime.InteropServices;

#if NETFRAMEWORK
namespace Legacy.Automation
#else
namespace Modern.Automation
#endif
{
    class Split
#if DEBUG
        : IDisposable
#endif
    {
        public void Dispose() { }

        void Run()
        {
            dynamic app = Marshal.GetActiveObject("Excel.Application");
            Console.WriteLine(app); // expect: DLR001 at "app"
        }
    }
}
