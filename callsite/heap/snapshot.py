"""One heap shot as an indexed object graph, with tracemalloc-style statistics.

A :class:`Snapshot` holds the objects of one heap shot in numpy arrays
(address, class, size, generation), their references as a CSR graph
(``indptr``/``indices``, with the byte offset of the referring field) and the
roots, each with the kind the runtime reported for the memory it lives in
(static fields, thread stacks, GC handles, finalizer queue, ...). Arrays, not
Python objects per node, because shots of long-running processes have
millions of objects and the analyses (dominators, paths) walk them all.

Pick a shot with ``FILE.mlpd`` (the last one), ``FILE.mlpd@2`` (index 2,
negative counts from the end) or ``FILE.mlpd@after-reset`` (a point name
recorded in the sidecar written by :mod:`binders.heapshot`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Iterable, Sequence

import numpy as np

from callsite.errors import DlrsimError
from callsite.heap.diff import compare
from callsite.heap.formats import read_heap_file
from callsite.heap.mlpd import MlpdFile, RawHeapShot, RootRegion
from callsite.heap.names import matching_classes
from callsite.heap.statistics import Statistic, StatisticDiff

#: Root kinds as shown to users; GC handle roots are split by the table they live in.
ROOT_KINDS: tuple[str, ...] = (
    "static", "thread-static", "context-static", "stack", "gc-handle-strong", "gc-handle-pinned",
    "gc-handle", "finalizer-queue", "handle", "threading", "domain", "reflection", "marshal",
    "thread-pool", "jit", "debugger", "ephemeron", "toggleref", "external", "other",
)
_KIND_CODE = {k: i for i, k in enumerate(ROOT_KINDS)}

SIDECAR_SUFFIX = ".points.json"


def sidecar_path(mlpd_path: str | os.PathLike) -> str:
    """Where the point-name sidecar of an ``.mlpd`` file lives (``FILE.mlpd.points.json``)."""
    return os.fspath(mlpd_path) + SIDECAR_SUFFIX


def read_sidecar(mlpd_path: str | os.PathLike) -> dict:
    """The sidecar written by :mod:`binders.heapshot` (points, field maps), or {}."""
    try:
        with open(sidecar_path(mlpd_path), encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DlrsimError(f"cannot read point names {sidecar_path(mlpd_path)}: {exc}") from None
    return data if isinstance(data, dict) else {}


def read_points(mlpd_path: str | os.PathLike) -> dict[str, int]:
    """Point name -> heap shot index, from the sidecar, or {} when there is none."""
    data = read_sidecar(mlpd_path)
    return {p["name"]: int(p["shot"]) for p in data.get("points", []) if "name" in p and "shot" in p}


def generic_base(name: str) -> str:
    """``System.Collections.Generic.List<Foo>`` / ``List`1`` -> ``System.Collections.Generic.List``."""
    base = name.split("<", 1)[0]
    return base.split("`", 1)[0]


@dataclasses.dataclass(frozen=True)
class Root:
    """One root reference: which object it holds, what kind of root, and where it lives."""

    obj: int            # object index in the snapshot
    kind: str           # one of ROOT_KINDS
    slot: int           # address of the root slot
    description: str    # the runtime's description of the root region, e.g. "Static Fields"
    owner: str | None   # for static roots: the class whose static field it is

    def label(self) -> str:
        """A one-line description, e.g. ``static field of Demo.Holder (+0x8)``."""
        if self.kind in ("static", "thread-static") and self.owner:
            return f"{self.kind} field of {self.owner}"
        return f"{self.kind} ({self.description})" if self.description else self.kind


