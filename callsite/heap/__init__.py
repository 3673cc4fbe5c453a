"""Heap snapshots of Mono (``.mlpd``) and CoreCLR/.NET (``.nettrace``) processes: read heap shots, find
what holds memory, and who owns it.

In the style of ``tracemalloc``: :class:`Snapshot` (``Snapshot.load("run.mlpd@after")``),
``snapshot.statistics("class")``, ``after.compare_to(before)``; plus a few
composable functions: :func:`dominator_tree` (retained sizes),
:func:`retention_paths` / :func:`path_summary` (shortest paths from GC roots),
:class:`OwnershipView` with :func:`owner_groups` and :func:`retainers` (who
*owns* objects once reference classifiers weigh the references; see
:mod:`callsite.heap.classify` for the rules file format),
:func:`floating_classes`, :func:`retained_by_class`, :func:`dominator_diff`
and :func:`write_treemap`. Capture lives in :mod:`binders.heapshot`.

File format reader versus snapshot model
----------------------------------------
Everything after reading works on the format-independent model in
:mod:`callsite.heap.snapshot`; a reader's only job is to build one
:class:`Snapshot` per heap shot through its constructor:

* objects sorted by address, indices ``0..n-1``: ``addr`` (uint64), ``size``
  (int64 bytes), ``gen`` (uint8), ``class_id`` (int32 into ``class_names``,
  full names as the runtime prints them, generic arguments in ``<...>``,
  arrays ending in ``[]``);
* references in CSR form by referrer: ``indptr`` (n+1), ``indices`` (target
  object index), ``field_offset`` (byte offset of the field in the referrer;
  field names come separately as ``snapshot.fields``, class -> offset -> name);
* roots: ``root_obj`` (object index), ``root_kind`` (codes into
  :data:`ROOT_KINDS`: static, stack, gc-handle-strong, gc-handle-pinned,
  gc-handle (weak), finalizer-queue, ephemeron, ...), ``root_slot``,
  ``root_region`` (index into ``regions``, objects with ``start``, ``size``,
  ``kind``, ``description``, or -1) and ``region_owner`` (the class whose
  static fields a region holds, or None).

:mod:`callsite.heap.mlpd` (Mono log profiler files) and
:mod:`callsite.heap.mlpd_graph` (raw records to the model) are one such
reader; :mod:`callsite.heap.nettrace` (CoreCLR/.NET EventPipe heap dumps) produces the same arrays, and
every analysis, the CLI and the cache (:mod:`callsite.heap.cache`) work on it
unchanged.
"""

from callsite.heap.classify import Classifier, classifier
from callsite.heap.diff import compare, diff_totals
from callsite.heap.dominators import DominatorTree, dominator_tree
from callsite.heap.domstats import dominator_diff, floating_classes, retained_by_class
from callsite.heap.formats import read_heap_file
from callsite.heap.mlpd import MlpdFile, MlpdFormatError, read_mlpd
from callsite.heap.nettrace import NettraceFormatError, read_nettrace
from callsite.heap.owners import owner_groups, retainers
from callsite.heap.ownership import OwnershipView
from callsite.heap.paths import RetentionPath, path_summary, path_to, retention_paths, unreachable
from callsite.heap.snapshot import ROOT_KINDS, Root, Snapshot, Statistic, StatisticDiff, list_shots, load_pair
from callsite.heap.treemap import write_treemap

__all__ = [
    "ROOT_KINDS", "Classifier", "DominatorTree", "MlpdFile", "MlpdFormatError", "NettraceFormatError", "OwnershipView",
    "RetentionPath", "Root", "Snapshot", "Statistic", "StatisticDiff", "classifier", "compare", "diff_totals",
    "dominator_diff", "dominator_tree", "floating_classes", "list_shots", "load_pair", "owner_groups", "path_summary",
    "path_to", "read_heap_file", "read_mlpd", "read_nettrace", "retained_by_class", "retainers", "retention_paths",
    "unreachable", "write_treemap",
]
