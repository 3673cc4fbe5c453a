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


def test_block_comments_inline_alone_and_over_several_lines():
    text = ("Use(/* dlrsim: ignore[DLR001] */ app);\n"   # 1: inline, this line only
            "code\n"                                      # 2
            "/* dlrsim: ignore */\n"                      # 3: alone, covers line 4
            "code\n"                                      # 4
            "code\n"                                      # 5
            "/* dlrsim:\n"                                # 6: over two lines, alone:
            "   ignore */\n"                              # 7  covers line 8
            "code\n")                                     # 8
    keep = apply([finding(1), finding(1, "DLR003"), finding(2), finding(4, "DLR003"), finding(5),
                  finding(8)], text)
    assert [(f.line, f.rule) for f in keep] == [(1, "DLR003"), (2, "DLR001"), (5, "DLR001")]


def test_pragma_warning_suppress_covers_the_next_line():
    text = "#pragma warning suppress DLR001\ncode\ncode\n"
    keep = apply([finding(2), finding(2, "DLR003"), finding(3)], text)
    assert [(f.line, f.rule) for f in keep] == [(2, "DLR003"), (3, "DLR001")]


def test_ignoring_dlr001_covers_dlr002_but_not_the_reverse():
    keep = apply([finding(1, "DLR002")], "x // dlrsim: ignore[DLR001]\n")
    assert keep == []
    keep = apply([finding(1, "DLR001")], "x // dlrsim: ignore[DLR002]\n")
    assert [f.rule for f in keep] == ["DLR001"]
