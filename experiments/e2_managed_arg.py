"""Experiment 2: a managed value from ``Activator.CreateInstance(typeof(int))`` as a dynamic argument.

The article's exact form: ``dynamic com = Activator.CreateInstance(typeof(int));
Marshal.FinalReleaseComObject(com);``.  The value is a fresh boxed ``int`` 0 each
iteration; the binder restricts it on its type (``Int32``), so the one rule matches
every later call.  On a real runtime the bound call throws ``ArgumentException``
(``FinalReleaseComObject`` accepts only COM objects): the binding succeeds and the
rule is cached, only the call it makes throws; the harness catches it per call and
counts it (``exceptions``).  The article's loop cannot have run as written without
such a catch; the cache behaviour is the same either way, so we keep the exact form
(the simulator derives that the rule throws, from the call: it only matters for L1
ordering).
"""

from __future__ import annotations

from experiments import common

NAME = "managed-int-arg"
NUMBER = 2
TITLE = "Activator.CreateInstance(typeof(int)) passed as a dynamic argument to FinalReleaseComObject"
CLAIM = "Article: 'again, no surprises': no leak with any managed type."
EXPECT = ("One bind in total (a type restriction on Int32); every later call is an L0 hit; every real call "
          "throws ArgumentException from FinalReleaseComObject, which does not affect the cache.")
DEFAULT_CALLS = 3000
WORKLOAD = {
    "format": "dlrsim-workload/1", "name": "e2-managed-int-arg",
    "description": TITLE,
    "binders": {"release": {"kind": "InvokeMember", "name": "FinalReleaseComObject", "flags": ["ResultDiscarded"],
                            "args": [["UseCompileTimeType", "IsStaticType"], []]}},
    "sites": {"s": {"binder": "release", "lifetime": "static"}},
    "body": [{"site": "s", "args": [{"static": "System.Runtime.InteropServices.Marshal"}, {"box": "int", "value": 0}]}],
    "iterations": DEFAULT_CALLS,
}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    return {"targets": common.workload_experiment(WORKLOAD, runtimes, calls, tick)}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
