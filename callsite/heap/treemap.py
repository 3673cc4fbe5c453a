"""A self-contained HTML treemap of a dominator tree: click to zoom, back, search (nothing fetched).

Each box is an object sized by its retained bytes, nested inside its
immediate dominator, so "what keeps the most memory alive" is the biggest
box. The page carries the tree as JSON, cut by three options:

* ``depth``: levels below the top kept in the file;
* ``width``: children kept per node, largest first;
* ``min_size``: children retaining less are not kept one by one.

Children not kept are merged *per class* ("String ×1,204"), so the rest of a
level is still told apart by what it is rather than one grey box.

In the page, a small script lays out the boxes of the current node
(squarified, Bruls et al.) three levels deep; clicking a box zooms into it,
the breadcrumb, the Back button or the browser's back go up again. The
search box looks through the whole tree in the page, not only the boxes in
view: matching boxes are outlined, boxes that hold a match deeper down get a
dashed outline (zoom in to find it), and a list of the matches, each with
its path, zooms to a match when clicked.
Labels are cut to the box's width. The state is in the URL
(``#zoom=ID&q=TEXT``), so a zoomed view can be bookmarked, and tests open
it in headless Chromium.
"""

from __future__ import annotations

import collections
import html
import json
from typing import TYPE_CHECKING

import numpy as np

from callsite.heap.dominators import DominatorTree, dominator_tree
from callsite.heap.names import short_name

if TYPE_CHECKING:
    from callsite.heap.ownership import OwnershipView
    from callsite.heap.snapshot import Snapshot

#: Upper bound on the boxes written to one page (a browser stays quick with this many).
MAX_NODES = 20000


