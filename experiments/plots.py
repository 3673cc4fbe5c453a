"""PNG plots of experiment results (matplotlib, Agg backend)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

COLORS = {"sim-mono": "#9ecae1", "sim-coreclr": "#fdae6b", "sim-netfx": "#bcbddc",
          "mono": "#08519c", "coreclr": "#d94801",
          "sim-net8": "#a1d99b", "net8": "#238b45"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(doc: dict, path: Path) -> Path | None:
    name = doc.get("experiment")
    if name == "poly-sweep":
        return _poly(doc, path)
    if name == "unique-snippets":
        return _snippets(doc, path)
    return _workload(doc, path)


def _empty(ax, why: str) -> None:
    """An empty panel says why it is empty."""
    text = "\n".join(textwrap.fill(line, 44) for line in why.splitlines())
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=7, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _finish(ax, title: str, ylabel: str, why_empty: str, legend_size: int = 7) -> None:
    """Title and labelled axes; a legend, or the reason the panel is empty."""
    ax.set_title(title, fontsize=8)
    ax.set_xlabel("calls")
    ax.set_ylabel(ylabel)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=legend_size)
    else:
        _empty(ax, why_empty)


def _why_no_real(targets: dict) -> str:
    reasons = [f"{k}: {(t.get('not_applicable') or t.get('error') or '')[:70]}" for k, t in targets.items()
               if t.get("kind") == "real" and (t.get("not_applicable") or t.get("error"))]
    return "no real run measured the heap\n" + "\n".join(reasons)


def _workload(doc: dict, path: Path) -> Path:
    plt = _plt()
    fig = workload_figure(doc)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def workload_figure(doc: dict):
    """Four panels, each with its own labelled y-axis: binds; the real heap (measured); the
    modelled bytes (simulator); COM objects. Measured and modelled memory are never on one axis."""
    plt = _plt()
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    targets = doc["targets"]
    ax = axes[0]
    for key, t in targets.items():
        if t.get("binds_series"):
            xs, ys = zip(*t["binds_series"])
            ax.plot(xs, ys, label=key, color=COLORS.get(key), lw=2 if t.get("kind") == "real" else 1,
                    ls="-" if t.get("kind") == "real" else "--")
    notes = "".join(f"\n({n})" for n in sorted({t["note"] for t in targets.values()
                                                  if t.get("note") and not t.get("binds")}))
    _finish(ax, "binds (cumulative)", "binds so far", "no target recorded a bind" + notes)

    ax = axes[1]
    for key, t in targets.items():
        if t.get("kind") == "real" and t.get("heap_series"):
            xs, ys = zip(*t["heap_series"])
            ax.plot(xs, [(y - ys[0]) / 1024 for y in ys], label=f"{key} (measured)", color=COLORS.get(key), lw=2)
    _finish(ax, "real runtimes: managed heap after a forced GC\n(includes the harness and pythonnet)",
            "growth since the first sample (KiB)", _why_no_real(targets))

    ax = axes[2]
    for key, t in targets.items():
        if t.get("kind") != "simulator" or not t.get("heap_series"):
            continue
        xs, ys = zip(*t["heap_series"])
        ax.plot(xs, [y / 1024 for y in ys], label=f"{key}: total (modelled)", color=COLORS.get(key), lw=1.5)
        state = t.get("binder_state_series") or []
        if any(v for _, v in state):
            sx, sy = zip(*state)
            ax.plot(sx, [y / 1024 for y in sy], ls=":", color=COLORS.get(key), lw=2,
                    label=f"{key}: of which the binder's symbol table")
    ax.set_yscale("symlog", linthresh=1.0)
    _finish(ax, "simulator: modelled bytes (DLR caches + the binder's own state)", "modelled KiB (symlog scale)",
            "nothing modelled: no simulator target has memory samples" + notes, legend_size=6)

    ax = axes[3]
    # an experiment without a workload document (experiment 1) drives COM objects itself
    uses_com = doc.get("workload") is None or '"com"' in json.dumps(doc["workload"])
    for key, t in targets.items():
        for series, style in (("com_live_series", "-"), ("com_live_before_gc_series", ":")):
            if t.get(series) and uses_com:
                xs, ys = zip(*t[series])
                ax.plot(xs, ys, ls=style, color=COLORS.get(key),
                        label=f"{key}: native COM live" + (" (before GC)" if "before" in series else " (after GC)"))
        if t.get("kind") == "real" and t.get("objects_held_by_rules") and t.get("calls"):
            # one count, taken at the end of the run: a point, not a line across the run
            ax.plot([t["calls"]], [t["objects_held_by_rules"]], marker="D", ls="none", color=COLORS.get(key),
                    label=f"{key}: objects held by cached rules (at the end)")
    _finish(ax, "native COM objects and objects held by cached rules", "objects",
            "no native COM object was alive after a GC and no cached rule holds an object" if uses_com
            else "this workload passes no COM object, and no cached rule holds an object", legend_size=6)
    fig.suptitle(f"Experiment {doc['number']}: {doc['title']}", fontsize=9)
    fig.tight_layout()
    return fig


def _poly(doc: dict, path: Path) -> Path:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for key, t in doc["targets"].items():
        rows = [r for r in t.get("sweep", []) if "steady_binds_per_1000" in r]
        if not rows:
            continue
        real = t.get("kind") == "real"
        axes[0].plot([r["n"] for r in rows], [r["steady_binds_per_1000"] for r in rows], marker="o" if real else None,
                     ms=3, label=key, color=COLORS.get(key), ls="-" if real else "--")
        if real:
            axes[1].plot([r["n"] for r in rows], [r["us_per_call"] for r in rows], marker="o", ms=3, label=key,
                         color=COLORS.get(key))
    for ax in axes:
        ax.set_xscale("log")
        for x, lbl in ((10, "L1 = 10"), (64, "L2 insert 64"), (128, "L2 = 128")):
            ax.axvline(x, color="grey", lw=0.6, ls=":")
            ax.text(x, ax.get_ylim()[1] * 0.95 if ax.get_ylim()[1] else 1, lbl, fontsize=6, rotation=90, va="top")
        ax.set_xlabel("N types round robin")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    axes[0].set_title("steady-state binds per 1000 calls")
    axes[0].set_ylabel("binds per 1000 calls (whole rounds, 2nd half)")
    axes[1].set_title("real: µs per call (whole run)")
    axes[1].set_ylabel("µs per call (measured)")
    if not axes[1].get_legend_handles_labels()[0]:
        _empty(axes[1], "no real runtime ran the sweep:\n" + _why_no_real(doc["targets"]))
    fig.suptitle(f"Experiment 8: {doc['title']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _snippets(doc: dict, path: Path) -> Path:
    plt = _plt()
    rts = [k for k, t in doc["targets"].items() if t.get("kind") == "real" and t.get("modes")]
    fig, axes = plt.subplots(len(rts) or 1, 3, figsize=(13, 3.4 * max(1, len(rts))), squeeze=False)
    styles = {"reset": "-", "reset+gc": "--", "unload": "-.", "worker": ":"}
    for row, rt in enumerate(rts):
        modes = doc["targets"][rt]["modes"]
        for mode, r in modes.items():
            samples = r.get("samples") or []
            if not samples:
                continue
            xs = [s["snippets"] for s in samples]
            axes[row][0].plot(xs, [s.get("loaded", 0) for s in samples], ls=styles.get(mode), label=mode)
            if mode != "worker":
                axes[row][1].plot(xs, [s["heap_bytes"] / 2**20 for s in samples], ls=styles.get(mode), label=mode)
                axes[row][2].plot(xs, [s["rss"] / 2**20 for s in samples], ls=styles.get(mode), label=mode)
            else:
                axes[row][2].plot(xs[1:], [s["worker_rss_at_exit"] / 2**20 for s in samples[1:]], ls=":",
                                  label="worker (each recycled worker at exit)")
        axes[row][0].set_title(f"{rt}: snippet assemblies loaded in the long-lived process", fontsize=8)
        axes[row][1].set_title(f"{rt}: managed heap after each reset, no forced GC (MiB)", fontsize=8)
        axes[row][2].set_title(f"{rt}: RSS (MiB), for comparison", fontsize=8)
        axes[row][0].set_ylabel("assemblies loaded")
        axes[row][1].set_ylabel("MiB (measured)")
        axes[row][2].set_ylabel("MiB (measured)")
        for ax in axes[row]:
            ax.set_xlabel("snippets run")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
    fig.suptitle(f"Experiment 9: {doc['title']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)
    return path
