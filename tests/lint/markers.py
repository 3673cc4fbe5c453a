"""Reading the `// expect:` markers of the corpus files."""

from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

_EXPECT = re.compile(r"expect:\s*(.+)$")
_ITEM = re.compile(r'(DLR\d{3})\s+at\s+"((?:[^"\\]|\\.)*)"(?:#(\d+))?')


def expectations(path: Path) -> set[tuple[str, int, int, str]]:
    """(file name, line, column, rule) for every marker in a corpus file.

    A marker ``// expect: DLR001 at "com)"`` on a line means a finding of that
    rule whose column is where the quoted text starts on that line (``#2``
    picks the second occurrence). Several markers are separated by ``;``.
    """
    out = set()
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _EXPECT.search(line)
        if not m:
            continue
        code = line[: line.index("//")] if "//" in line else line
        items = _ITEM.findall(m.group(1))
        assert items, f"{path.name}:{no}: malformed expect marker"
        for rule, text, nth in items:
            text = text.replace('\\"', '"')
            start = -1
            for _ in range(int(nth or 1)):
                start = code.find(text, start + 1)
            assert start >= 0, f"{path.name}:{no}: {text!r} not found in the code part of the line"
            out.add((path.name, no, start + 1, rule))
    return out