class Snapshot:
    """The object graph of one heap shot.

    Attributes (numpy arrays indexed by object index ``0..n-1``, sorted by
    address): ``addr``, ``size``, ``class_id`` (index into ``class_names``),
    ``gen``; references in CSR form ``indptr``/``indices`` with ``field_offset``
    (byte offset of the reference inside the referrer); roots in
    ``root_obj``/``root_kind`` (codes into :data:`ROOT_KINDS`)/``root_slot``/
    ``root_region`` (index into ``regions``).
    """

    def __init__(self, *, addr: np.ndarray, size: np.ndarray, class_id: np.ndarray, gen: np.ndarray,
                 class_names: list[str], indptr: np.ndarray, indices: np.ndarray, field_offset: np.ndarray,
                 root_obj: np.ndarray, root_kind: np.ndarray, root_slot: np.ndarray, root_region: np.ndarray,
                 regions: list[RootRegion], region_owner: list[str | None], path: str = "", index: int = 0,
                 point: str | None = None, time_ns: int = 0, dangling_refs: int = 0,
                 dangling_roots: int = 0) -> None:
        self.addr = addr
        self.size = size
        self.class_id = class_id
        self.gen = gen
        self.class_names = class_names
        self.indptr = indptr
        self.indices = indices
        self.field_offset = field_offset
        self.root_obj = root_obj
        self.root_kind = root_kind
        self.root_slot = root_slot
        self.root_region = root_region
        self.regions = regions
        self.region_owner = region_owner
        self.path = path
        self.index = index
        self.point = point
        self.time_ns = time_ns
        self.dangling_refs = dangling_refs
        self.dangling_roots = dangling_roots
        self.fields: dict[str, dict[int, str]] = {}
        self._reachable: np.ndarray | None = None
        self._preds: tuple[np.ndarray, np.ndarray] | None = None

    # -- construction ------------------------------------------------------
    @classmethod
    def load(cls, spec: str | os.PathLike, *, index: int | str | None = None,
             mlpd: MlpdFile | None = None) -> "Snapshot":
        """Load one heap shot: ``FILE.mlpd`` (last), ``FILE.mlpd@N`` or ``FILE.mlpd@POINT``.

        ``index`` (an int or a point name) overrides the ``@`` suffix. Pass an
        already read ``mlpd`` to avoid reading the file again.
        """
        path, sel = split_spec(os.fspath(spec))
        if index is not None:
            sel = str(index)
        f = mlpd if mlpd is not None else read_heap_file(path)
        return cls.from_mlpd(f, select_shot(f, path, sel))

    @classmethod
    def from_mlpd(cls, f: MlpdFile, shot_index: int) -> "Snapshot":
        """Build the graph of shot ``shot_index`` of an already read file."""
        snap = cls.from_raw(f.shots[shot_index], f, path=f.path)
        return snap.with_sidecar()

    def with_sidecar(self) -> "Snapshot":
        """Point name and field maps from the sidecar beside the file (read now, so they are current)."""
        side = read_sidecar(self.path) if self.path and os.path.exists(self.path) else {}
        points = {int(p["shot"]): p["name"] for p in side.get("points", []) if "name" in p and "shot" in p}
        self.point = points.get(self.index)
        self.fields = {k: {int(o): n for o, n in v.items()} for k, v in side.get("fields", {}).items()}
        return self

    @classmethod
    def from_raw(cls, shot: RawHeapShot, f: MlpdFile, *, path: str = "", point: str | None = None) -> "Snapshot":
        """The graph of one raw ``.mlpd`` heap shot (see :mod:`callsite.heap.mlpd_graph`)."""
        from callsite.heap.mlpd_graph import snapshot_from_shot

        return snapshot_from_shot(cls, shot, f, path=path, point=point)

    # -- basic queries -----------------------------------------------------
    def __len__(self) -> int:
        return len(self.addr)

    @property
    def total_size(self) -> int:
        return int(self.size.sum())

    @property
    def label(self) -> str:
        """``FILE@INDEX`` plus the point name if any; used in reports."""
        base = f"{os.path.basename(self.path)}@{self.index}" if self.path else f"@{self.index}"
        return f"{base} ({self.point})" if self.point else base

    def class_of(self, obj: int) -> str:
        return self.class_names[int(self.class_id[obj])]

    def field_name(self, obj: int, offset: int) -> str | None:
        """Name of the reference field at ``offset`` in ``obj`` if a field map was recorded.

        Exact class first; for generic instantiations the map of the generic
        definition is used and the name gets a ``?`` (layouts of instantiations
        over value types can differ).
        """
        cls = self.class_of(obj)
        m = self.fields.get(cls)
        if m is not None:
            return m.get(int(offset))
        m = self.fields.get(generic_base(cls))
        if m is not None and int(offset) in m:
            return m[int(offset)] + ("?" if generic_base(cls) != cls else "")
        return None

    def refs_from(self, obj: int) -> np.ndarray:
        """Objects referenced by ``obj`` (with repeats if it refers twice)."""
        return self.indices[self.indptr[obj]:self.indptr[obj + 1]]

    def predecessors(self) -> tuple[np.ndarray, np.ndarray]:
        """Reverse graph in CSR form (``rindptr``, ``rindices``), computed once."""
        if self._preds is None:
            n = len(self)
            src = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
            o = np.argsort(self.indices, kind="stable")
            rindptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(self.indices, minlength=n), out=rindptr[1:])
            self._preds = (rindptr, src[o])
        return self._preds

    def refs_to(self, obj: int) -> np.ndarray:
        rindptr, rindices = self.predecessors()
        return rindices[rindptr[obj]:rindptr[obj + 1]]

    def roots(self, obj: int | None = None) -> list[Root]:
        """All roots, or the roots holding ``obj`` directly."""
        sel = np.arange(len(self.root_obj)) if obj is None else np.flatnonzero(self.root_obj == obj)
        return [self.root(int(i)) for i in sel]

    def root(self, i: int) -> Root:
        ri = int(self.root_region[i])
        region = self.regions[ri] if ri >= 0 else None
        owner = self.region_owner[ri] if ri >= 0 else None
        return Root(obj=int(self.root_obj[i]), kind=ROOT_KINDS[int(self.root_kind[i])],
                    slot=int(self.root_slot[i]), description=region.description if region else "",
                    owner=owner)

    def find(self, pattern: str, *, exact: bool = False) -> np.ndarray:
        """Indices of objects whose class matches ``pattern``.

        ``*``/``?`` make it a glob over the full name. Otherwise, if some
        class is named exactly ``pattern`` (in full, or its part after the
        namespace, e.g. ``WeakReference``), only those match; failing that
        it is a substring, which is what one types for generic names like
        ``Func<`` or ``Closure``. ``exact=True``: the full name only.
        """
        if exact:
            ids = [i for i, nm in enumerate(self.class_names) if nm == pattern]
        else:
            ids = matching_classes(pattern, self.class_names)
        if not ids:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.isin(self.class_id, np.array(ids, dtype=np.int32)))

    def reachable(self) -> np.ndarray:
        """Boolean mask of objects reachable from any root (strong references only)."""
        if self._reachable is None:
            from callsite.heap.graph import reach

            seen = reach(self.indptr, self.indices, self.root_obj, len(self))
            self._reachable = seen
        return self._reachable

    # -- tracemalloc-style statistics -------------------------------------
    def statistics(self, key_type: str = "class", *, reachable_only: bool = False,
                   mask: np.ndarray | None = None) -> list[Statistic]:
        """Totals per group, largest size first. ``key_type``: ``class``, ``namespace`` or ``generation``.

        ``mask`` (booleans per object) restricts the count, e.g. to hide the harness's objects.
        """
        if reachable_only:
            mask = self.reachable() if mask is None else mask & self.reachable()
        if key_type == "class":
            keys = self.class_id
            labels = self.class_names
        elif key_type == "namespace":
            ns = [_namespace(nm) for nm in self.class_names]
            uniq = sorted(set(ns))
            pos = {k: i for i, k in enumerate(uniq)}
            keys = np.array([pos[x] for x in ns], dtype=np.int32)[self.class_id] if len(self) else self.class_id
            labels = uniq
        elif key_type == "generation":
            keys = self.gen.astype(np.int32)
            labels = [f"gen{i}" for i in range(int(keys.max()) + 1 if len(keys) else 0)]
        else:
            raise DlrsimError(f"unknown statistics key {key_type!r} (use class, namespace or generation)")
        if mask is not None:
            keys = keys[mask]
            sizes = self.size[mask]
        else:
            sizes = self.size
        count = np.bincount(keys, minlength=len(labels))
        total = np.bincount(keys, weights=sizes, minlength=len(labels))
        stats = [Statistic(labels[i], int(count[i]), int(total[i])) for i in np.flatnonzero(count)]
        stats.sort(key=lambda s: (-s.size, -s.count, s.key))
        return stats

    def compare_to(self, old: "Snapshot", key_type: str = "class", *, reachable_only: bool = False,
                   masks: tuple[np.ndarray | None, np.ndarray | None] = (None, None)) -> list[StatisticDiff]:
        """Per-group change from ``old`` to this snapshot, largest absolute byte change first."""
        return compare(old, self, key_type=key_type, reachable_only=reachable_only, masks=masks)

    def summary(self) -> dict:
        """Counts a user checks first: objects, bytes, references, roots by kind."""
        kinds = np.bincount(self.root_kind.astype(np.int64), minlength=len(ROOT_KINDS)) if len(self.root_kind) else []
        return {
            "snapshot": self.label,
            "index": self.index,
            "point": self.point,
            "objects": len(self),
            "bytes": self.total_size,
            "references": int(len(self.indices)),
            "roots": int(len(self.root_obj)),
            "roots_by_kind": {ROOT_KINDS[i]: int(c) for i, c in enumerate(kinds) if c},
            "reachable_objects": int(self.reachable().sum()),
            "dangling_references": self.dangling_refs,
        }


