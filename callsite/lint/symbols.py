"""The per-file symbol table: types, their fields, properties and functions.

Partial classes are merged by qualified name across all files linted
together, so a field assigned in one part and used in another is one symbol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from callsite.lint.lattice import (DYNAMIC, ELEM, K_DYNAMIC, K_OBJECT, K_PRIMITIVE, K_VAR,
                                   UNK, coerce)
from callsite.lint.parse import Source
from callsite.lint.vocabulary import COM_NAMESPACES, UNITY_BASES, UNITY_PER_FRAME, WHY_FRAME, WHY_HANDLER

_DYN_WORD = re.compile(rb"\bdynamic\b")


def type_info(node) -> tuple[str, int]:
    """(kind, flags) of a declared type node; ``None`` means ``var``/implicit."""
    if node is None:
        return K_VAR, 0
    t = node.type
    if t == "implicit_type":
        return K_VAR, 0
    if t == "identifier":
        name = node.text
        if name == b"dynamic":
            return K_DYNAMIC, DYNAMIC
        if name == b"var":
            return K_VAR, 0
        return K_OBJECT, 0
    if t == "nullable_type":
        inner = node.child_by_field_name("type") or (node.named_children[0] if node.named_children else None)
        return type_info(inner)
    if t == "predefined_type":
        return (K_OBJECT, 0) if node.text == b"object" else (K_PRIMITIVE, 0)
    if t == "ref_type":
        inner = node.child_by_field_name("type")
        return type_info(inner)
    return K_OBJECT, (ELEM if _DYN_WORD.search(node.text) else 0)


_PRIMITIVES = {"bool", "byte", "sbyte", "char", "decimal", "double", "float", "int", "uint", "long",
               "ulong", "short", "ushort", "string", "nint", "nuint"}


def kind_of_type_text(text: str) -> tuple[str, int]:
    """:func:`type_info` for a type written as text (a tuple element's, a type argument's)."""
    text = text.strip().rstrip("?").strip()
    if text == "dynamic":
        return K_DYNAMIC, DYNAMIC
    if text in ("var", ""):
        return K_VAR, 0
    if text in _PRIMITIVES or text.startswith("System.") and text[7:].lower() in (
            "string", "int32", "int64", "boolean", "double", "decimal", "datetime"):
        return K_PRIMITIVE, 0
    return K_OBJECT, (ELEM if _DYN_WORD.search(text.encode()) else 0)


def split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` split at ``sep`` outside brackets: the parts of ``A<B, C>, D``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def tuple_elements(text: str) -> list[tuple[str, str]]:
    """(type, name or "") of each element of a tuple type written ``(T1 a, T2 b)``."""
    inner = text.strip().rstrip("?").strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        return []
    out = []
    for part in split_top(inner[1:-1]):
        m = re.match(r"^(.*?)(?:\s+(\w+))?$", part, re.S)
        ttext, name = (m.group(1), m.group(2) or "") if m else (part, "")
        out.append((ttext.strip(), name))
    return out


def type_arguments(text: str) -> list[str]:
    """The type arguments of a generic type written as text: ``List<string>`` -> [string]."""
    text = text.strip().rstrip("?")
    i = text.find("<")
    if i < 0 or not text.endswith(">"):
        return []
    return split_top(text[i + 1:-1])


def rightmost_name(text: str) -> str:
    """``UnityEngine.MonoBehaviour`` -> ``MonoBehaviour`` (type arguments dropped)."""
    return text.split("<", 1)[0].strip().rsplit(".", 1)[-1]


class Sym:
    """A storage location: local, parameter, field or property."""

    __slots__ = ("name", "kind", "tflags", "value", "is_field", "is_static", "fn",
                 "feeds_create", "type_text", "seen", "is_params", "has_default")

    def __init__(self, name: str, kind: str, tflags: int, *, is_field: bool = False,
                 is_static: bool = False, value: int = 0, type_text: str = "") -> None:
        self.name = name
        self.kind = kind
        self.tflags = tflags
        self.value = value | (tflags if kind == K_DYNAMIC else 0)
        self.is_field = is_field
        self.is_static = is_static
        self.fn: Function | None = None  # a delegate local initialized with a lambda
        self.feeds_create = False
        self.type_text = type_text
        self.seen = -1  # the analysis round that last read this value
        self.is_params = False  # a `params T[]` parameter
        self.has_default = False  # an optional parameter


class Function:
    """Anything with a body that runs: method, accessor, lambda, local function, initializer."""

    __slots__ = ("name", "kind", "node", "body", "_params", "ret", "repeated", "cls", "file",
                 "span", "is_static", "callers", "param_types", "risky", "ran", "returns_site")

    def __init__(self, name: str, kind: str, node, body, params: list[Sym] | None, ret: Sym,
                 cls: "ClassInfo", file: "FileCtx", span: tuple[int, int] | None = None,
                 is_static: bool = False):
        self.name = name
        self.kind = kind
        self.node = node
        self.body = body
        self._params = params  # None: read from the node when first needed
        self.ret = ret
        self.repeated: str = ""  # why it runs again and again (DLR002), if it does
        self.cls = cls
        self.file = file
        self.span = span  # the declaration's bytes in the file: its words make it worth walking
        self.is_static = is_static
        self.callers: dict[tuple[int, int], bool] = {}  # call site -> result kept in a field
        self.risky = False  # passes a dynamic value that may be COM (or unknown) somewhere
        self.ran = -1  # the analysis round that last walked the body
        self.returns_site = False  # returns a CallSite: kept or not as its callers keep it

    @property
    def params(self) -> list[Sym]:
        """Most methods are never walked nor called from a walked one: their parameters are
        built on first use."""
        if self._params is None:
            self._params = params_of(self.node)
        return self._params


@dataclass(eq=False)
class ClassInfo:
    key: str
    name: str
    outer: "ClassInfo | None" = None
    unity: bool = False  # derives from a Unity script base: its per-frame messages repeat
    members: dict[str, Sym] = field(default_factory=dict)
    methods: dict[str, list[Function]] = field(default_factory=dict)

    def lookup(self, name: str):
        cls: ClassInfo | None = self
        while cls is not None:
            hit = cls.members.get(name)
            if hit is not None:
                return hit
            fns = cls.methods.get(name)
            if fns:
                return fns
            cls = cls.outer
        return None


_INTEROP_NS = re.compile(r"(?:^|\.)Interop\.|^(?:%s)\.$" % "|".join(sorted(COM_NAMESPACES)))


@dataclass(eq=False)
class FileCtx:
    """What one file contributes and what its usings say."""

    index: int
    src: Source
    tree: object
    interop_aliases: set[str] = field(default_factory=set)
    interop_using: bool = False
    vb_static: bool = False
    runtime_binder: bool = False
    binder_aliases: set[str] = field(default_factory=set)
    functions: list[Function] = field(default_factory=list)
    top: ClassInfo | None = None


def make_param(p, value: int = UNK) -> Sym | None:
    name = p.child_by_field_name("name")
    if name is None:
        return None
    tnode = p.child_by_field_name("type")
    kind, tflags = type_info(tnode)
    if kind == K_VAR:
        kind = K_OBJECT
    sym = Sym(name.text.decode(), kind, tflags, type_text=tnode.text.decode() if tnode else "")
    sym.value = coerce(kind, tflags, value) | (tflags if kind == K_DYNAMIC else 0)
    for c in p.children:
        if c.type == "params" or (c.type == "modifier" and c.text == b"params"):
            sym.is_params = True
        elif c.type == "=" or c.type == "equals_value_clause":
            sym.has_default = True
    return sym


def params_of(node) -> list[Sym]:
    plist = node.child_by_field_name("parameters")
    out: list[Sym] = []
    if plist is None:
        return out
    if plist.type == "implicit_parameter" or plist.type == "identifier":
        out.append(Sym(plist.text.decode(), K_VAR, 0, value=UNK))
        return out
    kids = plist.children
    for i, p in enumerate(kids):
        if p.type == "parameter":
            s = make_param(p)
            if s is not None:
                out.append(s)
        elif p.type == "params":  # `params T[] name` sits in the list itself, not in a parameter
            tnode = next((k for k in kids[i + 1:] if k.is_named), None)
            name = next((k for k in kids[i + 2:] if k.type == "identifier"), None) if tnode else None
            if tnode is not None and name is not None:
                kind, tflags = type_info(tnode)
                s = Sym(name.text.decode(), kind, tflags, type_text=tnode.text.decode(), value=UNK)
                s.value = coerce(kind, tflags, UNK)
                s.is_params = True
                out.append(s)
    return out


def modifiers(node) -> set[bytes]:
    """The modifiers, which come before everything but attributes (and comments)."""
    out = set()
    for c in node.children:
        t = c.type
        if t == "modifier":
            out.add(c.text)
        elif t != "attribute_list" and t != "comment":
            break
    return out


class Collector:
    """Walks declarations (not bodies) of all files linted together."""

    TYPE_DECLS = {"class_declaration", "struct_declaration", "record_declaration",
                  "record_struct_declaration", "interface_declaration"}

    def __init__(self) -> None:
        self.classes: dict[str, ClassInfo] = {}
        self.by_name: dict[str, list[ClassInfo]] = {}
        self.com_types: set[str] = set()
        self.functions: list[Function] = []

    # -- files -----------------------------------------------------------
    def add_file(self, ctx: FileCtx) -> None:
        root = ctx.tree.root_node
        top = ClassInfo(key=f"<top:{ctx.index}>", name="<top>")
        ctx.top = top
        self._usings(root, ctx)
        globals_ = [c for c in root.named_children if c.type == "global_statement"]
        if globals_:
            ret = Sym("<return>", K_VAR, 0)
            fn = Function("<main>", "top", root, globals_, [], ret, top, ctx,
                          span=(globals_[0].start_byte, globals_[-1].end_byte))
            self._add_fn(fn, ctx)
        self._scope(root, ctx, None, "")

    def _usings(self, root, ctx: FileCtx) -> None:
        for c in root.named_children:
            if c.type in ("namespace_declaration", "file_scoped_namespace_declaration"):
                body = c.child_by_field_name("body")
                if body is not None:
                    self._usings(body, ctx)
                else:
                    self._usings(c, ctx)
            if c.type != "using_directive":
                continue
            text = c.text.decode()
            alias = c.child_by_field_name("name")
            target = c.named_children[-1].text.decode() if c.named_children else ""
            if "RuntimeBinder" in text:
                ctx.runtime_binder = True
            if alias is not None:
                if _INTEROP_NS.search(target + "."):
                    ctx.interop_aliases.add(alias.text.decode())
                if target.endswith("RuntimeBinder.Binder"):
                    ctx.binder_aliases.add(alias.text.decode())
            else:
                if _INTEROP_NS.search(target + "."):
                    ctx.interop_using = True
                if " static " in f" {text} " and target.endswith("VisualBasic.Interaction"):
                    ctx.vb_static = True

    def _scope(self, node, ctx: FileCtx, outer: ClassInfo | None, prefix: str) -> None:
        for c in node.named_children:
            t = c.type
            if t in ("namespace_declaration", "file_scoped_namespace_declaration"):
                name = c.child_by_field_name("name")
                ns = prefix + (name.text.decode() if name is not None else "") + "."
                body = c.child_by_field_name("body")
                self._scope(body if body is not None else c, ctx, outer, ns)
            elif t in self.TYPE_DECLS:
                self._type(c, ctx, outer, prefix)
            elif t.startswith("preproc") or t == "declaration_list":
                self._scope(c, ctx, outer, prefix)

    def _type(self, node, ctx: FileCtx, outer: ClassInfo | None, prefix: str) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return
        name = name_node.text.decode()
        for al in node.children:
            if al.type == "attribute_list":
                for a in al.named_children:
                    if a.type == "attribute":
                        an = a.child_by_field_name("name")
                        last = an.text.decode().rsplit(".", 1)[-1] if an is not None else ""
                        if last in ("ComImport", "ComImportAttribute", "CoClass", "CoClassAttribute"):
                            self.com_types.add(name)
        tparams = next((c for c in node.named_children if c.type == "type_parameter_list"), None)
        arity = len(tparams.named_children) if tparams is not None else 0
        key = f"{prefix}{outer.key + '+' if outer else ''}{name}`{arity}"
        cls = self.classes.get(key)
        if cls is None:
            cls = ClassInfo(key=key, name=name, outer=outer)
            self.classes[key] = cls
            self.by_name.setdefault(name, []).append(cls)
        bases = next((c for c in node.named_children if c.type == "base_list"), None)
        if bases is not None and any(rightmost_name(b.text.decode()) in UNITY_BASES
                                     for b in bases.named_children):
            cls.unity = True
        body = node.child_by_field_name("body")
        if body is not None:
            self._members(body, ctx, cls, prefix)
        # record primary-constructor parameters as fields
        plist = node.child_by_field_name("parameters") or next(
            (c for c in node.named_children if c.type == "parameter_list"), None)
        if plist is not None:
            for p in plist.named_children:
                if p.type == "parameter":
                    s = make_param(p)
                    if s is not None:
                        s.is_field = True
                        cls.members.setdefault(s.name, s)

    def _members(self, body, ctx: FileCtx, cls: ClassInfo, prefix: str) -> None:
        for m in body.named_children:
            t = m.type
            if t in self.TYPE_DECLS:
                self._type(m, ctx, cls, prefix)
            elif t.startswith("preproc"):
                self._members(m, ctx, cls, prefix)
            elif t in ("field_declaration", "event_field_declaration"):
                self._field(m, ctx, cls)
            elif t == "property_declaration":
                self._property(m, ctx, cls)
            elif t in ("method_declaration", "constructor_declaration", "destructor_declaration",
                       "operator_declaration", "conversion_operator_declaration",
                       "indexer_declaration"):
                self._method(m, ctx, cls)
            elif t == "event_declaration":
                self._accessors(m, ctx, cls, Sym("<event>", K_OBJECT, 0))

    def _add_fn(self, fn: Function, ctx: FileCtx) -> None:
        self.functions.append(fn)
        ctx.functions.append(fn)

    def _field(self, m, ctx: FileCtx, cls: ClassInfo) -> None:
        decl = next((c for c in m.named_children if c.type == "variable_declaration"), None)
        if decl is None:
            return
        mods = modifiers(m)
        static = b"static" in mods or b"const" in mods
        tnode = decl.child_by_field_name("type")
        kind, tflags = type_info(tnode)
        for d in decl.named_children:
            if d.type != "variable_declarator":
                continue
            nm = d.child_by_field_name("name")
            if nm is None:
                continue
            sym = Sym(nm.text.decode(), kind, tflags, is_field=True, is_static=static,
                      type_text=tnode.text.decode() if tnode else "")
            cls.members[sym.name] = sym
            init = d.named_children[-1] if len(d.named_children) > 1 else None
            if init is not None and init.id != nm.id:
                fn = Function(sym.name, "static_init" if static else "init", d, init, [], sym,
                              cls, ctx, span=(m.start_byte, m.end_byte), is_static=static)
                self._add_fn(fn, ctx)

    def _property(self, m, ctx: FileCtx, cls: ClassInfo) -> None:
        nm = m.child_by_field_name("name")
        if nm is None:
            return
        tnode = m.child_by_field_name("type")
        kind, tflags = type_info(tnode)
        static = b"static" in modifiers(m)
        sym = Sym(nm.text.decode(), kind, tflags, is_field=True, is_static=static,
                  type_text=tnode.text.decode() if tnode else "")
        # a property nobody in these files assigns is set by someone else: unknown
        cls.members[sym.name] = sym
        value = m.child_by_field_name("value")
        if value is not None:  # `=> expr` body or `= expr` initializer
            expr = value.named_children[0] if value.type == "arrow_expression_clause" and value.named_children else value
            fn = Function(sym.name, "get" if value.type == "arrow_expression_clause" else "init",
                          m, expr, [], sym, cls, ctx, span=(m.start_byte, m.end_byte), is_static=static)
            self._add_fn(fn, ctx)
        self._accessors(m, ctx, cls, sym)

    def _accessors(self, m, ctx: FileCtx, cls: ClassInfo, sym: Sym) -> None:
        acc = m.child_by_field_name("accessors")
        if acc is None:
            acc = next((c for c in m.named_children if c.type == "accessor_list"), None)
        if acc is None:
            return
        static = b"static" in modifiers(m)
        span = (m.start_byte, m.end_byte)  # an accessor is activated by its whole property
        for a in acc.named_children:
            if a.type != "accessor_declaration":
                continue
            body = a.child_by_field_name("body") or next(
                (c for c in a.named_children if c.type in ("block", "arrow_expression_clause")), None)
            if body is None:
                continue
            aname = a.child_by_field_name("name")
            which = aname.text.decode() if aname is not None else "get"
            if which == "get":
                fn = Function(sym.name, "get", a, body, [], sym, cls, ctx, span=span, is_static=static)
            else:
                value = Sym("value", sym.kind, sym.tflags, value=coerce(sym.kind, sym.tflags, UNK))
                fn = Function(sym.name, "set", a, body, [value], Sym("<void>", K_PRIMITIVE, 0),
                              cls, ctx, span=span, is_static=static)
            self._add_fn(fn, ctx)

    def _method(self, m, ctx: FileCtx, cls: ClassInfo) -> None:
        t = m.type
        nm = m.child_by_field_name("name")
        name = nm.text.decode() if nm is not None and t == "method_declaration" else f"<{t}>"
        mods = modifiers(m)
        static = b"static" in mods
        if t == "constructor_declaration":
            kind = "static_ctor" if static else "ctor"
        else:
            kind = "method"
        rnode = m.child_by_field_name("returns") or m.child_by_field_name("type")
        rkind, rflags = type_info(rnode)
        if rnode is not None and rnode.text == b"void":
            rkind = K_PRIMITIVE
        ret = Sym("<return>", rkind if rnode is not None else K_PRIMITIVE, rflags)
        body = m.child_by_field_name("body") or next(
            (c for c in m.named_children if c.type in ("block", "arrow_expression_clause")), None)
        fn = Function(name, kind, m, body, None, ret, cls, ctx, span=(m.start_byte, m.end_byte),
                      is_static=static)
        if body is None:  # abstract, extern, partial declaration: callers get what the type says
            ret.value = coerce(ret.kind, ret.tflags, UNK)
        plist = m.child_by_field_name("parameters")
        if plist is not None and b"EventArgs" in plist.text:
            params = fn.params
            if len(params) == 2 and params[0].type_text in ("object", "object?") and \
                    params[1].type_text.endswith("EventArgs"):
                fn.repeated = WHY_HANDLER  # an event handler runs again and again
        if t == "method_declaration":
            cls.methods.setdefault(name, []).append(fn)
            if cls.unity and name in UNITY_PER_FRAME:
                fn.repeated = WHY_FRAME
        if body is not None:
            self._add_fn(fn, ctx)
