"""Which cache level answered each call, in memory that does not grow with skipped calls.

The simulator skips whole repeats of a cache state (see ``Simulator._shortcuts``):
calls ``[at, end)`` replay calls ``[c1, at)`` ``repeats`` times. A per-call array
for a run of 10^12 calls would need 1 TB for levels the run never computed, so
the log keeps the calls it simulated (``head`` before the repeat, ``tail`` after
it) and the repeat as three numbers; counts, slices and the full array are
derived from those on demand.
"""

from __future__ import annotations

import numpy as np

from callsite.errors import DlrsimError

MAX_STORED = 1 << 31    # calls simulated one by one (2 GiB of levels)
MAX_LISTED = 50_000_000  # calls a per-call list or array may be built for


class LevelLog:
    """Per-call levels of a run of ``calls`` calls: ``head`` + repeated segment + ``tail``."""

    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.head = np.zeros(min(calls, 1 << 16), dtype=np.uint8)
        self.tail = np.zeros(0, dtype=np.uint8)
        self.repeat: tuple[int, int, int] | None = None   # (c1, at, repeats): [at, end) = [c1, at) * repeats

    @property
    def end(self) -> int:
        """First call after the repeated segment (``at`` when nothing repeats)."""
        if self.repeat is None:
            return 0
        c1, at, n = self.repeat
        return at + n * (at - c1)

    def window(self, start: int, stop: int) -> np.ndarray:
        """A writable view of calls ``[start, stop)``, all on one side of the repeat."""
        if self.repeat is None:
            self.head = self._grow(self.head, stop)
            return self.head[start:stop]
        end = self.end
        self.tail = self._grow(self.tail, stop - end)
        return self.tail[start - end:stop - end]

    def _grow(self, arr: np.ndarray, need: int) -> np.ndarray:
        if need <= len(arr):
            return arr
        if need > MAX_STORED:
            raise DlrsimError(f"no repeating cache state in the first {MAX_STORED:,} calls, so each call must be "
                              f"simulated and recorded; ask for at most that many calls (--calls)")
        new = np.zeros(min(self.calls, max(need, 2 * len(arr))), dtype=np.uint8)
        new[:len(arr)] = arr
        return new

    def set_repeat(self, c1: int, at: int, repeats: int) -> None:
        self.repeat = (c1, at, repeats)
        self.head = self.head[:at]

    def counts(self) -> np.ndarray:
        """How many calls each level answered (indexed by level)."""
        def count(a: np.ndarray) -> np.ndarray:
            return np.bincount(a, minlength=4).astype(np.int64)
        if self.repeat is None:
            return count(self.head[:self.calls])
        c1, at, n = self.repeat
        return count(self.head[:at]) + n * count(self.head[c1:at]) + count(self.tail[:self.calls - self.end])

    def slice(self, start: int, stop: int) -> np.ndarray:
        """Levels of calls ``[start, stop)`` (a copy; only as large as asked for)."""
        stop = min(stop, self.calls)
        if start >= stop:
            return np.zeros(0, dtype=np.uint8)
        if self.repeat is None:
            return self.head[start:stop].copy()
        c1, at, _ = self.repeat
        end = self.end
        parts = []
        if start < at:
            parts.append(self.head[start:min(stop, at)])
        lo, hi = max(start, at), min(stop, end)
        if lo < hi:
            period = at - c1
            idx = c1 + (np.arange(lo, hi, dtype=np.int64) - at) % period
            parts.append(self.head[idx])
        if stop > end:
            parts.append(self.tail[max(start, end) - end:stop - end])
        return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()

    def array(self) -> np.ndarray:
        """Every call's level as one array (refused for runs too long to list)."""
        if self.calls > MAX_LISTED:
            raise DlrsimError(f"{self.calls:,} calls are too many to list one by one (at most {MAX_LISTED:,}); "
                              "read them in slices (SimResult.levels.slice, SimResult.iter_trace)")
        return self.slice(0, self.calls)
