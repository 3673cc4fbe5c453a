"""The ``dlrsim`` command: a thin shell over the Python API.

Subcommands live in :mod:`callsite.commands`; this module only discovers
them, runs the chosen one and turns :class:`~callsite.errors.DlrsimError`
into one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from callsite import commands
from callsite.errors import DlrsimError


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus the error; we want one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        prog = self.prog
        sys.stderr.write(f"{prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one with just that command: ``dlrsim lint`` in CI should
    not pay for importing every other command's module at each start."""
    parser = _Parser(
        prog="dlrsim",
        description="Simulate and measure C# dynamic call-site caches.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    if only is not None and only in names and not only.startswith("_"):
        names = [only]
    for name in names:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DlrsimError as exc:
        sys.stderr.write(f"dlrsim {args.command}: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("dlrsim: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
