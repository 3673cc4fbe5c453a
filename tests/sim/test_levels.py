"""The per-call level log: a skipped repeat is kept as three numbers, and every way of reading the
levels (counts, slices across the repeat, the full list, the trace) equals a run without shortcuts."""

from __future__ import annotations

import numpy as np
import pytest

from callsite.errors import DlrsimError
from callsite.levels import LevelLog
from callsite.simulator import simulate


@pytest.mark.parametrize("scenario, calls", [("poly-12", 40_000), ("static-type-arg", 30_001), ("poly-3", 9_999)])
def test_levels_of_a_skipped_repeat_equal_the_full_run(scenario, calls):
    fast = simulate(scenario, "mono", calls)
    slow = simulate(scenario, "mono", calls, shortcuts=False)
    assert fast.levels.repeat is not None, "the state repeats: the run must have skipped"
    assert len(fast.levels.head) < calls, "the skipped calls take no memory"
    full = slow.levels.array()
    assert np.array_equal(fast.levels.array(), full)
    assert np.array_equal(fast.levels.counts(), np.bincount(full, minlength=4))
    c1, at, _ = fast.levels.repeat
    end = fast.levels.end
    for lo, hi in [(0, 5), (at - 3, at + 4), (c1, end + 2), (end - 7, calls + 10), (calls - 1, calls)]:
        lo = max(0, lo)
        assert np.array_equal(fast.levels.slice(lo, hi), full[lo:min(hi, calls)]), (lo, hi)
    assert [r["level"] for r in fast.iter_trace()] == slow.level_names


def test_a_trillion_calls_keep_a_few_levels_and_refuse_to_list_them():
    r = simulate("int-arg", "mono", 10 ** 12)
    assert r.binds == 1 and r.l0_hits == 10 ** 12 - 1
    assert len(r.levels.head) + len(r.levels.tail) < 1 << 17
    assert r.levels.slice(10 ** 12 - 3, 10 ** 12).tolist() == [0, 0, 0]
    with pytest.raises(DlrsimError, match="too many to list"):
        r.level_names


def test_an_empty_log():
    log = LevelLog(0)
    assert log.counts().tolist() == [0, 0, 0, 0] and log.array().size == 0
