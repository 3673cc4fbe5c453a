"""Shared output helpers for commands: JSON, tables and progress bars."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Sequence


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned text table; numbers are right-aligned."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def is_num(s: str) -> bool:
        try:
            float(s.rstrip("%"))
            return True
        except ValueError:
            return False

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if is_num(c) else c.ljust(w) for c, w in zip(row, widths)).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines)


def progress(total: int | None, desc: str, *, disable: bool = False):
    """A progress bar on stderr that only appears for runs longer than ~1 s."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, delay=1.0, disable=disable,
                unit="call", dynamic_ncols=True, leave=False)
