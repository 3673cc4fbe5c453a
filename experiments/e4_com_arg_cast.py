"""Experiment 4: The same with the cast: Marshal.FinalReleaseComObject((object)com)"""

from __future__ import annotations

from experiments import common

NAME = "com-arg-cast"
NUMBER = 4
TITLE = "The same with the cast: Marshal.FinalReleaseComObject((object)com)"
CLAIM = "Article: with the explicit cast to object everything is fine."
EXPECT = "One bind (a type restriction on System.__ComObject), then L0 hits; one rule, no RCW held. CoreCLR: not applicable."
DEFAULT_CALLS = 3000
WORKLOAD = {
    "format": "dlrsim-workload/1", "name": "e4-com-arg-cast",
    "description": "dynamic com = new COM object; Marshal.FinalReleaseComObject((object)com)",
    "binders": {"release": {"kind": "InvokeMember", "name": "FinalReleaseComObject", "flags": ["ResultDiscarded"],
                            "args": [["UseCompileTimeType", "IsStaticType"], []]}},
    "sites": {"s": {"binder": "release", "lifetime": "static"}},
    "body": [{"site": "s", "args": [{"static": "System.Runtime.InteropServices.Marshal"},
                                    {"cast": "object", "value": {"com": "fresh"}}]}],
    "iterations": 3000,
}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    return {"targets": common.workload_experiment(WORKLOAD, runtimes, calls, tick)}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
