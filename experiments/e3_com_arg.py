"""Experiment 3: A fresh COM object passed as a dynamic argument: Marshal.FinalReleaseComObject(com) with dynamic com"""

from __future__ import annotations

from experiments import common

NAME = "com-arg"
NUMBER = 3
TITLE = "A fresh COM object passed as a dynamic argument: Marshal.FinalReleaseComObject(com) with dynamic com"
CLAIM = "Article: the leak; memory grows while the loop runs (its cause left open: 'we did not find a real reason')."
EXPECT = "Mono: every call binds (an instance restriction on each new RCW); L1 fills to 10 and L2 to 128 and stay there, the rules holding their RCWs. CoreCLR: not applicable (no COM interop on Linux). sim-netfx (prediction from the reference sources): every call binds as on Mono, and every bind also leaves its entries in the C# binder's symbol table: memory grows without bound, the article's leak."
DEFAULT_CALLS = 3000
WORKLOAD = {
    "format": "dlrsim-workload/1", "name": "e3-com-arg",
    "description": "dynamic com = new COM object; Marshal.FinalReleaseComObject(com)",
    "binders": {"release": {"kind": "InvokeMember", "name": "FinalReleaseComObject", "flags": ["ResultDiscarded"],
                            "args": [["UseCompileTimeType", "IsStaticType"], []]}},
    "sites": {"s": {"binder": "release", "lifetime": "static"}},
    "body": [{"site": "s", "args": [{"static": "System.Runtime.InteropServices.Marshal"}, {"com": "fresh"}]}],
    "iterations": 3000,
}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    return {"targets": common.workload_experiment(WORKLOAD, runtimes, calls, tick)}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
