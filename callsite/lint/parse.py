"""Reading and parsing C# sources.

A linter in CI must never die on one bad file: reading, decoding and parsing
problems become :class:`FileProblem` values that the engine reports while it
goes on with the other files.
"""

from __future__ import annotations

import bisect
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


@dataclass
class Source:
    """A decoded file plus what is needed to turn byte offsets into positions."""

    path: str
    data: bytes
    text: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.data.find
        i = find(b"\n")
        while i != -1:
            starts.append(i + 1)
            i = find(b"\n", i + 1)
        self._line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column in characters (not bytes), as compilers print them."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line]
        prefix = self.data[start:offset]
        col = len(prefix.decode("utf-8", "replace")) if not prefix.isascii() else len(prefix)
        return line + 1, col + 1

    def line_text(self, line: int) -> str:
        """The source line (1-based) without its line break."""
        starts = self._line_starts
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.data)
        return self.data[starts[line - 1]:end].decode("utf-8", "replace").rstrip("\r")

    def offset(self, line: int, column: int) -> int:
        """Byte offset of a 1-based line/character column."""
        start = self._line_starts[line - 1]
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
