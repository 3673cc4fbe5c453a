// Office through the interop types, with dynamic where the object model is late-bound.
using System;
using System.Collections.Generic;
using Excel = Microsoft.Office.Interop.Excel;

namespace Reports
{
    public static class InteropHelpers
    {
        private static readonly List<object> Seen = new List<object>();

        public static void Mark(Excel.Range range)
        {
            dynamic late = range;
            Seen.Add(late); // expect: DLR001 at "late"
            Seen.Add(late.Address);
            Console.WriteLine("marked {0}", late.Value2);
        }

        public static void Walk(Excel.Workbook book)
        {
            foreach (Excel.Range cell in book.Worksheets)
            {
                dynamic d = cell;
                Seen.Add(d); // expect: DLR002 at "d)"
            }
            dynamic sheet = book.Worksheets[1];
            Seen.Add(sheet); // expect: DLR001 at "sheet"
            Seen.Add(book.Name);
            object plain = sheet;
            Seen.Add(plain);
        }
    }
}
