"""Method names as written, from the compilers' generated names (no runtime needed).

mcs names come from the corpus runs (tests/program/test_run.py); Roslyn's are the forms in
dotnet/roslyn GeneratedNames (no Roslyn compiler ships with Mono 6.8, so they are checked here)."""

from __future__ import annotations

import pytest

from callsite.sitereport import display_method


@pytest.mark.parametrize("type_name, method, shown", [
    ("Program", "Main", "Program.Main"),
    ("Ns.Outer/Inner", "Run", "Ns.Outer.Inner.Run"),
    ("Box`1", "Get", "Box.Get"),
    # mcs
    ("Shapes", "<Lambda>m__0", "Shapes.Lambda (lambda)"),
    ("Shapes/<Async>c__async0", "MoveNext", "Shapes.Async (async)"),
    ("Shapes/<Items>c__Iterator0", "MoveNext", "Shapes.Items (iterator)"),
    ("Shapes/<Main>c__AnonStorey0", "<>m__0", "Shapes.Main (lambda)"),
    # Roslyn
    ("Program/<>c", "<Main>b__0_0", "Program.Main (lambda)"),
    ("Program/<>c__DisplayClass0_0", "<Main>b__1", "Program.Main (lambda)"),
    ("Program", "<Main>g__Local|0_0", "Program.Main.Local (local function)"),
    ("Program/<RunAsync>d__1", "MoveNext", "Program.RunAsync (state machine)"),
])
def test_display_method(type_name, method, shown):
    assert display_method(type_name, method) == shown
