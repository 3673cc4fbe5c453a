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
    io: bool = False  # could not be read at all (an I/O error, not a finding about the code)


def decode(path: str, data: bytes) -> Source | FileProblem:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # as the C# compiler does, a file without a BOM that is not UTF-8 is read in the
        # Windows code page; each byte is one character, as positions assume
        text = data.decode("cp1252", errors="replace")
    return Source(path, data, text)


def parse(src: Source) -> tree_sitter.Tree:
    return parser().parse(src.data)


def first_error_node(root):
    """The earliest ERROR or MISSING node. An ERROR that wraps a whole declaration (or the
    whole file, starting at line 1) holds the real trouble further in: the first error
    nested in it, when there is one, is where the parse actually failed."""
    node = root
    while True:
        if node.is_missing:
            return node
        nxt = None
        for child in node.children:
            if child.has_error or child.is_missing or child.type == "ERROR":
                nxt = child
                break
        if nxt is None:
            return node
        node = nxt


def error_count(root) -> int:
    """ERROR and MISSING nodes: fewer is a better parse of the same text."""
    n = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            n += 1
        stack.extend(c for c in node.children if c.has_error or c.is_missing or c.type == "ERROR")
    return n


def first_syntax_error(src: Source, tree: tree_sitter.Tree) -> FileProblem | None:
    """The earliest ERROR or MISSING node, or None when the file parses cleanly."""
    root = tree.root_node
    if not root.has_error:
        return None
    node = first_error_node(root)
    line, col = src.position(node.start_byte)
    if node.is_missing:
        what = f"syntax error: missing '{node.type}'"
    else:
        snippet = src.data[node.start_byte:node.end_byte].decode("utf-8", "replace")
        snippet = snippet.strip().splitlines()[0][:30] if snippet.strip() else ""
        what = f"syntax error near '{snippet}'" if snippet else "syntax error"
    return FileProblem(src.path, what, line, col)
