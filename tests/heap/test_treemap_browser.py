"""The treemap page in headless Chromium (Debian's ``chromium``, installed by setup.sh).

A synthetic heap (a few thousand objects under two static roots) is written
as a shot, turned into a page by ``dlrsim heap treemap`` with depth, width and
min-size options, and opened in the browser: the screenshot must be mostly
coloured boxes (not one grey box), zooming into a box (the state in the URL,
as a click sets it) must change the view and the breadcrumb, the search must
find matches in the whole tree (outlining those in view, dashing the boxes
that hold deeper ones, listing them all), and no label may be wider than its box.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from callsite.cli import main

from .mlpd_writer import FakeObject, FakeRegion, write_mlpd

OB = 0x7F00_0000_0000
PB = 0x5500_0000_0000
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium not found (run ./setup.sh: Debian package chromium)")
    return exe


def browse(page: str, profile: str, *extra: str, fragment: str = "") -> subprocess.CompletedProcess:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, f"file://{page}{fragment}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def heap(rng: np.random.Generator) -> list[FakeObject]:
    """Two holders; each holds caches of lists of leaves of a few classes and sizes."""
    objs: list[FakeObject] = []
    nxt = [0]

    def new(cls: str, size: int, refs: list[int]) -> int:
        a = OB + 0x40 * nxt[0]
        nxt[0] += 1
        objs.append(FakeObject(a, cls, size, [(16 + 8 * i, r) for i, r in enumerate(refs)]))
        return a

    holders = []
    for h in range(2):
        caches = []
        for c in range(6 + 4 * h):
            lists = []
            for _ in range(int(rng.integers(3, 12))):
                leaves = [new(str(rng.choice(["App.Leaf", "System.String", "App.Rule<App.Arg>"])),
                              int(8 * rng.integers(3, 40)), []) for _ in range(int(rng.integers(5, 60)))]
                lists.append(new("System.Object[]", 16 + 8 * len(leaves), leaves))
            caches.append(new(f"App.Cache{c % 3}", 48, lists))
        holders.append(new(f"App.Holder{h}", 32, caches))
    return sorted(objs, key=lambda o: o.addr), holders


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("treemap")
    objs, holders = heap(np.random.default_rng(7))
    classes = sorted({o.cls for o in objs})
    vt = PB + 0x900000 + 0x80 * classes.index("App.Holder0")
    shot = d / "tm.mlpd"
    shot.write_bytes(write_mlpd([(objs, [(PB + 0x10000, holders[0]), (PB + 0x10008, holders[1])])],
                                [FakeRegion(PB + 0x10000, 0x100, 3, vt, "Static Fields")]))
    out = d / "tm.html"
    assert main(["heap", "treemap", str(shot), "-o", str(out), "--depth", "4", "--width", "12",
                 "--min-size", "200"]) == 0
    return str(out)


def page_data(page: str) -> dict:
    text = open(page, encoding="utf-8").read()
    return json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', text, re.S).group(1))


def body_state(page: str, profile: str, fragment: str) -> dict:
    """The page's state after its script ran: body data attributes and the breadcrumb text."""
    dom = browse(page, profile, "--dump-dom", "--virtual-time-budget=3000", fragment=fragment).stdout
    m = re.search(r"<body([^>]*)>", dom)
    assert m, dom[-2000:]
    state = dict(re.findall(r'data-(\w+)="([^"]*)"', m.group(1)))
    crumbs = re.search(r'<div id="crumbs">(.*?)</div>', dom, re.S).group(1)
    state["crumbs"] = re.sub(r"<[^>]+>", "", crumbs)
    state["hitlist"] = re.findall(r'<li data-id="(\d+)"', re.search(r'<ol id="hitlist">(.*?)</ol>', dom, re.S).group(1))
    return state


def screenshot(page: str, profile: str, png: str, fragment: str = "") -> np.ndarray:
    import matplotlib.image as mpimg

    browse(page, profile, f"--screenshot={png}", "--window-size=1280,1000", fragment=fragment)
    assert os.path.exists(png)
    img = mpimg.imread(png)[:, :, :3]
    return (img * 255).round().astype(np.int32)


def test_options_shape_the_data(page):
    data = page_data(page)
    assert data["depth"] == 4 and data["width"] == 12 and data["min_size"] == 200
    nodes = data["nodes"]
    kids = {}
    for n in nodes:
        kids.setdefault(n["p"], []).append(n)
    assert all(sum(k["k"] == "obj" for k in ks) <= 12 for ks in kids.values())
    assert all(n["r"] >= 200 for n in nodes if n["k"] == "obj")
    # the rest of a level is merged per class, not into one anonymous box
    assert any(n["k"] == "group" and "×" in n["n"] for n in nodes)


def test_screenshot_zoom_search_and_labels(page, tmp_path):
    data = page_data(page)
    nodes = data["nodes"]
    parents = {n["p"] for n in nodes}
    target = next(n for n in nodes if n["k"] == "obj" and n["i"] in parents and n["n"].startswith("Cache"))
    prof = str(tmp_path / "profile")
    top = body_state(page, prof, "")
    assert top["zoom"] == "0" and int(top["boxes"]) > 20 and top["overflow"] == "0"
    zoomed = body_state(page, prof, f"#zoom={target['i']}&q=Leaf")
    assert zoomed["zoom"] == str(target["i"]) and int(zoomed["hitsview"]) > 0 and zoomed["overflow"] == "0"
    assert target["n"] in zoomed["crumbs"] and target["n"] not in top["crumbs"]

    img = screenshot(page, prof, str(tmp_path / "top.png"))
    region = img[150:900, 10:1200]  # the map (below the title, controls and breadcrumb)
    white = (region == 255).all(axis=2).mean()
    grey = ((abs(region - 204) <= 2).all(axis=2)).mean()
    colours = {tuple(c) for c in region[::7, ::7].reshape(-1, 3).tolist()}
    assert white < 0.3, white
    assert grey < 0.25, grey
    assert len(colours) >= 6
    zimg = screenshot(page, prof, str(tmp_path / "zoom.png"), fragment=f"#zoom={target['i']}&q=Leaf")
    assert zimg.shape == img.shape and (zimg != img).any(axis=2).mean() > 0.2


def test_search_covers_the_whole_tree_not_only_the_view(page, tmp_path):
    # leaves sit four levels down: the top view draws three, yet the search finds them
    nodes = page_data(page)["nodes"]
    want = {n["i"] for n in nodes if n["i"] > 0 and "rule<app.arg>" in (n["c"] or n["n"]).lower()}
    assert want
    top = body_state(page, str(tmp_path / "profile"), "#zoom=0&q=Rule%3CApp.Arg%3E")
    assert int(top["hits"]) == len(want)
    assert int(top["hitsview"]) == 0 and int(top["under"]) > 0
    assert top["hitlist"] and {int(i) for i in top["hitlist"]} <= want
    none = body_state(page, str(tmp_path / "profile"), "#zoom=0&q=NoSuchClassAnywhere")
    assert none["hits"] == "0" and none["under"] == "0" and not none["hitlist"]
