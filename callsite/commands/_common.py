"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse

from callsite.errors import DlrsimError


def count(text: str) -> int:
    """A non-negative whole number for --calls and friends."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number, got {text!r}")
    return n


def positive(text: str) -> int:
    n = count(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return n


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
