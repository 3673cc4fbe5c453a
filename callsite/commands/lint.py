"""``dlrsim lint``: the static linter for risky ``dynamic`` call sites in C#."""

from __future__ import annotations

import argparse
import sys

from callsite.errors import DlrsimError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "lint", help="find C# dynamic call sites that rebind and leak on COM objects",
        conflict_handler="resolve",  # cli.py may add its own --json to every command (issue 12)
        description="Lint C# sources for dynamic call sites that get instance restrictions "
                    "(COM objects, transparent proxies) and for CallSites created per execution.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="C# files or directories (searched for *.cs)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument("--json", action="store_true", dest="json", help="the same as --format json")
    p.add_argument("--rules", metavar="LIST", help="comma-separated rule IDs to run (default: all default-on rules)")
    p.add_argument("--all", action="store_true", help="also run rules that are off by default (DLR004)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fix", action="store_true", help="insert the casts in place")
    g.add_argument("--diff", action="store_true", help="print the fixes as a unified diff instead")
    p.add_argument("--baseline", metavar="FILE", help="JSON findings (from --format json) to ignore")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes: 0 for one per core, 1 for none (default: one per core, "
                        "fewer when there is little to parse)")
    p.add_argument("--quick", action="store_true",
                   help="parse only files that can have findings (dynamic, CallSite or Binder as a word, "
                        "or a part of their partial types), as semgrep does: several times faster, but "
                        "syntax errors in the other files are not reported")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from callsite.lint import engine, fix, report, sarif

    if args.jobs is not None and args.jobs < 0:
        raise DlrsimError("-j must be 0 (one per core) or more")
    if getattr(args, "json", False):
        args.format = "json"
    rules = args.rules.split(",") if args.rules else None
    enabled = engine.select_rules(rules, args.all)
    baseline = engine.load_baseline(args.baseline) if args.baseline else None
    results = engine.run(args.paths, enabled, args.jobs, args.quick)
    if baseline is not None:
        engine.apply_baseline(results, baseline)

    if args.fix or args.diff:
        chunks = []
        for r in results:
            if r.data is None or not any(f.edits for f in r.findings):
                continue
            fixed = fix.apply_fixes(r.data, r.findings)
            if fixed == r.data:
                continue
            if args.diff:
                chunks.append(fix.unified_diff(r.path, r.data, fixed))
            else:
                try:
                    with open(r.path, "wb") as fh:
                        fh.write(fixed)
                except OSError as exc:
                    raise DlrsimError(f"cannot write {r.path}: {exc.strerror or exc}") from None
        if args.fix:
            # report what remains after fixing
            fixed_paths = [r.path for r in results if r.data is not None]
            again = {r.path: r for r in engine.run(fixed_paths, enabled, args.jobs, args.quick)} if fixed_paths else {}
            if baseline is not None:
                engine.apply_baseline(list(again.values()), baseline)
            results = [again.get(r.path, r) for r in results]
        else:
            sys.stdout.write("".join(chunks))

    findings = engine.all_findings(results)
    if args.format == "json":
        out = report.json_text(findings)
    elif args.format == "sarif":
        out = sarif.sarif_text(findings)
    else:
        out = report.text(findings)
    if not args.diff or args.format != "text":
        if args.output:
            try:
                with open(args.output, "w", encoding="utf-8") as fh:
                    fh.write(out)
            except OSError as exc:
                raise DlrsimError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        elif not args.diff:
            sys.stdout.write(out)
    unparsed = sum(1 for r in results if r.problem is None and not r.parsed) if args.quick else 0
    if not results:
        sys.stderr.write(f"dlrsim lint: no C# (*.cs) files in {', '.join(args.paths)}: linted nothing\n")
        return 0
    sys.stderr.write(report.summary(findings, len(results), unparsed) + "\n")
    if any(r.problem is not None and r.problem.io for r in results):
        return 2  # a file could not be read: the run is incomplete
    return 1 if findings else 0
