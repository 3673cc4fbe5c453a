"""Ownership on synthetic shots (tests/heap/mlpd_writer.py): owners, retainers, floating classes,
retained size per class, dominator diff, root object, ignored references, finalizer-pending
objects, class filters, the classifier file format and its errors."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from callsite.cli import main
from callsite.errors import DlrsimError
from callsite.heap.classify import classifier, parse
from callsite.heap.dominators import dominator_tree
from callsite.heap.domstats import floating_classes, retained_by_class
from callsite.heap.names import class_matcher, folded, short_name
from callsite.heap.owners import owner_groups, retainers
from callsite.heap.ownership import OwnershipView
from callsite.heap.snapshot import Snapshot

from .mlpd_writer import FakeObject, FakeRegion, write_mlpd

OB = 0x7F00_0000_0000
PB = 0x5500_0000_0000
SITE = "System.Runtime.CompilerServices.CallSite<System.Action<System.Runtime.CompilerServices.CallSite,App.Arg>>"
RULE = "System.Action<System.Runtime.CompilerServices.CallSite,App.Arg>"
RULES = RULE + "[]"
CACHE = "System.Runtime.CompilerServices.RuleCache<" + RULE + ">"
CLOSURE = "System.Runtime.CompilerServices.Closure"
RCW = "System.__ComObject"
FIELDS = {
    "App.Program": {"16": "Site", "24": "Other"},
    "System.Runtime.CompilerServices.CallSite": {"16": "_binder", "32": "Target", "40": "Rules"},
    "System.Runtime.CompilerServices.RuleCache": {"16": "_rules"},
    "App.Binder": {"16": "Cache"},
    "System.Collections.Generic.Dictionary": {"24": "_entries"},
    "System.Action": {"32": "m_target"},
    CLOSURE: {"16": "Constants"},
}


def a(i: int) -> int:
    return OB + 0x100 * i


def program(extra_rule_in_cache: bool = False) -> tuple[list[FakeObject], list[tuple[int, int]]]:
    """App.Program (static) -> site -> L1 rule -> closure -> RCW 1; site -> binder -> Cache -> RuleCache
    -> rule -> closure -> RCW 2; pythonnet holds RCW 1, 2 and 3 (3 only through it); RCW 4 waits for
    its finalizer; Shared is held by Program and, through a back-reference, by Child."""
    O = FakeObject
    objs = [
        O(a(0), "App.Program", 48, [(16, a(1)), (24, a(30))]),
        O(a(1), SITE, 56, [(16, a(10)), (32, a(3)), (40, a(2))]),
        O(a(2), RULES, 40, [(32, a(3))]),
        O(a(3), RULE, 128, [(32, a(4))]),
        O(a(4), CLOSURE, 32, [(16, a(5))]),
        O(a(5), "System.Object[]", 40, [(32, a(6))]),
        O(a(6), RCW, 56, []),
        O(a(10), "App.Binder", 40, [(16, a(11))]),
        O(a(11), "System.Collections.Generic.Dictionary<System.Type,System.Object>", 80, [(24, a(12))]),
        O(a(12), "System.Collections.Generic.Dictionary.Entry<System.Type,System.Object>[]", 64, [(40, a(13))]),
        O(a(13), CACHE, 32, [(16, a(14))]),
        O(a(14), RULES, 1064, [(32, a(15))] + ([(40, a(40))] if extra_rule_in_cache else [])),
        O(a(15), RULE, 128, [(32, a(16))]),
        O(a(16), CLOSURE, 32, [(16, a(17))]),
        O(a(17), "System.Object[]", 40, [(32, a(18))]),
        O(a(18), RCW, 56, []),
        O(a(20), "Python.Runtime.CLRObject", 24, [(16, a(6)), (24, a(18)), (32, a(21))]),
        O(a(21), RCW, 56, []),
        O(a(22), RCW, 56, []),
        O(a(30), "App.Child", 32, [(16, a(31))]),
        O(a(31), "App.Shared", 24, [(16, a(30))]),
    ]
    if extra_rule_in_cache:
        objs += [O(a(40), RULE, 128, [(32, a(41))]), O(a(41), CLOSURE, 32, [(16, a(42))]),
                 O(a(42), "System.Object[]", 40, [(32, a(43))]), O(a(43), RCW, 56, [])]
    objs.sort(key=lambda o: o.addr)
    roots = [(PB + 0x10000, a(0)), (PB + 0x20000, a(20)), (PB + 0x50000, a(22)), (PB + 0x10008, a(31))]
    return objs, roots


def regions(classes: list[str]) -> list[FakeRegion]:
    vt = PB + 0x900000 + 0x80 * sorted(classes).index("App.Program")
    return [FakeRegion(PB + 0x10000, 0x100, 3, vt, "Static Fields"),
            FakeRegion(PB + 0x20000, 0x100, 6, 0, "GC Handle Bucket (SGen, Normal)"),
            FakeRegion(PB + 0x50000, 0x100, 2, 0, "Finalizer Queue")]


@pytest.fixture(scope="module")
def shot_file(tmp_path_factory) -> str:
    shots = [program(), program(extra_rule_in_cache=True)]
    classes = sorted({o.cls for objs, _ in shots for o in objs})
    path = str(tmp_path_factory.mktemp("own") / "prog.mlpd")
    with open(path, "wb") as fh:
        fh.write(write_mlpd(shots, regions(classes)))
    with open(path + ".points.json", "w") as fh:
        json.dump({"points": [{"name": "before", "shot": 0}, {"name": "after", "shot": 1}], "fields": FIELDS}, fh)
    return path


@pytest.fixture(scope="module")
def snap(shot_file) -> Snapshot:
    return Snapshot.load(shot_file + "@before")


def obj(s: Snapshot, i: int) -> int:
    return int(np.searchsorted(s.addr, a(i)))


def owners_by_object(view: OwnershipView, cls: str = RCW) -> dict[int, str]:
    s = view.snap
    return {int(s.addr[o]): view.owner_label(int(o)) for o in s.find(cls) if view.live[o]}


def test_owners_name_the_dlr_caches_not_the_harness(snap):
    view = OwnershipView(snap)
    assert owners_by_object(view) == {a(6): "L1 Rules", a(18): "L2 RuleCache rules", a(21): "harness: pythonnet"}
    out = owner_groups(view, snap.find(RCW))
    live = {g["owner"]: g for g in out["groups"] if g["live"]}
    assert set(live) == {"L1 Rules", "L2 RuleCache rules"}
    assert live["L1 Rules"]["objects"] == 1 and live["L1 Rules"]["bytes"] == 56
    assert live["L1 Rules"]["path"] == [{"root": "static field of App.Program"}, {"class": "App.Program", "field": "Site"},
                                        {"class": SITE, "field": "Rules?"},  # ? = from the generic definition's map
                                        {"class": RULES, "field": "[]"}]
    assert live["L2 RuleCache rules"]["path"][-2:] == [{"class": CACHE, "field": "_rules?"}, {"class": RULES, "field": "[]"}]
    assert out["harness_objects"] == 1 and out["pending_finalization"] == 1
    pending = [g for g in out["groups"] if not g["live"]]
    assert pending[0]["objects"] == 1 and pending[0]["kind"] == "pending"
    shown = owner_groups(view, snap.find(RCW), include_harness=True)
    assert "harness: pythonnet" in {g["owner"] for g in shown["groups"]}


def test_finalizer_pending_is_not_live(snap):
    view = OwnershipView(snap)
    rcw4 = obj(snap, 22)
    assert view.pending[rcw4] and not view.live[rcw4]
    assert snap.reachable()[rcw4]  # what the plain reachability counted as live


def test_user_rules_groups_on_and_off(snap, tmp_path):
    f = tmp_path / "app.owners"
    f.write_text('[app]\nApp.Program  owning(9)  Site  "the program\'s site"  # a comment\n')
    view = OwnershipView(snap, classifier([str(f)]))
    assert owners_by_object(view)[a(6)] == "the program's site"
    view = OwnershipView(snap, classifier([str(f)], disable=["app", "dlr"]))
    assert owners_by_object(view)[a(6)] == "delegate closure constants"
    # without any rules the shortest lifelines run through pythonnet's handle: what the issue saw
    view = OwnershipView(snap, classifier(disable=["*"]))
    assert set(owners_by_object(view).values()) == {"gc-handle-strong (GC Handle Bucket (SGen, Normal))"}


def test_classifier_format_errors_name_the_line():
    with pytest.raises(DlrsimError, match=r"x.owners:2: weight must be"):
        parse("[g]\nFoo  strong  *\n", "x.owners")
    with pytest.raises(DlrsimError, match=r"x.owners:1: expected TYPE"):
        parse("Foo owning\n", "x.owners")
    with pytest.raises(DlrsimError, match="root rule"):
        parse("@static owning Field\n", "x.owners")
    c = parse("[a] off\nFoo.* owning(2) Bar._items[].value \"n\"\n")
    assert c.enabled["a"] is False and c.groups["a"][0].selector == ("Bar", "_items", "[]", "value")


def test_retainers_list_every_reference(snap):
    view = OwnershipView(snap)
    out = retainers(view, obj(snap, 6))
    refs = {r["referrer"]["class"]: r for r in out["references"]}
    assert set(refs) == {"System.Object[]", "Python.Runtime.CLRObject"}
    assert refs["System.Object[]"]["on_lifeline"] and refs["System.Object[]"]["rule"] == "delegate closure constants"
    assert not refs["Python.Runtime.CLRObject"]["kept"] and refs["Python.Runtime.CLRObject"]["rule"] == "harness: pythonnet"
    assert refs["Python.Runtime.CLRObject"]["lifeline"][0]["root"].startswith("gc-handle-strong")
    assert out["owner"] == "L1 Rules"
    assert retainers(view, obj(snap, 22))["pending_finalization"]


def test_floating_classes_sink_under_their_owners(snap):
    raw = floating_classes(snap, dominator_tree(snap))
    view = OwnershipView(snap)
    owned = floating_classes(snap, dominator_tree(snap, view=view))
    assert RCW in {r["class"] for r in raw["classes"]}  # two referrers: only the process dominates them
    assert RCW not in {r["class"] for r in owned["classes"]}
    assert owned["floating_objects"] < raw["floating_objects"]


def test_retained_size_per_class_counts_nested_objects_once(snap):
    tree = dominator_tree(snap, view=OwnershipView(snap))
    rows = {r["class"]: r for r in retained_by_class(snap, tree)}
    assert rows[RULES]["objects"] == 2
    # the L2 array dominates its rule, closure, array and RCW; the L1 array its rule chain
    assert rows[RULES]["retained"] == sum(int(tree.retained[obj(snap, i)]) for i in (2, 14))
    assert rows[RULE]["retained"] == sum(int(tree.retained[obj(snap, i)]) for i in (3, 15))
    prog = rows["App.Program"]
    assert prog["retained"] == int(tree.retained[obj(snap, 0)])


def test_root_object_and_ignored_back_reference(snap):
    only_binder = OwnershipView(snap, root_object=obj(snap, 10))
    assert only_binder.live[obj(snap, 18)] and not only_binder.live[obj(snap, 6)]
    tree = dominator_tree(snap, view=OwnershipView(snap, classifier(disable=["*"])))
    shared = obj(snap, 31)
    assert tree.idom[shared] == tree.super_root  # a static root and Child's back-reference
    view = OwnershipView(snap, classifier(disable=["*"]), ignore=[(obj(snap, 31), obj(snap, 30))])
    tree = dominator_tree(snap, view=view)
    assert tree.idom[obj(snap, 30)] == obj(snap, 0)


def test_class_filters_and_short_names():
    m = class_matcher("Action<*")
    assert m(RULE) and not m(CLOSURE) and class_matcher("Action<*>[]")(RULES) and not class_matcher("Action<*>[]")(RULE)
    assert class_matcher("re:^System\\.Runtime\\..*Closure$")(CLOSURE)
    assert short_name(SITE) == "CallSite<Action<CallSite,Arg>>"
    assert len(short_name(SITE, 20)) == 20
    assert folded(["a", "Node", "Node", "Node", "b"]) == "a -> Node ×3 -> b"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_owners_retainers_domstats_domdiff(capsys, shot_file, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(capsys, "heap", "owners", shot_file + "@before", "--class", "__ComObject", "--json")
    data = json.loads(out)
    assert code == 0 and [list(g)[:0] or {k: g[k] for k in ("owner", "objects", "bytes")} for g in data["groups"]] == [
        {"owner": "L1 Rules", "objects": 1, "bytes": 56}, {"owner": "L2 RuleCache rules", "objects": 1, "bytes": 56},
        {"owner": "finalizer queue (pending finalization, not live)", "objects": 1, "bytes": 56}]
    assert all(isinstance(g["path"], list) for g in data["groups"])
    code, out, _ = run(capsys, "heap", "owners", shot_file + "@before", "--class", "__ComObject")
    assert "owner: L1 Rules" in out and "root: static field of App.Program -> Program.Site -> CallSite<Action<CallSite,Arg>>.Rules? -> Action<CallSite,Arg>[]" in out
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal: one step per line, no line wider than it
    code, out, _ = run(capsys, "heap", "owners", shot_file + "@before", "--class", "__ComObject", "--width", "40")
    assert "\n      -> Program.Site\n" in out
    assert max(len(line) for line in out.splitlines() if line.lstrip().startswith(("->", "root:"))) <= 60
    code, out, _ = run(capsys, "heap", "retainers", shot_file, "--object", f"0x{a(6):x}", "--index", "before")
    assert code == 0 and "CLRObject" in out and "outweighed" in out
    code, out, _ = run(capsys, "heap", "domstats", shot_file + "@before", "--raw", "--json")
    assert RCW in {r["class"] for r in json.loads(out)["classes"]}
    code, out, _ = run(capsys, "heap", "domstats", shot_file + "@before", "--retained", "--class", "Action<*>", "--json")
    assert {r["class"] for r in json.loads(out)["classes"]} == {RULE}
    code, out, _ = run(capsys, "heap", "domdiff", shot_file + "@before", shot_file + "@after", "--json")
    ch = json.loads(out)["changes"]
    assert ch[0]["retained_diff"] == 128 + 32 + 40 + 56 and ch[0]["class"] == "App.Program"
    code, out, _ = run(capsys, "heap", "summary", shot_file + "@before", "--class", "Action<*>", "--json")
    assert [s["key"] for s in json.loads(out)["statistics"]] == [RULE]
    code, out, _ = run(capsys, "heap", "dominators", shot_file + "@before", "--rootobject", "#0", "--json")
    assert code == 0 and json.loads(out)["top"][0]["class"] == "App.Program"
    bad = tmp_path / "bad.owners"
    bad.write_text("Foo owning\n")
    code, _, err = run(capsys, "heap", "owners", shot_file, "--class", "X", "--rules", str(bad))
    assert code == 2 and "bad.owners:1" in err and "Traceback" not in err


def test_partial_before_first_shot_exits_2(capsys, shot_file, tmp_path):
    data = open(shot_file, "rb").read()
    cut = tmp_path / "cut.mlpd"
    cut.write_bytes(data[:200])
    code, out, err = run(capsys, "heap", "list", str(cut), "--partial")
    assert code == 2 and "before the first complete heap shot" in err
    code, out, err = run(capsys, "heap", "summary", str(cut))
    assert code == 2 and "--partial" in err
    assert os.path.exists(shot_file)


def test_parsed_graph_cache_beside_the_file(capsys, shot_file, tmp_path):
    import shutil

    from callsite.heap import cache as graph_cache

    f = str(tmp_path / "c.mlpd")
    shutil.copy(shot_file, f)
    shutil.copy(shot_file + ".points.json", f + ".points.json")
    first = run(capsys, "heap", "owners", f + "@after", "--class", "__ComObject", "--json")
    assert graph_cache.read_index(f)["shots"] == 2
    assert os.path.exists(os.path.join(graph_cache.cache_dir(f), "shot-1.npz"))
    again = run(capsys, "heap", "owners", f + "@after", "--class", "__ComObject", "--json")
    assert again == first
    cached = graph_cache.load(f, 1, None)
    fresh = Snapshot.load(f + "@after")
    for k in ("addr", "indptr", "indices", "field_offset", "root_obj", "root_kind"):
        assert np.array_equal(getattr(cached, k), getattr(fresh, k))
    with open(f, "ab") as fh:  # the file changed: the cache no longer belongs to it
        fh.write(b"\0")
    assert graph_cache.read_index(f) is None


def test_readme_rules_example_parses_and_selects(snap):
    import re as _re

    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8").read()
    block = _re.search(r"#### Ownership rules.*?```text\n(.*?)```", readme, _re.S).group(1)
    c = parse(block, "README")
    rules = c.groups["app"]
    assert [r.kind for r in rules] == ["owning", "weak", "ignored"]
    assert rules[0].selector == ("_scripts", "_entries", "[]", "value") and rules[0].name == "script host cache"
    assert rules[1].type == r"/^App\.Cache\d$/"
    # a regex type selects classes: the App.Program rule below is written the same way
    from callsite.heap.classify import builtin

    view = OwnershipView(snap, builtin().add(parse('/^App\\.Prog.*$/  owning(9)  Site  "by regex"\n')))
    assert owners_by_object(view)[a(6)] == "by regex"


def test_reach_frontier_stays_deduplicated():
    # a ladder where every object is referred to twice from the level above: 2**40 paths, 80 objects
    from callsite.heap.graph import reach

    n = 80
    src = np.concatenate([np.arange(0, n - 2), np.arange(0, n - 2)])
    dst = np.concatenate([np.arange(2, n), np.arange(1, n - 1) + (np.arange(1, n - 1) % 2 == 0)])
    o = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    assert reach(indptr, dst[o], np.array([0]), n).all()


def test_shell_keeps_the_shot_loaded(capsys, shot_file, monkeypatch):
    import io

    from callsite.commands import heap as heap_cmd

    loads = []
    real = heap_cmd._load_snapshot
    monkeypatch.setattr(heap_cmd, "_load_snapshot", lambda *a: loads.append(a[0]) or real(*a))
    monkeypatch.setattr("sys.stdin", io.StringIO("owners --class __ComObject --json\nnosuchcommand\n"
                                                 "domstats --json\nquit\nsummary\n"))
    code, out, err = run(capsys, "heap", "shell", shot_file + "@before")
    assert code == 0 and len(loads) == 1
    first, second = out.split("\n}\n")[:2]
    assert json.loads(first + "}")["groups"][0]["owner"] == "L1 Rules"
    assert "floating_objects" in json.loads(second + "}")
    assert "invalid choice" in err and "objects," not in out  # nothing ran after quit
