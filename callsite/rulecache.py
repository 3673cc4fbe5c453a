"""The L2 cache: ``RuleCache<T>``, shared by every site holding one binder.

Follows ``RuleCache.cs``: rules are appended until ``InsertPosition``
(MaxRules / 2) are held, then each new rule is inserted at that position.
Once ``MaxRules`` are held, ``AddOrInsert`` reuses the array: it writes the
new rule at ``InsertPosition`` *before* shifting the tail right by one, so
the shift copies the new rule again: the cache ends with the new rule at
``InsertPosition`` and ``InsertPosition + 1``, and loses both the rule that
was at ``InsertPosition`` and the last one (seen on Mono 6.8 and CoreCLR 3.1
by ``tests/real/test_runtime_facts.py``). A hit at index ``i > 1`` moves the
rule up two places, looking for it in at most ``MaxSearch`` entries from
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

    def add_rule(self, rule: Rule) -> list[Rule]:
        """AddOrInsert; returns the rule slots that were overwritten or fell off."""
        rules = self.rules
        ins = self.insert_position
        bucket = self._index.setdefault(rule.shape, {}).setdefault(rule.key, [])
        if len(rules) < ins:
            rules.append(rule)
            bucket.append(rule)
            return []
        if len(rules) < self.max_rules:
            rules.insert(ins, rule)
            bucket.append(rule)
            return []
        # Full: in place, new rule written first, then the tail shifted over it.
        evicted = [rules[ins], rules[-1]]
        rules[ins:] = [rule, rule] + rules[ins + 1:-1]
        bucket.append(rule)
        bucket.append(rule)
        for old in evicted:
            self._forget(old)
        return evicted

    def replace_back(self, back: list[Rule]) -> None:
        """Set the slots from InsertPosition on (a bulk of inserts applied at once)."""
        for old in self.rules[self.insert_position:]:
            self._forget(old)
        self.rules[self.insert_position:] = back
        for rule in back:
            self._index.setdefault(rule.shape, {}).setdefault(rule.key, []).append(rule)

    def _forget(self, rule: Rule) -> None:
        """Drop one occurrence of ``rule`` from the index (a rule can sit in two slots)."""
        bucket = self._index[rule.shape]
        same = bucket[rule.key]
        same.remove(rule)
        if not same:
            del bucket[rule.key]
            if not bucket:
                del self._index[rule.shape]

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
