"""Helpers the ``dlrsim heap`` commands share: the ownership view the options ask for, and names and
paths shortened for a terminal."""

from __future__ import annotations

import argparse

from callsite.errors import DlrsimError
from callsite.output import status


def view_for(snap, args: argparse.Namespace):
    """The ownership view the options ask for (rules files, groups, root object, ignored references)."""
    from callsite.heap.classify import classifier
    from callsite.heap.owners import resolve_object
    from callsite.heap.ownership import OwnershipView

    c = classifier(getattr(args, "rules", None) or (), enable=getattr(args, "enable", None) or (),
                   disable=getattr(args, "disable", None) or ())
    root = getattr(args, "rootobject", None)
    ignore = []
    for spec in getattr(args, "ignore_ref", None) or ():
        a, sep, b = spec.partition(":")
        if not sep:
            raise DlrsimError(f"--ignore-ref wants REFERRER:TARGET (each #INDEX or an address), not {spec!r}")
        ignore.append((resolve_object(snap, a), resolve_object(snap, b)))
    with status(f"applying the ownership rules to {len(snap):,} objects"):
        view = OwnershipView(snap, c, root_object=resolve_object(snap, root) if root else None, ignore=ignore)
        view.owners()
    return view


def visible_mask(snap, args: argparse.Namespace):
    """Objects to count: all, or all but the harness's (the default)."""
    if getattr(args, "include_harness", True):
        return None
    return ~view_for(snap, args).is_harness()


def filter_rows(rows, args: argparse.Namespace, key, *snaps):
    from callsite.heap.names import class_matcher

    if not getattr(args, "cls", None):
        return rows
    keep = class_matcher(args.cls)
    return [r for r in rows if keep(key(r))]


def display_name(name: str, args: argparse.Namespace) -> str:
    """A class (or owner) name for a terminal: namespaces dropped, cut to --width."""
    from callsite.heap.names import short_name

    if getattr(args, "full_names", False):
        return name
    return short_name(name, getattr(args, "width", 60))


def path_text(steps: list[dict], args: argparse.Namespace, indent: int = 6) -> str:
    """A path on one line, or one step per line when that line would not fit the terminal."""
    import shutil

    from callsite.heap.names import folded
    from callsite.heap.owners import step_text

    labels = [step_text(x, lambda c: display_name(c, args)) for x in steps]
    one = folded(labels)
    if indent + len(one) <= shutil.get_terminal_size((100, 24)).columns:
        return one
    return folded(labels, sep="\n" + " " * indent + "-> ")
