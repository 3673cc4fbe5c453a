"""Value objects of per-group statistics, in the manner of ``tracemalloc`` (``Statistic``, ``StatisticDiff``).

Their own module so that :mod:`callsite.heap.diff` and :mod:`callsite.heap.snapshot`
both use them without importing each other.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Statistic:
    """Per-group totals, like ``tracemalloc.Statistic``: a class (or other key), count and bytes."""

    key: str
    count: int
    size: int


@dataclasses.dataclass(frozen=True)
class StatisticDiff:
    """Change of one group between two snapshots, like ``tracemalloc.StatisticDiff``."""

    key: str
    count: int
    count_diff: int
    size: int
    size_diff: int
