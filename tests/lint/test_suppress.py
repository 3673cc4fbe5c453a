"""Suppression comments and #pragma regions, rule by rule."""

from __future__ import annotations

from callsite.lint.findings import Finding
from callsite.lint.suppress import apply


def finding(line: int, rule: str = "DLR001") -> Finding:
    return Finding("f.cs", line, 1, line, 2, rule, "warning", "m")


TEXT = """line1
#pragma warning disable
line3
#pragma warning restore DLR003
line5
#pragma warning restore
line7 // dlrsim: ignore[DLR002, DLR003]
line8 // dlrsim:ignore[dlr001]
#pragma warning disable DLR001
line10
"""


def test_regions_and_comments():
    keep = apply([finding(1), finding(3), finding(5, "DLR003"), finding(5), finding(7, "DLR002"),
                  finding(7, "DLR001"), finding(8), finding(10, "DLR002"), finding(10, "DLR003")], TEXT)
    assert [(f.line, f.rule) for f in keep] == [(1, "DLR001"), (5, "DLR003"), (7, "DLR001"), (10, "DLR003")]


def test_comment_alone_covers_the_next_line_only():
    text = "// dlrsim: ignore\ncode\ncode\n"
    keep = apply([finding(2), finding(3)], text)
    assert [f.line for f in keep] == [3]
