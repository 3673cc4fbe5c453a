"""`dlrsim doctor`: which real runtimes are usable here, and how to install the rest."""

from __future__ import annotations

from callsite.commands._common import add_timeout
from callsite.output import format_table, print_json


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check which real .NET runtimes are usable",
                       description="Start each real runtime in a worker process and report its version, or "
                                   "what is missing and the command that installs it.")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_timeout(p, 120.0, "a runtime check")
    p.set_defaults(func=run)


def check(name: str, timeout: float) -> dict:
    from binders import host, runtimes
    from callsite.errors import DlrsimError

    module = runtimes.get(name)
    entry = {"runtime": name, "usable": False, "version": None, "install": module.INSTALL_COMMAND,
             "problems": module.problems(), "com_objects": bool(module.FACTS.get("com_rcw")),
             "com_reason": module.FACTS.get("com_reason")}
    if entry["problems"]:
        return entry
    try:
        hello, (outcome,) = host.run_batch(name, [{"id": "doctor", "source": {"scenario": "int-arg"}, "calls": 3,
                                                   "levels": False}], timeout=timeout)
    except DlrsimError as exc:
        entry["problems"] = [str(exc)]
        return entry
    entry["usable"] = outcome.status == "ok"
    entry["version"] = hello.get("runtime_version")
    if not entry["usable"]:
        entry["problems"] = [outcome.reason or "replay failed"]
    else:
        entry["install"] = None
    try:  # the COM shim (Mono only needs it)
        from binders.com import LIBRARY

        entry["com_shim"] = str(LIBRARY) if LIBRARY.exists() else None
        if entry["com_objects"] and not LIBRARY.exists():
            entry["problems"].append("COM shim not built: .venv/bin/python binders/native/build.py")
    except Exception:  # pragma: no cover
        pass
    return entry


def run(args) -> int:
    from binders import runtimes

    entries = [check(name, args.timeout) for name in runtimes.RUNTIMES]
    if args.json:
        print_json({"runtimes": entries})
    else:
        rows = [[e["runtime"], "yes" if e["usable"] else "NO", e["version"] or "",
                 "yes" if e["com_objects"] else "no", "; ".join(e["problems"]) or "",
                 e["install"] or ""] for e in entries]
        print(format_table(["runtime", "usable", "version", "COM objects", "problems", "install with"], rows))
    return 0 if all(e["usable"] for e in entries) else 1
