"""Heap snapshots of Mono processes: read ``.mlpd`` heap shots and find what holds memory.

In the style of ``tracemalloc``: :class:`Snapshot` (``Snapshot.load("run.mlpd@after")``),
``snapshot.statistics("class")``, ``after.compare_to(before)``; plus a few
composable functions: :func:`dominator_tree` (retained sizes),
:func:`retention_paths` / :func:`path_summary` (shortest paths from GC roots,
each root with its kind) and :func:`write_treemap`. Capture lives in
:mod:`binders.heapshot`.
"""

from callsite.heap.diff import compare, diff_totals
from callsite.heap.dominators import DominatorTree, dominator_tree
from callsite.heap.mlpd import MlpdFile, MlpdFormatError, read_mlpd
from callsite.heap.paths import RetentionPath, path_summary, path_to, retention_paths, unreachable
from callsite.heap.snapshot import ROOT_KINDS, Root, Snapshot, Statistic, StatisticDiff, list_shots, load_pair
from callsite.heap.treemap import write_treemap

__all__ = [
    "ROOT_KINDS", "DominatorTree", "MlpdFile", "MlpdFormatError", "RetentionPath", "Root", "Snapshot",
    "Statistic", "StatisticDiff", "compare", "diff_totals", "dominator_tree", "list_shots", "load_pair",
    "path_summary", "path_to", "read_mlpd", "retention_paths", "unreachable", "write_treemap",
]
