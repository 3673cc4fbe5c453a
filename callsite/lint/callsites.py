"""Call-site lifetime (DLR003): is a CallSite or runtime binder created once and kept,
or created on every execution?
"""

from __future__ import annotations

from callsite.lint.symbols import Sym
from callsite.lint.vocabulary import ADDERS, KEEPERS, rightmost

TUPLES = {"Tuple", "ValueTuple", "KeyValuePair"}


class CallSites:
    """Is a CallSite or binder created once, or on every execution (DLR003)? A part of :class:`~callsite.lint.flow.Analyzer`."""


    def _is_binder(self, recv) -> bool:
        name = rightmost(recv)
        if name in self.file.binder_aliases:
            return True
        if name != "Binder":
            return False
        return self.file.runtime_binder or b"RuntimeBinder" in recv.text


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
        """Is this assignment guarded by a null test of its target (create once), or by a
        test of another field (a cache that is refreshed when its key changes)?"""
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
                if cond is not None and self._reads_field(cond):
                    return True
            if p.type == "binary_expression":
                op = p.child_by_field_name("operator")
                left = p.child_by_field_name("left")
                if op is not None and op.type == "??" and left is not None and name and name in left.text:
                    return True
            n = p
        return False

    def _reads_field(self, cond) -> bool:
        """Does a condition read a field of this class (by name or through ``this.``)?"""
        stack = [cond]
        while stack:
            n = stack.pop()
            if n.type == "identifier":
                hit = self.lookup(n.text.decode())
                if isinstance(hit, Sym) and hit.is_field:
                    return True
            stack.extend(n.named_children)
        return False

    def _kept(self, node, through_locals: bool = True) -> bool:
        """Is the value of this call expression kept (in a field, an object, a closure, a
        compiled expression tree), created once per holder rather than per execution?"""
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
            if p.parent is not None and p.parent.type == "tuple_expression":
                return self._kept(p.parent, through_locals)  # kept with the tuple
            inv = p.parent.parent if p.parent is not None else None
            if inv is None:
                return False
            if inv.type == "object_creation_expression":
                tn = inv.child_by_field_name("type")
                if tn is not None and rightmost(tn) in ("Lazy", "ThreadLocal"):
                    return self._kept(inv)
                return True  # the new object holds it: one per instance (an instruction, say)
            if inv.type == "invocation_expression":
                fnode = inv.child_by_field_name("function")
                recv, name, _ = self._callee(fnode) if fnode is not None else (None, "", None)
                if name in KEEPERS:
                    return True
                if name == "Constant" and recv is not None and rightmost(recv) == "Expression":
                    return True  # a constant of an expression tree: one per compiled tree
                if name == "Create" and recv is not None and rightmost(recv) in TUPLES:
                    return self._kept(inv, through_locals)  # kept with the tuple
                if name in ADDERS and recv is not None and self._is_field_target(recv):
                    return True
            return False
        if t == "variable_declarator":
            decl = p.parent.parent if p.parent is not None else None
            if decl is not None and decl.type == "field_declaration":
                return True
            return through_locals and any(self._kept_use(u) for u in self._uses(p))
        if t in ("return_statement", "arrow_expression_clause", "yield_statement"):
            # returned: kept only if every caller in these files keeps the result
            fn = self.func
            if fn is None or fn.kind == "get":
                return False
            if not fn.returns_site:
                fn.returns_site = True
                self.changed = True  # its callers are now worth walking
            return bool(fn.callers) and all(fn.callers.values())
        return False

    def _uses(self, declarator):
        """Later mentions of the local a declarator introduces, in the same body."""
        nm = declarator.child_by_field_name("name")
        if nm is None or nm.type != "identifier":
            return
        name = nm.text
        body = declarator
        while body.parent is not None and body.type not in (
                "method_declaration", "constructor_declaration", "accessor_declaration",
                "local_function_statement", "lambda_expression", "anonymous_method_expression",
                "operator_declaration", "compilation_unit"):
            body = body.parent
        stack = [body]
        while stack:
            n = stack.pop()
            if n.type == "identifier" and n.text == name and n.start_byte > nm.end_byte:
                yield n
            stack.extend(n.named_children)

    def _kept_use(self, use) -> bool:
        """A use that keeps a local's value: captured by a lambda (it lives with the
        delegate), stored, passed to a constructor, returned to callers that keep it."""
        n = use.parent
        while n is not None and n.type not in ("method_declaration", "constructor_declaration",
                                                "accessor_declaration", "local_function_statement"):
            if n.type in ("lambda_expression", "anonymous_method_expression"):
                return True
            n = n.parent
        return self._kept(use, through_locals=False)

    def _feeds_create(self, use) -> bool:
        n, p = self._climb(use)
        if p is None or p.type != "argument":
            return False
        inv = p.parent.parent if p.parent is not None else None
        if inv is None or inv.type != "invocation_expression":
            return False
        fnode = inv.child_by_field_name("function")
        recv, name, _ = self._callee(fnode) if fnode is not None else (None, "", None)
        return name == "Create" and recv is not None and rightmost(recv) == "CallSite"

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
            # a local binder: the CallSite it goes into is checked; kept some other way, or
            # not used in a CallSite at all, it is judged here
            uses = list(self._uses(p))
            return any(self._feeds_create(u) for u in uses) or self._kept(node)
        if p.type in ("return_statement", "arrow_expression_clause"):
            return True
        return self._kept(node)

