"""The fix for a finding: the cast that makes a call static, when one can be named.

A cast must compile. ``(object)x`` does only where the parameter takes an object: a
call on a dynamic receiver (bound at run time whatever the arguments are), a method of
these files whose parameter is ``object``, ``dynamic`` or an unconstrained type
parameter, a few library methods that take ``object``. Elsewhere the cast is to the
parameter's declared type: of a method in these files, of a delegate (``Action<string>``
takes a string), of a library generic whose type arguments the receiver's declared type
gives (``List<string>.Add`` takes a string). When the type cannot be named, no fix.
"""

from __future__ import annotations

import re

from callsite.lint.lattice import DYN, K_DYNAMIC
from callsite.lint.symbols import Function, Sym, type_arguments
from callsite.lint.vocabulary import rightmost

OBJECT = "object"

# Library methods whose every parameter after the first ``skip`` takes an object.
OBJECT_PARAMETERS = {
    ("Console", "WriteLine"): 0, ("Console", "Write"): 0,
    ("Debug", "WriteLine"): 0, ("Debug", "Print"): 0, ("Debug", "Write"): 0,
    ("Trace", "WriteLine"): 0, ("Trace", "Write"): 0,
    ("Debug", "Log"): 0, ("Debug", "LogWarning"): 0, ("Debug", "LogError"): 0,  # Unity
    ("string", "Format"): 1, ("String", "Format"): 1,
    ("string", "Concat"): 0, ("String", "Concat"): 0,
    ("Marshal", "ReleaseComObject"): 0, ("Marshal", "FinalReleaseComObject"): 0,
    ("Marshal", "IsComObject"): 0, ("GC", "KeepAlive"): 0,
    ("object", "ReferenceEquals"): 0, ("Object", "ReferenceEquals"): 0,
    ("object", "Equals"): 0, ("Object", "Equals"): 0,
    ("Monitor", "Enter"): 0, ("Monitor", "Exit"): 0,
    ("Convert", "ToString"): 0, ("Convert", "ToInt32"): 0, ("Convert", "ToInt64"): 0,
    ("Convert", "ToDouble"): 0, ("Convert", "ToDecimal"): 0, ("Convert", "ToBoolean"): 0,
    ("Convert", "ToDateTime"): 0, ("Convert", "IsDBNull"): 0,
}

# Generic library types: method -> index of the type argument each parameter takes
# (None: a parameter that is not one of the type arguments, such as Insert's index).
GENERIC_PARAMETERS = {
    ("List", "Add"): [0], ("List", "Insert"): [None, 0], ("List", "Contains"): [0],
    ("List", "Remove"): [0], ("List", "IndexOf"): [0],
    ("IList", "Add"): [0], ("ICollection", "Add"): [0], ("Collection", "Add"): [0],
    ("HashSet", "Add"): [0], ("HashSet", "Contains"): [0], ("HashSet", "Remove"): [0],
    ("ISet", "Add"): [0],
    ("Queue", "Enqueue"): [0], ("Stack", "Push"): [0], ("ConcurrentQueue", "Enqueue"): [0],
    ("ConcurrentBag", "Add"): [0], ("ConcurrentStack", "Push"): [0],
    ("LinkedList", "AddLast"): [0], ("LinkedList", "AddFirst"): [0],
    ("BlockingCollection", "Add"): [0], ("ObservableCollection", "Add"): [0],
    ("Dictionary", "Add"): [0, 1], ("Dictionary", "TryAdd"): [0, 1],
    ("Dictionary", "ContainsKey"): [0], ("Dictionary", "Remove"): [0],
    ("Dictionary", "ContainsValue"): [1],
    ("IDictionary", "Add"): [0, 1], ("ConcurrentDictionary", "TryAdd"): [0, 1],
    ("SortedDictionary", "Add"): [0, 1], ("SortedList", "Add"): [0, 1],
    ("IProgress", "Report"): [0], ("Progress", "Report"): [0],
    ("TaskCompletionSource", "SetResult"): [0], ("TaskCompletionSource", "TrySetResult"): [0],
}
# Non-generic library types whose method takes an object.
RECEIVER_OBJECT = {("StringBuilder", "Append"), ("StringBuilder", "AppendFormat"),
                   ("ArrayList", "Add"), ("ArrayList", "Contains"), ("Hashtable", "Add"),
                   ("TextWriter", "WriteLine"), ("TextWriter", "Write"),
                   ("StreamWriter", "WriteLine"), ("StreamWriter", "Write"),
                   ("StringWriter", "WriteLine"), ("StringWriter", "Write")}


