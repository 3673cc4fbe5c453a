"""`dlrsim run`: run a compiled C# program on a real runtime and report every dynamic call site."""

from __future__ import annotations

import argparse
import sys

from callsite.commands._common import add_timeout
from callsite.errors import DlrsimError
from callsite.output import format_table, print_json


def register(sub) -> None:
    from binders import runtimes

    p = sub.add_parser(
        "run", help="run a compiled C# program and report each dynamic call site (calls, binds, caches, findings)",
        description="Rewrite PROGRAM's IL in memory (every CallSite<T>.Create and Target load), run it on a real "
                    "runtime and report, per dynamic call site of its source: calls, binds, L1/L2 rules, "
                    "instance-restricted rules, the inline-cache state and the detector's findings. The "
                    "program's stdout, stderr and exit code are passed through and recorded. Exit code: 0, or 1 "
                    "when a finding at warning level or above came out, 2 for dlrsim's own errors; the "
                    "program's exit code is in the report.")
    p.add_argument("--runtime", choices=sorted(runtimes.RUNTIMES), default=runtimes.DEFAULT,
                   help=f"the runtime to run on (default {runtimes.DEFAULT})")
    add_timeout(p, 600.0, "the program (the partial report still comes out)")
    p.add_argument("--json", action="store_true", help="print one JSON object (the program's output goes to stderr)")
    p.add_argument("--format", choices=["text", "json", "sarif"], default=None,
                   help="text (default), json, or sarif: findings at their source lines with the linter's rule IDs")
    p.add_argument("--record", metavar="FILE.yaml",
                   help="also write what the program did as a dlrsim-workload/1 file (replay it with "
                        "`dlrsim compare --workload FILE --runtime R`)")
    p.add_argument("--heapshots", metavar="FILE",
                   help="heap shots before the entry point and at exit, written to FILE (read with "
                        "`dlrsim heap`): Mono's log profiler (.mlpd), EventPipe on coreclr/net8 (.nettrace)")
    p.add_argument("--lint", metavar="SRC_DIR",
                   help="also lint SRC_DIR and say which runtime-leaky sites the linter found, missed, and which "
                        "lint findings did not leak in this run")
    p.add_argument("--out", metavar="DIR", help="folder for the run's files (default ./dlrsim-out/run-...)")
    p.add_argument("program", metavar="PROGRAM", help="a .NET executable (.exe/.dll built by mcs or Roslyn)")
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the program")
    p.set_defaults(func=run)


def run(args) -> int:
    from binders.program import runner
    from callsite import sitereport

    fmt = args.format or ("json" if args.json else "text")
    if args.json and fmt == "text":
        fmt = "json"
    if args.record and not args.record.endswith((".yaml", ".yml", ".json")):
        raise DlrsimError(f"--record {args.record}: give a .yaml, .yml or .json file name")
    if args.lint:
        import os

        if not os.path.exists(args.lint):
            raise DlrsimError(f"--lint {args.lint}: no such file or folder")
    # Output paths the user named are checked before the program runs, not after it.
    from callsite.output import output_dir, output_file

    if args.record:
        args.record = str(output_file(args.record, "--record"))
    if args.heapshots:
        args.heapshots = str(output_file(args.heapshots, "--heapshots"))
    if args.out:
        args.out = str(output_dir(args.out, "--out"))
    out = sys.stdout.buffer if fmt == "text" else sys.stderr.buffer
    result = runner.run(args.program, args.args, runtime=args.runtime, timeout=args.timeout, out_dir=args.out,
                        record=bool(args.record), heapshots=args.heapshots,
                        passthrough=(out, sys.stderr.buffer))
    report = sitereport.build(result)
    problems = []
    if args.heapshots and result.first("heapshots"):
        from callsite.runheap import heap_evidence

        report.extra["heapshots"] = heap_evidence(report, str(result.heapshots))
    elif args.heapshots:
        problems.append(f"--heapshots: the program ended before the exit shot was taken ({result.heapshots})")
    if args.record:
        from binders.program.record import write_workload

        try:
            report.extra["record"] = write_workload(result, report, args.record)
        except DlrsimError as exc:  # the report still comes out; the error is ours, exit 2
            report.extra["record"] = {"error": str(exc)}
            problems.append(str(exc))
    if args.lint:
        from callsite.runlint import compare_with_lint

        report.extra["lint"] = compare_with_lint(report, args.lint)
    if fmt == "json":
        print_json(report.to_dict())
    elif fmt == "sarif":
        from callsite.runlint import sarif_text

        sys.stdout.write(sarif_text(report))
    else:
        sys.stdout.write(render_text(report))
    if problems:
        sys.stdout.flush()
        raise DlrsimError(problems[0])
    return report.exit_code


