// Office: late-bound Excel through dynamic, as report generators are written.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Reports
{
    public sealed class ExcelReportBuilder : IDisposable
    {
        private readonly Action<string> _progress;
        private readonly List<string> _sheetNames = new List<string>();
        private readonly List<object> _ranges = new List<object>();
        private dynamic _excel;

        public ExcelReportBuilder(Action<string> progress)
        {
            _progress = progress;
        }

        public void Open(string path)
        {
            var excelType = Type.GetTypeFromProgID("Excel.Application");
            if (excelType == null)
                throw new InvalidOperationException("Excel is not installed");
            _excel = Activator.CreateInstance(excelType);
            _excel.Visible = false;
            _excel.DisplayAlerts = false;
            dynamic workbook = _excel.Workbooks.Open(path);
            Log(workbook); // expect: DLR001 at "workbook"
            foreach (dynamic sheet in workbook.Worksheets)
            {
                _sheetNames.Add(sheet.Name);
                _progress("Reading " + sheet.Name);
                _progress(sheet.Name);
                FormatHeader(sheet); // expect: DLR002 at "sheet"
                _ranges.Add(sheet.UsedRange); // expect: DLR002 at "sheet.UsedRange"
                _progress(sheet.UsedRange); // expect: DLR002 at "sheet.UsedRange"
            }
            Console.WriteLine($"Opened {workbook.Name} with {workbook.Worksheets.Count} sheets");
            Console.WriteLine("Active: {0}", _excel.ActiveSheet); // expect: DLR001 at "_excel.ActiveSheet"
        }

        private static void FormatHeader(dynamic sheet)
        {
            dynamic header = sheet.Rows[1];
            header.Font.Bold = true;
            if (header.Cells[1, 1].Value2 == null)
                header.Cells[1, 1].Value2 = "Name";
        }

        public double Total(string column)
        {
            dynamic sheet = _excel.ActiveSheet;
            double total = 0;
            int last = (int)sheet.UsedRange.Rows.Count;
            for (int row = 2; row <= last; row++)
            {
                dynamic cell = sheet.Cells[row, column];
                if (cell.Value2 is double)
                    total += (double)cell.Value2;
                var text = new StringBuilder();
                text.Append(cell.Address);
                text.Append(cell); // expect: DLR002 at "cell"
                _progress(cell.Text);
            }
            return total;
        }

        public IEnumerable<string> Names() => _sheetNames.Where(n => n.Length > 0);

        private static void Log(object value) => Console.WriteLine(value);

        public void Dispose()
        {
            if (_excel != null)
            {
                _excel.Quit();
                Marshal.FinalReleaseComObject(_excel); // expect: DLR001 at "_excel"
                _excel = null;
            }
        }
    }
}