def cast_text(type_text: str) -> str | None:
    """The type to write in a cast for a parameter declared ``type_text``."""
    t = type_text.strip()
    if not t or t == "var":
        return None
    if t in ("dynamic", "dynamic?", "object?"):
        return OBJECT
    return t


def delegate_parameters(type_text: str) -> list[str] | None:
    """Parameter types of ``Action<...>``/``Func<...>`` (the last of Func's is its result)."""
    t = type_text.strip().rstrip("?")
    base = t.split("<", 1)[0].rsplit(".", 1)[-1]
    if base == "Action":
        return type_arguments(t) if "<" in t else []
    if base == "Func":
        args = type_arguments(t)
        return args[:-1] if args else None
    return None


class Casts:
    """The cast each fix inserts. A part of :class:`~callsite.lint.flow.Analyzer`."""

    def _call_cast(self, node, targets: list[Function], key, nargs: int, recv, rv: int,
                   name: str, fnode) -> str | None:
        if rv & DYN:
            return OBJECT  # bound at run time: any argument type compiles
        if targets and all(t is not None for t in targets) and not self._delegate_sym(fnode, recv):
            return self._cast_for(targets, key, nargs)
        dsym = self._delegate_sym(fnode, recv)
        if dsym is not None:
            params = delegate_parameters(dsym.type_text)
            if params is None and dsym.fn is not None and isinstance(key, int) and key < len(dsym.fn.params):
                p = dsym.fn.params[key]
                return cast_text(p.type_text) if p.kind != "var" else None
            if params is not None and isinstance(key, int) and key < len(params):
                return cast_text(params[key])
            return None
        if recv is None or not isinstance(key, int):
            return None
        rname = rightmost(recv)
        skip = OBJECT_PARAMETERS.get((rname, name))
        if skip is not None:
            return OBJECT if key >= skip and not (skip == 0 and key == 0 and nargs > 1 and
                                                  name in ("WriteLine", "Write", "Print")) else None
        rtype = self._declared_type(recv)
        if rtype is None:
            return None
        if name == "Invoke":  # progress?.Invoke(x), handler.Invoke(x): the delegate's parameter
            params = delegate_parameters(rtype)
            if params is not None:
                return cast_text(params[key]) if key < len(params) else None
        base = rtype.rstrip("?").split("<", 1)[0].rsplit(".", 1)[-1]
        if (base, name) in RECEIVER_OBJECT:
            return OBJECT
        slots = GENERIC_PARAMETERS.get((base, name))
        if slots is None or key >= len(slots) or slots[key] is None:
            return None
        targs = type_arguments(rtype)
        if slots[key] >= len(targs):
            return None
        return cast_text(targs[slots[key]])

    def _delegate_sym(self, fnode, recv) -> Sym | None:
        """The variable a delegate invocation calls through, if it is one of ours."""
        if recv is None and fnode is not None and fnode.type == "identifier":
            hit = self.lookup(fnode.text.decode())
        elif recv is not None and recv.type in ("this", "this_expression") and self.cls is not None:
            hit = self.cls.lookup(rightmost(fnode))
        else:
            return None
        if isinstance(hit, Sym) and (hit.fn is not None or delegate_parameters(hit.type_text) is not None):
            return hit
        return None

    def _declared_type(self, recv) -> str | None:
        """The type a receiver variable (or field, or ``this.field``) is declared with."""
        if recv.type == "identifier":
            hit = self.lookup(recv.text.decode())
        elif recv.type == "member_access_expression" and self.cls is not None:
            inner = recv.child_by_field_name("expression")
            if inner is None or inner.type not in ("this", "this_expression"):
                return None
            hit = self.cls.lookup(rightmost(recv))
        else:
            return None
        if isinstance(hit, Sym) and hit.type_text and hit.type_text != "var":
            return hit.type_text
        return None

    def _cast_for(self, targets: list[Function], key, nargs: int) -> str | None:
        """The parameter's declared type, when every method the call may reach agrees."""
        types = set()
        for t in targets:
            params = t.params
            if not isinstance(key, str) and not _accepts(t, nargs):
                continue  # an overload this call cannot reach
            p = self._param(t, key)
            if p is None and isinstance(key, int) and params and _is_params(params[-1]):
                p = params[-1]
            if p is None:
                return None
            text = p.type_text
            if _is_params(p) and (not isinstance(key, int) or key >= len(params) - 1):
                text = text.strip()[:-2].strip() if text.strip().endswith("[]") else ""
            if p.kind == K_DYNAMIC:
                types.add(OBJECT)
            elif text in _own_type_params(t):
                if _constrained(t, text):
                    return None
                types.add(OBJECT)  # inferred from the argument: object is fine
            elif text in self._type_params(t):
                # the class's type parameter: nameable only from inside that class
                if self.cls is None or self.cls is not t.cls:
                    return None
                types.add(text)
            elif any(tp in _words(text) for tp in self._type_params(t)):
                return None  # List<T>: the caller's T is not known here
            else:
                c = cast_text(text)
                if c is None or not self._nameable_here(c, t):
                    return None
                types.add(c)
        return types.pop() if len(types) == 1 else None

    def _nameable_here(self, type_text: str, fn: Function) -> bool:
        """Can the caller write the callee's parameter type as the callee wrote it? Not when
        the callee is in another file (other usings) or the type is a class nested in the
        callee's class and the caller is elsewhere; predefined types always."""
        words = _words(type_text)
        if words <= _PREDEFINED:
            return True
        if fn.file is not self.file:
            return False
        for w in words:
            for cls in self.col.by_name.get(w, ()):
                if cls.outer is not None and cls.outer is fn.cls and self.cls is not fn.cls:
                    return False
        return True

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


