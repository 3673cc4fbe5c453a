"""Parsed graphs kept beside the shot file, so each command does not decode the file again.

``FILE.mlpd`` gets a folder ``FILE.mlpd.dlrsim-cache/`` with ``index.json``
(the file's size and modification time, its number of heap shots) and one
``shot-N.npz`` per snapshot built (numpy arrays, no pickles). A cache whose
size or time differs from the file's is ignored and rewritten. Reading a
3M-object snapshot back takes a fraction of a second instead of the decode;
``--no-cache`` skips it, and a folder that cannot be written is silently not
used (the command still works).
"""

from __future__ import annotations

import json
import os

import numpy as np

from callsite.heap.mlpd import RootRegion
from callsite.heap.snapshot import Snapshot

CACHE_SUFFIX = ".dlrsim-cache"
VERSION = 1
_ARRAYS = ("addr", "size", "class_id", "gen", "indptr", "indices", "field_offset", "root_obj", "root_kind",
           "root_slot", "root_region")


def cache_dir(path: str) -> str:
    return os.fspath(path) + CACHE_SUFFIX


def _stamp(path: str) -> dict:
    st = os.stat(path)
    return {"version": VERSION, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_index(path: str) -> dict | None:
    """The cache's index if it belongs to the file as it is now, else None."""
    try:
        with open(os.path.join(cache_dir(path), "index.json"), encoding="utf-8") as fh:
            idx = json.load(fh)
        stamp = _stamp(path)
    except (OSError, ValueError):
        return None
    if any(idx.get(k) != v for k, v in stamp.items()):
        return None
    return idx


def write_index(path: str, shots: int) -> None:
    try:
        os.makedirs(cache_dir(path), exist_ok=True)
        idx = dict(_stamp(path), shots=shots)
        with open(os.path.join(cache_dir(path), "index.json"), "w", encoding="utf-8") as fh:
            json.dump(idx, fh)
    except OSError:
        pass


def save(snap: Snapshot) -> None:
    """Store a snapshot built from ``snap.path`` (best effort)."""
    d = cache_dir(snap.path)
    meta = {"class_names": snap.class_names, "region_owner": snap.region_owner,
            "regions": [[r.start, r.size, r.source, r.key, r.description] for r in snap.regions],
            "index": snap.index, "time_ns": snap.time_ns, "dangling_refs": snap.dangling_refs,
            "dangling_roots": snap.dangling_roots}
    try:
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, f"shot-{snap.index}.tmp.npz")
        np.savez(tmp, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                 **{k: getattr(snap, k) for k in _ARRAYS})
        os.replace(tmp, os.path.join(d, f"shot-{snap.index}.npz"))
    except OSError:
        pass


def load(path: str, index: int, point: str | None) -> Snapshot | None:
    """The cached snapshot ``index`` of ``path``, or None (not cached)."""
    f = os.path.join(cache_dir(path), f"shot-{index}.npz")
    try:
        with np.load(f, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            arrays = {k: z[k] for k in _ARRAYS}
    except (OSError, ValueError, KeyError):
        return None
    regions = [RootRegion(*r) for r in meta["regions"]]
    return Snapshot(**arrays, class_names=meta["class_names"], regions=regions, region_owner=meta["region_owner"],
                    path=path, index=meta["index"], point=point, time_ns=meta["time_ns"],
                    dangling_refs=meta["dangling_refs"], dangling_roots=meta["dangling_roots"])
