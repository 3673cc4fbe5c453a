"""The flow analysis: which expressions are ``dynamic`` and may hold a COM object.

One abstract interpreter walks every function body that can matter, joining
values into symbols (locals, parameters, fields, properties, returns) until
nothing changes, then walks once more to report. It is flow-insensitive
within a function (a local holds the join of everything assigned to it) and
context-insensitive across functions (a parameter holds the join of what the
call sites in these files pass, plus "unknown" for callers elsewhere).
"""

from __future__ import annotations

import re
from typing import Callable

from callsite.lint.findings import Finding, RULES
from callsite.lint.mentions import Mentions, passed_as_callback
from callsite.lint.lattice import (COM, COMTYPE, DYN, DYNAMIC, ELEM, INTERESTING, K_DYNAMIC,
                                   K_OBJECT, K_PRIMITIVE, K_VAR, ORIGIN, UNK, coerce, member_of)
from callsite.lint.symbols import (ClassInfo, Collector, FileCtx, Function, Sym, params_of,
                                   type_info)

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

_HANDLER_RE = re.compile(rb"\+=\s*(?:new\s+[\w.<>]+\s*\(\s*)?(?:this\.)?(\w+)\s*[;)]")
_MAX_ROUNDS = 12


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


class Analyzer:
    """Analyzes a group of files that share partial types, and reports findings."""

    def __init__(self, files: list[FileCtx], enabled: set[str],
                 com_types: set[str] | None = None) -> None:
        self.files = files
        self.enabled = enabled
        self.col = Collector()
        self.col.com_types |= com_types or set()
        for f in files:
            self.col.add_file(f)
        self.findings: list[Finding] = []
        self._seen: set[tuple] = set()
        self.local_syms: dict[tuple, Sym] = {}
        self.lambdas: dict[tuple, Function] = {}
        self.changed = False
        self.record = False
        self.round = 0
        # state of the walk
        self.file: FileCtx = files[0] if files else None  # type: ignore[assignment]
        self.func: Function | None = None
        self.fstack: list[Function] = []
        self.cls: ClassInfo | None = None
        self.scopes: list[dict] = []
        self.loop = 0
        # flow-sensitive values of the current function's locals and parameters; a local
        # missing here (captured by a lambda, say) falls back to its flow-insensitive join
        self.env: dict[Sym, int] = {}
        self._dispatch = self._build_dispatch()
        self._tparams: dict[Function, set[str]] = {}

    # ------------------------------------------------------------------ driver
    def run(self) -> list[Finding]:
        fns = self.col.functions
        if not fns:
            return []
        # methods subscribed to events or passed as callbacks run again and again; only
        # what a walked function is matters, so that is settled as each one is activated
        handler_names: set[bytes] = set()
        for f in self.files:
            handler_names.update(_HANDLER_RE.findall(f.src.data))
        named = {id(fn): name.encode() for cls in self.col.classes.values()
                 for name, lst in cls.methods.items() for fn in lst}
        callback: dict[bytes, bool] = {}

        def activate(fn: Function) -> None:
            word = named.get(id(fn))
            if word is not None:
                hit = callback.get(word)
                if hit is None:
                    hit = callback[word] = word in handler_names or any(
                        passed_as_callback(f.src.data, word) for f in self.files)
                if hit:
                    fn.repeated = True
            active.append(fn)
            active_ids.add(id(fn))
        base = {b"dynamic", b"CallSite", b"Binder"} | {w.encode() for w in SOURCE_WORDS}
        base |= {n.encode() for n in self.col.com_types}
        for f in self.files:
            base |= {a.encode() for a in f.interop_aliases | f.binder_aliases}
            if f.interop_using:
                base.add(b"new")
        names: set[bytes] = set()
        for cls in self.col.classes.values():
            for s in cls.members.values():
                if s.kind == K_DYNAMIC or s.tflags:
                    names.add(s.name.encode())
        # a function is analyzed once it mentions a word that can carry a dynamic or COM value
        mentions = Mentions(self.files)
        active: list[Function] = []
        active_ids: set[int] = set()
        for round_no in range(_MAX_ROUNDS):
            mentions.add(base | names)
            new = [fn for fn in fns if id(fn) not in active_ids and mentions.within(fn)]
            for fn in new:
                activate(fn)
            # every round records; the findings of the first round in which nothing that was
            # already read changed afterwards (so every read saw its final value) stand
            self.changed = False
            self.round = round_no
            self.record = True
            self.findings = []
            self._seen = set()
            for fn in active:
                self.run_function(fn)
            grown = set(names)
            for cls in self.col.classes.values():
                for s in cls.members.values():
                    if s.value & INTERESTING:
                        grown.add(s.name.encode())
                for name, lst in cls.methods.items():
                    # callers matter when they can feed, repeat or receive something risky
                    if any(fn.risky or fn.ret.value & INTERESTING for fn in lst):
                        grown.add(name.encode())
            names = grown
            if self.changed:
                continue
            mentions.add(names)
            if not any(id(fn) not in active_ids and mentions.within(fn) for fn in fns):
                break
        # a loop body walked again may upgrade an unknown-origin argument to a COM one
        strong = {(f.file, f.line, f.column) for f in self.findings if f.rule != "DLR004"}
        return [f for f in self.findings
                if f.rule != "DLR004" or (f.file, f.line, f.column) not in strong]

    def release(self) -> None:
        """Break the reference cycles (functions and their classes and files, the dispatch
        table's bound methods) so the trees are freed at once, not by a late, long
        collection of everything the run allocated."""
        for f in self.files:
            f.functions.clear()
            f.top = None
        for fn in self.col.functions:
            fn.cls = fn.file = None
        for fn in self.lambdas.values():
            fn.cls = fn.file = None
        for cls in self.col.classes.values():
            cls.methods.clear()
            cls.members.clear()
        self.col.classes.clear()
        self.col.functions.clear()
        self.lambdas.clear()
        self.local_syms.clear()
        self._tparams.clear()
        self._dispatch = {}
        self.file = self.func = self.cls = None  # type: ignore[assignment]
        self.fstack = []
        self.scopes = []
        self.env = {}

    def run_function(self, fn: Function) -> None:
        fn.ran = self.round
        self.file = fn.file
        self.func = fn
        self.fstack = [fn]
        self.cls = fn.cls
        self.loop = 0
        self.scopes = [{p.name: p for p in fn.params}]
        self.env = {p: self._val(p) for p in fn.params}
        body = fn.body
        if isinstance(body, list):  # top-level statements
            self._predeclare(body)
            for st in body:
                self.ev(st)
            return
        if body is None:
            return
        if fn.kind in ("init", "static_init", "get") and body.type not in ("block", "arrow_expression_clause"):
            self._assign_sym(fn.ret, self.ev(body))
            return
        if body.type == "arrow_expression_clause":
            expr = body.named_children[0] if body.named_children else None
            if expr is not None:
                v = self.ev(expr)
                self._assign_sym(fn.ret, v)
            return
        self.ev(body)

    # ------------------------------------------------------------------ state
    def in_loop(self) -> bool:
        return self.loop > 0 or (self.func is not None and self.func.repeated)

    def _assign_sym(self, sym: Sym, v: int) -> None:
        nv = sym.value | coerce(sym.kind, sym.tflags, v)
        if nv != sym.value:
            sym.value = nv
            if sym.seen == self.round:  # someone already used the old value this round
                self.changed = True

    def _store(self, sym: Sym, v: int, strong: bool = True) -> None:
        """Assign to a variable: a strong update of its flow value, a join into its summary."""
        self._assign_sym(sym, v)
        if strong:
            self.env[sym] = coerce(sym.kind, sym.tflags, v)
        elif sym in self.env:
            self.env[sym] |= coerce(sym.kind, sym.tflags, v)

    def _read(self, sym: Sym) -> int:
        v = self.env.get(sym)
        if v is None:
            return self._val(sym)
        return v

    def _join_envs(self, *envs: dict) -> dict:
        out = dict(envs[0])
        for e in envs[1:]:
            for k, v in e.items():
                out[k] = out.get(k, 0) | v
        return out

    def _val(self, sym: Sym) -> int:
        sym.seen = self.round
        return sym.value

    def _mark_repeated(self, fn: Function) -> None:
        if not fn.repeated:
            fn.repeated = True
            if fn.ran == self.round:
                self.changed = True

    def lookup(self, name: str):
        for scope in reversed(self.scopes):
            hit = scope.get(name)
            if hit is not None:
                return hit
        if self.cls is not None:
            return self.cls.lookup(name)
        return None

    def _local(self, node, name: str, kind: str, tflags: int, type_text: str = "") -> Sym:
        key = (self.file.index, node.start_byte, name)
        sym = self.local_syms.get(key)
        if sym is None:
            sym = Sym(name, kind, tflags, type_text=type_text)
            self.local_syms[key] = sym
        self.scopes[-1][name] = sym
        return sym

    def _class_of(self, node) -> ClassInfo | None:
        """The in-file class named by ``node``, or the declared class of the variable it names."""
        t = node.type
        if t == "identifier":
            name = node.text.decode()
            hit = self.lookup(name)
            if hit is None:  # not a variable: maybe a class
                hits = self.col.by_name.get(name)
                return hits[0] if hits else None
        elif t == "member_access_expression":
            cls = self._class_named(node)
            if cls is not None:
                return cls
            recv = node.child_by_field_name("expression")
            if recv is None or recv.type not in ("this", "this_expression") or self.cls is None:
                return None
            hit = self.cls.lookup(rightmost(node.child_by_field_name("name")))
        elif t == "generic_name" or t == "qualified_name":
            return self._class_named(node)
        else:
            return None
        if not isinstance(hit, Sym) or not hit.type_text or hit.kind not in (K_OBJECT, K_VAR):
            return None
        name = hit.type_text.rstrip("?").split("<", 1)[0].rsplit(".", 1)[-1]
        hits = self.col.by_name.get(name)
        if hits:
            self._val(hit)
            return hits[0]
        return None

    def _class_named(self, node) -> ClassInfo | None:
        if node.type not in ("identifier", "generic_name", "qualified_name", "member_access_expression"):
            return None
        name = rightmost(node)
        if node.type == "identifier" and self.lookup(name) is not None:
            return None
        hits = self.col.by_name.get(name)
        return hits[0] if hits else None

    # ------------------------------------------------------------------ findings
    def _emit(self, rule: str, node, message: str, edits: list[tuple[int, str]] | None = None,
              fix_desc: str | None = None) -> None:
        if rule not in self.enabled:
            return
        key = (self.file.index, node.start_byte, node.end_byte, rule)
        if key in self._seen:
            return
        self._seen.add(key)
        src = self.file.src
        start, end = node.start_byte, node.end_byte
        line, col = src.point_position(node.start_point, start)
        eline, ecol = src.point_position(node.end_point, end)
        fix = None
        if edits:
            where = {start: (line, col), end: (eline, ecol)}
            fix = {"description": fix_desc or "",
                   "edits": [dict(zip(("line", "column"), where.get(off) or src.position(off)),
                                  insert=text) for off, text in edits]}
        self.findings.append(Finding(src.path, line, col, eline, ecol, rule,
                                     RULES[rule].severity, message, fix, "", edits or [], start))

    def check_arg(self, expr, v: int, kind: str, cast: str = "object", modifier: bool = False) -> None:
        if not v & DYN:
            return
        if v & (COM | UNK):
            for fn in self.fstack:
                fn.risky = True
        if not self.record:
            return
        text = expr.text.decode(errors="replace")
        short = text if len(text) <= 40 else text[:37] + "..."
        where = {"method": "a method call", "ctor": "a constructor call", "indexer": "an indexer",
                 "delegate": "a delegate call", "operator": "an operator", "interp": "an interpolated string",
                 "setter": "a member assignment"}[kind]
        if v & COM:
            if kind == "setter":
                rule = "DLR005"
            else:
                rule = "DLR002" if self.in_loop() else "DLR001"
            msg = (f"dynamic argument '{short}' of {where} may hold a COM object or transparent proxy: "
                   f"the call site gets an instance restriction and rebinds for every new object")
            if rule == "DLR002":
                msg += " (inside a loop: once per iteration)"
            edits = None
            desc = None
            if kind in FIX_KINDS and not modifier:
                if expr.type in PRIMARY:
                    edits = [(expr.start_byte, f"({cast})")]
                    msg += f"; cast it: ({cast}){short}"
                else:
                    edits = [(expr.start_byte, f"({cast})("), (expr.end_byte, ")")]
                    msg += f"; cast it: ({cast})({short})"
                desc = f"cast to {cast}"
            self._emit(rule, expr, msg, edits, desc)
        elif v & UNK and self.in_loop() and kind != "setter":
            self._emit("DLR004", expr,
                       f"dynamic argument '{short}' of {where} inside a loop has an origin these files "
                       f"do not show; if it can be a COM object or transparent proxy the site rebinds "
                       f"on every iteration")

    # ------------------------------------------------------------------ evaluation
    def ev(self, node) -> int:
        h = self._dispatch.get(node.type)
        if h is not None:
            return h(node)
        t = node.type
        if t.endswith("_literal"):
            return 0
        for c in node.named_children:
            self.ev(c)
        return 0

    def _build_dispatch(self) -> dict[str, Callable]:
        return {
            "identifier": self._identifier,
            "this_expression": lambda n: 0,
            "this": lambda n: 0,
            "base": lambda n: UNK,
            "base_expression": lambda n: UNK,
            "comment": lambda n: 0,
            "attribute_list": lambda n: 0,
            "predefined_type": lambda n: 0,
            "parenthesized_expression": self._paren,
            "member_access_expression": self._member_access,
            "conditional_access_expression": self._conditional_access,
            "element_access_expression": self._element_access,
            "element_binding_expression": self._element_binding,
            "invocation_expression": self._invocation,
            "object_creation_expression": self._object_creation,
            "implicit_object_creation_expression": self._object_creation,
            "array_creation_expression": self._array_creation,
            "implicit_array_creation_expression": self._array_creation,
            "stackalloc_expression": self._array_creation,
            "cast_expression": self._cast,
            "as_expression": self._as,
            "is_expression": self._is,
            "is_pattern_expression": self._is,
            "typeof_expression": self._typeof,
            "conditional_expression": self._conditional,
            "binary_expression": self._binary,
            "prefix_unary_expression": self._unary,
            "postfix_unary_expression": self._unary,
            "assignment_expression": self._assignment,
            "interpolation": self._interpolation,
            "await_expression": self._await,
            "switch_expression": self._switch_expression,
            "lambda_expression": self._lambda,
            "anonymous_method_expression": self._lambda,
            "declaration_expression": self._declaration_expression,
            "block": self._block,
            "local_declaration_statement": self._children,
            "variable_declaration": self._variable_declaration,
            "foreach_statement": self._foreach,
            "for_statement": self._for,
            "while_statement": self._loop_all,
            "do_statement": self._loop_all,
            "return_statement": self._return,
            "if_statement": self._if,
            "switch_statement": self._switch,
            "try_statement": self._try,
            "yield_statement": self._return,
            "local_function_statement": self._local_function,
            "query_expression": self._query,
            "using_statement": self._scoped,
            "fixed_statement": self._scoped,
            "catch_clause": self._scoped,
            "switch_section": self._scoped,
            "tuple_expression": self._tuple,
            "argument": self._argument_plain,
            "initializer_expression": self._initializer,
            "with_expression": self._children_unk,
            "anonymous_object_creation_expression": self._children_zero,
            "ref_expression": self._paren,
            "checked_expression": self._paren,
            "makeref_expression": self._children_unk,
            "range_expression": self._children_zero,
            "interpolated_string_expression": self._children_zero,
            "class_declaration": lambda n: 0,
            "struct_declaration": lambda n: 0,
            "record_declaration": lambda n: 0,
            "interface_declaration": lambda n: 0,
            "enum_declaration": lambda n: 0,
            "delegate_declaration": lambda n: 0,
        }

    def _children(self, node) -> int:
        for c in node.named_children:
            self.ev(c)
        return 0

    def _children_unk(self, node) -> int:
        self._children(node)
        return UNK

    def _children_zero(self, node) -> int:
        self._children(node)
        return 0

    def _identifier(self, node) -> int:
        hit = self.lookup(node.text.decode())
        if isinstance(hit, Sym):
            return self._read(hit)
        if hit is None:
            return UNK
        return 0  # a method group or local function

    def _paren(self, node) -> int:
        v = 0
        for c in node.named_children:
            v = self.ev(c)
        return v

    def _member_value(self, recv, name: str) -> int:
        """Value of ``recv.name``; evaluates recv."""
        if recv.type in ("this", "this_expression"):
            hit = self.cls.lookup(name) if self.cls else None
            return self._val(hit) if isinstance(hit, Sym) else UNK
        cls = self._class_of(recv)
        if cls is not None:
            hit = cls.lookup(name)
            return self._val(hit) if isinstance(hit, Sym) else UNK
        rv = self.ev(recv)
        if rv & DYN:
            return member_of(rv)
        if rv & COM and name not in NON_COM_RESULTS:
            return COM | UNK
        return UNK

    def _member_access(self, node) -> int:
        recv = node.child_by_field_name("expression")
        name = rightmost(node.child_by_field_name("name"))
        if recv is None:
            return UNK
        return self._member_value(recv, name)

    def _conditional_access(self, node) -> int:
        cond = node.child_by_field_name("condition")
        rv = self.ev(cond) if cond is not None else UNK
        out = UNK
        for c in node.named_children:
            if cond is not None and c.id == cond.id:
                continue
            if c.type == "member_binding_expression":
                out = member_of(rv) if rv & DYN else (COM | UNK if rv & COM else UNK)
            elif c.type == "element_binding_expression":
                self._element_binding(c)
                out = member_of(rv) if rv & (DYN | ELEM) else UNK
            else:
                out = self.ev(c)
        return out

    def _bracket_args(self, args, recv_v: int) -> int:
        anydyn = 0
        if args is None:
            return 0
        for a in args.named_children:
            if a.type != "argument":
                continue
            expr = a.named_children[-1] if a.named_children else None
            if expr is None:
                continue
            v = self.ev(expr)
            anydyn |= v & DYN
            self.check_arg(expr, v, "indexer")
        return anydyn

    def _element_access(self, node) -> int:
        recv = node.child_by_field_name("expression")
        rv = self.ev(recv) if recv is not None else UNK
        anydyn = self._bracket_args(node.child_by_field_name("subscript"), rv)
        if rv & DYN:
            return member_of(rv)
        if rv & ELEM:
            return DYNAMIC | (rv & COM or UNK)
        if anydyn:
            return DYNAMIC | UNK
        return (rv & COM) | UNK

    def _element_binding(self, node) -> int:
        args = next((c for c in node.named_children if c.type == "bracketed_argument_list"), None)
        self._bracket_args(args, 0)
        return UNK

    # -- calls -----------------------------------------------------------
    def _callee(self, fnode):
        """(receiver node or None, simple name, name node)."""
        t = fnode.type
        if t == "member_access_expression":
            nm = fnode.child_by_field_name("name")
            return fnode.child_by_field_name("expression"), rightmost(nm), nm
        if t == "conditional_access_expression":
            cond = fnode.child_by_field_name("condition")
            mb = next((c for c in fnode.named_children if c.type == "member_binding_expression"), None)
            if mb is not None:
                nm = mb.child_by_field_name("name")
                return cond, rightmost(nm), nm
            return None, "", None
        if t in ("identifier", "generic_name"):
            return None, rightmost(fnode), fnode
        return None, "", None

    def _targets(self, fnode, recv, name: str, rcls: ClassInfo | None) -> tuple[list[Function], bool]:
        """In-file functions a call may reach, and whether it is a delegate invocation;
        ``rcls`` is the in-file class ``recv`` names or is declared as."""
        if recv is None:
            hit = self.lookup(name) if name else None
            if isinstance(hit, Sym):
                return ([hit.fn] if hit.fn is not None else []), True
            if isinstance(hit, Function):
                return [hit], False
            if isinstance(hit, list):
                return hit, False
            return [], False
        if recv.type in ("this", "this_expression"):
            hit = self.cls.lookup(name) if self.cls else None
        else:
            if rcls is None:
                return [], False
            hit = rcls.lookup(name)
        if isinstance(hit, list):
            return hit, False
        if isinstance(hit, Sym) and hit.fn is not None:
            return [hit.fn], True
        return [], False

    def _invocation(self, node) -> int:
        fnode = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fnode is None:
            return self._children_unk(node)
        recv, name, name_node = self._callee(fnode)
        if name == "nameof" and recv is None:
            return 0
        rcls = self._class_of(recv) if recv is not None else None
        if recv is not None and fnode.type == "member_access_expression" and rcls is None:
            rv = self.ev(recv)
        elif recv is not None and fnode.type == "conditional_access_expression":
            rv = self.ev(recv)
        else:
            rv = 0
            if recv is None and fnode.type not in ("identifier", "generic_name"):
                rv = self.ev(fnode)
        targets, is_delegate = self._targets(fnode, recv, name, rcls)
        # lambdas passed to iterating methods run per element
        hint = None
        repeat = name in ITERATING
        if rv & (DYN | ELEM):
            hint = [DYNAMIC | (rv & COM or UNK)]
        avals: list[tuple] = []  # (arg node, expr node, value, param index/name, modifier)
        anydyn = 0
        if args is not None:
            pos = 0
            for a in args.named_children:
                if a.type != "argument":
                    continue
                expr, pname, modifier = self._arg_parts(a)
                if expr is None:
                    continue
                if expr.type in ("lambda_expression", "anonymous_method_expression"):
                    v = self._lambda(expr, hint=hint, repeat=repeat)
                else:
                    v = self.ev(expr)
                    if expr.type == "identifier" and name != "nameof":
                        group = self.lookup(expr.text.decode())
                        if isinstance(group, list):  # a method passed as a callback: a handler
                            for fn in group:
                                self._mark_repeated(fn)
                avals.append((a, expr, v, pname if pname is not None else pos, modifier))
                anydyn |= v & DYN
                pos += 1
        # call-site bookkeeping for in-file targets
        for t in targets:
            if t is None:
                continue
            if self.in_loop() or t in self.fstack:
                self._mark_repeated(t)
            for _a, _e, v, key, _m in avals:
                p = self._param(t, key)
                if p is not None:
                    self._assign_sym(p, v)
            key = (self.file.index, node.start_byte)
            if key not in t.callers and t.ran == self.round:
                self.changed = True  # its returns were judged without this caller
            t.callers[key] = self._kept(node)
        # the checks
        if anydyn:
            for a, expr, v, key, modifier in avals:
                if v & DYN:
                    cast = self._cast_for(targets, key)
                    self.check_arg(expr, v, "delegate" if is_delegate else "method", cast, modifier)
        if name == "Create" and recv is not None and rightmost(recv) == "CallSite":
            for _a, expr, _v, _k, _m in avals:
                if expr.type == "identifier":
                    hit = self.lookup(expr.text.decode())
                    if isinstance(hit, Sym):
                        hit.feeds_create = True
            if self.record and not self._kept(node):
                self._emit("DLR003", node, "CallSite created on every execution: keep it in a static "
                           "field initialized once (for example `s_site ??= CallSite<...>.Create(...)`)")
            return UNK
        if name in BINDER_METHODS and recv is not None and self._is_binder(recv):
            if self.record and not self._binder_consumed(node):
                self._emit("DLR003", node, f"runtime binder Binder.{name} created on every execution "
                           f"and not kept: create the CallSite once and keep it in a static field")
            return UNK
        # what the call returns
        if name in COMTYPE_SOURCES:
            return COMTYPE
        if name == "CreateInstance" and recv is not None and rightmost(recv) == "Activator":
            if name_node is not None and name_node.type == "generic_name":
                return COM if self._names_com_type(name_node) else UNK
            a0 = avals[0][2] if avals else 0
            if a0 & (COMTYPE | COM):
                return COM | (DYNAMIC if anydyn else 0)
            return (UNK if a0 & UNK else 0) | (DYNAMIC if anydyn else 0)
        if name in COM_SOURCES:
            return COM | (DYNAMIC if anydyn else 0)
        if name in VB_SOURCES and ((recv is not None and rightmost(recv) == "Interaction") or
                                   (recv is None and self.file.vb_static)):
            return COM | (DYNAMIC if anydyn else 0)
        if name == "GetObject" and recv is not None and rightmost(recv) == "Activator":
            return COM
        if name == "Connect" and recv is not None and rightmost(recv) == "RemotingServices":
            return COM
        if rv & DYN:
            return member_of(rv)
        if targets:
            r = 0
            for t in targets:
                if t is not None:
                    r |= self._val(t.ret)
            if anydyn:
                r |= DYNAMIC
                if not r & ORIGIN:
                    r |= UNK
            return r
        if recv is not None and name in ADDERS and recv.type == "identifier":
            hit = self.lookup(recv.text.decode())
            if isinstance(hit, Sym):
                for _a, _e, v, _k, _m in avals:
                    self._store(hit, v & (COM | UNK), strong=False)
        if rv & (ELEM | COM) and recv is not None:
            if name in ELEMENT and rv & ELEM:
                return DYNAMIC | (rv & COM or UNK)
            if name in SEQUENCE or name == "Select":
                elem = ELEM if (rv & ELEM or (name_node is not None and b"dynamic" in name_node.text)) else 0
                return elem | (rv & (COM | UNK))
        if anydyn:
            return DYNAMIC | UNK
        if rv & COM and name not in NON_COM_RESULTS:
            return COM | UNK
        if name in ("Cast", "OfType") and name_node is not None and b"dynamic" in name_node.text:
            return ELEM | (rv & (COM | UNK))
        return UNK

    def _arg_parts(self, a):
        """(expression, name for a named argument, has ref/out/in)."""
        expr = None
        pname = None
        modifier = False
        kids = a.children
        for i, c in enumerate(kids):
            if c.type in ("ref", "out", "in"):
                modifier = True
            elif c.type == "identifier" and i + 1 < len(kids) and kids[i + 1].type == ":":
                pname = c.text.decode()
            elif c.is_named:
                expr = c
        return expr, pname, modifier

    @staticmethod
    def _param(fn: Function, key) -> Sym | None:
        if isinstance(key, str):
            for p in fn.params:
                if p.name == key:
                    return p
            return None
        if key < len(fn.params):
            return fn.params[key]
        return None

    def _cast_for(self, targets: list[Function], key) -> str:
        """The type to cast an argument to: the parameter's, when the callee is known."""
        types = set()
        for t in targets:
            if t is None:
                return "object"
            p = self._param(t, key)
            if p is None:
                return "object"
            text = p.type_text
            if p.kind == K_DYNAMIC or not text or text.endswith("]") or text in self._type_params(t):
                types.add("object")
            else:
                types.add(text)
        if len(types) == 1:
            return types.pop()
        return "object"

    def _type_params(self, fn: Function) -> set[str]:
        """Type parameters in scope in ``fn``: its own and those of the declarations around it."""
        names = self._tparams.get(fn)
        if names is None:
            names = set()
            node = fn.node
            while node is not None:
                for c in node.named_children:
                    if c.type == "type_parameter_list":
                        names.update(tp.text.decode().split()[-1] for tp in c.named_children)
                node = node.parent
            self._tparams[fn] = names
        return names

    def _is_binder(self, recv) -> bool:
        name = rightmost(recv)
        if name in self.file.binder_aliases:
            return True
        if name != "Binder":
            return False
        return self.file.runtime_binder or b"RuntimeBinder" in recv.text

    def _names_com_type(self, node) -> bool:
        for c in node.named_children:
            if c.type == "type_argument_list":
                return any(self._is_com_type(t) for t in c.named_children)
        return False

    def _is_com_type(self, tnode) -> bool:
        if tnode is None:
            return False
        if tnode.type == "generic_name":
            return False
        text = tnode.text.decode()
        last = text.rsplit(".", 1)[-1]
        if last in self.col.com_types:
            return True
        if ".Interop." in f".{text}" and tnode.type in ("qualified_name", "member_access_expression"):
            return True
        if tnode.type == "qualified_name":
            first = text.split(".", 1)[0]
            return first in self.file.interop_aliases
        if tnode.type == "identifier" and self.file.interop_using:
            return last not in self.col.by_name and last not in BCL_NAMES and not \
                last.endswith(("Exception", "EventArgs", "Builder", "Attribute"))
        return False

    # -- DLR003 helpers ---------------------------------------------------
    def _climb(self, node):
        """Skip wrappers that pass a value through unchanged; return (value node, parent)."""
        n = node
        while True:
            p = n.parent
            if p is None:
                return n, None
            t = p.type
            if t in ("parenthesized_expression", "cast_expression", "as_expression",
                     "checked_expression", "postfix_unary_expression"):
                n = p
                continue
            if t == "binary_expression" and p.child_by_field_name("right") is not None and \
                    p.child_by_field_name("right").id == n.id and \
                    p.child_by_field_name("operator").type == "??":
                n = p
                continue
            if t in ("lambda_expression", "anonymous_method_expression"):
                n = p
                continue
            if t == "arrow_expression_clause" and p.parent is not None and p.parent.type in (
                    "lambda_expression",):
                n = p.parent
                continue
            return n, p

    def _is_field_target(self, target) -> bool:
        t = target.type
        if t == "identifier":
            hit = self.lookup(target.text.decode())
            if isinstance(hit, Sym):
                return hit.is_field
            return hit is None
        if t == "member_access_expression":
            recv = target.child_by_field_name("expression")
            if recv is not None and recv.type == "identifier":
                hit = self.lookup(recv.text.decode())
                if isinstance(hit, Sym) and not hit.is_field:
                    return False
            return True
        if t == "element_access_expression":
            recv = target.child_by_field_name("expression")
            return recv is not None and self._is_field_target(recv)
        return False

    def _guarded(self, node, target) -> bool:
        """Is this assignment guarded by a null test of its target (create once)?"""
        name = rightmost(target).encode() if target.type != "element_access_expression" else b""
        n = node
        while n is not None and n.type not in ("method_declaration", "constructor_declaration",
                                                "accessor_declaration", "local_function_statement"):
            p = n.parent
            if p is None:
                break
            if p.type == "if_statement":
                cond = p.child_by_field_name("condition")
                if cond is not None and name and name in cond.text and b"null" in cond.text:
                    return True
            if p.type == "binary_expression":
                op = p.child_by_field_name("operator")
                left = p.child_by_field_name("left")
                if op is not None and op.type == "??" and left is not None and name and name in left.text:
                    return True
            n = p
        return False

    def _kept(self, node) -> bool:
        """Is the value of this call expression kept in a field, created once?"""
        if self.func is not None and self.func.kind in ("static_init", "static_ctor", "init"):
            return True
        n, p = self._climb(node)
        if p is None:
            return False
        t = p.type
        if t == "assignment_expression":
            right = p.child_by_field_name("right")
            if right is None or right.id != n.id:
                return False
            left = p.child_by_field_name("left")
            op = p.child_by_field_name("operator")
            if left is None or not self._is_field_target(left):
                return False
            if op is not None and op.type == "??=":
                return True
            if self.func is not None and self.func.kind == "ctor" and not self.in_loop():
                return True
            return self._guarded(p, left)
        if t == "argument":
            inv = p.parent.parent if p.parent is not None else None
            if inv is None:
                return False
            if inv.type == "object_creation_expression":
                tn = inv.child_by_field_name("type")
                if tn is not None and rightmost(tn) in ("Lazy", "ThreadLocal"):
                    return self._kept(inv)
                return False
            if inv.type == "invocation_expression":
                fnode = inv.child_by_field_name("function")
                recv, name, _ = self._callee(fnode) if fnode is not None else (None, "", None)
                if name in KEEPERS:
                    return True
                if name in ADDERS and recv is not None and self._is_field_target(recv):
                    return True
            return False
        if t == "variable_declarator":
            decl = p.parent.parent if p.parent is not None else None
            return decl is not None and decl.type == "field_declaration"
        if t in ("return_statement", "arrow_expression_clause", "yield_statement"):
            # returned: kept only if every caller in these files keeps the result
            fn = self.func
            if fn is None or fn.kind == "get":
                return False
            return bool(fn.callers) and all(fn.callers.values())
        return False

    def _binder_consumed(self, node) -> bool:
        n, p = self._climb(node)
        if p is None:
            return False
        if p.type == "argument":
            inv = p.parent.parent if p.parent is not None else None
            if inv is not None and inv.type == "invocation_expression":
                fnode = inv.child_by_field_name("function")
                recv, name, _ = self._callee(fnode) if fnode is not None else (None, "", None)
                if name == "Create" and recv is not None and rightmost(recv) == "CallSite":
                    return True
            return self._kept(node)
        if p.type == "variable_declarator":
            return True  # a local binder: the CallSite it goes into is checked
        if p.type in ("return_statement", "arrow_expression_clause"):
            return True
        return self._kept(node)

    # -- creation ---------------------------------------------------------
    def _object_creation(self, node) -> int:
        tnode = node.child_by_field_name("type")
        args = node.child_by_field_name("arguments")
        targets: list[Function] = []
        if args is not None:
            for a in args.named_children:
                if a.type == "argument" and a.named_children and a.named_children[-1].type == "identifier":
                    hit = self.lookup(a.named_children[-1].text.decode())
                    if isinstance(hit, list):  # a method passed as a callback: a handler
                        for fn in hit:
                            self._mark_repeated(fn)
        anydyn = 0
        if args is not None:
            for a in args.named_children:
                if a.type != "argument":
                    continue
                expr, pname, modifier = self._arg_parts(a)
                if expr is None:
                    continue
                v = self.ev(expr)
                anydyn |= v & DYN
                if v & DYN:
                    self.check_arg(expr, v, "ctor", self._cast_for(targets, pname) if targets else "object", modifier)
        for c in node.named_children:
            if c.type == "initializer_expression":
                self._initializer(c)
        if tnode is None:
            return UNK
        if self._is_com_type(tnode):
            return COM
        _kind, tflags = type_info(tnode)
        return tflags

    def _initializer(self, node) -> int:
        v = 0
        for c in node.named_children:
            v |= self.ev(c) & (DYN | ORIGIN)
        return v

    def _array_creation(self, node) -> int:
        tnode = node.child_by_field_name("type")
        elem_dyn = tnode is not None and b"dynamic" in tnode.text
        v = 0
        for c in node.named_children:
            if tnode is not None and c.id == tnode.id:
                continue
            v |= self.ev(c)
        if elem_dyn or v & DYN:
            return ELEM | (v & (COM | UNK))
        return v & (COM | UNK)

    # -- conversions ------------------------------------------------------
    def _convert(self, value, tnode) -> int:
        """``(T)value`` and ``value as T`` alike: the result has T's static type."""
        v = self.ev(value) if value is not None else UNK
        kind, tflags = type_info(tnode)
        return coerce(kind, tflags, v)

    def _cast(self, node) -> int:
        return self._convert(node.child_by_field_name("value"), node.child_by_field_name("type"))

    def _as(self, node) -> int:
        return self._convert(node.child_by_field_name("left"), node.child_by_field_name("right"))

    def _is(self, node) -> int:
        left = node.child_by_field_name("left") or node.child_by_field_name("expression")
        v = self.ev(left) if left is not None else UNK
        pat = node.child_by_field_name("pattern") or node.child_by_field_name("right")
        if pat is not None:
            self._declare_pattern(pat, v)
        return 0

    def _declare_pattern(self, pat, v: int) -> None:
        if pat.type == "declaration_pattern":
            tnode = pat.child_by_field_name("type")
            nm = pat.child_by_field_name("name")
            if nm is not None and nm.type == "identifier":
                kind, tflags = type_info(tnode)
                sym = self._local(nm, nm.text.decode(), kind, tflags)
                self._store(sym, v)
            return
        for c in pat.named_children:
            if c.type.endswith("pattern"):
                self._declare_pattern(c, v)

    def _typeof(self, node) -> int:
        tnode = node.child_by_field_name("type") or (node.named_children[0] if node.named_children else None)
        return COMTYPE if self._is_com_type(tnode) else 0

    # -- operators --------------------------------------------------------
    def _conditional(self, node) -> int:
        cond = node.child_by_field_name("condition")
        if cond is not None:
            self.ev(cond)
        v = 0
        for f in ("consequence", "alternative"):
            c = node.child_by_field_name(f)
            if c is not None:
                v |= self.ev(c)
        return v

    def _binary(self, node) -> int:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        lv = self.ev(left) if left is not None else 0
        rv = self.ev(right) if right is not None else 0
        optype = op.type if op is not None else ""
        if optype == "??":
            return lv | rv
        if (lv | rv) & DYN:
            # operands reached from a COM object through arithmetic are numbers in practice;
            # equality is where objects themselves meet an operator
            if right is not None and optype in ("==", "!="):
                self.check_arg(right, rv, "operator")
            return DYNAMIC | UNK
        return 0

    def _unary(self, node) -> int:
        v = 0
        for c in node.named_children:
            v = self.ev(c)
        return DYNAMIC | UNK if v & DYN else 0

    def _interpolation(self, node) -> int:
        for c in node.named_children:
            if c.type in ("interpolation_alignment_clause", "interpolation_format_clause"):
                continue
            v = self.ev(c)
            self.check_arg(c, v, "interp")
        return 0

    def _await(self, node) -> int:
        v = 0
        for c in node.named_children:
            v = self.ev(c)
        return member_of(v) if v & DYN else UNK

    def _switch_expression(self, node) -> int:
        v = 0
        first = True
        for c in node.named_children:
            if first:
                first = False
                self.ev(c)
                continue
            if c.type == "switch_expression_arm":
                kids = c.named_children
                for k in kids[:-1]:
                    self.ev(k)
                if kids:
                    v |= self.ev(kids[-1])
        return v

    def _tuple(self, node) -> int:
        self._children(node)
        return UNK

    def _argument_plain(self, node) -> int:
        expr, _n, _m = self._arg_parts(node)
        return self.ev(expr) if expr is not None else 0

    # -- assignments and declarations ------------------------------------
    def _assignment(self, node) -> int:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        optype = op.type if op is not None else "="
        if right is not None and right.type in ("lambda_expression", "anonymous_method_expression"):
            r = self._lambda(right, hint=None, repeat=optype == "+=")
        else:
            r = self.ev(right) if right is not None else UNK
        if optype == "+=" and right is not None and right.type in ("identifier", "member_access_expression"):
            hit = self.lookup(rightmost(right)) if right.type == "identifier" else None
            if right.type == "member_access_expression":
                recv = right.child_by_field_name("expression")
                if recv is not None and recv.type in ("this", "this_expression") and self.cls is not None:
                    hit = self.cls.lookup(rightmost(right))
            if isinstance(hit, list):
                for fn in hit:
                    self._mark_repeated(fn)
        if left is None:
            return r
        if optype == "=":
            self._assign_to(left, r, right)
            return r
        if optype == "??=":
            lv = self.ev(left)
            self._assign_to(left, r, right)
            return lv | r
        lv = self.ev(left)
        if (lv | r) & DYN and right is not None:
            self._assign_to(left, DYNAMIC | UNK, None)
            return DYNAMIC | UNK
        return lv

    def _assign_to(self, left, v: int, right) -> None:
        t = left.type
        if t == "identifier":
            hit = self.lookup(left.text.decode())
            if isinstance(hit, Sym):
                if hit.is_field:
                    self._assign_sym(hit, v)
                else:
                    self._store(hit, v)
            return
        if t == "member_access_expression":
            recv = left.child_by_field_name("expression")
            name = rightmost(left.child_by_field_name("name"))
            if recv is None:
                return
            if recv.type in ("this", "this_expression"):
                hit = self.cls.lookup(name) if self.cls else None
            else:
                cls = self._class_of(recv)
                if cls is not None:
                    hit = cls.lookup(name)
                else:
                    rv = self.ev(recv)
                    if rv & DYN and not rv & COM and right is not None:
                        self.check_arg(right, v, "setter")
                    return
            if isinstance(hit, Sym):
                self._assign_sym(hit, v)
            return
        if t == "element_access_expression":
            recv = left.child_by_field_name("expression")
            rv = self.ev(recv) if recv is not None else 0
            self._bracket_args(left.child_by_field_name("subscript"), rv)
            if rv & DYN and not rv & COM and right is not None:
                self.check_arg(right, v, "setter")
            if recv is not None and recv.type == "identifier" and not rv & DYN:
                hit = self.lookup(recv.text.decode())
                if isinstance(hit, Sym):  # storing into a collection taints its elements
                    self._store(hit, v & (COM | UNK), strong=False)
            return
        if t in ("tuple_expression", "declaration_expression"):
            self.ev(left)
            return
        self.ev(left)

    def _variable_declaration(self, node) -> int:
        tnode = node.child_by_field_name("type")
        kind, tflags = type_info(tnode)
        hint = None
        if tnode is not None and tnode.type == "generic_name" and rightmost(tnode) in ("Func", "Action") \
                and b"dynamic" in tnode.text:
            targs = next((c for c in tnode.named_children if c.type == "type_argument_list"), None)
            if targs is not None:
                hint = [(DYNAMIC | UNK) if a.text == b"dynamic" else UNK for a in targs.named_children]
        for d in node.named_children:
            if d.type != "variable_declarator":
                continue
            nm = d.child_by_field_name("name")
            if nm is None:
                continue
            init = d.named_children[-1] if len(d.named_children) > 1 else None
            v = 0
            fn = None
            if init is not None and init.id != nm.id:
                if init.type in ("lambda_expression", "anonymous_method_expression"):
                    v = self._lambda(init, hint=hint, repeat=False)
                    fn = self.lambdas.get((self.file.index, init.start_byte))
                else:
                    v = self.ev(init)
            sym = self._local(nm, nm.text.decode(), kind, tflags,
                              tnode.text.decode() if tnode is not None else "")
            if kind == K_VAR and sym.type_text in ("", "var") and init is not None and \
                    init.type == "object_creation_expression":
                ctype = init.child_by_field_name("type")
                if ctype is not None:
                    sym.type_text = ctype.text.decode()
            if fn is not None:
                sym.fn = fn
            self._store(sym, v)
        return 0

    def _declaration_expression(self, node) -> int:
        tnode = node.child_by_field_name("type")
        nm = node.child_by_field_name("name")
        kind, tflags = type_info(tnode)
        if nm is not None and nm.type == "identifier":
            sym = self._local(nm, nm.text.decode(), kind, tflags)
            self._store(sym, UNK)
            return self._read(sym)
        return UNK

    # -- statements -------------------------------------------------------
    def _predeclare(self, stmts) -> None:
        for st in stmts:
            if st.type == "global_statement" and st.named_children:
                st = st.named_children[0]
            if st.type == "local_function_statement":
                self._local_fn_obj(st)

    def _local_fn_obj(self, node) -> Function:
        key = (self.file.index, node.start_byte)
        fn = self.lambdas.get(key)
        nm = node.child_by_field_name("name")
        name = nm.text.decode() if nm is not None else "<local>"
        if fn is None:
            rnode = node.child_by_field_name("type") or node.child_by_field_name("returns")
            rkind, rflags = type_info(rnode)
            if rnode is not None and rnode.text == b"void":
                rkind = K_PRIMITIVE
            body = node.child_by_field_name("body") or next(
                (c for c in node.named_children if c.type in ("block", "arrow_expression_clause")), None)
            fn = Function(name, "local", node, body, params_of(node), Sym("<return>", rkind, rflags),
                          self.cls, self.file)
            self.lambdas[key] = fn
        self.scopes[-1][name] = fn
        return fn

    def _block(self, node) -> int:
        self.scopes.append({})
        kids = node.named_children
        self._predeclare(kids)
        for c in kids:
            self.ev(c)
        self.scopes.pop()
        return 0

    def _scoped(self, node) -> int:
        self.scopes.append({})
        for c in node.named_children:
            self.ev(c)
        self.scopes.pop()
        return 0

    def _foreach(self, node) -> int:
        right = node.child_by_field_name("right")
        rv = self.ev(right) if right is not None else UNK
        self.scopes.append({})
        tnode = node.child_by_field_name("type")
        left = node.child_by_field_name("left")
        kind, tflags = type_info(tnode)
        if rv & (DYN | ELEM):
            elem = DYNAMIC | (rv & COM or UNK)
        else:
            elem = rv & (COM | UNK) or UNK
        if left is not None:
            if left.type == "identifier":
                sym = self._local(left, left.text.decode(), kind, tflags)
                self._store(sym, elem)
            else:
                for ident in self._identifiers(left):
                    sym = self._local(ident, ident.text.decode(), K_VAR, 0)
                    self._store(sym, UNK)
        body = node.child_by_field_name("body")
        self._looping([body] if body is not None else [])
        self.scopes.pop()
        return 0

    def _looping(self, parts: list) -> None:
        """Run a loop's parts (condition, update, body); again from the joined state if they
        changed any variable."""
        self.loop += 1
        before = dict(self.env)
        for c in parts:
            self.ev(c)
        if self.env != before:
            self.env = self._join_envs(before, self.env)
            again = dict(self.env)
            for c in parts:
                self.ev(c)
            self.env = self._join_envs(again, self.env)
        self.loop -= 1

    def _identifiers(self, node):
        if node.type == "identifier":
            yield node
            return
        for c in node.named_children:
            yield from self._identifiers(c)

    def _for(self, node) -> int:
        self.scopes.append({})
        rest = []
        for i, c in enumerate(node.children):
            if not c.is_named:
                continue
            if node.field_name_for_child(i) == "initializer":
                self.ev(c)
            else:
                rest.append(c)
        self._looping(rest)
        self.scopes.pop()
        return 0

    def _loop_all(self, node) -> int:
        self.scopes.append({})
        self._looping(node.named_children)
        self.scopes.pop()
        return 0

    def _if(self, node) -> int:
        cond = node.child_by_field_name("condition")
        if cond is not None:
            self.ev(cond)
        start = dict(self.env)
        cons = node.child_by_field_name("consequence")
        if cons is not None:
            self.ev(cons)
        after_then = self.env
        self.env = dict(start)
        alt = node.child_by_field_name("alternative")
        if alt is not None:
            self.ev(alt)
        self.env = self._join_envs(after_then, self.env)
        return 0

    def _switch(self, node) -> int:
        value = node.child_by_field_name("value")
        if value is not None:
            self.ev(value)
        start = dict(self.env)
        ends = [start]
        body = node.child_by_field_name("body")
        if body is not None:
            for sec in body.named_children:
                self.env = dict(start)
                self.ev(sec)
                ends.append(self.env)
        self.env = self._join_envs(*ends)
        return 0

    def _try(self, node) -> int:
        start = dict(self.env)
        ends = []
        fin = None
        for c in node.named_children:
            if c.type == "block" and not ends:
                self.ev(c)
                ends.append(self.env)
            elif c.type == "catch_clause":
                self.env = self._join_envs(start, *ends[:1])
                self.ev(c)
                ends.append(self.env)
            elif c.type == "finally_clause":
                fin = c
        self.env = self._join_envs(start, *ends) if ends else start
        if fin is not None:
            self.ev(fin)
        return 0

    def _return(self, node) -> int:
        v = 0
        for c in node.named_children:
            v = self.ev(c)
        if self.func is not None and node.named_children:
            self._assign_sym(self.func.ret, v)
        return 0

    def _enter(self, fn: Function):
        fn.ran = self.round
        saved = (self.func, self.loop, len(self.scopes), self.env)
        self.fstack.append(fn)
        self.func = fn
        self.loop = 0
        self.scopes.append({p.name: p for p in fn.params})
        self.env = {p: self._val(p) for p in fn.params}  # captured locals: their joins
        return saved

    def _leave(self, saved) -> None:
        self.func, self.loop, depth, self.env = saved
        del self.scopes[depth:]
        self.fstack.pop()

    def _run_body(self, fn: Function) -> None:
        body = fn.body
        if body is None:
            return
        if body.type == "block":
            self.ev(body)
        elif body.type == "arrow_expression_clause":
            expr = body.named_children[0] if body.named_children else None
            if expr is not None:
                self._assign_sym(fn.ret, self.ev(expr))
        else:
            self._assign_sym(fn.ret, self.ev(body))

    def _local_function(self, node) -> int:
        fn = self._local_fn_obj(node)
        saved = self._enter(fn)
        self._run_body(fn)
        self._leave(saved)
        return 0

    def _lambda(self, node, hint: list[int] | None = None, repeat: bool = False) -> int:
        key = (self.file.index, node.start_byte)
        fn = self.lambdas.get(key)
        if fn is None:
            params = params_of(node)
            body = node.child_by_field_name("body") or next(
                (c for c in node.named_children if c.type == "block"), None)
            fn = Function("<lambda>", "lambda", node, body, params, Sym("<return>", K_VAR, 0),
                          self.cls, self.file)
            self.lambdas[key] = fn
        for i, p in enumerate(fn.params):
            if p.kind == K_VAR:  # implicitly typed: the delegate type decides
                if hint is not None and i < len(hint):
                    self._assign_sym(p, hint[i])
                else:
                    self._assign_sym(p, UNK)
        if repeat or self.in_loop():
            self._mark_repeated(fn)
        saved = self._enter(fn)
        self._run_body(fn)
        self._leave(saved)
        return 0

    def _query(self, node) -> int:
        self.scopes.append({})
        out = UNK
        first = True
        for c in node.named_children:
            t = c.type
            if t in ("from_clause", "join_clause"):
                tnode = c.child_by_field_name("type")
                nm = c.child_by_field_name("name")
                src = None
                for k in c.named_children:
                    if k.type.endswith("expression") or k.type == "identifier" and (nm is None or k.id != nm.id) \
                            and (tnode is None or k.id != tnode.id):
                        src = k
                        break
                if not first:
                    self.loop += 1
                rv = self.ev(src) if src is not None else UNK
                for k in c.named_children:
                    if k.type.endswith("expression") and (src is None or k.id != src.id):
                        self.ev(k)
                if not first:
                    self.loop -= 1
                first = False
                kind, tflags = type_info(tnode)
                elem = DYNAMIC | (rv & COM or UNK) if rv & (DYN | ELEM) else (rv & (COM | UNK) or UNK)
                if nm is not None:
                    sym = self._local(nm, nm.text.decode(), kind, tflags)
                    self._store(sym, elem)
            elif t == "let_clause":
                self.loop += 1
                nm = c.child_by_field_name("name") or next((k for k in c.named_children if k.type == "identifier"), None)
                val = c.named_children[-1] if c.named_children else None
                v = self.ev(val) if val is not None and (nm is None or val.id != nm.id) else UNK
                self.loop -= 1
                if nm is not None:
                    sym = self._local(nm, nm.text.decode(), K_VAR, 0)
                    self._store(sym, v)
            elif t == "select_clause":
                self.loop += 1
                v = 0
                for k in c.named_children:
                    v = self.ev(k)
                self.loop -= 1
                out = (ELEM if v & DYN else 0) | (v & (COM | UNK))
            else:
                self.loop += 1
                self.ev(c)
                self.loop -= 1
        self.scopes.pop()
        return out
