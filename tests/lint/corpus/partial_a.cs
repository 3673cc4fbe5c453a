// Partial classes: the field is assigned in this part and used in partial_b.cs.
using System;
using System.Runtime.InteropServices;

namespace Office.Tools
{
    public partial class Automation
    {
        private dynamic _word;
        private dynamic _other;

        public void Open()
        {
            _word = Marshal.GetActiveObject("Word.Application");
            _other = 3;
        }

        partial void Log(dynamic value);
    }
}
