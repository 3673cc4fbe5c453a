"""The Python API, fixes that use the parameter's type, and robustness on broken input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsite.lint import RULES, lint_paths, lint_source
from callsite.lint.fix import apply_fixes
from .markers import CORPUS

TYPED = """using Excel = Microsoft.Office.Interop.Excel;
class Painter
{
    void Paint(Excel.Range range) { }
    void Run(dynamic sheet)
    {
        dynamic app = new Excel.Application();
        dynamic cell = app.ActiveSheet.Cells[1, 1];
        Paint(cell);
    }
}
"""


def test_lint_source_and_rule_table():
    fs = lint_source(TYPED)
    assert [(f.line, f.column, f.rule) for f in fs] == [(9, 15, "DLR001")]
    assert set(RULES) == {"DLR001", "DLR002", "DLR003", "DLR004", "DLR005"}
    assert not RULES["DLR004"].default


def test_fix_casts_to_the_parameter_type_when_the_callee_is_known():
    fs = lint_source(TYPED)
    fixed = apply_fixes(TYPED.encode(), fs).decode()
    assert "Paint((Excel.Range)cell);" in fixed
    assert lint_source(fixed) == []


def test_lint_paths_accepts_a_single_path_and_rules():
    fs = lint_paths(str(CORPUS / "callsites.cs"), rules=["DLR003"])
    assert {f.rule for f in fs} == {"DLR003"} and len(fs) == 5


def test_known_non_com_dynamic_values_are_quiet_even_with_all_rules():
    src = """class A { static void Use(object o) {} void M() {
        for (int i = 0; i < 9; i++) { dynamic d = i; Use(d); dynamic s = "x" + i; Use(s);
        dynamic e = new System.Dynamic.ExpandoObject(); Use(e); dynamic t = typeof(A); Use(t); } } }"""
    assert lint_source(src, all_rules=True) == []


def test_shadowed_names_are_separate_symbols():
    src = """using System.Runtime.InteropServices;
class A { static void Use(object o) {} void M() {
    { dynamic x = Marshal.GetActiveObject("a"); Use((object)x); }
    { dynamic x = 5; Use(x); } } }"""
    assert lint_source(src) == []


SEED = (CORPUS / "loops.cs").read_text(encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEED) - 1), st.integers(0, 40), st.text(max_size=8))
def test_never_crashes_on_mangled_source(start, length, junk):
    mangled = SEED[:start] + junk + SEED[start + length:]
    for f in lint_source(mangled, all_rules=True):
        assert f.rule in RULES or f.rule == "DLR000"
        assert f.line >= 1 and f.column >= 1


def test_deeply_nested_expressions_are_analyzed_or_reported_never_crash():
    deep = "class A { void M(dynamic d) { var s = " + " + ".join(["d"] * 3000) + "; } }"
    assert lint_source(deep) == []
    deeper = "class A { void M(dynamic d) { var s = " + " + ".join(["d"] * 30000) + "; } }"
    assert [f.rule for f in lint_source(deeper)] == ["DLR000"]


def test_fix_cast_follows_known_parameter_types_but_never_type_parameters_or_arrays():
    src = """using System.Runtime.InteropServices;
class G<TC> {
  static void UseT<T>(T v) {}
  static void UseC(TC v) {}
  static void Name(string s) {}
  static void Many(params object[] xs) {}
  void M() {
    dynamic app = Marshal.GetActiveObject("a");
    UseT(app); UseC(app); Name(app.Parent); Many(app, app);
  }
}
"""
    fixed = apply_fixes(src.encode(), lint_source(src)).decode()
    assert "UseT((object)app); UseC((TC)app); Name((string)app.Parent); Many((object)app, (object)app);" in fixed
    assert lint_source(fixed) == []


def test_members_with_non_ascii_names_carry_their_values_to_other_methods():
    # the field is assigned in one method and passed in another, which mentions no other
    # trigger word: its name alone must make that method worth analyzing
    src = ('using System.Runtime.InteropServices;\n'
           'class Ünïcode\n{\n'
           '    dynamic _appé;\n'
           '    void Open() { _appé = Marshal.GetActiveObject("Excel.Application"); }\n'
           '    void Use() { Log(_appé); }\n'
           '    static void Log(object o) { }\n}\n')
    found = [(f.rule, f.line, f.column) for f in lint_source(src)]
    assert found == [("DLR001", 6, 22)]


def test_a_method_passed_as_a_callback_is_repeated_even_from_code_that_is_not_analyzed():
    src = ('using System.Runtime.InteropServices;\nusing System.Threading;\n'
           'class C\n{\n'
           '    Timer Start() => new Timer( this.Tick , null, 0, 1000);\n'
           '    void Tick(object state)\n    {\n'
           '        dynamic app = Marshal.GetActiveObject("Excel.Application");\n'
           '        System.Console.WriteLine(app.ActiveSheet);\n    }\n'
           '    void Ticker(object state) { Tick(state); }\n}\n')
    assert [f.rule for f in lint_source(src)] == ["DLR002"]
    alone = src.replace("new Timer( this.Tick , null, 0, 1000)", "null")
    assert [f.rule for f in lint_source(alone)] == ["DLR001"]


def test_no_fix_when_the_parameter_type_cannot_be_named():
    src = """using System.IO; using System.Runtime.InteropServices;
