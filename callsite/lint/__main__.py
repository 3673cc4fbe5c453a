"""``python -m callsite.lint``: the same as ``dlrsim lint`` without loading the other commands.

CI jobs that only lint start faster this way (the full CLI imports the
simulator's dependencies).
"""

from __future__ import annotations

import sys

from callsite.cli import _Parser
from callsite.commands import lint as lint_command
from callsite.errors import DlrsimError


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="dlrsim")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    lint_command.register(sub)
    args = parser.parse_args(["lint", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args) or 0)
    except DlrsimError as exc:
        sys.stderr.write(f"dlrsim lint: error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
