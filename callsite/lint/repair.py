"""Parsing valid C# that tree-sitter-c-sharp rejects, by byte-for-byte repairs.

The grammar (0.23.5, the newest on PyPI) fails on some valid code: text in a dead
``#if`` branch, ``#if`` branches that each hold half of a declaration, ``#pragma warning
suppress``, ``async`` used as an identifier, pointer dereferences at the start of a
statement. A repair replaces bytes with bytes of the same length (spaces, or an
identifier of the same length), so every offset, and every position and fix computed
from it, stays that of the file as written. A repair is kept only if the tree it gives
has fewer errors; what still does not parse is reported (DLR000) and the rest analyzed.
"""

from __future__ import annotations

import re

import tree_sitter

from callsite.lint.parse import FileProblem, Source, error_count, first_error_node, \
    first_syntax_error, parser

_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|elif|else|endif)\b(.*)$")
_FALSE = re.compile(rb"^\s*(?:false|!\s*true|0)\s*(?://.*)?$")
# #pragma forms the grammar does not know (it knows `warning disable|restore` and `checksum`)
_ODD_PRAGMA = re.compile(rb"(?m)^[ \t]*#[ \t]*pragma\b(?![ \t]+(?:warning[ \t]+(?:disable|restore)\b|checksum\b)).*$")
# `async` where an identifier goes: before an operator, a separator or a member access
_ASYNC_NAME = re.compile(rb"\basync\b(?=[ \t]*(?:[;,)\].}?:]|=(?![>=])|[+\-*/%&|^<>!]=|\+\+|--))")
# a dereference opening a statement: at the start of a line, after `)` (fixed, if, while)
# or after `return`
_DEREF = re.compile(rb"(^[ \t]*|(?<=[;{})])[ \t]*)\*(?=[ \t]*[(\w])", re.M)  # assigned to
_DEREF_VALUE = re.compile(rb"((?<=[=(,?:])[ \t]*|(?<=\breturn)[ \t]*)\*(?=[ \t]*[(\w])")  # read
_DEREF_CAST = re.compile(rb"(?<=[;{})\n])[ \t]*\*[ \t]*\([ \t]*[\w.]+[ \t]*\*+[ \t]*\)")
_MAX_TARGETED = 32


def _blank(data: bytes, start: int, end: int) -> bytes:
    """Spaces for every byte but line breaks in data[start:end]."""
    return data[:start] + re.sub(rb"[^\r\n]", b" ", data[start:end]) + data[end:]


class Branch:
    """One branch of an ``#if``: its lines' byte range, without the directives."""

    __slots__ = ("start", "end", "dead")

    def __init__(self, start: int, end: int, dead: bool) -> None:
        self.start, self.end, self.dead = start, end, dead


def branches(data: bytes) -> list[list[Branch]]:
    """Each ``#if`` ... ``#endif`` as its list of branches (innermost ones come first)."""
    out: list[list[Branch]] = []
    stack: list[tuple[list[Branch], int, bool]] = []  # (branches, body start, this one dead)
    pos = 0
    for line in data.split(b"\n"):
        end = pos + len(line) + 1
        m = _DIRECTIVE.match(line)
        if m:
            kind, rest = m.group(1), m.group(2)
            if kind == b"if":
                stack.append(([], end, bool(_FALSE.match(rest))))
            elif stack:
                found, body, dead = stack.pop()
                found.append(Branch(body, pos, dead))
                if kind == b"endif":
                    out.append(found)
                else:
                    stack.append((found, end, kind == b"elif" and bool(_FALSE.match(rest))))
        pos = end
    return out


def blank_branches(data: bytes, take_first: bool) -> bytes:
    """Keep one branch of every ``#if`` (the first, or the last), blank the others: code
    whose declarations are split across branches (``#if A namespace X #else namespace Y``)
    then parses. Directive lines are blanked too, since they split the declaration."""
    for group in branches(data):
        keep = 0 if take_first else len(group) - 1
        for i, b in enumerate(group):
            if i != keep:
                data = _blank(data, b.start, b.end)
    out = []
    for line in data.split(b"\n"):
        out.append(re.sub(rb"[^\r]", b" ", line) if _DIRECTIVE.match(line) else line)
    return b"\n".join(out)


