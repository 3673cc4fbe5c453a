"""Experiment 6: A new binder and a new call site every iteration, with a managed int: the article's second finding"""

from __future__ import annotations

from experiments import common

NAME = "new-site-per-iteration"
NUMBER = 6
TITLE = "A new binder and a new call site every iteration, with a managed int: the article's second finding"
CLAIM = "Article: 'Wow! It seems we caught him': binding many times with a managed type also leaks; the problem is the binder, not COM."
EXPECT = ("sim-netfx (prediction, from the reference sources): every call binds and every bind leaves a Scope, "
          "three LocalVariableSymbols with their expression trees and an AggregateDeclaration in the C# binder's "
          "process-wide symbol table: memory grows without bound, the article's 'caught him'. Mono: every call "
          "binds too (Binder.InvokeMember returns a new binder with an empty L2 each time, the new site has an "
          "empty L1), but its Microsoft.CSharp (built from corefx after dotnet/corefx#15397) keeps nothing per "
          "bind and the dropped binder and site are garbage: memory stays bounded. CoreCLR: one bind in total (the "
          "equivalent binder is returned from the process-wide binder cache, and its L2 answers every new site).")
DEFAULT_CALLS = 3000
WORKLOAD = {
    "format": "dlrsim-workload/1", "name": "e6-new-site-per-iteration",
    "description": "while (true) { object instance = Activator.CreateInstance(typeof(int)); var b = Binder.InvokeMember(ResultDiscarded, Boo, null, typeof(Foo), [UseCompileTimeType, None]); var site = CallSite<Action<CallSite, Foo, object>>.Create(b); site.Target(site, this, instance); }",
    "binders": {"boo": {"kind": "InvokeMember", "name": "Equals", "flags": ["ResultDiscarded"], "context": "Foo",
                        "args": [["UseCompileTimeType"], []]}},
    "sites": {"site": {"binder": "boo", "lifetime": "per-iteration", "binder_per_iteration": True}},
    "body": [{"site": "site", "args": [{"obj": "this", "type": "Foo"}, {"box": "int", "value": 0}]}],
    "iterations": 3000,
}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    return {"targets": common.workload_experiment(WORKLOAD, runtimes, calls, tick)}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
