"""A self-contained HTML treemap of a dominator tree (no scripts or fonts from the network).

Each rectangle is an object (or a group of small siblings) sized by its
retained bytes and nested inside its immediate dominator, so "what keeps the
most memory alive" is the biggest box. The layout (squarified, Bruls et al.)
is computed here and written as inline SVG; hovering shows class, own and
retained size.
"""

from __future__ import annotations

import html
import zlib
from typing import TYPE_CHECKING

import numpy as np

from callsite.heap.dominators import DominatorTree, dominator_tree

if TYPE_CHECKING:
    from callsite.heap.snapshot import Snapshot

_PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
            "#9c755f", "#bab0ac"]


def _squarify(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple[float, float, float, float]]:
    """Rectangles for ``values`` (sorted descending, positive) filling the box, squarified."""
    rects: list[tuple[float, float, float, float]] = []
    total = sum(values)
    if total <= 0 or w <= 0 or h <= 0:
        return [(x, y, 0.0, 0.0) for _ in values]
    scale = w * h / total
    areas = [v * scale for v in values]
    i = 0
    while i < len(areas):
        short = min(w, h)
        row = [areas[i]]
        j = i + 1

        def worst(r: list[float]) -> float:
            s = sum(r)
            return max(max(short * short * a / (s * s), (s * s) / (short * short * a)) for a in r)

        while j < len(areas) and worst(row + [areas[j]]) <= worst(row):
            row.append(areas[j])
            j += 1
        s = sum(row)
        if w >= h:  # lay the row out as a column on the left
            cw = s / h if h else 0
            cy = y
            for a in row:
                ch = a / cw if cw else 0
                rects.append((x, cy, cw, ch))
                cy += ch
            x += cw
            w -= cw
        else:
            rh = s / w if w else 0
            cx = x
            for a in row:
                cwid = a / rh if rh else 0
                rects.append((cx, y, cwid, rh))
                cx += cwid
            y += rh
            h -= rh
        i = j
    return rects


