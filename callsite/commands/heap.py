"""``dlrsim heap``: read Mono heap shots (.mlpd) and show what holds memory.

Subcommands: ``list`` (shots in a file), ``summary`` (per-class counts and
bytes), ``diff`` (per-class change between two shots), ``dominators``
(retained sizes), ``paths`` (shortest retention paths from roots, with root
kinds) and ``treemap`` (an HTML treemap of the dominator tree). A snapshot
is ``FILE.mlpd`` (last shot), ``FILE.mlpd@N`` or ``FILE.mlpd@POINT``.
"""

from __future__ import annotations

import argparse
import os
import sys

from callsite.commands._common import positive
from callsite.errors import DlrsimError
from callsite.output import format_table, print_json


_PARTIAL = {"on": False}


def _read(path: str, *, quiet: bool = False):
    """Read a file with a progress bar on stderr for long reads (shown after ~1 s).

    With ``--partial`` a damaged file yields the shots read before the damage
    (and a warning with the byte offset) instead of an error.
    """
    from tqdm import tqdm

    from callsite.heap.formats import read_heap_file

    if not os.path.exists(path):
        raise DlrsimError(f"{path}: no such file")
    size = os.path.getsize(path)
    with tqdm(total=size, desc=f"reading {os.path.basename(path)}", file=sys.stderr, delay=1.0,
              disable=quiet, unit="B", unit_scale=True, leave=False) as bar:
        f = read_heap_file(path, progress=bar.update, allow_partial=_PARTIAL["on"])
    if f.error is not None:
        sys.stderr.write(f"dlrsim heap: warning: {f.error}; using the {len(f.shots)} complete heap shots before it\n")
    return f


def _snapshot(spec: str, index: str | None, cache: dict):
    from callsite.heap.snapshot import Snapshot, split_spec

    path, _ = split_spec(spec)
    if path not in cache:
        cache[path] = _read(path)
    return Snapshot.load(spec, index=index, mlpd=cache[path])


def _fmt(n: int) -> str:
    return f"{n:+,}" if n else "0"


def _partial(args: argparse.Namespace) -> None:
    _PARTIAL["on"] = bool(getattr(args, "partial", False))


