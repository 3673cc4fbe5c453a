"""``dlrsim heap ...`` end to end on real shots: text, --json, errors with byte offsets."""

from __future__ import annotations

import json
import re

import pytest

from callsite.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_and_summary(capsys, demo_mlpd):
    code, out, _ = run(capsys, "heap", "list", demo_mlpd, "--json")
    assert code == 0
    assert [s["point"] for s in json.loads(out)["shots"]] == ["start", "filled", "cleared"]
    code, out, _ = run(capsys, "heap", "summary", f"{demo_mlpd}@filled", "--json", "--top", "500")
    data = json.loads(out)
    stats = {s["key"]: s for s in data["statistics"]}
    assert stats["DlrsimHeapDemo.StaticHeld"] == {"key": "DlrsimHeapDemo.StaticHeld", "count": 1000, "bytes": 32000}
    assert data["roots_by_kind"]["static"] > 0 and data["roots_by_kind"]["gc-handle-pinned"] >= 1
    code, out, _ = run(capsys, "heap", "summary", demo_mlpd, "--index", "filled", "--top", "3")
    assert code == 0 and "demo.mlpd@1 (filled)" in out


def test_diff(capsys, demo_mlpd):
    code, out, _ = run(capsys, "heap", "diff", f"{demo_mlpd}@filled", f"{demo_mlpd}@cleared", "--json", "--top", "1000")
    ch = {c["key"]: c for c in json.loads(out)["changes"]}
    assert ch["DlrsimHeapDemo.StaticHeld"]["count_diff"] == -1000
    assert ch["DlrsimHeapDemo.StaticHeld"]["bytes_diff"] == -32000
    code, out, _ = run(capsys, "heap", "diff", f"{demo_mlpd}@start", f"{demo_mlpd}@filled")
    assert re.search(r"\bStaticHeld\s+1000\s+\+1,000\s+32000\s+\+32,000", out)


def test_dominators_and_paths(capsys, demo_mlpd):
    code, out, _ = run(capsys, "heap", "dominators", f"{demo_mlpd}@filled", "--top", "3", "--json")
    top = json.loads(out)["top"]
    assert top[0]["class"] == "System.Collections.Generic.List<DlrsimHeapDemo.StaticHeld>"
    assert top[0]["root"] == "static field of DlrsimHeapDemo.Holder"
    code, out, _ = run(capsys, "heap", "paths", f"{demo_mlpd}@filled", "--class", "HandleHeld", "--json")
    data = json.loads(out)
    assert data["matching_objects"] == 1 and data["paths"][0]["root"]["kind"] == "gc-handle-strong"
    code, out, _ = run(capsys, "heap", "paths", f"{demo_mlpd}@filled", "--class", "Payload", "--group")
    assert "1000 x  static field of DlrsimHeapDemo.Holder" in out


def test_treemap_is_self_contained(capsys, demo_mlpd, tmp_path):
    out_html = tmp_path / "t.html"
    code, out, _ = run(capsys, "heap", "treemap", f"{demo_mlpd}@filled", "-o", str(out_html))
    assert code == 0
    page = out_html.read_text()
    assert "<svg" in page and "DlrsimHeapDemo" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_errors_are_one_line_with_offset(capsys, demo_mlpd, tmp_path):
    bad = tmp_path / "bad.mlpd"
    raw = bytearray(open(demo_mlpd, "rb").read()[:400_000])
    bad.write_bytes(bytes(raw))
    code, out, err = run(capsys, "heap", "summary", str(bad))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert re.search(r"byte offset \d+", err)
    code, _, err = run(capsys, "heap", "summary", f"{demo_mlpd}@nosuchpoint")
    assert code == 2 and "nosuchpoint" in err and "filled" in err
    code, _, err = run(capsys, "heap", "summary", str(tmp_path / "missing.mlpd"))
    assert code == 2 and "no such file" in err


def test_partial_flag(capsys, demo_mlpd, tmp_path):
    from callsite.heap.mlpd import read_mlpd

    f = read_mlpd(demo_mlpd)
    cut = tmp_path / "cut.mlpd"
    cut.write_bytes(open(demo_mlpd, "rb").read()[: f.shots[2].file_offset])
    code, out, err = run(capsys, "heap", "list", str(cut), "--partial", "--json")
    assert code == 0 and "warning" in err
    assert len(json.loads(out)["shots"]) == 2
