"""The ``dlrsim`` command: a thin shell over the Python API.

Subcommands live in :mod:`callsite.commands`; this module only discovers
them, runs the chosen one and reports every failure the same way, for every
command (the README's "Errors and exit codes"):

* one line on stderr, ``dlrsim COMMAND: error: MESSAGE``, and exit code 2
  (:class:`~callsite.errors.DlrsimError`, argparse's usage errors, I/O errors,
  and, as a last resort, an unexpected exception named in that one line);
* with ``--json``, stdout then holds exactly one JSON object ``{"error": MESSAGE}``;
* Ctrl-C: the command's workers are stopped (``binders.host``), one line says
  where the partial output is, exit code 130.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import signal
import sys
from typing import Sequence

from callsite import commands
from callsite.errors import INTERRUPTED, USAGE, DlrsimError

DEBUG_ENV = "DLRSIM_DEBUG"  # set to 1 to get the traceback of an unexpected exception


class UsageError(Exception):
    """argparse's complaint, carried to :func:`main` so it is reported like any other error."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """No abbreviated options (``--out`` must not silently mean ``--output``), and usage
    errors as one line, like every other error."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(self.prog, message)


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


def report_error(prog: str, message: str, *, json_output: bool) -> None:
    """The one error line on stderr (and the one JSON object on stdout with ``--json``)."""
    message = " ".join(str(message).split()) or "failed"
    if json_output:
        try:
            sys.stdout.write(json.dumps({"error": message}) + "\n")
            sys.stdout.flush()
        except OSError:
            pass
    sys.stderr.write(f"{prog}: error: {message}\n")
    sys.stderr.flush()


def _os_error_message(exc: OSError) -> str:
    what = exc.strerror or type(exc).__name__
    where = exc.filename
    return f"{where}: {what}" if where else what


def _on_sigterm(signum, frame) -> None:  # a `kill` is stopped like a Ctrl-C: workers too
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    json_output = "--json" in argv
    prog = "dlrsim"
    if argv and not argv[0].startswith("-"):
        prog = f"dlrsim {argv[0]}"
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        parser = build_parser(argv[0] if argv else None)
        args = parser.parse_args(argv)
        prog = f"dlrsim {args.command}"
        json_output = bool(getattr(args, "json", False)) or json_output
        return int(args.func(args) or 0)
    except UsageError as exc:
        report_error(exc.prog, str(exc), json_output=json_output)
        return USAGE
    except DlrsimError as exc:
        report_error(prog, str(exc), json_output=json_output)
        return exc.exit_code
    except KeyboardInterrupt:
        report_error(prog, "interrupted", json_output=json_output)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`dlrsim ... | head`): not an error; keep Python quiet at exit.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except OSError as exc:
        report_error(prog, _os_error_message(exc), json_output=json_output)
        return USAGE
    except RecursionError:
        report_error(prog, "input nested too deeply", json_output=json_output)
        return USAGE
    except MemoryError:
        report_error(prog, "out of memory (try fewer calls or a smaller workload)", json_output=json_output)
        return USAGE
    except Exception as exc:  # the last resort: a bug must still be one line, not a traceback
        if os.environ.get(DEBUG_ENV):
            raise
        first = (str(exc).splitlines() or [""])[0][:300]
        report_error(prog, f"internal error: {type(exc).__name__}: {first} "
                           f"(a bug in dlrsim; {DEBUG_ENV}=1 shows the traceback)", json_output=json_output)
        return USAGE


if __name__ == "__main__":
    raise SystemExit(main())
