"""Classes and members: which in-file class an expression names or is declared as, and
which types are COM types.
"""

from __future__ import annotations

from callsite.lint.lattice import COM, K_OBJECT, K_VAR
from callsite.lint.symbols import ClassInfo, Sym
from callsite.lint.vocabulary import BCL_NAMES, COM_NAMESPACES, PRIMITIVE_NAMES, rightmost


class Members:
    """Which in-file class an expression names, and which types are COM types. A part of :class:`~callsite.lint.flow.Analyzer`."""

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


    def _constructors(self, tnode) -> list:
        """The constructors of the in-file class a ``new T(...)`` names (none: not ours)."""
        cls = self._class_named(tnode)
        if cls is None:
            return []
        return [fn for fn in self.col.functions if fn.kind == "ctor" and fn.cls is cls]

    def _com_typed_params(self, fn) -> None:
        """A parameter declared with a COM interface type holds a COM object, whoever calls."""
        for p in fn.params:
            if p.kind == K_OBJECT and p.type_text and not p.value & COM and \
                    self._is_com_type_text(p.type_text):
                self._assign_sym(p, COM)

    def _is_com_type_text(self, text: str) -> bool:
        """:meth:`_is_com_type` for a type written as text (a parameter's, say)."""
        text = text.strip().rstrip("?")
        if not text or "<" in text or "[" in text or "(" in text:
            return False
        last = text.rsplit(".", 1)[-1]
        if last in self.col.com_types or ".Interop." in f".{text}":
            return True
        if "." in text:
            return text.split(".", 1)[0] in self.file.interop_aliases or text.rsplit(".", 1)[0] in COM_NAMESPACES
        return self.file.interop_using and last not in self.col.by_name and last not in BCL_NAMES \
            and last not in PRIMITIVE_NAMES and not last.endswith(("Exception", "EventArgs", "Builder", "Attribute"))

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
            return first in self.file.interop_aliases or text.rsplit(".", 1)[0] in COM_NAMESPACES
        if tnode.type == "identifier" and self.file.interop_using:
            return last not in self.col.by_name and last not in BCL_NAMES and not \
                last.endswith(("Exception", "EventArgs", "Builder", "Attribute"))
        return False

