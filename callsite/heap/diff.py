"""Per-class change between two heap snapshots (``after.compare_to(before)``).

Growth that a leak produces shows here first: the classes whose count and
bytes rise between "before" and "during"/"after", and whether a reset brings
them back down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callsite.heap.statistics import StatisticDiff

if TYPE_CHECKING:
    from callsite.heap.snapshot import Snapshot


def compare(old: "Snapshot", new: "Snapshot", *, key_type: str = "class",
            reachable_only: bool = False, masks: tuple = (None, None)) -> list[StatisticDiff]:
    """Change per group from ``old`` to ``new``: largest absolute byte change first.

    Groups present in only one snapshot appear with the other side as zero.
    ``masks`` (per snapshot, booleans per object or None) restrict what is counted.
    Objects cannot be matched one to one across shots (a moving GC changes
    addresses), so the comparison is by group, as in ``tracemalloc``.
    """
    a = {s.key: s for s in old.statistics(key_type, reachable_only=reachable_only, mask=masks[0])}
    b = {s.key: s for s in new.statistics(key_type, reachable_only=reachable_only, mask=masks[1])}
    out = []
    for key in a.keys() | b.keys():
        sa, sb = a.get(key), b.get(key)
        ca, za = (sa.count, sa.size) if sa else (0, 0)
        cb, zb = (sb.count, sb.size) if sb else (0, 0)
        out.append(StatisticDiff(key, cb, cb - ca, zb, zb - za))
    out.sort(key=lambda d: (-abs(d.size_diff), -abs(d.count_diff), d.key))
    return out


def diff_totals(old: "Snapshot", new: "Snapshot") -> dict:
    """Whole-heap change: objects and bytes before, after and the difference."""
    return {
        "before": {"snapshot": old.label, "objects": len(old), "bytes": old.total_size},
        "after": {"snapshot": new.label, "objects": len(new), "bytes": new.total_size},
        "objects_diff": len(new) - len(old),
        "bytes_diff": new.total_size - old.total_size,
    }
