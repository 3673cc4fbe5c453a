"""Parsing a large YAML workload: PyYAML's libyaml loader (what dlrsim uses) against the pure-Python one.

    .venv/bin/python benchmarks/yaml_bench.py [--calls 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

import yaml


def document(calls: int) -> str:
    body = [{"site": "s", "args": [{"static": "Marshal"}, {"box": "int", "value": i}]} for i in range(calls)]
    return yaml.safe_dump({"format": "dlrsim-workload/1",
                           "binders": {"b": {"kind": "InvokeMember", "name": "X",
                                             "args": [["UseCompileTimeType", "IsStaticType"], []]}},
                           "sites": {"s": {"binder": "b"}}, "calls": body})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    text = document(args.calls)
    print(f"{args.calls:,} calls, {len(text):,} bytes of YAML; best of {args.repeat}; "
          f"load average {os.getloadavg()[0]:.1f}")
    for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None)):
        if loader is None:
            print("  CSafeLoader: not available (PyYAML built without libyaml)")
            continue
        best = None
        for _ in range(args.repeat):
            t = time.perf_counter()
            yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders
            dt = time.perf_counter() - t
            best = dt if best is None else min(best, dt)
        print(f"  {loader.__name__:12s} {best:.2f} s", flush=True)


if __name__ == "__main__":
    main()
