"""The names the analysis knows: sources of COM objects, iterating and element-returning
library methods, binders, and what a cast can be put in front of.

These are facts about the .NET library and the common automation models, kept apart from
the analysis so that each table can be read (and extended) on its own.
"""

from __future__ import annotations

import re


# Calls whose result is a Type for a COM class.
COMTYPE_SOURCES = {"GetTypeFromProgID", "GetTypeFromCLSID"}
# Calls whose result may be a COM object or a transparent proxy, whatever the receiver.
COM_SOURCES = {"GetActiveObject", "BindToMoniker", "GetObjectForIUnknown",
               "GetTypedObjectForIUnknown", "GetUniqueObjectForIUnknown", "CreateWrapperOfType",
               "GetTransparentProxy", "CreateInstanceAndUnwrap", "CreateInstanceFromAndUnwrap",
               "CreateChannel"}  # WCF's ChannelFactory<T>: a transparent proxy on .NET Framework
VB_SOURCES = {"CreateObject", "GetObject"}
SOURCE_WORDS = COMTYPE_SOURCES | COM_SOURCES | VB_SOURCES | {"CreateInstance", "Connect"}

# LINQ and friends: lambdas passed to them run once per element.
ITERATING = {"Select", "SelectMany", "Where", "ForEach", "All", "Any", "Count", "Sum", "Min",
             "Max", "Average", "Aggregate", "OrderBy", "OrderByDescending", "ThenBy",
             "ThenByDescending", "GroupBy", "ToDictionary", "ToLookup", "First", "FirstOrDefault",
             "Last", "LastOrDefault", "Single", "SingleOrDefault", "SkipWhile", "TakeWhile",
             "Join", "GroupJoin", "Zip", "RemoveAll", "Exists", "Find", "FindAll", "FindIndex",
             "TrueForAll", "ConvertAll", "For", "Invoke", "DistinctBy", "MinBy", "MaxBy",
             "CountBy", "AggregateBy", "Partition"}
SEQUENCE = {"Cast", "OfType", "Where", "ToList", "ToArray", "AsEnumerable", "Skip", "Take",
            "OrderBy", "OrderByDescending", "ThenBy", "Reverse", "Distinct", "Concat", "Union",
            "SkipWhile", "TakeWhile", "ToHashSet", "AsParallel", "AsQueryable", "DefaultIfEmpty",
            "Append", "Prepend"}
ELEMENT = {"First", "FirstOrDefault", "Last", "LastOrDefault", "Single", "SingleOrDefault",
           "ElementAt", "ElementAtOrDefault", "Min", "Max", "Find", "Dequeue", "Pop", "Peek",
           "GetValueOrDefault", "MinBy", "MaxBy"}
ADDERS = {"Add", "Insert", "Push", "Enqueue", "AddRange", "InsertRange", "TryAdd"}
NON_COM_RESULTS = {"ToString", "GetHashCode", "Equals", "GetType", "Count", "Contains",
                   "ReferenceEquals", "CompareTo", "IsComObject", "ReleaseComObject",
                   "FinalReleaseComObject"}
BINDER_METHODS = {"InvokeMember", "InvokeConstructor", "GetMember", "SetMember", "GetIndex",
                  "SetIndex", "Invoke", "UnaryOperation", "BinaryOperation", "Convert", "IsEvent"}
KEEPERS = {"CompareExchange", "EnsureInitialized", "GetOrAdd", "TryAdd", "AddOrUpdate", "Exchange"}
# Expressions that a cast can be put in front of without parentheses.
PRIMARY = {"identifier", "member_access_expression", "invocation_expression",
           "element_access_expression", "parenthesized_expression", "this_expression",
           "conditional_access_expression", "object_creation_expression", "generic_name",
           "typeof_expression", "base_expression", "qualified_name"}
FIX_KINDS = {"method", "ctor", "indexer", "delegate", "interp", "setter"}
BCL_NAMES = {"List", "Dictionary", "HashSet", "Exception", "Object", "String", "StringBuilder",
             "Guid", "Uri", "Type", "Thread", "Task", "Stopwatch", "Random", "Lazy", "Tuple",
             "DateTime", "TimeSpan", "Queue", "Stack", "ArrayList", "Hashtable", "Timer"}

HANDLER_RE = re.compile(rb"\+=\s*(?:new\s+[\w.<>]+\s*\(\s*)?(?:this\.)?(\w+)\s*[;)]")
# Unity calls a method named in InvokeRepeating("Poll", ...) again and again
REPEATING_BY_NAME_RE = re.compile(rb"\bInvokeRepeating\s*\(\s*(?:nameof\s*\(\s*(\w+)\s*\)|\"(\w+)\")")


def rightmost(node) -> str:
    """The simple name at the right end of a (possibly generic, qualified) name."""
    while node is not None:
        t = node.type
        if t == "identifier":
            return node.text.decode()
        if t == "generic_name":
            node = node.named_children[0] if node.named_children else None
        elif t in ("member_access_expression", "qualified_name"):
            node = node.child_by_field_name("name")
        elif t == "member_binding_expression":
            node = node.child_by_field_name("name")
        elif t == "alias_qualified_name":
            node = node.child_by_field_name("name")
        else:
            return ""
    return ""


