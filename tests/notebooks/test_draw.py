"""callsite.draw: the stepper's states are the simulator's, and the drawings render."""

from __future__ import annotations

import random

import matplotlib

matplotlib.use("Agg")

from callsite import simulate  # noqa: E402
from callsite.draw import SiteStepper, caches_html, draw_steps, static_call_binder  # noqa: E402


def test_stepper_levels_match_simulate():
    rng = random.Random(7)
    values = [rng.choice([{"new": f"T{rng.randrange(14)}"}, {"obj": "x", "type": "A"}, None, {"com": "fresh"}])
              for _ in range(60)]
    for profile in ("mono", "coreclr", "netfx"):
        st = SiteStepper(profile)
        st.feed_all(values)
        assert [s.level for s in st.states] == simulate(st.workload(), profile=profile).level_names
        last = st.state
        assert last.l0 in last.rules and len(last.l1) <= 10 and len(last.l2) <= 128


def test_instance_and_type_restrictions_are_readable():
    marshal = {"static": "System.Runtime.InteropServices.Marshal"}
    fresh = SiteStepper("mono", binder=static_call_binder("FinalReleaseComObject"), receiver=marshal)
    cast = SiteStepper("mono", binder=static_call_binder("FinalReleaseComObject"), receiver=marshal)
    for _ in range(3):
        fresh.feed({"com": "fresh"})
        cast.feed({"cast": "object", "value": {"com": "fresh"}})
    assert [s.level for s in fresh.states] == ["bind"] * 3
    assert [s.level for s in cast.states] == ["bind", "l0", "l0"]
    (rule,) = cast.state.rules.values()
    assert rule.restrictions == "$arg0 == typeof(Marshal) && $arg1 TypeEqual System.__ComObject"
    assert all("fresh object" in r.restrictions and r.holds == "strong" for r in fresh.state.rules.values())
    netfx = SiteStepper("netfx", binder=static_call_binder("FinalReleaseComObject"), receiver=marshal)
    assert next(iter(netfx.feed({"com": "fresh"}).rules.values())).holds == "weak"


def test_full_l2_holds_127_distinct_rules():
    st = SiteStepper("mono")
    st.feed_all([{"new": f"C{k}"} for k in range(129)])
    last = st.state
    assert len(last.l2) == 128 and last.l2_distinct == 127
    assert last.l2[64] == last.l2[65] == last.l0


def test_drawings_render():
    st = SiteStepper("mono")
    st.feed_all([{"new": "A"}, {"new": "B"}, {"new": "A"}])
    fig = draw_steps(st.states, title="t")
    assert fig.axes
    html = caches_html(st.state)
    assert html.startswith("<table>") and "L2 RuleCache" in html
