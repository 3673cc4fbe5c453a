// Excel-DNA: user-defined functions and macros that reach the running Excel.
using System;
using System.Collections.Generic;
using System.Linq;
using ExcelDna.Integration;

namespace AddIn
{
    public class AddInEntry : IExcelAddIn
    {
        private static readonly List<object> Touched = new List<object>();

        public void AutoOpen()
        {
            dynamic app = ExcelDnaUtil.Application;
            app.StatusBar = "Loading";
            Remember(app); // expect: DLR001 at "app"
        }

        public void AutoClose() { }

        [ExcelFunction(Description = "Names of the open workbooks")]
        public static object[] WorkbookNames()
        {
            dynamic app = ExcelDnaUtil.Application;
            var names = new List<string>();
            foreach (dynamic wb in app.Workbooks)
                names.Add(wb.Name);
            return names.Cast<object>().ToArray();
        }

        [ExcelFunction(Description = "Colour the selection")]
        public static void ColourSelection()
        {
            ExcelAsyncUtil.QueueAsMacro(() =>
            {
                dynamic app = ExcelDnaUtil.Application;
                dynamic selection = app.Selection;
                foreach (dynamic cell in selection.Cells)
                {
                    cell.Interior.ColorIndex = 6;
                    Remember(cell); // expect: DLR002 at "cell"
                    Remember(cell.Interior); // expect: DLR002 at "cell.Interior"
                }
                string address = selection.Address;
                Remember(address);
            });
        }

        private static void Remember(object o) => Touched.Add(o);
    }
}