_PP_TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|!|\(|\))|(\w+))")


def pp_true(expr: str, defined) -> bool:
    """A ``#if`` condition under the symbols ``defined(name)`` says are defined (an
    unreadable condition counts as true)."""
    expr = expr.split("//", 1)[0].strip()
    out = []
    pos = 0
    while pos < len(expr):
        m = _PP_TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            return True
        pos = m.end()
        op, name = m.groups()
        if op:
            out.append({"||": " or ", "&&": " and ", "!": " not ", "==": "==", "!=": "!="}.get(op, op))
        elif name in ("true", "false"):
            out.append(" True " if name == "true" else " False ")
        else:
            out.append(" True " if defined(name) else " False ")
    try:
        return bool(eval("".join(out), {"__builtins__": {}}))  # only True/False/not/and/or/()
    except Exception:
        return True


def configure(data: bytes, defined) -> bytes:
    """The file as the compiler sees it when ``defined(name)`` tells the defined symbols:
    inactive branches and every directive line blanked. ``#define``/``#undef`` count."""
    local: dict[str, bool] = {}

    def is_defined(name: str) -> bool:
        return local[name] if name in local else defined(name)

    out = []
    stack: list[list[bool]] = []  # [parent active, a branch was taken, this branch active]
    for line in data.split(b"\n"):
        m = _PP_LINE.match(line)
        active = not stack or stack[-1][2]
        if m:
            kind, rest = m.group(1), m.group(2).decode("utf-8", "replace")
            if kind == b"if":
                on = active and pp_true(rest, is_defined)
                stack.append([active, on, on])
            elif kind == b"elif" and stack:
                f = stack[-1]
                on = f[0] and not f[1] and pp_true(rest, is_defined)
                f[1], f[2] = f[1] or on, on
            elif kind == b"else" and stack:
                f = stack[-1]
                f[2] = f[0] and not f[1]
                f[1] = True
            elif kind == b"endif" and stack:
                stack.pop()
            elif kind in (b"define", b"undef") and active:
                name = rest.split("//", 1)[0].strip()
                if name:
                    local[name] = kind == b"define"
            if kind != b"region" and kind != b"endregion":
                out.append(re.sub(rb"[^\r]", b" ", line))
                continue
        out.append(line if active else re.sub(rb"[^\r]", b" ", line))
    return b"\n".join(out)


_PP_LINE = re.compile(rb"^[ \t]*#[ \t]*(if|elif|else|endif|define|undef|region|endregion)\b(.*)$")


_DEAD_IF = re.compile(rb"(?m)^[ \t]*#[ \t]*(?:el)?if[ \t]+(?:false|0|![ \t]*true)\b")


def _blank_dead(data: bytes) -> bytes:
    """``#if false`` (and ``#elif false``) branches as spaces, byte for byte."""
    for group in branches(data):
        for b in group:
            if b.dead:
                data = _blank(data, b.start, b.end)
    return data


def _global_repairs(data: bytes) -> bytes:
    """Repairs that cannot change what the analysis sees: pragmas the grammar does not
    know, ``async`` as a name, the doubled quotes of verbatim interpolated strings."""
    if b"#" in data:
        if b"pragma" in data:
            data = _ODD_PRAGMA.sub(lambda m: b" " * len(m.group(0)), data)
    if b"async" in data:
        data = _ASYNC_NAME.sub(b"asyn_", data)
    if b'$@"' in data or b'@$"' in data:
        data = _blank_verbatim_quotes(data)
    return data


