"""Flow across methods: calls, their targets in these files, lambdas and local functions,
and what a call returns.

Context-insensitive: a parameter holds the join of what the call sites in these files
pass, plus "unknown" for callers elsewhere.
"""

from __future__ import annotations

from callsite.lint.lattice import (COMS, WMI, COM, COMTYPE, DYN, DYNAMIC, ELEM, K_VAR, ORIGIN, UNK,
                                   member_of)
from callsite.lint.symbols import ClassInfo, Function, Sym, params_of
from callsite.lint.vocabulary import (WHY_CALLBACK, WHY_CALLED_IN_LOOP, WHY_HANDLER, WHY_RECURSION,
                                      why_lambda, COMTYPE_SOURCES, COM_SOURCES, VB_SOURCES, ITERATING, SEQUENCE,
                                      ELEMENT, ADDERS, NON_COM_RESULTS, BINDER_METHODS, PASS_THROUGH,
                                      OUT_ELEMENT, PROJECTING, is_scalar_member, rightmost)


class Calls:
    """Calls, lambdas and local functions: how values flow between methods. A part of :class:`~callsite.lint.flow.Analyzer`."""

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
        repeat = why_lambda(name) if name in ITERATING else False
        if rv & (DYN | ELEM):
            hint = [DYNAMIC | (rv & COMS or UNK)]
        elif rv & COM:  # the elements of a COM collection are COM objects
            hint = [COM | UNK]
        avals: list[tuple] = []  # (arg node, expr node, value, param index/name, modifier)
        anydyn = 0
        lambda_ret = 0  # what the lambdas passed here return
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
                    lam = self.lambdas.get((self.file.index, expr.start_byte))
                    if lam is not None:
                        lambda_ret |= self._val(lam.ret)
                else:
                    v = self.ev(expr)
                    if expr.type == "identifier" and name != "nameof":
                        group = self.lookup(expr.text.decode())
                        if isinstance(group, list):  # a method passed as a callback: a handler
                            for fn in group:
                                self._mark_repeated(fn, WHY_CALLBACK)
                avals.append((a, expr, v, pname if pname is not None else pos, modifier))
                anydyn |= v & DYN
                pos += 1
        if name in OUT_ELEMENT and recv is not None and rv & (COM | ELEM):
            # dict.TryGetValue(key, out x): x is one of the collection's elements
            element = (rv & COMS) | UNK | (DYNAMIC if rv & ELEM else 0)
            for a, expr, _v, _k, modifier in avals:
                if modifier and any(c.type == "out" for c in a.children):
                    if expr.type == "identifier":
                        self._assign_to(expr, element, None)
                    elif expr.type == "declaration_expression":
                        self._declare(expr, element)
        # call-site bookkeeping for in-file targets
        for t in targets:
            if t is None:
                continue
            if t in self.fstack:
                self._mark_repeated(t, WHY_RECURSION)
            elif self.in_loop():
                self._mark_repeated(t, WHY_CALLED_IN_LOOP)
            for _a, _e, v, key, _m in avals:
                p = self._param(t, key)
                if p is not None:
                    self._assign_sym(p, v)
            key = (self.file.index, node.start_byte)
            if key not in t.callers and t.ran == self.round:
                self.changed = True  # its returns were judged without this caller
            t.callers[key] = self._kept(node)
        # the checks; a local function is bound at compile time, dynamic arguments or not
        if anydyn and not (targets and all(t is not None and t.kind == "local" for t in targets)
                           and not is_delegate):
            for a, expr, v, key, modifier in avals:
                if v & DYN:
                    cast = self._call_cast(node, targets, key, len(avals), recv, rv, name, fnode)
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
            return COM | self._wmi(avals) | (DYNAMIC if anydyn else 0)
        if name in VB_SOURCES and ((recv is not None and rightmost(recv) == "Interaction") or
                                   (recv is None and self.file.vb_static)):
            return COM | self._wmi(avals) | (DYNAMIC if anydyn else 0)
        if name == "GetObject" and recv is not None and rightmost(recv) == "Activator":
            return COM
        if name == "Connect" and recv is not None and rightmost(recv) == "RemotingServices":
            return COM
        if rv & DYN:
            if name in NON_COM_RESULTS or name.startswith("get_") and is_scalar_member(name[4:]):
                return DYNAMIC
            return member_of(rv)
        if name == "InvokeMember" and any(v & COM for _a, _e, v, _k, _m in avals):
            # Type.InvokeMember(name, flags, binder, target, args) on a COM target: late
            # binding by reflection hands back COM objects as well
            return COM | UNK | (DYNAMIC if anydyn else 0)
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
                    self._store(hit, v & (COMS | UNK), strong=False)
        if name in PASS_THROUGH and recv is not None:
            # Task.Run(() => x), Task.FromResult(x), dispatcher.Invoke(() => x): the result
            # (a task's, as awaited) is what the lambda or argument gives
            given = lambda_ret if lambda_ret else (avals[0][2] if name == "FromResult" and avals else 0)
            if given & (ORIGIN | DYN | ELEM):
                return (given & ORIGIN) | (ELEM if given & (DYN | ELEM) else 0)
        if name in PROJECTING and lambda_ret & (DYN | COM) and recv is not None:
            # a projection's elements are what its lambda returns
            return (ELEM if lambda_ret & DYN else 0) | (lambda_ret & (COMS | UNK))
        if rv & (ELEM | COM) and recv is not None:
            if name in ELEMENT and rv & ELEM:
                return DYNAMIC | (rv & COMS or UNK)
            if name in SEQUENCE or name == "Select":
                elem = ELEM if (rv & ELEM or (name_node is not None and b"dynamic" in name_node.text)) else 0
                return elem | (rv & (COMS | UNK))
        if anydyn:
            return DYNAMIC | (0 if name in NON_COM_RESULTS else UNK)
        if rv & COM and name not in NON_COM_RESULTS:
            return COM | UNK
        if name in ("Cast", "OfType") and name_node is not None and b"dynamic" in name_node.text:
            return ELEM | (rv & (COMS | UNK))
        return UNK

    @staticmethod
    def _wmi(avals) -> int:
        """WMI when the moniker or ProgID names it (``winmgmts:``, ``WbemScripting.*``)."""
        if avals and avals[0][1].type in ("string_literal", "verbatim_string_literal"):
            text = avals[0][1].text.lstrip(b"@\"").lower()
            if text.startswith((b"winmgmts", b"wbemscripting.")):
                return WMI
        return 0

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

    def _enter(self, fn: Function):
        fn.ran = self.round
        saved = (self.func, self.loop, self.loop_why, len(self.scopes), self.env)
        self.fstack.append(fn)
        self.func = fn
        self.loop = 0
        self.loop_why = []
        self.scopes.append({p.name: p for p in fn.params})
        self._com_typed_params(fn)
        self.env = {p: self._val(p) for p in fn.params}  # captured locals: their joins
        return saved

    def _leave(self, saved) -> None:
        self.func, self.loop, self.loop_why, depth, self.env = saved
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
            self._mark_repeated(fn, repeat if isinstance(repeat, str) else
                                self.what_repeats() if self.in_loop() else WHY_HANDLER)
        saved = self._enter(fn)
        self._run_body(fn)
        self._leave(saved)
        return 0

