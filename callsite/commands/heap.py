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

from callsite.commands._common import add_timeout, positive
from callsite.commands._heap_common import display_name, filter_rows, path_text, view_for, visible_mask
from callsite.errors import DlrsimError
from callsite.output import format_table, print_json, status


_PARTIAL = {"on": False}
#: Snapshots kept across the commands of one ``heap shell`` session (spec -> Snapshot).
_SESSION: dict | None = None


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
    from callsite.heap.formats import HeapFormatError

    with tqdm(total=size, desc=f"reading {os.path.basename(path)}", file=sys.stderr, delay=1.0,
              disable=quiet or not sys.stderr.isatty(), unit="B", unit_scale=True, leave=False) as bar:
        try:
            f = read_heap_file(path, progress=bar.update, allow_partial=_PARTIAL["on"])
        except HeapFormatError as exc:
            if _PARTIAL["on"]:
                raise
            raise DlrsimError(f"{exc} (--partial uses the complete heap shots before the damage)") from None
    if f.error is not None:
        if not f.shots:
            raise DlrsimError(f"{f.error}; the damage comes before the first complete heap shot, "
                              "so --partial has nothing to use")
        sys.stderr.write(f"dlrsim heap: warning: {f.error}; using the {len(f.shots)} complete heap shots before it\n")
    return f


def _snapshot(spec: str, index: str | None, cache: dict):
    """One snapshot: from the parsed-graph cache beside the file when it is current, else read and cached."""
    from callsite.heap.snapshot import split_spec

    path, sel = split_spec(spec)
    if index is not None:
        sel = str(index)
    if _SESSION is not None and (path, sel) in _SESSION:
        return _SESSION[(path, sel)]
    snap = _load_snapshot(spec, index, cache, path, sel)
    if _SESSION is not None:
        _SESSION[(path, sel)] = snap
    return snap


def _load_snapshot(spec: str, index: str | None, cache: dict, path: str, sel: str | None):
    from callsite.heap import cache as graph_cache
    from callsite.heap.snapshot import Snapshot, select_index

    use_cache = not _PARTIAL["on"] and not _PARTIAL.get("no_cache")
    if use_cache and path not in cache and os.path.exists(path):
        idx = graph_cache.read_index(path)
        if idx is not None:
            snap = graph_cache.load(path, select_index(idx["shots"], path, sel), None)
            if snap is not None:
                return snap.with_sidecar()
    if path not in cache:
        cache[path] = _read(path)
    snap = Snapshot.load(spec, index=index, mlpd=cache[path])
    if use_cache:
        graph_cache.save(snap)
        graph_cache.write_index(path, len(cache[path].shots))
    return snap


def _fmt(n: int) -> str:
    return f"{n:+,}" if n else "0"


def _partial(args: argparse.Namespace) -> None:
    _PARTIAL["on"] = bool(getattr(args, "partial", False))
    _PARTIAL["no_cache"] = bool(getattr(args, "no_cache", False))


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
    stats = snap.statistics(args.by, reachable_only=args.reachable, mask=visible_mask(snap, args))
    if args.by == "class":
        stats = filter_rows(stats, args, lambda st: st.key, snap)
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
    print(format_table([args.by, "count", "bytes"], [[display_name(s.key, args), s.count, s.size] for s in top]))
    if args.top and len(stats) > args.top:
        print(f"... {len(stats) - args.top} more (use --top)")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.diff import diff_totals

    cache: dict = {}
    before = _snapshot(args.before, None, cache)
    after = _snapshot(args.after, None, cache)
    diffs = after.compare_to(before, args.by, reachable_only=args.reachable,
                             masks=(visible_mask(before, args), visible_mask(after, args)))
    if args.by == "class":
        diffs = filter_rows(diffs, args, lambda d: d.key, after, before)
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
                       [[display_name(d.key, args), d.count, _fmt(d.count_diff), d.size, _fmt(d.size_diff)] for d in top]))
    return 0


