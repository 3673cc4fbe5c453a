"""Experiment 5: The call site built by hand outside the loop (Binder.InvokeMember + CallSite.Create once), a fresh COM object inside: foo.Boo(com)"""

from __future__ import annotations

from experiments import common

NAME = "handmade-site"
NUMBER = 5
TITLE = "The call site built by hand outside the loop (Binder.InvokeMember + CallSite.Create once), a fresh COM object inside: foo.Boo(com)"
CLAIM = "Article: 'what the compiler does' by hand: the leak was preserved."
EXPECT = "Same as experiment 3: the receiver (one Foo for the run) is type-restricted, the COM argument instance-restricted, so every call binds on Mono (bounded memory) and on sim-netfx (memory growing: the binder's symbol table). CoreCLR: not applicable."
DEFAULT_CALLS = 3000
WORKLOAD = {
    "format": "dlrsim-workload/1", "name": "e5-handmade-site",
    "description": "var site = CallSite<Action<CallSite, Foo, object>>.Create(Binder.InvokeMember(ResultDiscarded, Boo-like method, [UseCompileTimeType], [None])) once; in the loop site.Target(site, this, new COM object). Object.Equals(object) stands for Boo(object).",
    "binders": {"boo": {"kind": "InvokeMember", "name": "Equals", "flags": ["ResultDiscarded"], "context": "Foo",
                        "args": [["UseCompileTimeType"], []]}},
    "sites": {"site": {"binder": "boo", "lifetime": "static"}},
    "body": [{"site": "site", "args": [{"obj": "this", "type": "Foo"}, {"com": "fresh"}]}],
    "iterations": 3000,
}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    return {"targets": common.workload_experiment(WORKLOAD, runtimes, calls, tick)}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
