"""`dlrsim scenarios`: the built-in workloads."""

from __future__ import annotations

import json

from callsite.output import format_table, print_json


def register(sub) -> None:
    p = sub.add_parser("scenarios", help="list the built-in scenarios",
                       description="List the built-in scenarios, or print one as a workload file.")
    p.add_argument("--show", metavar="NAME", help="print the scenario's workload document (JSON), "
                                                  "a starting point for your own workload file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    from callsite.scenarios import get_scenario, names, scenario_document

    if args.show:
        get_scenario(args.show)  # a document that would not load is an error here, not later
        doc = scenario_document(args.show)
        print(json.dumps(doc, indent=2))
        return 0
    rows = []
    for name in names():
        wl = get_scenario("poly-12" if name == "poly-N" else name)
        desc = "One static site fed fresh instances of N classes round robin (any N >= 1)" \
            if name == "poly-N" else wl.description
        rows.append({"name": name, "description": desc, "default_calls": wl.default_calls,
                     "sites": len(wl.sites)})
    if args.json:
        print_json(rows)
    else:
        print(format_table(["scenario", "description"], [(r["name"], r["description"]) for r in rows]))
    return 0
