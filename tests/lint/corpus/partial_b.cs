// Partial classes: second part; `_word` comes from partial_a.cs.
using System;
using System.Runtime.InteropServices;

namespace Office.Tools
{
    public partial class Automation
    {
        public void Close()
        {
            Marshal.FinalReleaseComObject(_word); // expect: DLR001 at "_word"
            Marshal.FinalReleaseComObject(_other);
            Console.WriteLine(_word.ActiveDocument); // expect: DLR001 at "_word.ActiveDocument"
            Log(_word); // expect: DLR001 at "_word"
        }
    }
}
