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
               "GetTransparentProxy", "CreateInstanceAndUnwrap", "CreateInstanceFromAndUnwrap"}
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

