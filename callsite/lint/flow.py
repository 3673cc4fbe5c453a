"""The flow analysis: which expressions are ``dynamic`` and may hold a COM object.

This module holds the driver (rounds to a fixpoint), the walk's state and the findings;
the walk itself is split by concept: :mod:`expressions`, :mod:`statements` (and loops),
:mod:`members` (classes and members), :mod:`calls` (flow across methods),
:mod:`callsites` (call-site lifetime, DLR003) and :mod:`casts` (the fix's cast).

One abstract interpreter walks every function body that can matter, joining
values into symbols (locals, parameters, fields, properties, returns) until
nothing changes; every round records findings, and those of the first round in
which no value read changed afterwards stand. Locals are tracked statement by
statement (joins at branches, loops to a fixpoint); across functions it is
context-insensitive (a parameter holds the join of what the call sites in these
files pass, plus "unknown" for callers elsewhere).
"""

from __future__ import annotations

from typing import Callable

from callsite.lint.calls import Calls
from callsite.lint.callsites import CallSites
from callsite.lint.casts import Casts
from callsite.lint.expressions import Expressions
from callsite.lint.findings import Finding, RULES
from callsite.lint.lattice import COM, DYN, INTERESTING, K_DYNAMIC, UNK, coerce
from callsite.lint.members import Members
from callsite.lint.mentions import Mentions, passed_as_callback
from callsite.lint.statements import Statements
from callsite.lint.symbols import ClassInfo, Collector, FileCtx, Function, Sym
from callsite.lint.vocabulary import (FIX_KINDS, HANDLER_RE, PRIMARY, REPEATING_BY_NAME_RE,
                                      SOURCE_WORDS, WHY_CALLBACK, WHY_HANDLER, WHY_INVOKED, why_loop)

_MAX_ROUNDS = 12


class Analyzer(Expressions, Calls, Casts, CallSites, Members, Statements):
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
        self.loop_why: list[str] = []
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
        invoked: set[bytes] = set()  # named in InvokeRepeating
        for f in self.files:
            handler_names.update(HANDLER_RE.findall(f.src.data))
            if b"InvokeRepeating" in f.src.data:
                invoked.update(a or b for a, b in REPEATING_BY_NAME_RE.findall(f.src.data))
        handler_names |= invoked
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
                    fn.repeated = fn.repeated or (WHY_INVOKED if word in invoked else WHY_HANDLER
                                                  if word in handler_names else WHY_CALLBACK)
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
                    if any(fn.risky or fn.returns_site or fn.ret.value & INTERESTING for fn in lst):
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
        self.loop_why: list[str] = []
        self.scopes = [{p.name: p for p in fn.params}]
        self._com_typed_params(fn)
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
        return self.loop > 0 or (self.func is not None and bool(self.func.repeated))

    def what_repeats(self) -> str:
        """Why the code being walked runs again and again, for DLR002's message."""
        if self.loop_why:
            return self.loop_why[-1]
        return self.func.repeated if self.func is not None and self.func.repeated else why_loop("")

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

    def _mark_repeated(self, fn: Function, why: str) -> None:
        if not fn.repeated:
            fn.repeated = why
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

    def check_arg(self, expr, v: int, kind: str, cast: str | None = None, modifier: bool = False) -> None:
        """Report a dynamic argument that may be a COM object; ``cast`` is the type a fix
        casts it to (None: no cast that surely compiles is known, so no fix)."""
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
                msg += f" ({self.what_repeats()})"
            edits = None
            desc = None
            if kind in FIX_KINDS and not modifier and cast:
                if expr.type in PRIMARY:
                    edits = [(expr.start_byte, f"({cast})")]
                    msg += f"; cast it: ({cast}){short}"
                else:
                    edits = [(expr.start_byte, f"({cast})("), (expr.end_byte, ")")]
                    msg += f"; cast it: ({cast})({short})"
                desc = f"cast to {cast}"
            elif kind in FIX_KINDS and not modifier:
                msg += "; cast it to the parameter's type"
            self._emit(rule, expr, msg, edits, desc)
        elif v & UNK and self.in_loop() and kind != "setter":
            self._emit("DLR004", expr,
                       f"dynamic argument '{short}' of {where} inside a loop has an origin these files "
                       f"do not show; if it can be a COM object or transparent proxy the site rebinds "
                       f"on every iteration")

    # ------------------------------------------------------------------ evaluation
    def _last_value(self, node) -> int:
        """Evaluate every child; the value is the last one's (parentheses, await, return)."""
        v = 0
        for c in node.named_children:
            v = self.ev(c)
        return v

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