def _blank_verbatim_quotes(data: bytes) -> bytes:
    """The doubled-quote escapes of interpolated verbatim strings (``$@"a ""{x}""`` then a
    closing quote) as two spaces: the grammar fails on one just before the closing quote, and the text of a
    literal does not matter to the analysis."""
    out = bytearray(data)
    n = len(data)
    for m in re.finditer(rb'\$@"|@\$"', data):
        j = m.end()
        while j < n:
            c = out[j]
            if c == 0x22:  # "
                if j + 1 < n and out[j + 1] == 0x22:
                    out[j] = out[j + 1] = 0x20
                    j += 2
                    continue
                break
            if c == 0x7B:  # { : a hole (or {{), skipped to its closing brace
                if j + 1 < n and out[j + 1] == 0x7B:
                    j += 2
                    continue
                k = data.find(b"}", j)
                j = n if k < 0 else k + 1
                continue
            j += 1
    return bytes(out)


def _targeted(data: bytes, offset: int) -> list[bytes]:
    """Candidate repairs for the error at ``offset``: blank the innermost ``#if`` branch
    around it; drop a dereference's ``*`` on its line or the one before."""
    out = []
    for group in branches(data):  # innermost first
        hit = next((b for b in group if b.start <= offset < b.end), None)
        if hit is not None:
            out.append(_blank(data, hit.start, hit.end))
            break
    line_start = data.rfind(b"\n", 0, data.rfind(b"\n", 0, offset) if offset else 0) + 1
    line_end = data.find(b"\n", offset)
    line_end = len(data) if line_end < 0 else line_end
    segment = data[line_start:line_end]
    if b"*" in segment:
        # `*(p++) = x` -> `_[p++] = x` (an element access, which the grammar assigns to);
        # `return *(long*)b` -> `return  (long*)b` (a cast); `*p = x` -> ` p = x`
        fixed = _DEREF_VALUE.sub(lambda m: m.group(1) + b" ", _as_element_access(segment))
        if fixed != segment:
            out.append(data[:line_start] + fixed + data[line_end:])
        plain = _DEREF.sub(lambda m: m.group(1) + b" ", _DEREF_VALUE.sub(lambda m: m.group(1) + b" ", segment))
        if plain != fixed:
            out.append(data[:line_start] + plain + data[line_end:])
        # `*(IntPtr*)p = x`: the dereferenced cast as spaces leaves the assignment to `p`
        bare = _DEREF_CAST.sub(lambda m: b" " * len(m.group(0)), segment)
        if bare != segment:
            out.append(data[:line_start] + bare + data[line_end:])
    return out


def _as_element_access(segment: bytes) -> bytes:
    """Each statement-opening ``*( ... )`` as ``_[ ... ]``, bytes for bytes."""
    out = bytearray(segment)
    for m in _DEREF.finditer(segment):
        star = m.end() - 1
        i = star + 1
        while i < len(out) and out[i] in b" \t":
            i += 1
        if i >= len(out) or out[i] != ord("("):
            continue
        depth = 0
        for j in range(i, len(out)):
            if out[j] == ord("("):
                depth += 1
            elif out[j] == ord(")"):
                depth -= 1
                if depth == 0:
                    out[star], out[i], out[j] = ord("_"), ord("["), ord("]")
                    break
    return bytes(out)


def _score(tree: tree_sitter.Tree) -> tuple[int, int]:
    root = tree.root_node
    if not root.has_error:
        return (0, 0)
    return (error_count(root), -first_error_node(root).start_byte)