def _namespace(name: str) -> str:
    base = name.split("<", 1)[0]
    return base.rsplit(".", 1)[0] if "." in base else "(global)"


_SPEC = re.compile(r"^(?P<path>.+?)(?:@(?P<sel>[^@/]*))?$")


def split_spec(spec: str) -> tuple[str, str | None]:
    """``FILE.mlpd@2`` -> (``FILE.mlpd``, ``"2"``); a plain path gives (path, None)."""
    if "@" in spec and not os.path.exists(spec):
        path, _, sel = spec.rpartition("@")
        return path, sel
    return spec, None


def select_shot(f: MlpdFile, path: str, sel: str | None) -> int:
    """Resolve a shot selector (None = last, int, negative int, or a sidecar point name)."""
    return select_index(len(f.shots), path, sel, f.error.reason if f.error else None)


def select_index(n: int, path: str, sel: str | None, stopped: str | None = None) -> int:
    """:func:`select_shot` for a file known to hold ``n`` heap shots."""
    if n == 0:
        extra = f" (reading stopped early: {stopped})" if stopped else ""
        raise DlrsimError(f"{path}: no heap shots in file{extra}; for .mlpd: was the Mono profiler "
                          "started with 'heapshot'? for .nettrace: was Microsoft-Windows-DotNETRuntime enabled with "
                          "keywords 0x1980001 at level 5?")
    if sel is None or sel == "":
        return n - 1
    try:
        i = int(sel)
    except ValueError:
        points = read_points(path)
        if sel not in points:
            known = ", ".join(sorted(points)) or "none recorded"
            raise DlrsimError(f"{path}: no heap shot named {sel!r} (points: {known})") from None
        i = points[sel]
    if not -n <= i < n:
        raise DlrsimError(f"{path}: heap shot {i} out of range (file has {n}: 0..{n - 1})")
    return i % n


