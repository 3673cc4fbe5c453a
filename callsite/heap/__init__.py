"""Heap snapshots of Mono (``.mlpd``) and CoreCLR/.NET (``.nettrace``) processes: find what holds memory.

In the style of ``tracemalloc``: :class:`Snapshot` (``Snapshot.load("run.mlpd@after")``),
``snapshot.statistics("class")``, ``after.compare_to(before)``; plus a few
composable functions: :func:`dominator_tree` (retained sizes),
:func:`retention_paths` / :func:`path_summary` (shortest paths from GC roots,
each root with its kind) and :func:`write_treemap`. Capture lives in
:mod:`binders.heapshot`.
"""

from callsite.heap.diff import compare, diff_totals
from callsite.heap.dominators import DominatorTree, dominator_tree
from callsite.heap.formats import read_heap_file
from callsite.heap.mlpd import MlpdFile, MlpdFormatError, read_mlpd
from callsite.heap.nettrace import NettraceFormatError, read_nettrace
from callsite.heap.paths import RetentionPath, path_summary, path_to, retention_paths, unreachable
from callsite.heap.snapshot import ROOT_KINDS, Root, Snapshot, Statistic, StatisticDiff, list_shots, load_pair
from callsite.heap.treemap import write_treemap

__all__ = [
    "ROOT_KINDS", "DominatorTree", "MlpdFile", "MlpdFormatError", "NettraceFormatError", "RetentionPath", "Root",
    "Snapshot", "read_heap_file", "read_nettrace",
    "Statistic", "StatisticDiff", "compare", "diff_totals", "dominator_tree", "list_shots", "load_pair",
    "path_summary", "path_to", "read_mlpd", "retention_paths", "unreachable", "write_treemap",
]
