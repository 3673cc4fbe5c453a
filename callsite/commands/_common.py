"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse
import math

from callsite.errors import DlrsimError

from callsite.workload import MAX_CALLS  # noqa: E402 - re-exported for the commands


def count(text: str) -> int:
    """A non-negative whole number for --calls and friends."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number, got {text!r}")
    if n > MAX_CALLS:
        raise argparse.ArgumentTypeError(f"at most {MAX_CALLS:,} (10^15), got {text}")
    return n


def positive(text: str) -> int:
    n = count(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return n


def seconds(text: str) -> float:
    """A timeout: a finite number of seconds above zero (``nan`` would disable it, ``-1`` is nonsense)."""
    try:
        s = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not math.isfinite(s) or s <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, got {text!r}")
    return s


def add_timeout(parser: argparse.ArgumentParser, default: float | None, what: str = "a run") -> None:
    shown = "900" if default is None else f"{default:g}"
    parser.add_argument("--timeout", type=seconds, default=default, metavar="SECONDS",
                        help=f"stop {what} that takes longer than this, with its worker process (default {shown})")


def runtime_names() -> list[str]:
    """The real runtimes by name (``binders.runtimes``): a runtime registered there is a choice here."""
    from binders.runtimes import RUNTIMES

    return list(RUNTIMES)


def add_source(parser: argparse.ArgumentParser, *, allow_all: bool = False) -> None:
    """--scenario NAME | --workload FILE (| --all)."""
    g = parser.add_mutually_exclusive_group(required=True)
    g.add_argument("--scenario", metavar="NAME", help="a built-in scenario (see `dlrsim scenarios`)")
    g.add_argument("--workload", metavar="FILE", help="a workload file (.json or .yaml)")
    if allow_all:
        g.add_argument("--all", action="store_true", help="every built-in scenario")


def load_source(args: argparse.Namespace):
    """The Workload named by --scenario or --workload."""
    from callsite.scenarios import get_scenario
    from callsite.workload import load_workload

    if getattr(args, "scenario", None):
        return get_scenario(args.scenario)
    if getattr(args, "workload", None):
        return load_workload(args.workload)
    raise DlrsimError("give --scenario NAME or --workload FILE")