# Members that hand out a COM object whatever the static type says (it is ``object``):
# (receiver's simple name or "*" for any receiver, member name).
COM_MEMBERS = {("*", "NativeObject"),            # System.DirectoryServices.DirectoryEntry (ADSI)
               ("ExcelDnaUtil", "Application"),   # Excel-DNA: the running Excel
               ("ThisAddIn", "Application"),      # VSTO: Globals.ThisAddIn.Application
               ("*", "ActiveXInstance"),          # Windows Forms ActiveX hosts
               ("*", "DomDocument")}              # WebBrowser.Document.DomDocument (MSHTML)

# Members of a dynamic receiver whose value is a string, number, bool or date in the
# automation models in wide use (Office, WMI, ADSI, Shell): a value that cannot carry an
# instance restriction. Known names, then the naming conventions of those models: a name
# ending in Name, Count, Path, Text, ... is a scalar, and so is an Is/Has/Can predicate.
# Names that some model uses for objects are left out (Parent, Item, Range, Selection).
SCALAR_MEMBERS = {"Address", "AddressLocal", "Text", "Formula", "FormulaR1C1", "FormulaLocal",
                  "NumberFormat", "Value", "Value2", "Row", "Column", "Left", "Top", "Visible",
                  "Saved", "ReadOnly", "Subject", "Body", "HTMLBody", "EntryID", "To", "CC",
                  "BCC", "Handle", "Hwnd", "Build", "Description", "ProgID", "Guid", "ADsPath",
                  "SchemaClassName", "IsFolder", "Enabled", "Checked", "Bold", "Italic",
                  "RowHeight", "ColumnWidth", "Message", "ExitCode", "ReturnValue", "Status",
                  "Size", "Type", "Class", "Importance", "Sensitivity", "Unread"}
_SCALAR_NAME = re.compile(r"(?:Name|Count|Path|Text|Id|ID|Date|Time|Size|Index|Number|Caption|"
                          r"Title|Address|Version|Width|Height|Length|Color|Flags?|Code|Url|URL|"
                          r"Key|Kind|Mode|Format|Extension|Language|Email)$|^(?:Is|Has|Can)[A-Z]")


def is_scalar_member(name: str) -> bool:
    """Is ``recv.name`` a string, number, bool or date in the usual automation models?"""
    return name in SCALAR_MEMBERS or _SCALAR_NAME.search(name) is not None


# Library calls that hand back (as their Task's result, or directly) what the lambda or
# value they are given produces.
PASS_THROUGH = {"Run", "StartNew", "FromResult", "Invoke", "InvokeAsync", "GetOrAdd",
                "GetResult", "ConfigureAwait", "WaitAsync", "Unwrap"}

# What repeats, for DLR002's message: why a call site runs again and again.
WHY_HANDLER = "in an event handler: once per event"
WHY_CALLBACK = "in a method passed as a callback: once per call"
WHY_RECURSION = "in a recursive method: once per call"
WHY_CALLED_IN_LOOP = "in a method called inside a loop: once per call"
WHY_LAMBDA_IN_LOOP = "in a lambda created inside a loop: once per iteration"
WHY_QUERY = "inside a query: once per element"
WHY_FRAME = "in a Unity message that runs every frame"
WHY_INVOKED = "in a method Unity invokes repeatedly through InvokeRepeating"

# Unity calls these methods of its scripts every frame (or every GUI event).
UNITY_BASES = {"MonoBehaviour", "Editor", "EditorWindow", "NetworkBehaviour"}
UNITY_PER_FRAME = {"Update", "LateUpdate", "FixedUpdate", "OnGUI", "OnInspectorGUI", "OnSceneGUI",
                   "OnDrawGizmos", "OnDrawGizmosSelected", "OnRenderObject", "OnWillRenderObject",
                   "OnPreRender", "OnPostRender", "OnRenderImage", "OnAnimatorMove", "OnAnimatorIK"}


def why_loop(kind: str) -> str:
    return f"inside a {kind} loop: once per iteration"


def why_lambda(method: str) -> str:
    return f"in a lambda {method} runs once per element"


# Collection methods whose out argument receives one of the elements.
OUT_ELEMENT = {"TryGetValue", "TryDequeue", "TryPop", "TryPeek", "TryTake", "TryRemove"}

# LINQ methods whose result's elements are what their lambda returns.
PROJECTING = {"Select", "SelectMany", "ConvertAll", "Zip"}

# Namespaces of the interop assemblies tlbimp makes for common type libraries (besides the
# Office PIAs' `...Interop...`): every type in them is a COM interface or coclass.
COM_NAMESPACES = {"Shell32", "IWshRuntimeLibrary", "SHDocVw", "mshtml", "MSHTML", "ADODB", "ADOX",
                  "Scripting", "WIA", "SpeechLib", "MSXML2", "ActiveDs", "NetFwTypeLib",
                  "TaskScheduler", "WUApiLib", "CDO", "MSScriptControl", "VBIDE",
                  "DAO", "stdole", "WbemScripting"}

# Type names that are never COM interfaces, whatever the usings say.
PRIMITIVE_NAMES = {"object", "string", "bool", "int", "long", "double", "float", "decimal", "byte",
                   "char", "short", "uint", "ulong", "ushort", "sbyte", "dynamic", "var", "Object",
                   "String", "Boolean", "Int32", "Int64", "Double", "Decimal", "DateTime", "IntPtr"}
