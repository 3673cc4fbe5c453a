"""Memory verdicts from heap samples taken after forced full GCs.

Heap after a forced GC is the managed memory that is really retained, so its
trend is what tells a leak from noise (RSS also counts pages the runtime
keeps but does not use). The slope is the Theil–Sen estimator (the median of
all pairwise slopes: robust to a few outlying samples, such as a GC that ran
late) with Sen's distribution-free confidence interval. Growth is *bounded*
when the slope over the second half of the run is indistinguishable from zero
(its interval contains 0) or too small to matter (less than 1% of the final
level over the whole run); otherwise it is *growing*.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

MIN_SAMPLES = 6
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Slope:
    per_call: float
    low: float
    high: float

    def per(self, calls: int) -> tuple[float, float, float]:
        return self.per_call * calls, self.low * calls, self.high * calls


def theil_sen(x: Sequence[float], y: Sequence[float], z: float = Z95) -> Slope:
    """Median pairwise slope and Sen's confidence interval (ties-free variance)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    slopes = np.sort((y[j] - y[i])[keep] / dx[keep])
    n_pairs = len(slopes)
    if n_pairs == 0:
        return Slope(0.0, 0.0, 0.0)
    n = len(x)
    c = z * math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    lo = int(max(0, math.floor((n_pairs - c) / 2.0)))
    hi = int(min(n_pairs - 1, math.ceil((n_pairs + c) / 2.0)))
    return Slope(float(np.median(slopes)), float(slopes[lo]), float(slopes[hi]))


@dataclass(frozen=True)
class MemoryVerdict:
    verdict: str            # "bounded", "growing", "flat" or "insufficient data"
    samples: int
    bytes_first: int
    bytes_last: int
    slope_bytes_per_1000_calls: float
    slope_ci_per_1000_calls: tuple
    late_slope_bytes_per_1000_calls: float
    late_slope_ci_per_1000_calls: tuple
    metric: str
    explanation: str
    # Which part of the memory grows, when the detector can tell (callsite.detect.memory_parts).
    cause: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def memory_verdict(calls: Sequence[int], heap_bytes: Sequence[int], metric: str = "heap after GC") -> MemoryVerdict:
    """Is memory bounded or growing over a run? (samples ordered by call index)"""
    n = len(calls)
    if n < MIN_SAMPLES:
        return MemoryVerdict("insufficient data", n, int(heap_bytes[0]) if n else 0,
                             int(heap_bytes[-1]) if n else 0, 0.0, (0.0, 0.0), 0.0, (0.0, 0.0), metric,
                             f"need at least {MIN_SAMPLES} samples, got {n}")
    whole = theil_sen(calls, heap_bytes)
    half = n // 2
    late = theil_sen(calls[half:], heap_bytes[half:])
    span = calls[-1] - calls[0]
    level = max(1, abs(int(heap_bytes[-1])))
    k = 1000
    first, last = int(heap_bytes[0]), int(heap_bytes[-1])
    if max(heap_bytes) - min(heap_bytes) == 0:
        verdict, why = "flat", "every sample is the same"
    elif late.low <= 0 <= late.high or abs(late.per_call * span) < 0.01 * level:
        verdict = "bounded"
        why = (f"the second half's slope is {late.per_call * k:+.1f} B/1000 calls "
               f"(95% CI {late.low * k:+.1f}..{late.high * k:+.1f}): it has levelled off")
    else:
        verdict = "growing"
        why = (f"the second half still grows {late.per_call * k:+.1f} B/1000 calls "
               f"(95% CI {late.low * k:+.1f}..{late.high * k:+.1f})")
    return MemoryVerdict(verdict, n, first, last, round(whole.per_call * k, 3),
                         (round(whole.low * k, 3), round(whole.high * k, 3)),
                         round(late.per_call * k, 3), (round(late.low * k, 3), round(late.high * k, 3)),
                         metric, why)
