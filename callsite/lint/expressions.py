"""Expressions: what value each kind of C# expression has, and the checks on the way.

Member and element access, creation, conversions, operators, interpolation and
assignments. Calls are in :mod:`calls`, statements in :mod:`statements`.
"""

from __future__ import annotations

from callsite.lint.lattice import (COMS, WMI, K_OBJECT, COM, COMTYPE, DYN, DYNAMIC, ELEM, K_VAR, ORIGIN, UNK, coerce,
                                   member_of)
from callsite.lint.symbols import Sym, kind_of_type_text, tuple_elements, type_info
from callsite.lint.vocabulary import WHY_CALLBACK, WHY_HANDLER, COM_MEMBERS, NON_COM_RESULTS, is_scalar_member, rightmost


def _scalar(receiver: int, name: str) -> bool:
    """Is property ``name`` of a dynamic receiver a value rather than an object? A WMI
    object's properties are the class's values; its own members end in ``_``."""
    return is_scalar_member(name) or bool(receiver & WMI) and not name.endswith("_")


class Expressions:
    """The value of each kind of expression. A part of :class:`~callsite.lint.flow.Analyzer`."""

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
        return self._last_value(node)

    def _member_value(self, recv, name: str) -> int:
        """Value of ``recv.name``; evaluates recv."""
        if recv.type in ("this", "this_expression"):
            hit = self.cls.lookup(name) if self.cls else None
            return self._val(hit) if isinstance(hit, Sym) else UNK
        cls = self._class_of(recv)
        if cls is not None:
            hit = cls.lookup(name)
            return self._val(hit) if isinstance(hit, Sym) else UNK
        if ("*", name) in COM_MEMBERS or (rightmost(recv), name) in COM_MEMBERS:
            self.ev(recv)
            return COM
        rv = self.ev(recv)
        if rv & DYN:
            return DYNAMIC if _scalar(rv, name) else member_of(rv)
        if rv & ELEM:
            elem = self._tuple_element(recv, name)
            if elem is not None:
                return coerce(elem[0], elem[1], rv & ORIGIN or UNK)
            if name == "Result":  # a Task<dynamic>
                return DYNAMIC | (rv & COMS or UNK)
        if rv & COM and name not in NON_COM_RESULTS:
            return COM | UNK
        return UNK

    def _tuple_element(self, recv, name: str) -> tuple[str, int] | None:
        """(kind, flags) of element ``name`` (or ``ItemN``) of a variable declared with a tuple
        type, such as ``(dynamic app, int n)``."""
        if recv.type != "identifier":
            return None
        hit = self.lookup(recv.text.decode())
        if not isinstance(hit, Sym) or not hit.type_text.startswith("("):
            return None
        for i, (etype, ename) in enumerate(tuple_elements(hit.type_text), start=1):
            if name == ename or name == f"Item{i}":
                return kind_of_type_text(etype)
        return None

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
                name = rightmost(c.child_by_field_name("name"))
                if rv & DYN:
                    out = DYNAMIC if _scalar(rv, name) else member_of(rv)
                else:
                    out = COM | UNK if rv & COM and name not in NON_COM_RESULTS else UNK
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
            self.check_arg(expr, v, "indexer", "object" if recv_v & DYN else None)
        return anydyn

    def _element_access(self, node) -> int:
        recv = node.child_by_field_name("expression")
        rv = self.ev(recv) if recv is not None else UNK
        anydyn = self._bracket_args(node.child_by_field_name("subscript"), rv)
        if rv & DYN:
            return member_of(rv)
        if rv & ELEM:
            return DYNAMIC | (rv & COMS or UNK)
        if anydyn:
            return DYNAMIC | UNK
        return (rv & COM) | UNK

    def _element_binding(self, node) -> int:
        args = next((c for c in node.named_children if c.type == "bracketed_argument_list"), None)
        self._bracket_args(args, 0)
        return UNK


    # -- creation ---------------------------------------------------------
    def _object_creation(self, node) -> int:
        tnode = node.child_by_field_name("type")
        args = node.child_by_field_name("arguments")
        if args is not None:
            for a in args.named_children:
                if a.type == "argument" and a.named_children and a.named_children[-1].type == "identifier":
                    hit = self.lookup(a.named_children[-1].text.decode())
                    if isinstance(hit, list):  # a method passed as a callback: a handler
                        for fn in hit:
                            self._mark_repeated(fn, WHY_CALLBACK)
        anydyn = 0
        if args is not None:
            arglist = [a for a in args.named_children if a.type == "argument"]
            nargs = len(arglist)
            ctors = self._constructors(tnode) if tnode is not None else []
            for pos, a in enumerate(arglist):
                expr, pname, modifier = self._arg_parts(a)
                if expr is None:
                    continue
                v = self.ev(expr)
                anydyn |= v & DYN
                for ctor in ctors:  # what this call passes, each constructor's parameter holds
                    p = self._param(ctor, pname if pname is not None else pos)
                    if p is not None:
                        self._assign_sym(p, v)
                if v & DYN:
                    self.check_arg(expr, v, "ctor", self._cast_for(ctors, pname if pname is not None else pos, nargs)
                                   if ctors else None, modifier)
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
            return ELEM | (v & (COMS | UNK))
        return v & (COMS | UNK)

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

    def _declare(self, node, v: int) -> Sym | None:
        """The local a ``T name`` declaration (pattern, ``out T name``, deconstruction)
        introduces, holding ``v`` as its declared type allows."""
        nm = node.child_by_field_name("name")
        if nm is None or nm.type != "identifier":
            return None
        kind, tflags = type_info(node.child_by_field_name("type"))
        sym = self._local(nm, nm.text.decode(), kind, tflags)
        self._store(sym, v)
        return sym

    def _declare_pattern(self, pat, v: int) -> None:
        if pat.type == "declaration_pattern":
            self._declare(pat, v)
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
            # equality is where objects themselves meet an operator. The result of a
            # comparison is a bool, of arithmetic a number or string: never a COM object.
            if right is not None and optype in ("==", "!="):
                self.check_arg(right, rv, "operator")
            return DYNAMIC
        return 0

    def _unary(self, node) -> int:
        v = self._last_value(node)
        if node.type == "postfix_unary_expression" and node.child_count and \
                node.children[-1].type == "!":
            return v  # null-forgiving: the same value, only the compiler's warning changes
        return DYNAMIC if v & DYN else 0  # a number or a bool

    def _interpolation(self, node) -> int:
        """A hole is not a dynamic call site: Roslyn converts it to object for the
        formatting call, so nothing is bound on the value."""
        for c in node.named_children:
            if c.type not in ("interpolation_alignment_clause", "interpolation_format_clause"):
                self.ev(c)
        return 0

    def _await(self, node) -> int:
        """A task's value here is its result's: awaiting passes it on."""
        v = self._last_value(node)
        if v & DYN:
            return member_of(v)
        if v & ELEM:  # Task<dynamic>
            return DYNAMIC | (v & COMS or UNK)
        return v & ORIGIN or UNK

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
        """A tuple holds what its elements hold; dynamic elements make it ELEM."""
        v = 0
        for c in node.named_children:
            ev = self.ev(c)
            v |= (ev & ORIGIN) | (ELEM if ev & (DYN | ELEM) else 0)
        return v or UNK

    def _deconstruct(self, targets, v: int, right) -> None:
        """``(a, b) = right`` and ``var (a, b) = right``: element by element when the right
        side is a tuple literal, otherwise each target gets what the tuple holds."""
        parts = [a.named_children[-1] if a.type == "argument" and a.named_children else a
                 for a in targets.named_children if a.type not in ("comment",)]
        values = None
        if right is not None and right.type == "tuple_expression":
            values = [a.named_children[-1] if a.type == "argument" and a.named_children else a
                      for a in right.named_children]
        for i, target in enumerate(parts):
            if values is not None and i < len(values):
                ev = self.ev(values[i])
            else:
                ev = (v & ORIGIN) | (DYNAMIC if v & ELEM else 0) or UNK
            if target.type in ("identifier",):
                if targets.type == "tuple_pattern":
                    sym = self._local(target, target.text.decode(), K_VAR, 0)
                    self._store(sym, ev)
                else:
                    self._assign_to(target, ev, None)
            elif target.type == "declaration_expression":
                self._declare(target, ev)
            elif target.type in ("tuple_expression", "tuple_pattern", "parenthesized_variable_designation"):
                self._deconstruct(target, ev, None)

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
            r = self._lambda(right, hint=None, repeat=WHY_HANDLER if optype == "+=" else False)
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
                    self._mark_repeated(fn, WHY_HANDLER)
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
                        self.check_arg(right, v, "setter", "object")
                    return
            if isinstance(hit, Sym):
                self._assign_sym(hit, v)
            return
        if t == "element_access_expression":
            recv = left.child_by_field_name("expression")
            rv = self.ev(recv) if recv is not None else 0
            self._bracket_args(left.child_by_field_name("subscript"), rv)
            if rv & DYN and not rv & COM and right is not None:
                self.check_arg(right, v, "setter", "object")
            if recv is not None and recv.type == "identifier" and not rv & DYN:
                hit = self.lookup(recv.text.decode())
                if isinstance(hit, Sym):  # storing into a collection taints its elements
                    self._store(hit, v & (COMS | UNK), strong=False)
            return
        if t == "tuple_expression" or (t == "declaration_expression" and any(
                c.type == "parenthesized_variable_designation" for c in left.named_children)):
            self._deconstruct(left if t == "tuple_expression" else next(
                c for c in left.named_children if c.type == "parenthesized_variable_designation"), v, right)
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
                pattern = d.named_children[0] if d.named_children else None
                if pattern is not None and pattern.type == "tuple_pattern" and len(d.named_children) > 1:
                    init = d.named_children[-1]
                    self._deconstruct(pattern, self.ev(init), init)
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
            if kind == K_OBJECT and v & UNK and not v & COM and self._is_com_type(tnode):
                v |= COM  # declared with a COM interface type
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
        sym = self._declare(node, UNK)
        return self._read(sym) if sym is not None else UNK

