"""`dlrsim experiment`: the seeds' experiments, side by side on the simulator, Mono and CoreCLR.

``list`` shows them, ``run NAME|--all`` runs them (results as JSON and PNG under
``./dlrsim-out/experiments/``, or ``--out DIR``; ``--refresh-results`` rewrites the
committed ``experiments/results/`` instead), ``report`` regenerates the markdown
results table from those JSON files.
"""

from __future__ import annotations

from pathlib import Path

from callsite.commands._common import positive
from callsite.errors import DlrsimError
from callsite.output import format_table, print_json

RUNTIMES = ("mono", "coreclr")  # run by default
ALL_RUNTIMES = ("mono", "coreclr", "net8")


def register(sub) -> None:
    p = sub.add_parser("experiment", help="the seed articles' experiments on the simulator, Mono and CoreCLR",
                       description="Reproduce the leak article's and the assembly-lifetime issue's experiments "
                                   "with one command each; results go to ./dlrsim-out/experiments/ (--out DIR to choose).")
    esub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    esub.required = True
    lp = esub.add_parser("list", help="the experiments: number, name, title, the claim under test")
    lp.add_argument("--json", action="store_true", help="print JSON")
    lp.set_defaults(func=run_list)
    rp = esub.add_parser("run", help="run one experiment (or --all); writes JSON and PNG results")
    g = rp.add_mutually_exclusive_group(required=True)
    g.add_argument("name", nargs="?", help="experiment name or number (see `dlrsim experiment list`)")
    g.add_argument("--all", action="store_true", help="every experiment, in order")
    rp.add_argument("--runtime", action="append", choices=ALL_RUNTIMES,
                    help="real runtime(s) (repeatable; default: mono and coreclr)")
    rp.add_argument("--calls", type=positive, metavar="N",
                    help="calls per run (experiment 8: simulator calls per N, the runtimes a fifth; "
                         "experiment 9: snippets); default: each experiment's own")
    where = rp.add_mutually_exclusive_group()
    where.add_argument("--out", metavar="DIR", help="results folder (default ./dlrsim-out/experiments)")
    where.add_argument("--refresh-results", action="store_true",
                       help="write into the committed experiments/results/ (the README's tables come from there)")
    rp.add_argument("--no-plot", action="store_true", help="skip the PNG plots")
    rp.add_argument("--json", action="store_true", help="print the result documents as JSON")
    rp.set_defaults(func=run_run)
    pp = esub.add_parser("report", help="the markdown results table, regenerated from the JSON results")
    pp.add_argument("--results", metavar="DIR",
                    help="results folder (default: the committed experiments/results; "
                         "your own runs: --results dlrsim-out/experiments)")
    pp.add_argument("-o", "--output", metavar="FILE", help="write the markdown here instead of stdout")
    pp.add_argument("--json", action="store_true", help="print the loaded result summaries as JSON")
    pp.set_defaults(func=run_report)


def run_list(args) -> int:
    from experiments import registry

    exps = registry.all_experiments()
    if args.json:
        print_json([e.to_dict() for e in exps])
        return 0
    print(format_table(["#", "name", "title"], [[e.number, e.name, e.title] for e in exps]))
    print("\nrun one: dlrsim experiment run NAME [--runtime mono|coreclr] [--calls N]; all: --all")
    return 0


def run_run(args) -> int:
    from callsite.output import progress
    from experiments import common, registry

    if args.all and args.name:
        raise DlrsimError("give an experiment name or --all, not both")
    exps = registry.all_experiments() if args.all else [registry.get(args.name)]
    runtimes = tuple(dict.fromkeys(args.runtime or RUNTIMES))
    from callsite.output import output_dir

    if args.refresh_results:
        out_dir = common.RESULTS
    else:
        out_dir = output_dir(args.out or common.default_out_dir(), "--out")
    docs = []
    steps_per = len(runtimes) * 2 + 2
    bar = progress(total=len(exps) * steps_per, desc="experiments", disable=args.json)
    bar.unit = "step"
    try:
        for e in exps:
            mod = e.load()
            bar.set_description(f"experiment {e.number} ({e.name})")
            command = (f"dlrsim experiment run {e.name}" + (f" --calls {args.calls}" if args.calls is not None else "")
                       + "".join(f" --runtime {r}" for r in runtimes))
            doc = common.run_one(mod, calls=args.calls, runtimes=runtimes, out_dir=out_dir, command=command,
                                 plot=not args.no_plot, tick=lambda what: bar.update(1))
            docs.append(doc)
    finally:
        bar.close()
    if args.json:
        print_json(docs if args.all else docs[0])
        return 0
    from experiments import report

    print(report.markdown(docs))
    print()
    for d in docs:
        print(f"written: {d['json_path']}" + (f", {d['png_path']}" if d.get("png_path") else ""))
    return 0


def run_report(args) -> int:
    from experiments import report

    from callsite.output import output_file

    folder = Path(args.results) if args.results else None
    if folder is not None and not folder.is_dir():
        raise DlrsimError(f"--results {folder}: no such folder")
    target = output_file(args.output, "--output") if args.output else None
    docs = report.load_results(folder)
    if args.json:
        print_json([{k: d.get(k) for k in ("number", "experiment", "title", "command", "finished",
                                           "runtime_versions", "json_path")} for d in docs])
        return 0
    text = report.markdown(docs)
    if target is not None:
        target.write_text(text + "\n")
    else:
        print(text)
    return 0
