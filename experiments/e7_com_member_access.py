"""Experiment 7: Member and method access on a dynamic COM object: com.Foo and com.GetHashCode() on a fresh COM object"""

from __future__ import annotations

from experiments import common

NAME = "com-member-access"
NUMBER = 7
TITLE = "Member and method access on a dynamic COM object: com.Foo and com.GetHashCode() on a fresh COM object"
CLAIM = "Article (bonus): no leak when working with fields and methods of a COM object (the COM binder guards with IsComObject)."
EXPECT = "Mono has no COM binder: the C# binder instance-restricts a COM receiver, so both sites bind on every call. .NET Framework's IsComObject guard cannot run here (profile netfx, unverified). CoreCLR: not applicable."
DEFAULT_CALLS = 3000
WORKLOAD = {
    "format": "dlrsim-workload/1", "name": "e7-com-member-access",
    "description": "dynamic com = new COM object; var x = com.Foo (a missing member: the bound rule throws); com.GetHashCode(); each call on its own fresh object",
    "binders": {"get": {"kind": "GetMember", "name": "Foo", "args": [[]]},
                "call": {"kind": "InvokeMember", "name": "GetHashCode", "args": [[]]}},
    "sites": {"get": {"binder": "get"}, "call": {"binder": "call"}},
    "body": [{"site": "get", "args": [{"com": "fresh"}]}, {"site": "call", "args": [{"com": "fresh"}]}],
    "iterations": 1500,
}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    return {"targets": common.workload_experiment(WORKLOAD, runtimes, calls, tick)}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
