"""PNG plots of experiment results (matplotlib, Agg backend)."""

from __future__ import annotations

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


def _workload(doc: dict, path: Path) -> Path:
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    targets = doc["targets"]
    ax = axes[0]
    for key, t in targets.items():
        if t.get("binds_series"):
            xs, ys = zip(*t["binds_series"])
            ax.plot(xs, ys, label=key, color=COLORS.get(key), lw=2 if t.get("kind") == "real" else 1,
                    ls="-" if t.get("kind") == "real" else "--")
    ax.set_title("binds (cumulative)")
    ax.set_xlabel("calls")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    ax = axes[1]
    for key, t in targets.items():
        if t.get("kind") == "real" and t.get("heap_series"):
            xs, ys = zip(*t["heap_series"])
            base = ys[0]
            ax.plot(xs, [(y - base) / 1024 for y in ys], label=key, color=COLORS.get(key), lw=2)
    for key, t in targets.items():
        if t.get("kind") == "simulator" and key == "sim-mono" and t.get("heap_series"):
            xs, ys = zip(*t["heap_series"])
            ax.plot(xs, [y / 1024 for y in ys], label=f"{key} (modelled)", color=COLORS.get(key), ls="--")
    ax.set_title("managed heap after GC, growth (KiB)")
    ax.set_xlabel("calls")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    ax = axes[2]
    plotted = False
    for key, t in targets.items():
        for series, style in (("com_live_series", "-"), ("com_live_before_gc_series", ":")):
            if t.get(series):
                xs, ys = zip(*t[series])
                ax.plot(xs, ys, ls=style, color=COLORS.get(key),
                        label=f"{key}: native COM live" + (" (before GC)" if "before" in series else " (after GC)"))
                plotted = True
        if t.get("kind") == "real" and t.get("objects_held_by_rules") is not None and t.get("calls"):
            ax.axhline(t["objects_held_by_rules"], color=COLORS.get(key), alpha=0.4, lw=1,
                       label=f"{key}: objects held by cached rules at the end")
            plotted = True
    ax.set_title("live native COM objects / objects held")
    ax.set_xlabel("calls")
    if plotted:
        ax.legend(fontsize=6)
    fig.suptitle(f"Experiment {doc['number']}: {doc['title']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


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
    axes[1].set_title("real: µs per call (whole run)")
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
        for ax in axes[row]:
            ax.set_xlabel("snippets run")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
    fig.suptitle(f"Experiment 9: {doc['title']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)
    return path
