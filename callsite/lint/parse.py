"""Reading and parsing C# sources.

A linter in CI must never die on one bad file: reading, decoding and parsing
problems become :class:`FileProblem` values that the engine reports while it
goes on with the other files.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

import tree_sitter
import tree_sitter_c_sharp


@lru_cache(maxsize=1)
def language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_c_sharp.language())


_PARSER: tree_sitter.Parser | None = None


def parser() -> tree_sitter.Parser:
    """One parser per process: building one costs more than parsing a small file."""
    global _PARSER
    if _PARSER is None:
        _PARSER = tree_sitter.Parser(language())
    return _PARSER


_NEWLINE = re.compile(rb"\n")


@dataclass
class Source:
    """A decoded file plus what is needed to turn byte offsets into positions."""

    path: str
    data: bytes
    text: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = []  # computed on first use: most files report nothing

    def _starts(self) -> list[int]:
        if self._line_starts:
            return self._line_starts
        starts = [0]
        starts.extend(m.end() for m in _NEWLINE.finditer(self.data))
        self._line_starts = starts
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column in characters (not bytes), as compilers print them."""
        starts = self._starts()
        line = bisect.bisect_right(starts, offset) - 1
        return self.point_position((line, offset - starts[line]), offset)

    def point_position(self, point: tuple[int, int], offset: int) -> tuple[int, int]:
        """:meth:`position` from a tree-sitter point (row, byte column) of ``offset``: no
        line table to build, which matters in a file with a single finding."""
        row, bcol = point
        prefix = self.data[offset - bcol:offset]
        col = len(prefix.decode("utf-8", "replace")) if not prefix.isascii() else bcol
        return row + 1, col + 1

    def line_text(self, line: int) -> str:
        """The source line (1-based) without its line break."""
        starts = self._starts()
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.data)
        return self.data[starts[line - 1]:end].decode("utf-8", "replace").rstrip("\r")

    def line_text_at(self, offset: int) -> str:
        """The text of the line holding byte ``offset``; no line table needed."""
        data = self.data
        start = data.rfind(b"\n", 0, offset) + 1
        end = data.find(b"\n", offset)
        return data[start:end if end >= 0 else len(data)].decode("utf-8", "replace").rstrip("\r")

    def offset(self, line: int, column: int) -> int:
        """Byte offset of a 1-based line/character column."""
        start = self._starts()[line - 1]
        prefix = self.line_text(line)[: column - 1]
        return start + len(prefix.encode("utf-8"))


@dataclass
class FileProblem:
    """A file that could not be linted, with where the trouble starts."""

    path: str
    message: str
    line: int = 1
    column: int = 1


def decode(path: str, data: bytes) -> Source | FileProblem:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        col = exc.start - (prefix.rfind(b"\n") + 1) + 1
        return FileProblem(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, col)
    return Source(path, data, text)


def parse(src: Source) -> tree_sitter.Tree:
    return parser().parse(src.data)


def first_syntax_error(src: Source, tree: tree_sitter.Tree) -> FileProblem | None:
    """The earliest ERROR or MISSING node, or None when the file parses cleanly."""
    root = tree.root_node
    if not root.has_error:
        return None
    node = root
    while True:
        if node.type == "ERROR" or node.is_missing:
            break
        nxt = None
        for child in node.children:
            if child.has_error or child.is_missing or child.type == "ERROR":
                nxt = child
                break
        if nxt is None:
            break
        node = nxt
    line, col = src.position(node.start_byte)
    if node.is_missing:
        what = f"syntax error: missing '{node.type}'"
    else:
        snippet = src.data[node.start_byte:node.end_byte].decode("utf-8", "replace")
        snippet = snippet.strip().splitlines()[0][:30] if snippet.strip() else ""
        what = f"syntax error near '{snippet}'" if snippet else "syntax error"
    return FileProblem(src.path, what, line, col)


_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|elif|else|endif)\b")


def blank_branches(data: bytes, take_first: bool) -> bytes:
    """Blank out one side of every ``#if`` so code split across branches parses.

    Tree-sitter sees all branches at once; a declaration whose head differs
    per branch (``#if A namespace X #else namespace Y #endif``) then does not
    parse. Inactive lines become spaces, so every byte offset (and thus every
    reported position) stays the same. ``take_first`` keeps each ``#if``
    branch, otherwise the last ``#else``/``#elif`` branch is kept.
    """
    lines = data.split(b"\n")
    out = []
    stack: list[list] = []  # per #if: [branch index, branch count, active branch]
    counts = _branch_counts(lines)
    ifs = 0
    for line in lines:
        m = _DIRECTIVE.match(line)
        if m:
            kind = m.group(1)
            if kind == b"if":
                n = counts[ifs]
                ifs += 1
                stack.append([0, n, 0 if take_first else n - 1])
            elif kind in (b"elif", b"else") and stack:
                stack[-1][0] += 1
            elif kind == b"endif" and stack:
                stack.pop()
            out.append(re.sub(rb"[^\r]", b" ", line))  # the directive itself may split a declaration
            continue
        if any(branch != active for branch, _n, active in stack):
            out.append(re.sub(rb"[^\r]", b" ", line))
        else:
            out.append(line)
    return b"\n".join(out)


def _branch_counts(lines: list[bytes]) -> list[int]:
    counts: list[int] = []
    stack: list[int] = []
    for line in lines:
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        kind = m.group(1)
        if kind == b"if":
            stack.append(len(counts))
            counts.append(1)
        elif kind in (b"elif", b"else") and stack:
            counts[stack[-1]] += 1
        elif kind == b"endif" and stack:
            stack.pop()
    return counts


def parse_with_fallback(src: Source) -> tuple[tree_sitter.Tree, FileProblem | None]:
    """Parse; if that fails and the file has ``#if``, retry with one branch of each."""
    tree = parse(src)
    err = first_syntax_error(src, tree)
    if err is None or b"#" not in src.data or not re.search(rb"(?m)^[ \t]*#[ \t]*if\b", src.data):
        return tree, err
    for take_first in (True, False):
        variant = blank_branches(src.data, take_first)
        t2 = parser().parse(variant)
        if not t2.root_node.has_error:
            src.data = variant  # the analysis reads node text from this buffer
            return t2, None
    return tree, err