class A { void M() {
    dynamic app = Marshal.GetActiveObject("a");
    File.Exists(app);
    var holder = new Holder(app);
} }
"""
    found = lint_source(src)
    assert [(f.rule, f.line) for f in found] == [("DLR001", 4), ("DLR001", 5)]
    assert all(f.fix is None and not f.edits for f in found)
    assert all("cast it to the parameter's type" in f.message for f in found)


def test_fix_casts_to_delegate_and_library_generic_parameter_types():
    src = """using System; using System.Collections.Generic; using System.Runtime.InteropServices;
class A { Action<string> progress; List<string> names = new List<string>();
  void M(Dictionary<int, string> byId) {
    dynamic app = Marshal.GetActiveObject("a");
    progress(app.ActiveWindow); names.Add(app.ActiveWindow); byId.Add(1, app.ActiveWindow);
    Func<int, object, bool> test = (i, o) => true; test(1, app);
    progress?.Invoke(app.ActiveWindow);
} }
"""
    fixed = apply_fixes(src.encode(), lint_source(src)).decode()
    assert "progress((string)app.ActiveWindow); names.Add((string)app.ActiveWindow); " \
           "byId.Add(1, (string)app.ActiveWindow);" in fixed
    assert "test(1, (object)app);" in fixed
    assert "progress?.Invoke((string)app.ActiveWindow);" in fixed


def test_a_syntax_error_is_reported_at_its_place_and_the_rest_is_analyzed():
    src = """using System.Runtime.InteropServices;
class A {
  void Broken() { var x = ; }
  void Fine() { dynamic app = Marshal.GetActiveObject("a"); System.Console.WriteLine(app); }
}
"""
    found = [(f.rule, f.line, f.column) for f in lint_source(src)]
    assert found == [("DLR000", 3, 25), ("DLR001", 4, 86)]


def test_valid_csharp_tree_sitter_rejects_parses_after_repairs():
    src = ("class A {\n"
           "  bool async;\n"
           "  void M(bool async) { this.async = async; }\n"
           "#pragma warning suppress 56503\n"
           "  unsafe void P(byte* d, byte* s) { *(d++) = *(s++); }\n"
           "  unsafe long R(byte* b) { return *(long*)b; }\n"
           "  unsafe void Z(void* p) {\n    *(System.IntPtr*)p = System.IntPtr.Zero;\n  }\n"
           "  unsafe double D(byte* p) => System.Math.Round(*(double*)p, 2);\n"
           '  string Q(string x) => $@"/x ""{x}""";\n'
           "#if UNUSED\n"
           "  this is prose, not code\n"
           "#endif\n"
           "}\n")
    assert lint_source(src) == []


def test_a_missing_path_is_a_dlrsim_error_for_the_api_too(tmp_path):
    from callsite.errors import DlrsimError
    with pytest.raises(DlrsimError, match="no such file"):
        lint_paths([str(tmp_path / "nope.cs")])


def _long_class(statement: str) -> str:
    body = "".join(f"            int v{i} = {i};\n" for i in range(12))
    members = "".join(f"        void M{i}() {{ }}\n" for i in range(12))
    return ("using System;\nnamespace N\n{\n    class A\n    {\n        void M()\n        {\n"
            + body + f"            {statement}\n            int last = 0;\n        }}\n" + members
            + "    }\n}\n")


def test_a_wide_error_is_located_where_the_file_stops_parsing():
    # an unclosed block: tree-sitter wraps the whole namespace in one ERROR at line 2
    src = _long_class("if (v1 > 0) {")
    found = [(f.rule, f.line, f.message) for f in lint_source(src)]
    assert found == [("DLR000", src.count("\n"), "syntax error: missing '}' at the end of the file")]
    # a construct the grammar rejects, located by closing the blocks a prefix leaves open
    from callsite.lint.repair import locate_error
    data = _long_class('var s = $@"/x ""{v1}""";').encode()
    at = locate_error(data, data.index(b"namespace"))
    line = data[:at].count(b"\n") + 1
    assert data.splitlines()[line - 1].strip().startswith(b"var s = $@")


def test_dead_if_false_branches_are_never_analyzed():
    src = ('using System.Runtime.InteropServices;\nclass A { void M() { dynamic app = Marshal.GetActiveObject("a");\n'
           '#if false\n System.Console.WriteLine(app);\n#else\n System.Console.WriteLine(app.Parent);\n#endif\n } }\n')
    assert [(f.rule, f.line) for f in lint_source(src)] == [("DLR001", 6)]
