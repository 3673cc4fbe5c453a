"""``python -m callsite.lint``: the same as ``dlrsim lint``.

The CLI imports each command's heavy dependencies only when that command
runs, so this starts as fast as a lint-only entry point would.
"""

from __future__ import annotations

import sys

from callsite.cli import main as cli_main


def main(argv: list[str] | None = None) -> int:
    return cli_main(["lint", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