def list_shots(f: MlpdFile) -> list[dict]:
    """One row per heap shot: index, point name, time, objects, bytes, roots."""
    names = {v: k for k, v in read_points(f.path).items()} if f.path else {}
    rows = []
    for s in f.shots:
        rows.append({
            "index": s.index,
            "point": names.get(s.index),
            "time_s": round((s.time_ns - (f.shots[0].time_ns if f.shots else 0)) / 1e9, 6),
            "objects": int(len(np.unique(s.obj_addr))),
            "bytes": int(s.obj_size.sum()),
            "roots": int(len(s.root_obj)),
        })
        if getattr(s, "pause_ns", None):  # EventPipe dumps: how long the runtime was suspended for it
            rows[-1]["pause_ms"] = round(s.pause_ns / 1e6, 1)
    return rows


def load_pair(specs: Sequence[str]) -> list[Snapshot]:
    """Load several snapshot specs, reading each file once."""
    cache: dict[str, MlpdFile] = {}
    out = []
    for spec in specs:
        path, sel = split_spec(spec)
        if path not in cache:
            cache[path] = read_heap_file(path)
        out.append(Snapshot.load(spec, mlpd=cache[path]))
    return out


def iter_objects(snap: Snapshot, objs: Iterable[int]) -> Iterable[dict]:
    """Plain dicts describing objects (for JSON output)."""
    for o in objs:
        o = int(o)
        yield {"index": o, "address": f"0x{int(snap.addr[o]):x}", "class": snap.class_of(o),
               "size": int(snap.size[o])}
