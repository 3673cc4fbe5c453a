"""Statements and loops: blocks, branches (joined), loops (walked to a fixpoint), queries.

The analysis is flow-sensitive for locals within a function: a branch joins the
states it ends in, a loop is walked again from the joined state when it changed one.
"""

from __future__ import annotations

from callsite.lint.lattice import COM, COMS, K_OBJECT, DYN, DYNAMIC, ELEM, K_PRIMITIVE, K_VAR, UNK
from callsite.lint.vocabulary import WHY_QUERY, why_loop
from callsite.lint.symbols import Function, Sym, params_of, type_info


class Statements:
    """Statements: blocks, branches, loops and queries. A part of :class:`~callsite.lint.flow.Analyzer`."""

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
            elem = DYNAMIC | (rv & COMS or UNK)
        else:
            elem = rv & (COMS | UNK) or UNK
        if left is not None:
            if left.type == "identifier":
                if kind == K_OBJECT and self._is_com_type(tnode):
                    elem |= COM  # foreach (Excel.Worksheet ws in ...): COM whatever the source
                sym = self._local(left, left.text.decode(), kind, tflags)
                self._store(sym, elem)
            else:
                for ident in self._identifiers(left):
                    sym = self._local(ident, ident.text.decode(), K_VAR, 0)
                    self._store(sym, UNK)
        body = node.child_by_field_name("body")
        self._looping([body] if body is not None else [], "foreach")
        self.scopes.pop()
        return 0

    def _looping(self, parts: list, kind: str) -> None:
        """Run a loop's parts (condition, update, body); again from the joined state if they
        changed any variable."""
        self.loop += 1
        self.loop_why.append(why_loop(kind))
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
        self.loop_why.pop()

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
        self._looping(rest, "for")
        self.scopes.pop()
        return 0

    def _loop_all(self, node) -> int:
        self.scopes.append({})
        self._looping(node.named_children, "while" if node.type == "while_statement" else "do")
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
        v = self._last_value(node)
        if self.func is not None and node.named_children:
            self._assign_sym(self.func.ret, v)
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
                    self.loop_why.append(WHY_QUERY)
                rv = self.ev(src) if src is not None else UNK
                for k in c.named_children:
                    if k.type.endswith("expression") and (src is None or k.id != src.id):
                        self.ev(k)
                if not first:
                    self.loop -= 1
                    self.loop_why.pop()
                first = False
                kind, tflags = type_info(tnode)
                elem = DYNAMIC | (rv & COMS or UNK) if rv & (DYN | ELEM) else (rv & (COMS | UNK) or UNK)
                if nm is not None:
                    sym = self._local(nm, nm.text.decode(), kind, tflags)
                    self._store(sym, elem)
            elif t == "let_clause":
                self.loop += 1
                self.loop_why.append(WHY_QUERY)
                nm = c.child_by_field_name("name") or next((k for k in c.named_children if k.type == "identifier"), None)
                val = c.named_children[-1] if c.named_children else None
                v = self.ev(val) if val is not None and (nm is None or val.id != nm.id) else UNK
                self.loop -= 1
                self.loop_why.pop()
                if nm is not None:
                    sym = self._local(nm, nm.text.decode(), K_VAR, 0)
                    self._store(sym, v)
            elif t == "select_clause":
                self.loop += 1
                self.loop_why.append(WHY_QUERY)
                v = 0
                for k in c.named_children:
                    v = self.ev(k)
                self.loop -= 1
                self.loop_why.pop()
                out = (ELEM if v & DYN else 0) | (v & (COMS | UNK))
            else:
                self.loop += 1
                self.loop_why.append(WHY_QUERY)
                self.ev(c)
                self.loop -= 1
                self.loop_why.pop()
        self.scopes.pop()
        return out