def treemap_nodes(snap: "Snapshot", tree: DominatorTree | None = None, *, depth: int = 3,
                  max_children: int = 30, width: float = 1200, height: float = 800) -> list[dict]:
    """Laid-out rectangles: dicts with x, y, w, h, depth, label, class, retained, size."""
    tree = tree or dominator_tree(snap)
    ret = tree.retained
    out: list[dict] = []
    # children lists by immediate dominator (one sort, not a scan per node)
    idom = tree.idom[:-1]
    valid = np.flatnonzero(idom >= 0)
    order = valid[np.argsort(idom[valid], kind="stable")]
    cptr = np.zeros(len(tree.idom) + 1, dtype=np.int64)
    np.cumsum(np.bincount(idom[valid], minlength=len(tree.idom)), out=cptr[1:])

    def kids(v: int) -> np.ndarray:
        return order[cptr[v]:cptr[v + 1]]

    def layout(v: int, x: float, y: float, w: float, h: float, d: int) -> None:
        ch = kids(v)
        if not len(ch) or d > depth or w < 3 or h < 3:
            return
        ch = ch[np.argsort(-ret[ch], kind="stable")]
        big, rest = ch[:max_children], ch[max_children:]
        vals = [float(ret[c]) for c in big]
        labels: list[tuple] = [("obj", int(c)) for c in big]
        rest_total = float(ret[rest].sum()) if len(rest) else 0.0
        if rest_total > 0:
            vals.append(rest_total)
            labels.append(("rest", len(rest)))
        own = float(snap.size[v]) if v < len(snap.size) else 0.0
        pad = 2.0 if d > 0 else 0.0
        head = 14.0 if d > 0 and h > 30 else 0.0
        inner = (x + pad, y + pad + head, max(w - 2 * pad, 0), max(h - 2 * pad - head, 0))
        keep = [(val, lab) for val, lab in zip(vals, labels) if val > 0]
        if own > 0 and d > 0:
            keep.append((own, ("self", v)))
        keep.sort(key=lambda t: -t[0])
        rects = _squarify([k[0] for k in keep], *inner)
        for (val, lab), (rx, ry, rw, rh) in zip(keep, rects):
            if lab[0] == "obj":
                c = lab[1]
                out.append({"x": rx, "y": ry, "w": rw, "h": rh, "depth": d, "class": snap.class_of(c),
                            "label": snap.class_of(c), "retained": int(ret[c]), "size": int(snap.size[c]),
                            "address": f"0x{int(snap.addr[c]):x}"})
                layout(c, rx, ry, rw, rh, d + 1)
            elif lab[0] == "rest":
                out.append({"x": rx, "y": ry, "w": rw, "h": rh, "depth": d, "class": "",
                            "label": f"({lab[1]} smaller)", "retained": int(val), "size": 0, "address": ""})
            else:
                out.append({"x": rx, "y": ry, "w": rw, "h": rh, "depth": d, "class": "",
                            "label": "(own size)", "retained": int(val), "size": int(val), "address": ""})

    layout(tree.super_root, 0, 0, width, height, 0)
    return out


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def render_html(snap: "Snapshot", tree: DominatorTree | None = None, *, title: str | None = None,
                width: int = 1200, height: int = 800) -> str:
    """The whole HTML page as a string (inline SVG and CSS, nothing fetched)."""
    tree = tree or dominator_tree(snap)
    nodes = treemap_nodes(snap, tree, width=width, height=height)
    title = title or f"Dominator treemap: {snap.label}"
    total = int(tree.retained[tree.super_root])
    parts = []
    for nd in nodes:
        if nd["w"] < 0.5 or nd["h"] < 0.5:
            continue
        color = _PALETTE[zlib.crc32(nd["class"].encode()) % len(_PALETTE)] if nd["class"] else "#dddddd"
        opacity = max(0.35, 1.0 - 0.2 * nd["depth"])
        tip = (f"{nd['label']}\nretained {_fmt_bytes(nd['retained'])} ({nd['retained']} B)"
               f"\nown {nd['size']} B {nd['address']}")
        parts.append(
            f'<g><title>{html.escape(tip)}</title><rect x="{nd["x"]:.1f}" y="{nd["y"]:.1f}" '
            f'width="{nd["w"]:.1f}" height="{nd["h"]:.1f}" fill="{color}" fill-opacity="{opacity:.2f}" '
            f'stroke="#fff" stroke-width="0.6"/>')
        if nd["w"] > 60 and nd["h"] > 12:
            maxch = int(nd["w"] / 6.5)
            text = nd["label"] if len(nd["label"]) <= maxch else nd["label"][: max(maxch - 1, 1)] + "…"
            parts.append(f'<text x="{nd["x"] + 3:.1f}" y="{nd["y"] + 11:.1f}">{html.escape(text)}</text>')
        parts.append("</g>")
    top = tree.top(15)
    rows = "".join(
        f"<tr><td>{html.escape(snap.class_of(o))}</td><td>{int(snap.size[o])}</td>"
        f"<td>{int(tree.retained[o])}</td></tr>" for o in top)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font: 13px sans-serif; margin: 16px; color: #222; }}
svg text {{ font: 10px sans-serif; fill: #111; pointer-events: none; }}
table {{ border-collapse: collapse; margin-top: 12px; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; }} td:nth-child(n+2) {{ text-align: right; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{len(snap)} objects, {_fmt_bytes(snap.total_size)} in the shot; {_fmt_bytes(total)} reachable from roots.
Boxes are objects sized by retained bytes, nested in their immediate dominator; hover for details.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">
{''.join(parts)}
</svg>
<table><tr><th>class</th><th>own bytes</th><th>retained bytes</th></tr>{rows}</table>
</body></html>
"""


def write_treemap(snap: "Snapshot", path: str, tree: DominatorTree | None = None, **kw) -> str:
    """Write the treemap page to ``path``; returns the path."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(snap, tree, **kw))
    return path