def treemap_data(snap: "Snapshot", tree: DominatorTree | None = None, *, depth: int = 4, width: int = 40,
                 min_size: int | None = None, view: "OwnershipView | None" = None,
                 hide: np.ndarray | None = None) -> dict:
    """The tree the page shows: ``nodes`` (id, parent, label, class, retained, own, owner, kind).

    ``hide`` (booleans per object, e.g. the harness's objects) leaves those subtrees out.
    """
    tree = tree or dominator_tree(snap, view=view)
    ret = tree.retained.copy()
    if hide is not None:
        top = np.flatnonzero(hide & (tree.idom[:-1] == tree.super_root))
        ret[tree.super_root] -= int(ret[top].sum())
        ret[np.flatnonzero(hide)] = 0
    total = int(ret[tree.super_root])
    if min_size is None:
        min_size = max(1, total // 1000)
    idom = tree.idom[:-1]
    valid = np.flatnonzero(idom >= 0)
    order = valid[np.argsort(idom[valid], kind="stable")]
    cptr = np.zeros(len(tree.idom) + 1, dtype=np.int64)
    np.cumsum(np.bincount(idom[valid], minlength=len(tree.idom)), out=cptr[1:])
    nodes = [{"i": 0, "p": -1, "n": "all reachable objects", "c": "", "r": total, "s": 0, "o": "", "k": "root"}]
    queue = collections.deque([(tree.super_root, 0, 0)])
    while queue and len(nodes) < MAX_NODES:
        v, nid, d = queue.popleft()
        kids = order[cptr[v]:cptr[v + 1]]
        if not len(kids) or d >= depth:
            continue
        kids = kids[np.argsort(-ret[kids], kind="stable")]
        kids = kids[ret[kids] > 0]
        keep = kids[:width]
        keep = keep[ret[keep] >= min_size]
        rest = kids[len(keep):]
        for c in keep.tolist():
            cid = len(nodes)
            nodes.append({"i": cid, "p": nid, "n": short_name(snap.class_of(c), 0), "c": snap.class_of(c),
                          "r": int(ret[c]), "s": int(snap.size[c]), "a": f"0x{int(snap.addr[c]):x}",
                          "o": view.owner_label(c) if view is not None else "", "k": "obj"})
            queue.append((c, cid, d + 1))
        if len(rest):
            cls = snap.class_id[rest]
            sums = np.bincount(cls, weights=ret[rest])
            counts = np.bincount(cls)
            for k in np.flatnonzero(counts)[np.argsort(-sums[np.flatnonzero(counts)], kind="stable")].tolist():
                name = snap.class_names[k]
                nodes.append({"i": len(nodes), "p": nid, "n": f"{short_name(name, 0)} ×{int(counts[k]):,}",
                              "c": name, "r": int(sums[k]), "s": 0, "o": "", "k": "group"})
        if v != tree.super_root and snap.size[v] > 0:
            nodes.append({"i": len(nodes), "p": nid, "n": "(own size)", "c": "", "r": int(snap.size[v]),
                          "s": int(snap.size[v]), "o": "", "k": "self"})
    return {"snapshot": snap.label, "objects": len(snap), "bytes": snap.total_size, "reachable": total,
            "depth": depth, "width": width, "min_size": int(min_size), "nodes": nodes}


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body { font: 13px sans-serif; margin: 12px; color: #222; }
#bar { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
#crumbs span { color: #06c; cursor: pointer; } #crumbs span:last-child { color: #222; cursor: default; }
svg text { font: 11px sans-serif; fill: #111; pointer-events: none; }
svg rect { stroke: #fff; stroke-width: 1; cursor: pointer; }
svg rect.hit { stroke: #d00; stroke-width: 3; }
svg rect.under { stroke: #d00; stroke-width: 2; stroke-dasharray: 5 3; }
#hitlist { margin: 4px 0; padding-left: 22px; max-height: 9em; overflow-y: auto; }
#hitlist li { color: #06c; cursor: pointer; }
#info { color: #555; min-height: 1.2em; }
</style></head><body>
<h1 style="font-size:16px">__TITLE__</h1>
<p>__SUMMARY__ Boxes are objects sized by retained bytes, nested in their immediate dominator;
click to zoom in, Back (or the breadcrumb) to go up; type to search class or owner in the whole tree
(a dashed outline holds a match further down; click a listed match to zoom to it).</p>
<div id="bar"><button id="back" type="button">Back</button>
<input id="search" type="search" placeholder="search class or owner" size="32">
<span id="hits"></span></div>
<ol id="hitlist"></ol>
<div id="crumbs"></div>
<svg id="map" xmlns="http://www.w3.org/2000/svg" width="__W__" height="__H__"></svg>
<div id="info"></div>
<script id="data" type="application/json">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const N = D.nodes, KIDS = N.map(() => []);
N.forEach(n => { if (n.p >= 0) KIDS[n.p].push(n); });
const W = __W__, H = __H__, PAL = ["#4e79a7","#f28e2b","#e15759","#76b7b2","#59a14f","#edc948","#b07aa1","#ff9da7","#9c755f","#8cd17d"];
const svg = document.getElementById("map"), NS = "http://www.w3.org/2000/svg";
let zoom = 0, query = "", under = 0;
function hash(s) { let h = 0; for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) | 0; return Math.abs(h); }
function color(n) { return n.k === "self" ? "#cccccc" : PAL[hash(n.c || n.n) % PAL.length]; }
function fmt(b) { const u = ["B","KB","MB","GB"]; let i = 0; while (b >= 1024 && i < 3) { b /= 1024; i++; } return (i ? b.toFixed(1) : b) + " " + u[i]; }
function squarify(items, x, y, w, h) {
  const out = [], total = items.reduce((a, n) => a + n.r, 0);
  if (total <= 0 || w <= 0 || h <= 0) return out;
  let area = items.map(n => n.r * w * h / total), i = 0;
  while (i < items.length) {
    const short = Math.min(w, h); let row = [area[i]], j = i + 1;
    const worst = r => { const s = r.reduce((a, b) => a + b, 0); return Math.max(...r.map(a => Math.max(short*short*a/(s*s), (s*s)/(short*short*a)))); };
    while (j < items.length && worst(row.concat([area[j]])) <= worst(row)) { row.push(area[j]); j++; }
    const s = row.reduce((a, b) => a + b, 0);
    if (w >= h) { const cw = s / h; let cy = y; row.forEach((a, k) => { out.push([items[i+k], x, cy, cw, a / cw]); cy += a / cw; }); x += cw; w -= cw; }
    else { const rh = s / w; let cx = x; row.forEach((a, k) => { out.push([items[i+k], cx, y, a / rh, rh]); cx += a / rh; }); y += rh; h -= rh; }
    i = j;
  }
  return out;
}
function label(n, w) {
  const t = n.n + " " + fmt(n.r), max = Math.floor((w - 6) / 6.2);
  if (max < 3) return "";
  return t.length <= max ? t : t.slice(0, max - 1) + "\\u2026";
}
function matches(n) { const q = query.toLowerCase(); return q && ((n.c || n.n).toLowerCase().includes(q) || (n.o || "").toLowerCase().includes(q)); }
// the search runs over every node in the page: HIT = matches, UNDER = their ancestors
let HIT = new Set(), UNDER = new Set(), hits = 0;
function search() {
  HIT = new Set(); UNDER = new Set();
  if (!query) return;
  for (const n of N) if (n.i > 0 && matches(n)) {
    HIT.add(n.i);
    for (let p = n.p; p > 0 && !UNDER.has(p); p = N[p].p) UNDER.add(p);
  }
}
function pathOf(n) { const out = []; for (let m = n; m && m.i > 0; m = m.p >= 0 ? N[m.p] : null) out.unshift(m.n); return out.join(" \u203a "); }
function listHits() {
  const ol = document.getElementById("hitlist"); ol.textContent = "";
  const shown = [...HIT].sort((a, b) => N[b].r - N[a].r).slice(0, 50);
  for (const id of shown) {
    const li = document.createElement("li"), n = N[id];
    li.textContent = pathOf(n) + " (" + fmt(n.r) + ")"; li.dataset.id = id;
    li.addEventListener("click", () => go(KIDS[id].length ? id : Math.max(n.p, 0)));
    ol.appendChild(li);
  }
  if (HIT.size > shown.length) { const li = document.createElement("li"); li.textContent = "\u2026 " + (HIT.size - shown.length) + " more"; li.style.color = "#555"; ol.appendChild(li); }
}
function draw(n, x, y, w, h, level) {
  const kids = KIDS[n.i].filter(k => k.r > 0).sort((a, b) => b.r - a.r);
  const head = level > 0 && h > 30 ? 15 : 0, pad = level > 0 ? 2 : 0;
  for (const [k, rx, ry, rw, rh] of squarify(kids, x + pad, y + pad + head, w - 2 * pad, h - 2 * pad - head)) {
    if (rw < 1 || rh < 1) continue;
    const r = document.createElementNS(NS, "rect");
    r.setAttribute("x", rx); r.setAttribute("y", ry); r.setAttribute("width", rw); r.setAttribute("height", rh);
    r.setAttribute("fill", color(k)); r.setAttribute("fill-opacity", level ? 0.7 : 1);
    r.dataset.id = k.i;
    if (HIT.has(k.i)) { r.classList.add("hit"); hits++; } else if (UNDER.has(k.i)) { r.classList.add("under"); under++; }
    const tip = document.createElementNS(NS, "title");
    tip.textContent = (k.c || k.n) + "\\nretained " + fmt(k.r) + (k.s ? ", own " + k.s + " B" : "") + (k.o ? "\\nowner: " + k.o : "") + (k.a ? "\\n" + k.a : "");
    r.appendChild(tip);
    r.addEventListener("click", ev => { ev.stopPropagation(); if (KIDS[k.i].length) go(k.i); else show(k); });
    svg.appendChild(r);
    if (rh > 13) {
      const t = label(k, rw);
      if (t) { const tx = document.createElementNS(NS, "text"); tx.setAttribute("x", rx + 3); tx.setAttribute("y", ry + 12);
               tx.setAttribute("data-box", rw); tx.textContent = t; svg.appendChild(tx); }
    }
    if (level < 2 && rw > 30 && rh > 30) draw(k, rx, ry, rw, rh, level + 1);
  }
}
function show(n) { document.getElementById("info").textContent = (n.c || n.n) + ": retained " + fmt(n.r) + (n.o ? ", owner: " + n.o : ""); }
function render() {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  hits = 0; under = 0;
  draw(N[zoom], 0, 0, W, H, 0);
  const crumbs = document.getElementById("crumbs"); crumbs.textContent = "";
  const path = []; for (let n = N[zoom]; n; n = n.p >= 0 ? N[n.p] : null) path.unshift(n);
  path.forEach((n, i) => { const s = document.createElement("span"); s.textContent = (i ? " \\u203a " : "") + n.n + " (" + fmt(n.r) + ")";
                          s.addEventListener("click", () => go(n.i)); crumbs.appendChild(s); });
  document.getElementById("hits").textContent = query ? HIT.size + " match" + (HIT.size === 1 ? "" : "es") + " in the page, " + hits + " in view" + (under ? ", " + under + " boxes in view hold more (dashed)" : "") : "";
  let over = 0;  // labels wider than their box (should be none)
  svg.querySelectorAll("text").forEach(t => { if (t.getComputedTextLength() > parseFloat(t.dataset.box)) over++; });
  document.body.dataset.overflow = over; document.body.dataset.zoom = zoom; document.body.dataset.hits = HIT.size; document.body.dataset.hitsview = hits; document.body.dataset.under = under;
  document.body.dataset.boxes = svg.querySelectorAll("rect").length;
}
function state() { return "#zoom=" + zoom + (query ? "&q=" + encodeURIComponent(query) : ""); }
function go(id) { zoom = id; history.pushState(null, "", state()); render(); }
function fromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const z = parseInt(p.get("zoom") || "0", 10); zoom = (z >= 0 && z < N.length) ? z : 0;
  query = p.get("q") || ""; document.getElementById("search").value = query; search(); listHits(); render();
}
document.getElementById("back").addEventListener("click", () => { if (zoom !== 0) { zoom = N[zoom].p; history.replaceState(null, "", state()); render(); } });
document.getElementById("search").addEventListener("input", ev => { query = ev.target.value; search(); listHits(); history.replaceState(null, "", state()); render(); });
window.addEventListener("popstate", fromHash);
fromHash();
</script>
</body></html>
"""


def render_html(snap: "Snapshot", tree: DominatorTree | None = None, *, title: str | None = None,
                width: int = 1200, height: int = 800, depth: int = 4, children: int = 40,
                min_size: int | None = None, view: "OwnershipView | None" = None,
                hide: np.ndarray | None = None) -> str:
    """The whole page as a string (inline script, style and data; nothing fetched)."""
    data = treemap_data(snap, tree, depth=depth, width=children, min_size=min_size, view=view, hide=hide)
    title = title or f"Dominator treemap: {snap.label}"
    summary = (f"{data['objects']:,} objects, {data['bytes']:,} bytes in the shot; {data['reachable']:,} bytes "
               f"reachable from roots; {len(data['nodes']):,} boxes (depth {depth}, {children} children per node, "
               f"smaller than {data['min_size']:,} bytes merged per class).")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (_PAGE.replace("__TITLE__", html.escape(title)).replace("__SUMMARY__", html.escape(summary))
            .replace("__W__", str(width)).replace("__H__", str(height)).replace("__DATA__", payload))


def write_treemap(snap: "Snapshot", path: str, tree: DominatorTree | None = None, **kw) -> str:
    """Write the treemap page to ``path``; returns the path."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(snap, tree, **kw))
    return path