def render_text(report) -> str:
    o = report.outcome
    lines = ["", f"dlrsim run: {report.program} on {report.runtime_version or report.runtime} "
                 f"(symbols: {report.symbols})"]
    if o.get("status") == "returned":
        lines.append(f"program returned exit code {o['exit_code']}")
    elif o.get("status") == "exited":
        lines.append(f"program called Environment.Exit({o['exit_code']})")
    elif o.get("status") == "threw":
        ex = o.get("exception") or {}
        lines.append(f"program threw {ex.get('type')}: {ex.get('message')} (sites so far below)")
    elif o.get("status") == "timed-out":
        lines.append("program timed out and was stopped (partial report: the last state read)")
    else:
        lines.append(f"program ended without a report of its own ({o.get('status')}); partial report below")
    rows = []
    for s in report.sites:
        where = f"{_short(s['file'])}:{s['line']}" if s["file"] else "(no symbols)"
        rows.append([where, s["method"], f"{s['kind'] or '?'} {s['member'] or ''}".strip(), s["calls"], s["binds"],
                     s["l1_rules"], s["l2_rules"], s["instance_rules"], s["ic_state"],
                     ", ".join(f["kind"] for f in s["findings"]) or "-"])
    lines.append(f"{len(report.sites)} of the program's {report.extra.get('sites_in_program', len(report.sites))} "
                 "dynamic call sites ran")
    if rows:
        lines.append(format_table(["site", "method", "operation", "calls", "binds", "L1", "L2", "inst", "ic",
                                   "findings"], rows))
    else:
        lines.append("no dynamic call sites")
    for s in report.sites:
        for f in s["findings"]:
            where = f"{_short(s['file'])}:{s['line']}" if s["file"] else s["method"]
            lines.append(f"{where}: {f['severity']}: {f['kind']}: {f['message']}")
            lines.append(f"    fix: {f['fix']}")
    lint = report.extra.get("lint")
    if lint:
        lines.append(f"linter: found {len(lint['found'])} of the {len(lint['found']) + len(lint['missed'])} "
                     f"runtime-leaky sites, missed {len(lint['missed'])}; {len(lint['not_leaked'])} lint "
                     f"findings did not leak in this run")
    rec = report.extra.get("record")
    if rec and "path" in rec:
        lines.append(f"recorded {rec['calls']} calls at {rec['sites']} sites to {rec['path']}")
    shots = report.extra.get("heapshots")
    if isinstance(shots, dict):
        lines.append(f"heap shots (before, exit) in {shots['file']}: managed heap {shots['heap_bytes_before']:,} B "
                     f"before, {shots['heap_bytes_at_exit']:,} B at exit")
        for s in report.sites:
            for h in s.get("heap", []):
                lines.append(f"  {_short(s['file']) if s['file'] else s['method']}:{s['line']}: {h['held_by_rules']} of "
                             f"{h['live_at_exit']} live {h['type']} at exit are held by this site's rules "
                             f"({h['live_before']} before)")
    lines.append(f"run files in {report.extra['out_dir']}")
    return "\n".join(lines) + "\n"


def _short(path: str) -> str:
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path
