"""Stepping through one call site and drawing its caches (for the teaching notebooks).

:class:`SiteStepper` feeds a one-site workload one call at a time and, after
every call, records a :class:`CacheState`: which level answered, the rule in
``Target`` (L0), the site's ``Rules`` (L1), the binder's ``RuleCache`` (L2)
and the inline-cache state. Every state comes from the simulator's public
stepping API (:class:`callsite.stepper.Stepper`): one call at a time, the
caches read back as frozen :class:`~callsite.stepper.SiteCaches` values.

:func:`draw_steps` draws a list of states as a matplotlib figure (one row per
step: L0 box, L1 slots, L2 slots, each rule in its own colour), and
:func:`caches_html` renders one state as an HTML table.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import Any, Sequence

from callsite.profiles import RuntimeProfile, get_profile
from callsite.stepper import RuleView, SiteCaches, Stepper  # noqa: F401  (RuleView: part of this API)

#: ``Binder.InvokeMember(ResultDiscarded, member, ..., [UseCompileTimeType|IsStaticType, None])``:
#: the binder the compiler emits for ``SomeStaticClass.Member(dynamicArg)``.
STATIC_CALL_ARGS = [["UseCompileTimeType", "IsStaticType"], []]


def static_call_binder(member: str = "KeepAlive") -> dict:
    """The workload binder of a static method call with one dynamic argument."""
    return {"kind": "InvokeMember", "name": member, "flags": ["ResultDiscarded"], "args": STATIC_CALL_ARGS}


@dataclass(frozen=True)
class CacheState:
    """The caches of the site right after one call."""

    step: int               # 1-based call number
    value: str              # what was fed, as given
    level: str              # "l0", "l1", "l2" or "bind"
    l0: int | None          # rule id in Target (None: Target is still Update)
    l1: tuple[int, ...]     # rule ids in the site's Rules, front first
    l2: tuple[int, ...]     # rule ids in the binder's RuleCache, front first (a rule can appear twice)
    ic_state: str
    rules: dict[int, RuleView] = field(repr=False, default_factory=dict)

    @property
    def l2_distinct(self) -> int:
        """Distinct rules in L2 (a full cache holds one rule twice, so 127 of 128 slots)."""
        return len(set(self.l2))

    def describe(self) -> str:
        """A few lines: the level, then L0/L1/L2 as rule labels."""
        l0 = f"r{self.l0}" if self.l0 is not None else "Update"
        l2 = " ".join(f"r{i}" for i in self.l2[:16]) + (f" ... ({len(self.l2)} slots)" if len(self.l2) > 16 else "")
        return (f"call {self.step}: {self.value} -> {self.level} [{self.ic_state}]\n"
                f"  L0 {l0}\n  L1 {' '.join(f'r{i}' for i in self.l1)}\n  L2 {l2}")


class SiteStepper:
    """One static call site, fed one call at a time.

    ``binder`` is a workload binder mapping (default: a static call of
    ``GC.KeepAlive(object)``); ``receiver`` is the first argument of every call
    (default ``{"static": "System.GC"}``; ``None`` for a binder whose first
    argument you feed yourself). Values use the workload format:
    ``{"new": "A"}``, ``{"obj": "x", "type": "A"}``, ``{"com": "fresh"}``,
    ``{"box": "int", "value": 1}``, ``None``, ...
    """

    def __init__(self, profile: "str | RuntimeProfile" = "mono", *, binder: dict | None = None,
                 receiver: Any = ..., name: str = "stepper") -> None:
        self.profile = get_profile(profile)
        self.binder = copy.deepcopy(binder) if binder is not None else static_call_binder()
        self.receiver = {"static": "System.GC"} if receiver is ... else receiver
        self.name = name
        self.stepper = Stepper({"name": name, "binders": {"b": self.binder},
                                "sites": {"s": {"binder": "b", "lifetime": "static"}}}, self.profile)
        self.states: list[CacheState] = []

    def workload(self) -> dict:
        """The workload mapping of the calls fed so far (runs unchanged on the real runtimes)."""
        return self.stepper.workload()

    def feed(self, value: Any) -> CacheState:
        """Make one call with ``value`` as the dynamic argument; returns the new state."""
        args = [value] if self.receiver is None else [self.receiver, value]
        return self.feed_args(args, label=_label(value))

    def feed_all(self, values: Sequence[Any]) -> list[CacheState]:
        """``feed`` each value in turn; returns their states."""
        return [self.feed(v) for v in values]

    def feed_args(self, args: list, label: str | None = None) -> CacheState:
        """Make one call with the whole argument list (receiver included), one loop iteration."""
        step = self.stepper.call("s", list(args))
        self.stepper.end_iteration()
        c = step.caches
        state = CacheState(step=step.index + 1, value=label if label is not None else _label(args),
                           level=step.level, l0=c.l0, l1=c.l1, l2=c.l2, ic_state=step.ic_state,
                           rules=dict(c.rules))
        self.states.append(state)
        return state

    @property
    def caches(self) -> SiteCaches:
        """The site's caches now, as a value object."""
        return self.stepper.caches("s")

    @property
    def state(self) -> CacheState | None:
        """The state after the last call (None before the first)."""
        return self.states[-1] if self.states else None