def _tree(args: argparse.Namespace):
    """Snapshot, ownership view, dominator tree (of the kept references unless --raw), class filter."""
    from callsite.heap.dominators import dominator_tree
    from callsite.heap.names import class_matcher

    snap = _snapshot(args.snapshot, args.index, {})
    view = view_for(snap, args)
    with status(f"building the dominator tree of {len(snap):,} objects"):
        tree = dominator_tree(snap, args.algorithm, view=view if not args.raw else None)
    return snap, view, tree, (class_matcher(args.cls) if args.cls else None)


def cmd_dominators(args: argparse.Namespace) -> int:
    _partial(args)
    import numpy as np

    snap, view, tree, keep = _tree(args)
    hidden = None if args.include_harness else view.is_harness()
    n = len(snap)
    r = tree.retained[:n].copy()
    if hidden is not None:
        r[hidden] = -1
    if keep is not None:
        ok = np.array([keep(nm) for nm in snap.class_names], dtype=bool)
        r[~ok[snap.class_id]] = -1
    cand = np.argsort(-r, kind="stable")[: args.top * 8]
    cand = cand[r[cand] > 0]
    rows, shown = [], {}
    for o in cand.tolist():
        idom = int(tree.idom[o])
        # a link of a chain already shown (dominated by it, retaining nearly as much) folds into it
        if idom in shown and tree.retained[o] * 10 >= tree.retained[idom] * 9 and not args.unfold:
            row = shown[idom]
            row["folded"].append(snap.class_of(o))
            shown[o] = row
            continue
        if len(rows) >= args.top:
            continue
        row = {"index": o, "class": snap.class_of(o), "address": f"0x{int(snap.addr[o]):x}",
               "size": int(snap.size[o]), "retained": int(tree.retained[o]),
               "idom": None if idom == tree.super_root else {"index": idom, "class": snap.class_of(idom)},
               "owner": view.owner_label(o), "folded": []}
        root = view.lifeline_root(o)
        row["root"] = root.label() if root is not None else None
        rows.append(row)
        shown[o] = row
    reachable = int(tree.retained[tree.super_root])
    if args.json:
        print_json({"snapshot": snap.label, "algorithm": tree.algorithm, "ownership_rules": not args.raw,
                    "reachable_bytes": reachable, "total_bytes": snap.total_size, "top": rows})
        return 0
    print(f"{snap.label}: {reachable:,} of {snap.total_size:,} bytes reachable from roots")
    print(format_table(["class", "size", "retained", "dominated by", "owner"],
                       [[display_name(r["class"], args) + (f" (+{len(r['folded'])} links)" if r["folded"] else ""),
                         r["size"], r["retained"], display_name(r["idom"]["class"], args) if r["idom"] else "(root)",
                         display_name(r["owner"], args)] for r in rows]))
    return 0


