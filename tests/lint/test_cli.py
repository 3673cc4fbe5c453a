"""The command line: formats, exit codes, fixes, baselines, suppressions, bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from callsite.cli import main
from .markers import CORPUS

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

WRONG = """using System;
using System.Runtime.InteropServices;
class Foo
{
    static void Run(Type comType)
    {
        var t = Type.GetTypeFromCLSID(new Guid("E13B6688-3F39-11D0-96F6-00A0C9191601"));
        while (true)
        {
            dynamic com = Activator.CreateInstance(t);
            Marshal.FinalReleaseComObject(com);
            Console.WriteLine("{0} {1}", com.Parent, com ?? com);
        }
    }
}
"""


def lint(capsys, *args):
    code = main(["lint", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def wrong(tmp_path):
    p = tmp_path / "Wrong.cs"
    p.write_text(WRONG, encoding="utf-8")
    return p


def test_text_format_is_compiler_style(capsys, wrong):
    code, out, err = lint(capsys, wrong)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{wrong}(11,43): error DLR002: dynamic argument 'com'")
    assert "finding(s)" in err


def test_clean_file_exits_zero(capsys, tmp_path):
    p = tmp_path / "Clean.cs"
    p.write_text("class C { void M() { dynamic d = 1; System.Console.WriteLine((object)d); } }\n")
    code, out, _ = lint(capsys, p)
    assert (code, out) == (0, "")


def test_json_fields(capsys, wrong):
    code, out, _ = lint(capsys, "--format", "json", wrong)
    data = json.loads(out)
    assert code == 1 and len(data) == 3
    first = data[0]
    assert set(first) == {"file", "line", "column", "end", "rule", "severity", "message", "fix", "fingerprint"}
    assert (first["line"], first["column"], first["rule"], first["severity"]) == (11, 43, "DLR002", "error")
    assert first["end"] == {"line": 11, "column": 46}
    assert first["fix"]["edits"] == [{"line": 11, "column": 43, "insert": "(object)"}]


def test_sarif_validates_against_official_schema(capsys):
    code, out, _ = lint(capsys, "--format", "sarif", "--all", CORPUS)
    assert code == 1  # a file with a syntax error is a finding like any other
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"DLR001", "DLR002", "DLR003", "DLR004"}
    assert all(not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
               for r in run["results"])
    assert all("partialFingerprints" in r for r in run["results"])
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"].startswith("syntax error")


def test_fix_is_idempotent_keeps_formatting_and_lints_clean(capsys, tmp_path):
    work = tmp_path / "corpus"
    shutil.copytree(CORPUS, work)
    (work / "syntax_error.cs").unlink()
    before = {p.name: p.read_text(encoding="utf-8") for p in work.glob("*.cs")}
    lint(capsys, "--fix", work)
    once = {p.name: p.read_text(encoding="utf-8") for p in work.glob("*.cs")}
    lint(capsys, "--fix", work)
    twice = {p.name: p.read_text(encoding="utf-8") for p in work.glob("*.cs")}
    assert once == twice
    # only insertions: removing the inserted casts gives back the original text
    for name, text in once.items():
        assert text.replace("(object)(", "(").replace("(object)", "") .replace("(Wrapper)", "") \
            .count("\n") == before[name].count("\n")
    assert "Marshal.FinalReleaseComObject((object)com);" in once["seed_article.cs"]
    from callsite.lint import lint_paths
    left = [f for f in lint_paths([str(work)]) if f.fix is not None]
    assert left == []
    remaining = {f.rule for f in lint_paths([str(work)])}
    assert remaining <= {"DLR003", "DLR001"}  # DLR003 and operator findings have no cast fix


def test_fix_on_the_seed_wrong_form(capsys, wrong):
    code, _, _ = lint(capsys, "--fix", wrong)
    text = wrong.read_text()
    assert "Marshal.FinalReleaseComObject((object)com);" in text
    assert 'Console.WriteLine("{0} {1}", (object)com.Parent, (object)(com ?? com));' in text
    assert code == 0
    code, out, _ = lint(capsys, wrong)
    assert (code, out) == (0, "")


def test_diff_prints_and_does_not_write(capsys, wrong):
    code, out, _ = lint(capsys, "--diff", wrong)
    assert code == 1
    assert wrong.read_text() == WRONG
    assert "-            Marshal.FinalReleaseComObject(com);" in out
    assert "+            Marshal.FinalReleaseComObject((object)com);" in out
    assert out.startswith("--- a/")


def test_rules_selection_and_all(capsys):
    code, out, _ = lint(capsys, "--rules", "DLR003", CORPUS / "callsites.cs")
    assert code == 1 and {l.split(": ")[1].split()[1] for l in out.splitlines()} == {"DLR003"}
    _, out, _ = lint(capsys, CORPUS / "unknown_origin.cs")
    assert "DLR004" not in out
    _, out, _ = lint(capsys, "--all", CORPUS / "unknown_origin.cs")
    assert out.count("DLR004") == 3


def test_unknown_rule_is_a_usage_error(capsys, wrong):
    code, out, err = lint(capsys, "--rules", "DLR999", wrong)
    assert code == 2 and "unknown rule" in err and "Traceback" not in err


def test_baseline_hides_known_findings(capsys, wrong, tmp_path):
    _, out, _ = lint(capsys, "--format", "json", wrong)
    base = tmp_path / "baseline.json"
    base.write_text(out)
    # a line added above moves findings but keeps their fingerprints
    wrong.write_text("// header\n" + WRONG)
    code, out, _ = lint(capsys, "--baseline", base, wrong)
    assert (code, out) == (0, "")
    code, _, err = lint(capsys, "--baseline", tmp_path / "missing.json", wrong)
    assert code == 2 and "baseline" in err


def test_a_file_that_does_not_parse_is_a_finding_and_the_run_goes_on(capsys, wrong):
    code, out, err = lint(capsys, CORPUS / "syntax_error.cs", wrong)
    assert code == 1
    assert "syntax_error.cs(6,15): error DLR000: syntax error" in out
    assert "DLR002" in out  # the good file was still linted


def test_a_missing_path_is_an_error_line_not_a_finding(capsys, tmp_path, wrong):
    code, out, err = lint(capsys, tmp_path / "Missing.cs", wrong)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"dlrsim lint: error: no such file or directory: {tmp_path / 'Missing.cs'}"]


def test_an_empty_folder_says_it_linted_nothing(capsys, tmp_path):
    code, out, err = lint(capsys, tmp_path)
    assert (code, out) == (0, "")
    assert "linted nothing" in err


def test_json_flag_is_format_json(capsys, wrong):
    code, out, _ = lint(capsys, "--json", wrong)
    assert code == 1 and [f["rule"] for f in json.loads(out)] == ["DLR002", "DLR002", "DLR002"]


def test_a_file_in_the_windows_code_page_is_read_as_the_compiler_reads_it(capsys, tmp_path):
    latin1 = tmp_path / "Latin1.cs"
    latin1.write_bytes(b"// caf\xe9\nusing System.Runtime.InteropServices;\nclass A { void M() {\n"
                       b"  dynamic x = Marshal.GetActiveObject(\"a\"); System.Console.WriteLine(x); } }\n")
    code, out, _ = lint(capsys, latin1)
    assert code == 1 and out.startswith(f"{latin1}(4,70): warning DLR001")


def test_parallel_jobs_give_the_same_findings(capsys):
    _, serial, _ = lint(capsys, "--all", "--format", "json", "-j", "1", CORPUS)
    _, parallel, _ = lint(capsys, "--all", "--format", "json", "-j", "2", CORPUS)
    _, auto, _ = lint(capsys, "--all", "--format", "json", CORPUS)
    assert json.loads(serial) == json.loads(parallel) == json.loads(auto)


def test_default_jobs_follow_the_work_and_the_cores():
    from callsite.lint.engine import AUTO_BYTES_PER_WORKER, auto_jobs, cores
    few = [[("a.cs", b"x" * 1000)], [("b.cs", b"y" * 1000)]]
    assert auto_jobs(few) == 1  # a worker would cost more than it saves
    many = [[(f"f{i}.cs", b"x" * AUTO_BYTES_PER_WORKER)] for i in range(64)]
    assert auto_jobs(many) == min(cores(), 64)
    assert 1 <= cores() <= (os.cpu_count() or 1)


def test_negative_jobs_is_a_usage_error(capsys, wrong):
    code, _, err = lint(capsys, "-j", "-1", wrong)
    assert code == 2 and "-j" in err


def test_fix_keeps_bom_and_crlf(capsys, tmp_path):
    p = tmp_path / "Bom.cs"
    original = ("\ufeffusing System.Runtime.InteropServices;\r\nclass A {\r\n  void M() {\r\n"
                "    dynamic x = Marshal.GetActiveObject(\"a\");\r\n    System.Console.WriteLine(x);\r\n  }\r\n}\r\n")
    p.write_bytes(original.encode("utf-8"))
    code, out, _ = lint(capsys, p)
    assert f"{p}(5,30): warning DLR001" in out
    lint(capsys, "--fix", p)
    assert p.read_bytes() == original.replace("WriteLine(x)", "WriteLine((object)x)").encode("utf-8")


def test_quick_skips_only_files_that_cannot_have_findings(capsys, tmp_path):
    # a partial class split so that one half has no dynamic word: it must still be analyzed
    work = tmp_path / "src"
    shutil.copytree(CORPUS, work)
    _, full, _ = lint(capsys, "--all", "--format", "json", work)
    code, quick, err = lint(capsys, "--all", "--format", "json", "--quick", work)
    full_f = [f for f in json.loads(full) if f["rule"] != "DLR000"]
    assert json.loads(quick) == full_f and code == 1
    _, quick2, _ = lint(capsys, "--all", "--format", "json", "--quick", "-j", "2", work)
    assert json.loads(quick2) == full_f  # with workers, the parent decodes the skipped files
    # the syntax error sits in a file without dynamic code: --quick does not parse it, and says so
    assert any(f["rule"] == "DLR000" and f["file"].endswith("syntax_error.cs") for f in json.loads(full))
    assert "1 without dynamic code not parsed (--quick)" in err
    # only whole words count: ModelBinder or "dynamically" cannot make a finding
    (work / "Mvc.cs").write_text("// loaded dynamically\nclass PersonModelBinder { int x = ; }\n")
    _, _, err = lint(capsys, "--quick", work)
    assert "2 without dynamic code not parsed (--quick)" in err
    # a file that cannot be read is still reported, and the run is incomplete: exit 2
    (work / "Locked.cs").write_text("class A {}\n")
    (work / "Locked.cs").chmod(0)
    if not os.access(work / "Locked.cs", os.R_OK):  # root reads anything
        code, out, _ = lint(capsys, "--quick", work / "Locked.cs")
        assert code == 2 and "cannot read" in out


def test_a_fifo_named_cs_is_refused_not_read(capsys, tmp_path, wrong):
    """Reading a FIFO blocks until a writer comes: named, it is an error line; in a tree, not source."""
    fifo = tmp_path / "pipe.cs"
    os.mkfifo(fifo)
    code, out, err = lint(capsys, fifo)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"dlrsim lint: error: not a regular file: {fifo}"]
    code, out, err = lint(capsys, tmp_path, "--json")
    assert code == 1
    assert {Path(f["file"]).name for f in json.loads(out)} == {wrong.name}