_PREDEFINED = {"object", "string", "bool", "byte", "sbyte", "char", "decimal", "double", "float",
               "int", "uint", "long", "ulong", "short", "ushort", "nint", "nuint"}


def _own_type_params(fn: Function) -> set[str]:
    """The method's own type parameters (inferred at the call), not its class's."""
    for c in fn.node.named_children if fn.node is not None else ():
        if c.type == "type_parameter_list":
            return {tp.text.decode().split()[-1] for tp in c.named_children}
    return set()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


def _is_params(p: Sym) -> bool:
    return getattr(p, "is_params", False)


def _accepts(fn: Function, nargs: int) -> bool:
    params = fn.params
    if params and _is_params(params[-1]):
        return nargs >= len(params) - 1 - _optional(fn)
    return len(params) - _optional(fn) <= nargs <= len(params)


def _optional(fn: Function) -> int:
    return sum(1 for p in fn.params if getattr(p, "has_default", False))


def _constrained(fn: Function, tparam: str) -> bool:
    """Is there a ``where T :`` clause for this type parameter around the function?"""
    node = fn.node
    while node is not None:
        for c in node.named_children:
            if c.type == "type_parameter_constraints_clause":
                target = c.named_children[0].text.decode() if c.named_children else ""
                if target == tparam:
                    return True
        node = node.parent
    return False