def cmd_owners(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.owners import owner_groups

    snap = _snapshot(args.snapshot, args.index, {})
    view = view_for(snap, args)
    objs = snap.find(args.cls)
    out = owner_groups(view, objs, include_harness=args.include_harness, limit=args.max)
    out["pattern"] = args.cls
    if args.json:
        print_json(out)
        return 0
    print(f"{snap.label}: {out['objects']} objects match {args.cls!r}: {out['live_objects']} live, "
          f"{out['pending_finalization']} pending finalization"
          + (f", {out['harness_objects']} held only by the harness (--include-harness)" if out["harness_objects"] else ""))
    for g in out["groups"]:
        print(f"{g['objects']:>8} objects {g['bytes']:>10,} B  owner: {g['owner']}")
        if g["path"]:
            print("      " + path_text(g["path"], args, 6))
    if out["more_groups"]:
        print(f"... {out['more_groups']:,} more groups (--max)")
    return 0


def cmd_retainers(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.owners import resolve_object, retainers

    snap = _snapshot(args.snapshot, args.index, {})
    view = view_for(snap, args)
    if args.object is not None:
        obj = resolve_object(snap, args.object)
    else:
        objs = snap.find(args.cls)
        if not len(objs):
            raise DlrsimError(f"no object of a class matching {args.cls!r} in {snap.label}")
        if args.nth >= len(objs):
            raise DlrsimError(f"--nth {args.nth}: only {len(objs)} objects match {args.cls!r}")
        obj = int(objs[args.nth])
    out = retainers(view, obj)
    if args.json:
        print_json(out)
        return 0
    o = out["object"]
    state = "live" if out["live"] else ("pending finalization (not live)" if out["pending_finalization"] else "not reachable")
    print(f"{snap.label}: #{o['index']} {display_name(o['class'], args)} @{o['address']} [{o['size']} B]: {state}"
          + (f", owner: {out['owner']}" if out["owner"] else ""))
    if out["lifeline"]:
        print("  lifeline: " + path_text(out["lifeline"], args, 12))
    for r in out["roots"]:
        print(f"  root {r['label']}" + (f" [{r['rule']}]" if r["rule"] else "") + ("" if r["kept"] else " (outweighed)"))
    for r in out["references"]:
        ref = r["referrer"]
        tag = r["rule"] or f"weight {r['weight']}"
        flags = ("on lifeline" if r["on_lifeline"] else "kept" if r["kept"] else "outweighed")
        if r["referrer_pending"]:
            flags = "referrer pending finalization"
        elif not r["referrer_live"]:
            flags = "referrer not live"
        print(f"  <- #{ref['index']} {display_name(ref['class'], args)}.{r['field']}  [{tag}; {flags}]")
        if r["lifeline"] and args.lifelines:
            print("       " + path_text(r["lifeline"], args, 7))
    return 0


def cmd_domstats(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.domstats import floating_classes, retained_by_class

    snap, view, tree, keep = _tree(args)
    mask = None if args.include_harness else ~view.is_harness()
    if args.retained:
        rows = retained_by_class(snap, tree, keep=keep, mask=mask)[: args.top]
        if args.json:
            print_json({"snapshot": snap.label, "classes": rows})
            return 0
        print(format_table(["class", "objects", "bytes", "retained"],
                           [[display_name(r["class"], args), r["objects"], r["bytes"], r["retained"]] for r in rows]))
        return 0
    out = floating_classes(snap, tree, keep=keep, mask=mask)
    out["classes"] = out["classes"][: args.top]
    if args.json:
        print_json(out)
        return 0
    print(f"{snap.label}: {out['floating_objects']:,} of {out['reachable_objects']:,} reachable objects "
          f"are dominated only by the process (float to the top)")
    print(format_table(["class", "objects", "retained"],
                       [[display_name(r["class"], args), r["objects"], r["bytes"]] for r in out["classes"]]))
    return 0


def cmd_domdiff(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.dominators import dominator_tree
    from callsite.heap.domstats import dominator_diff
    from callsite.heap.names import class_matcher

    cache: dict = {}
    pair = []
    for spec in (args.before, args.after):
        snap = _snapshot(spec, None, cache)
        view = view_for(snap, args)
        with status(f"building the dominator tree of {len(snap):,} objects"):
            pair.append((view, dominator_tree(snap, args.algorithm, view=view)))
    out = dominator_diff(pair[0], pair[1], keep=class_matcher(args.cls) if args.cls else None)
    out["changes"] = out["changes"][: args.top]
    if args.json:
        print_json(out)
        return 0
    print(f"{out['before']} -> {out['after']}: retained {_fmt(out['retained_after'] - out['retained_before'])} bytes")
    print(format_table(["owner", "class", "retained_diff", "objects_diff", "retained_after"],
                       [[display_name(r["owner"], args), display_name(r["class"], args), _fmt(r["retained_diff"]),
                         _fmt(r["objects_diff"]), r["retained_after"]] for r in out["changes"]]))
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


def cmd_shell(args: argparse.Namespace) -> int:
    """Read commands (``owners --class X``, ``retainers --class X --nth 2``, ...) and run them on SNAP
    with the snapshot kept in memory between them; ``quit`` or end of input stops."""
    import shlex

    from callsite.cli import main

    global _SESSION
    _SESSION = {}
    _snapshot(args.snapshot, None, {})  # load once, and fail early on a bad file
    interactive = sys.stdin.isatty()
    try:
        while True:
            try:
                line = input("heap> " if interactive else "")
            except EOFError:
                break
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] in ("quit", "exit"):
                break
            if words[0] in ("help", "?"):
                print("commands: summary dominators owners retainers domstats paths treemap (SNAP is implied), "
                      "diff/domdiff BEFORE AFTER; quit")
                continue
            two = words[0] in ("diff", "domdiff")
            argv = ["heap", words[0], *words[1:]] if two else ["heap", words[0], args.snapshot, *words[1:]]
            try:
                main(argv)
            except SystemExit:  # argparse already printed the usage error
                pass
            sys.stdout.flush()
    finally:
        _SESSION = None
    return 0


def cmd_treemap(args: argparse.Namespace) -> int:
    _partial(args)
    from callsite.heap.dominators import dominator_tree
    from callsite.heap.treemap import write_treemap

    snap = _snapshot(args.snapshot, args.index, {})
    view = view_for(snap, args)
    with status(f"building the dominator tree of {len(snap):,} objects"):
        tree = dominator_tree(snap, view=view)
    out = args.output or (os.path.splitext(os.path.basename(snap.path))[0] + f".{snap.index}.treemap.html")
    try:
        write_treemap(snap, out, tree, depth=args.depth, children=args.width, min_size=args.min_size or None,
                      view=view, hide=None if args.include_harness else view.is_harness())
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
        sp.add_argument("--no-cache", action="store_true",
                        help="neither use nor write the parsed graph kept beside the file (FILE.mlpd.dlrsim-cache/)")

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

    def view_args(sp: argparse.ArgumentParser) -> None:
        g = sp.add_argument_group("ownership rules")
        g.add_argument("--rules", action="append", metavar="FILE.owners",
                       help="reference classifiers to add to the built-in groups (format: callsite/heap/classify.py)")
        g.add_argument("--enable", action="append", metavar="GROUP", help="switch a classifier group on (glob)")
        g.add_argument("--disable", action="append", metavar="GROUP",
                       help="switch a classifier group off (glob; built-in: harness, gc-handles, delegates, dlr)")
        g.add_argument("--rootobject", metavar="OBJ", help="analyse only what this object (#INDEX or address) reaches")
        g.add_argument("--ignore-ref", action="append", metavar="REFERRER:TARGET",
                       help="drop one reference (e.g. a back-reference), objects as #INDEX or address")
        g.add_argument("--include-harness", action="store_true",
                       help="also show objects only the harness (pythonnet) holds")

    def name_args(sp: argparse.ArgumentParser, cls: bool = True) -> None:
        if cls:
            sp.add_argument("--class", dest="cls", metavar="PATTERN",
                            help="only classes matching: name, substring, glob (Action<*) or re:REGEX")
        sp.add_argument("--width", type=positive, default=60, help="cut class names to this width (default 60)")
        sp.add_argument("--full-names", action="store_true", help="full class names (JSON always has them)")

    def algo_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--algorithm", choices=["native", "igraph", "lt", "iterative"], default=None,
                        help="dlrsim's compiled Lengauer-Tarjan (default where gcc built it, else igraph), "
                             "igraph's, the Python Lengauer-Tarjan, or the iterative Cooper-Harvey-Kennedy one")

    def shot_args(sp: argparse.ArgumentParser, cls: bool = True) -> None:
        snap_args(sp)
        view_args(sp)
        name_args(sp, cls=cls)

    sp = sub.add_parser("summary", help="per-class object counts and bytes")
    shot_args(sp)
    sp.add_argument("--top", type=positive, default=30, help="rows to show (default 30)")
    sp.add_argument("--by", choices=["class", "namespace", "generation"], default="class")
    sp.add_argument("--reachable", action="store_true", help="count only objects reachable from roots")
    sp.set_defaults(func=cmd_summary)

    def pair_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("before", metavar="BEFORE")
        sp.add_argument("after", metavar="AFTER")
        partial_arg(sp)
        view_args(sp)
        name_args(sp)
        sp.add_argument("--top", type=positive, default=30, help="rows to show (default 30)")
        sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = sub.add_parser("diff", help="per-class change in count and bytes between two shots")
    pair_args(sp)
    sp.add_argument("--by", choices=["class", "namespace", "generation"], default="class")
    sp.add_argument("--reachable", action="store_true", help="count only objects reachable from roots")
    sp.add_argument("--all", action="store_true", help="also list unchanged groups")
    sp.set_defaults(func=cmd_diff)

    sp = sub.add_parser("dominators", help="objects retaining the most memory (dominator tree)")
    shot_args(sp)
    sp.add_argument("--top", type=positive, default=20, help="objects to show (default 20)")
    algo_arg(sp)
    sp.add_argument("--raw", action="store_true", help="tree of all references (no ownership rules)")
    sp.add_argument("--unfold", action="store_true", help="list each link of a chain on its own row")
    sp.set_defaults(func=cmd_dominators)

    sp = sub.add_parser("owners", help="who keeps objects of a class alive, by owner (after the ownership rules)")
    shot_args(sp, cls=False)
    sp.add_argument("--class", dest="cls", required=True, metavar="PATTERN",
                    help="class: name, substring, glob (Action<*) or re:REGEX")
    sp.add_argument("--max", type=positive, default=20, help="owner groups to show (default 20)")
    sp.set_defaults(func=cmd_owners)

    sp = sub.add_parser("retainers", help="every reference to one object, with each referrer's lifeline")
    shot_args(sp, cls=False)
    which = sp.add_mutually_exclusive_group(required=True)
    which.add_argument("--object", metavar="OBJ", help="#INDEX or address")
    which.add_argument("--class", dest="cls", metavar="PATTERN", help="the --nth object of a matching class")
    sp.add_argument("--nth", type=int, default=0, help="with --class: which match (default 0)")
    sp.add_argument("--lifelines", action="store_true", help="print each referrer's lifeline")
    sp.set_defaults(func=cmd_retainers)

    sp = sub.add_parser("domstats", help="classes floating to the top of the dominator tree; --retained: retained size per class")
    shot_args(sp)
    algo_arg(sp)
    sp.add_argument("--top", type=positive, default=30, help="rows to show (default 30)")
    sp.add_argument("--retained", action="store_true", help="retained size per class instead")
    sp.add_argument("--raw", action="store_true", help="tree of all references (no ownership rules)")
    sp.set_defaults(func=cmd_domstats)

    sp = sub.add_parser("domdiff", help="new retained memory between two shots, by owner and class")
    pair_args(sp)
    algo_arg(sp)
    sp.set_defaults(func=cmd_domdiff)

    sp = sub.add_parser("paths", help="shortest retention paths from roots to objects of a class")
    snap_args(sp)
    sp.add_argument("--class", dest="cls", required=True, metavar="PATTERN",
                    help="class: name, substring, glob (Action<*) or re:REGEX")
    sp.add_argument("--max", type=positive, default=5, help="paths (or groups) to show (default 5)")
    sp.add_argument("--group", action="store_true",
                    help="group the paths of all matching objects by shape and count them")
    sp.set_defaults(func=cmd_paths)

    sp = sub.add_parser("dump", help="dump the GC heap of a running .NET Core 3+ / .NET 5-8 process (EventPipe)")
    sp.add_argument("pid", type=positive, metavar="PID")
    sp.add_argument("-o", "--output", required=True, metavar="FILE.nettrace", help="where to write the shot")
    sp.add_argument("--append", action="store_true", help="add the shot to FILE instead of replacing it")
    sp.add_argument("--point", metavar="NAME", help="name the shot (FILE@NAME); default pidPID-N")
    add_timeout(sp, 120.0, "a dump")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_dump)

    sp = sub.add_parser("shell", help="keep one shot loaded and run heap commands on it (an interactive prompt)")
    sp.add_argument("snapshot", metavar="SNAP", help="FILE.mlpd (last shot), FILE.mlpd@N or FILE.mlpd@POINT")
    partial_arg(sp)
    sp.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_shell)

    sp = sub.add_parser("treemap", help="write an HTML treemap of the dominator tree (zoom, search)")
    snap_args(sp)
    view_args(sp)
    sp.add_argument("-o", "--output", metavar="FILE.html", help="default: SNAP.treemap.html in the current folder")
    sp.add_argument("--depth", type=positive, default=4, help="levels of the tree in the file (default 4)")
    sp.add_argument("--width", type=positive, default=40, help="children kept per node (default 40)")
    sp.add_argument("--min-size", type=int, default=0, metavar="BYTES",
                    help="smaller subtrees are merged into one box per parent (default: 0.1%% of the heap)")
    sp.set_defaults(func=cmd_treemap)
