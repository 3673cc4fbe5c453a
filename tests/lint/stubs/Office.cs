// Small stand-ins for the libraries the realistic corpus uses, so that mcs can compile it
// (and its --fix'ed copy). Only the members the corpus touches; COM types are interfaces.
using System;
using System.Collections;
using System.Runtime.InteropServices;

namespace Microsoft.Office.Interop.Excel
{
    [ComImport, Guid("000208D5-0000-0000-C000-000000000046")]
    public interface Application { Workbooks Workbooks { get; } dynamic ActiveSheet { get; } bool Visible { get; set; } void Quit(); }
    [ComImport, Guid("000208DB-0000-0000-C000-000000000046")]
    public interface Workbooks : IEnumerable { Workbook Open(string path); int Count { get; } }
    [ComImport, Guid("000208DA-0000-0000-C000-000000000046")]
    public interface Workbook { dynamic Worksheets { get; } string Name { get; } void Close(bool save); }
    [ComImport, Guid("00020846-0000-0000-C000-000000000046")]
    public interface Range { dynamic Value2 { get; set; } string Address { get; } }
    [ComImport, Guid("00024500-0000-0000-C000-000000000046"), CoClass(typeof(ApplicationClass))]
    public interface _Application { }
    [ComImport, Guid("00024500-0000-0000-C000-000000000046")]
    public class ApplicationClass { }
}

namespace Microsoft.VisualBasic
{
    public static class Interaction
    {
        public static object CreateObject(string progId, string server = "") { return null; }
        public static object GetObject(string path = null, string cls = null) { return null; }
    }
}

namespace ExcelDna.Integration
{
    public static class ExcelDnaUtil { public static object Application { get { return null; } } }
    public static class ExcelAsyncUtil { public static void QueueAsMacro(Action action) { action(); } }
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class ExcelFunctionAttribute : Attribute { public string Description { get; set; } }
    public interface IExcelAddIn { void AutoOpen(); void AutoClose(); }
}

namespace UnityEngine
{
    public class Object { public string name; }
    public class Component : Object { public GameObject gameObject { get { return null; } } }
    public class GameObject : Object { }
    public class Behaviour : Component { public bool enabled; }
    public class MonoBehaviour : Behaviour { public void InvokeRepeating(string methodName, float time, float repeatRate) { } }
    public static class Debug { public static void Log(object message) { } public static void LogWarning(object message) { } }
    public static class Time { public static float deltaTime; }
}

namespace Shell32
{
    [ComImport, Guid("286E6F1B-7113-4355-9562-96B7E9D64C54"), CoClass(typeof(ShellClass))]
    public interface Shell { dynamic NameSpace(object dir); dynamic Windows(); }
    [ComImport, Guid("13709620-C279-11CE-A49E-444553540000")]
    public class ShellClass { }
}
