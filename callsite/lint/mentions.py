"""Where the words that make code worth analyzing occur, found by substring search.

The analysis walks a function only once its text mentions a word that can carry a dynamic
or COM value, and treats a method passed as a callback as one that runs again and again.
Both questions are about a few words in a lot of text: ``bytes.find`` answers them far
faster than splitting every function into words or matching every argument with a regex.
Word boundaries are ASCII: only ASCII letters, digits and ``_`` extend a word. So a name
with other letters (``_appé``) is found whole, and a search for ``_app`` also matches
inside it; that only makes the analysis walk one function more than it needs to.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callsite.lint.symbols import FileCtx, Function

WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
SPACE_BYTES = frozenset(b" \t\n\r\f\v")


def passed_as_callback(data: bytes, name: bytes) -> bool:
    """Does ``name`` appear as a whole argument, ``f(x, name)`` or ``f(this.name)``: a method
    group passed as a callback, which is then called again and again? Searching for the
    few method names is much faster than matching every argument in the file."""
    n = len(name)
    end = len(data)
    i = data.find(name)
    while i >= 0:
        j = i - 5 if data[i - 5:i] == b"this." else i
        k = i + n
        if (i == 0 or data[i - 1] not in WORD_BYTES) and (k == end or data[k] not in WORD_BYTES):
            while j > 0 and data[j - 1] in SPACE_BYTES:
                j -= 1
            while k < end and data[k] in SPACE_BYTES:
                k += 1
            if j > 0 and data[j - 1] in b"(," and k < end and data[k] in b",)":
                return True
        i = data.find(name, k)
    return False


class Mentions:
    """Where the words that make a function worth walking occur, per file.

    A few substring searches per file, instead of splitting every function into
    words: most functions mention none of them, and the words are few."""

    def __init__(self, files: list[FileCtx]) -> None:
        self._data = {f.index: f.src.data for f in files}
        self._at: dict[int, list[int]] = {f.index: [] for f in files}
        self._searched: set[bytes] = set()

    def add(self, words: set[bytes]) -> None:
        new = words - self._searched
        if not new:
            return
        self._searched |= new
        for index, data in self._data.items():
            at = self._at[index]
            size = len(at)
            end = len(data)
            for w in new:
                n = len(w)
                i = data.find(w)
                while i >= 0:
                    if (i == 0 or data[i - 1] not in WORD_BYTES) and \
                            (i + n == end or data[i + n] not in WORD_BYTES):
                        at.append(i)
                    i = data.find(w, i + n)
            if len(at) != size:
                at.sort()

    def within(self, fn: Function) -> bool:
        """Does one of the words occur in the function's declaration?"""
        if fn.span is None:
            return False
        at = self._at[fn.file.index]
        start, end = fn.span
        i = bisect.bisect_left(at, start)
        return i < len(at) and at[i] < end