def parse_with_fallback(src: Source) -> tuple[tree_sitter.Tree, FileProblem | None]:
    """The best tree for the file, and its first syntax error if even that has one.

    ``src.data`` becomes the repaired bytes (same length, same offsets), which the
    analysis reads node text from; ``src.text`` keeps the file as written."""
    p = parser()
    if b"#" in src.data and _DEAD_IF.search(src.data):
        src.data = _blank_dead(src.data)  # never compiled: neither parsed nor analyzed
    tree = p.parse(src.data)
    if not tree.root_node.has_error:
        return tree, None
    best, best_tree, best_score = src.data, tree, _score(tree)

    def consider(data: bytes) -> bool:
        nonlocal best, best_tree, best_score
        if data == best:
            return False
        t = p.parse(data)
        sc = _score(t)
        if sc < best_score:
            best, best_tree, best_score = data, t, sc
            return True
        return False

    repaired = _global_repairs(best)
    if repaired != best:  # safe whatever the count says: adopted
        best_tree = p.parse(repaired)
        best, best_score = repaired, _score(best_tree)
    if best_score[0] and re.search(rb"(?m)^[ \t]*#[ \t]*if\b", best):
        # one consistent configuration: no symbol defined, or every one; else one branch
        # of each #if, the first or the last
        for variant in (lambda: configure(best, lambda name: False),
                        lambda: configure(best, lambda name: True),
                        lambda: blank_branches(best, True), lambda: blank_branches(best, False)):
            consider(variant())
            if not best_score[0]:
                break
    for _ in range(_MAX_TARGETED):
        if not best_score[0]:
            break
        offset = first_error_node(best_tree.root_node).start_byte
        # every candidate is tried and the best kept: the first that helps may help least
        if not [ok for ok in [consider(c) for c in _targeted(best, offset)] if ok]:
            break
    src.data = best
    err = first_syntax_error(src, best_tree)
    node = first_error_node(best_tree.root_node)
    if err is not None and node.type == "ERROR" and node.end_point[0] - node.start_point[0] > _WIDE_ERROR:
        at = locate_error(best, node.start_byte)
        if at is not None:
            line, col = src.position(min(at, len(best.rstrip())))
            if at >= len(best):
                err = FileProblem(src.path, "syntax error: missing '}' at the end of the file", line, col)
            else:
                end = best.find(b"\n", at)
                near = best[at:end if end >= 0 else len(best)].decode("utf-8", "replace").strip()[:30]
                err = FileProblem(src.path, f"syntax error near '{near}'" if near else "syntax error",
                                  line, col)
    return best_tree, err


_WIDE_ERROR = 20  # lines: an ERROR this wide says where the parser gave up, not where it failed
_OPEN_IF = re.compile(rb"(?m)^[ \t]*#[ \t]*if\b")
_END_IF = re.compile(rb"(?m)^[ \t]*#[ \t]*endif\b")
_BOUNDARY = re.compile(rb"[;{}][ \t]*(?://[^\n]*)?\r?\n")


def locate_error(data: bytes, start: int) -> int | None:
    """Where a file stops parsing, when tree-sitter wraps everything from ``start`` in one
    ERROR: the end of the longest prefix, cut at a statement boundary, whose parse has no
    ERROR node (missing closing braces are expected of a prefix). Binary search: a dozen
    parses of at most the file, for files that fail this way only."""
    cuts = [m.end() for m in _BOUNDARY.finditer(data, start)]
    if not cuts:
        return None
    p = parser()

    def clean(i: int) -> bool:
        """Does the prefix parse once the blocks it leaves open are closed?"""
        prefix = data[:cuts[i]]
        depth = prefix.count(b"{") - prefix.count(b"}")
        ifs = len(_OPEN_IF.findall(prefix)) - len(_END_IF.findall(prefix))
        closed = prefix + b"#endif\n" * max(ifs, 0) + b"}" * max(depth, 0) + b"\n"
        return not p.parse(closed).root_node.has_error

    lo, hi = -1, len(cuts) - 1  # cuts[lo] parses (or none), cuts[hi] does not
    if clean(hi):
        # every statement parses once the open blocks are closed: what is missing is a '}'
        return len(data) if data[cuts[-1]:].strip() == b"" else None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if clean(mid):
            lo = mid
        else:
            hi = mid
    at = cuts[lo] if lo >= 0 else start
    while at < len(data) and data[at:at + 1] in b" \t\r\n":
        at += 1
    return at