def _label(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        if "new" in value:
            return f"new {value['new']}"
        if "com" in value:
            return "fresh COM object" if value["com"] == "fresh" else f"COM {value['com']}"
        if "obj" in value:
            return f"{value.get('type', 'object')} {value['obj']}"
        if "box" in value:
            return f"({value['box']}) {value.get('value')!r}"
        if "cast" in value:
            return f"({value['cast']}) {_label(value.get('value'))}"
        if "static" in value:
            return f"typeof({value['static']})"
    if isinstance(value, list):
        return ", ".join(_label(v) for v in value)
    return str(value)


_LEVEL_COLOURS = {"l0": "#2ca02c", "l1": "#1f77b4", "l2": "#ff7f0e", "bind": "#d62728"}


def _rule_colour(rule_id: int):
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    return cmap((rule_id * 7) % 20)


def draw_steps(states: Sequence[CacheState], *, l2_slots: int | None = None, max_l1: int = 10,
               title: str | None = None):
    """Draw the caches after each call: one row per state, L0 | L1 | L2, rules coloured by id.

    Each row starts with the call number, the value fed and the level that
    answered (green L0, blue L1, orange L2, red bind). L2 shows ``l2_slots``
    slots (default: the most any state used); with more than 20 slots the
    labels are left out and only colours show (a rule held twice shows as two
    cells of one colour). Returns the matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if not states:
        raise ValueError("no states to draw")
    n2 = l2_slots if l2_slots is not None else max(1, max(len(s.l2) for s in states))
    label_l2 = n2 <= 20
    cell = 1.0
    l2_cell = cell if label_l2 else max(0.08, 20.0 / n2 * cell)
    x_l0, x_l1 = 0.0, 2.0
    x_l2 = x_l1 + max_l1 * cell + 1.0
    width = x_l2 + n2 * l2_cell
    rows = len(states)
    fig_w = min(18.0, 4.0 + width * 0.45)
    fig, ax = plt.subplots(figsize=(fig_w, 0.9 + 0.42 * rows))
    for r, st in enumerate(states):
        y = rows - 1 - r
        ax.text(-1.8, y + 0.4, f"{st.step}. {st.value}", ha="right", va="center", fontsize=8)
        ax.add_patch(Rectangle((x_l0 - 1.6, y + 0.05), 1.3, 0.7, color=_LEVEL_COLOURS.get(st.level, "grey"), alpha=0.8))
        ax.text(x_l0 - 0.95, y + 0.4, st.level, ha="center", va="center", fontsize=7, color="white")

        def box(x, rid, w=cell, text=True):
            if rid is None:
                ax.add_patch(Rectangle((x, y + 0.05), w * 0.95, 0.7, fill=False, ls=":", ec="grey"))
                return
            ax.add_patch(Rectangle((x, y + 0.05), w * 0.95, 0.7, color=_rule_colour(rid)))
            if text:
                ax.text(x + w * 0.47, y + 0.4, f"r{rid}", ha="center", va="center", fontsize=7)

        if st.l0 is None:
            ax.add_patch(Rectangle((x_l0, y + 0.05), cell * 0.95, 0.7, fill=False, ec="black"))
            ax.text(x_l0 + 0.47, y + 0.4, "Upd", ha="center", va="center", fontsize=6)
        else:
            box(x_l0, st.l0)
        for i in range(max_l1):
            box(x_l1 + i * cell, st.l1[i] if i < len(st.l1) else None)
        for i in range(n2):
            box(x_l2 + i * l2_cell, st.l2[i] if i < len(st.l2) else None, w=l2_cell, text=label_l2)
    for x, name in ((x_l0, "L0 Target"), (x_l1, f"L1 Rules ({max_l1})"), (x_l2, f"L2 RuleCache ({n2} slots shown)")):
        ax.text(x, rows + 0.1, name, fontsize=8, fontweight="bold")
    if not label_l2 and n2 > 64:
        ax.axvline(x_l2 + 64 * l2_cell, color="black", lw=0.8, ls="--")
        ax.text(x_l2 + 64 * l2_cell, -0.45, "insert position 64", fontsize=7, ha="center")
    ax.set_xlim(-9.0, width + 0.5)
    ax.set_ylim(-0.6, rows + 0.6)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def caches_html(state: CacheState) -> str:
    """One state as an HTML table: a row per level, a cell per slot, rule restrictions as tooltips."""

    def cell(rid):
        if rid is None:
            return "<td style='border:1px dotted #999;min-width:2.2em'></td>"
        r, g, b, _ = _rule_colour(rid)
        tip = html.escape(state.rules[rid].describe()) if rid in state.rules else ""
        return (f"<td title='{tip}' style='background:rgb({int(r * 255)},{int(g * 255)},{int(b * 255)});"
                f"text-align:center;min-width:2.2em'>r{rid}</td>")

    rows = [("L0 Target", [state.l0]), ("L1 Rules", list(state.l1)), ("L2 RuleCache", list(state.l2))]
    body = "".join(f"<tr><th style='text-align:left'>{name}</th>{''.join(cell(i) for i in ids)}</tr>"
                   for name, ids in rows)
    caption = html.escape(f"call {state.step}: {state.value} -> {state.level} ({state.ic_state})")
    return f"<table><caption>{caption}</caption>{body}</table>"