def cmd_list(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.snapshot import list_shots

    f = _read(args.file)
    rows = list_shots(f)
    if args.json:
        print_json({"file": args.file, "header": {"data_version": f.header.data_version, "pid": f.header.pid,
                                                   "args": f.header.args}, "shots": rows})
        return 0
    cols = ["index", "point", "time_s", "objects", "bytes", "roots"] + (["pause_ms"] if rows and "pause_ms" in rows[0]
                                                                        else [])
    print(format_table(cols, [[r.get(c) if r.get(c) is not None else "" for c in cols] for r in rows]))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    _partial(args)
    snap = _snapshot(args.snapshot, args.index, {})
    stats = snap.statistics(args.by, reachable_only=args.reachable)
    top = stats[: args.top] if args.top else stats
    info = snap.summary()
    if args.json:
        info["statistics"] = [{"key": s.key, "count": s.count, "bytes": s.size} for s in top]
        info["groups"] = len(stats)
        print_json(info)
        return 0
    kinds = ", ".join(f"{k} {v}" for k, v in info["roots_by_kind"].items())
    print(f"{info['snapshot']}: {info['objects']:,} objects, {info['bytes']:,} bytes, "
          f"{info['references']:,} references, {info['roots']:,} roots ({kinds})")
    print(format_table([args.by, "count", "bytes"], [[s.key, s.count, s.size] for s in top]))
    if args.top and len(stats) > args.top:
        print(f"... {len(stats) - args.top} more (use --top)")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.diff import diff_totals

    cache: dict = {}
    before = _snapshot(args.before, None, cache)
    after = _snapshot(args.after, None, cache)
    diffs = after.compare_to(before, args.by, reachable_only=args.reachable)
    if not args.all:
        diffs = [d for d in diffs if d.count_diff or d.size_diff]
    top = diffs[: args.top] if args.top else diffs
    totals = diff_totals(before, after)
    if args.json:
        totals["changes"] = [{"key": d.key, "count": d.count, "count_diff": d.count_diff,
                              "bytes": d.size, "bytes_diff": d.size_diff} for d in top]
        print_json(totals)
        return 0
    print(f"{before.label} -> {after.label}: objects {_fmt(totals['objects_diff'])}, "
          f"bytes {_fmt(totals['bytes_diff'])}")
    print(format_table([args.by, "count", "count_diff", "bytes", "bytes_diff"],
                       [[d.key, d.count, _fmt(d.count_diff), d.size, _fmt(d.size_diff)] for d in top]))
    return 0


def cmd_dominators(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.dominators import dominator_tree
    from callsite.heap.paths import path_to

    snap = _snapshot(args.snapshot, args.index, {})
    tree = dominator_tree(snap, args.algorithm)
    top = tree.top(args.top)
    rows = []
    for o in top.tolist():
        idom = int(tree.idom[o])
        p = path_to(snap, o)
        rows.append({
            "index": o, "class": snap.class_of(o), "address": f"0x{int(snap.addr[o]):x}",
            "size": int(snap.size[o]), "retained": int(tree.retained[o]),
            "idom": None if idom == tree.super_root else {"index": idom, "class": snap.class_of(idom)},
            "root": p.root.label() if p else None,
        })
    reachable = int(tree.retained[tree.super_root])
    if args.json:
        print_json({"snapshot": snap.label, "algorithm": args.algorithm, "reachable_bytes": reachable,
                    "total_bytes": snap.total_size, "top": rows})
        return 0
    print(f"{snap.label}: {reachable:,} of {snap.total_size:,} bytes reachable from roots")
    print(format_table(["class", "size", "retained", "dominated by", "held by"],
                       [[r["class"], r["size"], r["retained"], r["idom"]["class"] if r["idom"] else "(root)",
                         r["root"] or ""] for r in rows]))
    return 0


def cmd_paths(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.paths import path_summary, retention_paths, unreachable

    snap = _snapshot(args.snapshot, args.index, {})
    matches = snap.find(args.cls)
    paths = retention_paths(snap, args.cls, max_paths=args.max)
    n_unreach = len(unreachable(snap, matches))
    groups = path_summary(snap, args.cls, top=args.max) if args.group else []
    if args.json:
        print_json({
            "snapshot": snap.label, "pattern": args.cls, "matching_objects": int(len(matches)),
            "unreachable_objects": n_unreach,
            "paths": [p.to_dict(snap) for p in paths],
            "groups": [{"count": g["count"], "root": g["root"], "classes": g["classes"]} for g in groups],
        })
        return 0
    print(f"{snap.label}: {len(matches)} objects match {args.cls!r}; "
          f"{n_unreach} of them are not reachable from any root")
    if args.group:
        for g in groups:
            print(f"{g['count']:>8} x  {g['root']} -> " + " -> ".join(g["classes"]))
        return 0
    for i, p in enumerate(paths, 1):
        print(f"path {i} ({len(p.objects)} objects):")
        print(p.format(snap))
    return 0


def cmd_treemap(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.dominators import dominator_tree
    from callsite.heap.treemap import write_treemap

    snap = _snapshot(args.snapshot, args.index, {})
    tree = dominator_tree(snap)
    out = args.output or (os.path.splitext(snap.path)[0] + f".{snap.index}.treemap.html")
    try:
        write_treemap(snap, out, tree)
    except OSError as exc:
        raise DlrsimError(f"cannot write {out}: {exc.strerror or exc}") from None
    if args.json:
        print_json({"snapshot": snap.label, "output": out, "reachable_bytes": int(tree.retained[tree.super_root])})
    else:
        print(f"wrote {out}")
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    from binders.diagnostics import DiagnosticsError, socket_path
    from binders.dotnet_heapshot import EventPipeHeapshots

    try:
        socket_path(args.pid)  # fails before any file is touched
        session = EventPipeHeapshots(args.output, append=args.append)
        name = args.point or f"pid{args.pid}-{len(session.points)}"
        index = session.take_from(args.pid, name, timeout=args.timeout)
    except (DiagnosticsError, OSError) as exc:
        raise DlrsimError(f"heap dump of process {args.pid}: {exc}") from None
    point = session.points[-1]
    if args.json:
        print_json({"file": args.output, "shot": index, "point": name, "pid": args.pid,
                    "stream_bytes": point["stream_bytes"], "seconds": point["pause_s"]})
    else:
        print(f"wrote heap shot {index} ({name}) of process {args.pid} to {args.output} "
              f"({point['stream_bytes']:,} bytes, {point['pause_s']:.2f} s)")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("heap", help="analyse heap shots (Mono .mlpd, CoreCLR/.NET .nettrace): summary, diff, "
                                           "dominators, paths",
                              description="Read heap shots (Mono .mlpd; EventPipe .nettrace from CoreCLR 3.1+ and "
                                          ".NET 5-8) and show what holds memory.")
    sub = p.add_subparsers(dest="heap_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True

    def partial_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--partial", action="store_true",
                        help="on a damaged file, use the heap shots read before the damage")

    def snap_args(sp: argparse.ArgumentParser) -> None:
        partial_arg(sp)
        sp.add_argument("snapshot", metavar="SNAP",
                        help="FILE (.mlpd or .nettrace: the last shot), FILE@N or FILE@POINT")
        sp.add_argument("--index", metavar="N|POINT", help="which heap shot of the file (overrides @)")
        sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = sub.add_parser("list", help="heap shots in a file, with point names")
    sp.add_argument("file", metavar="FILE", help="a .mlpd (Mono) or .nettrace (CoreCLR, .NET) file")
    partial_arg(sp)
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_list)

    sp = sub.add_parser("summary", help="per-class object counts and bytes")
    snap_args(sp)
    sp.add_argument("--top", type=positive, default=30, help="rows to show (default 30)")
    sp.add_argument("--by", choices=["class", "namespace", "generation"], default="class")
    sp.add_argument("--reachable", action="store_true", help="count only objects reachable from roots")
    sp.set_defaults(func=cmd_summary)

    sp = sub.add_parser("diff", help="per-class change in count and bytes between two shots")
    sp.add_argument("before", metavar="BEFORE")
    sp.add_argument("after", metavar="AFTER")
    partial_arg(sp)
    sp.add_argument("--top", type=positive, default=30, help="rows to show (default 30)")
    sp.add_argument("--by", choices=["class", "namespace", "generation"], default="class")
    sp.add_argument("--reachable", action="store_true", help="count only objects reachable from roots")
    sp.add_argument("--all", action="store_true", help="also list unchanged groups")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_diff)

    sp = sub.add_parser("dominators", help="objects retaining the most memory (dominator tree)")
    snap_args(sp)
    sp.add_argument("--top", type=positive, default=20, help="objects to show (default 20)")
    sp.add_argument("--algorithm", choices=["lt", "iterative"], default="lt",
                    help="Lengauer-Tarjan (default) or the iterative Cooper-Harvey-Kennedy algorithm")
    sp.set_defaults(func=cmd_dominators)

    sp = sub.add_parser("paths", help="shortest retention paths from roots to objects of a class")
    snap_args(sp)
    sp.add_argument("--class", dest="cls", required=True, metavar="PATTERN",
                    help="class name, short name, substring, or glob with * and ?")
    sp.add_argument("--max", type=positive, default=5, help="paths (or groups) to show (default 5)")
    sp.add_argument("--group", action="store_true",
                    help="group the paths of all matching objects by shape and count them")
    sp.set_defaults(func=cmd_paths)

    sp = sub.add_parser("dump", help="dump the GC heap of a running .NET Core 3+ / .NET 5-8 process (EventPipe)")
    sp.add_argument("pid", type=positive, metavar="PID")
    sp.add_argument("-o", "--output", required=True, metavar="FILE.nettrace", help="where to write the shot")
    sp.add_argument("--append", action="store_true", help="add the shot to FILE instead of replacing it")
    sp.add_argument("--point", metavar="NAME", help="name the shot (FILE@NAME); default pidPID-N")
    sp.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_dump)

    sp = sub.add_parser("treemap", help="write an HTML treemap of the dominator tree")
    snap_args(sp)
    sp.add_argument("-o", "--output", metavar="FILE.html", help="default: next to the .mlpd")
    sp.set_defaults(func=cmd_treemap)
