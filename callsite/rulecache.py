"""The L2 cache: ``RuleCache<T>``, shared by every site holding one binder.

Follows ``RuleCache.cs``: rules are appended until ``InsertPosition``
(MaxRules / 2) are held, then each new rule is inserted at that position and
the tail falls off once ``MaxRules`` are held; a hit at index ``i > 1`` moves
the rule up two places, looking for it in at most ``MaxSearch`` entries from
``i`` (the window only matters under concurrency).

Lookups go through an index from (shape, key) to rules, so finding the first
matching rule costs a dictionary probe per distinct shape instead of a test
per rule; the index returns the lowest list position, which is what the
DLR's front-to-back scan finds.
"""

from __future__ import annotations

from typing import Callable

from callsite.rule import Rule

MAX_RULES = 128
INSERT_POSITION = MAX_RULES // 2
MAX_SEARCH = 8


class RuleCache:
    """One binder's rule cache for one delegate type."""

    __slots__ = ("rules", "max_rules", "insert_position", "max_search", "_index")

    def __init__(self, max_rules: int = MAX_RULES, insert_position: int = INSERT_POSITION,
                 max_search: int = MAX_SEARCH) -> None:
        if not 0 < insert_position <= max_rules:
            raise ValueError("insert position must be within the cache")
        self.rules: list[Rule] = []
        self.max_rules = max_rules
        self.insert_position = insert_position
        self.max_search = max_search
        self._index: dict[tuple, dict[tuple, list[Rule]]] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def add_rule(self, rule: Rule) -> Rule | None:
        """AddOrInsert; returns the rule that fell off the tail, if any."""
        rules = self.rules
        evicted = None
        if len(rules) < self.insert_position:
            rules.append(rule)
        else:
            rules.insert(self.insert_position, rule)
            if len(rules) > self.max_rules:
                evicted = rules.pop()
        self._index.setdefault(rule.shape, {}).setdefault(rule.key, []).append(rule)
        if evicted is not None:
            bucket = self._index[evicted.shape]
            same = bucket[evicted.key]
            same.remove(evicted)
            if not same:
                del bucket[evicted.key]
                if not bucket:
                    del self._index[evicted.shape]
        return evicted

    def move_rule(self, rule: Rule, i: int) -> None:
        """Move ``rule`` (found at ``i``) up two places, as CallSiteOps.MoveRule."""
        if i <= 1:
            return
        rules = self.rules
        end = min(len(rules), i + self.max_search)
        for old in range(i, end):
            if rules[old] is rule:
                break
        else:
            return
        if old < 2:
            return
        rules[old] = rules[old - 1]
        rules[old - 1] = rules[old - 2]
        rules[old - 2] = rule

    def find(self, call_key: Callable[[tuple], tuple]) -> tuple[int, Rule] | None:
        """The first rule (lowest index) whose restrictions hold for the call."""
        best: tuple[int, Rule] | None = None
        rules = self.rules
        for shape, bucket in self._index.items():
            found = bucket.get(call_key(shape))
            if found:
                for rule in found:
                    i = rules.index(rule)
                    if best is None or i < best[0]:
                        best = (i, rule)
        return best
