"""``CallSite<T>``: the L0 target, the L1 rules and the update path.

``call`` follows the pre-generated ``UpdateDelegates.UpdateAndExecuteN``:

1. **L0**: invoke ``Target``; if its restrictions hold, done.
2. **L1**: scan ``Rules`` front to back, skipping the rule that was ``Target``
   on entry (it just failed); on a hit at index ``i > 1`` move it up two
   (``UpdateRules``; skipped when the rule throws for this call, because the
   move comes after the invocation returns).
3. **L2**: scan the binder's ``RuleCache`` (the original target is *not*
   skipped there); on a hit, add the rule to L1 and move it up two in L2
   (both in a ``finally``, so they happen even when the rule throws).
4. **Bind**: ``BindCore`` compiles a new rule and adds it to L2, then the
   site adds it to L1.

Every outcome leaves ``Target`` on the rule that ran.
"""

from __future__ import annotations

from typing import Callable

from callsite.rule import Rule

MAX_RULES = 10

L0, L1, L2, BIND = 0, 1, 2, 3
LEVELS = ("l0", "l1", "l2", "bind")


class CallSite:
    """One call-site object. ``target is None`` means ``Target`` is still Update."""

    __slots__ = ("spec_name", "instance", "binder", "cache", "target", "rules", "max_rules")

    def __init__(self, spec_name: str, instance: int, binder, max_rules: int = MAX_RULES,
                 cache=None) -> None:
        self.spec_name = spec_name
        self.instance = instance
        self.binder = binder
        self.cache = cache  # the binder's RuleCache for this site's delegate type (L2)
        self.target: Rule | None = None
        self.rules: list[Rule] | None = None
        self.max_rules = max_rules

    def add_rule(self, rule: Rule) -> None:
        """CallSite<T>.AddRule: newest first, at most ``max_rules``."""
        rules = self.rules
        if rules is None:
            self.rules = [rule]
        elif len(rules) < self.max_rules - 1:
            self.rules = [rule] + rules
        else:
            self.rules = [rule] + rules[: self.max_rules - 1]

    def move_rule(self, i: int) -> None:
        """CallSite<T>.MoveRule: up two places."""
        rules = self.rules
        if i > 1 and rules is not None and i < len(rules):
            rule = rules[i]
            rules[i] = rules[i - 1]
            rules[i - 1] = rules[i - 2]
            rules[i - 2] = rule

    def l0_matches(self, call_key: Callable[[tuple], tuple]) -> bool:
        target = self.target
        return target is not None and call_key(target.shape) == target.key

    def update(self, call_key: Callable[[tuple], tuple], bind: Callable[[], Rule],
               throws: Callable[[], bool] = lambda: False) -> int:
        """The miss path after L0 failed; returns the level that satisfied the call.

        ``throws()`` says whether the rule that matches this call throws when
        it runs (the same for every rule that matches: it depends on the call).
        """
        original = self.target
        rules = self.rules
        if rules is not None:
            last_shape = key = None
            for i, rule in enumerate(rules):
                if rule is original:
                    continue
                shape = rule.shape
                if shape is not last_shape:  # rules of one binder share shape objects
                    last_shape = shape
                    key = call_key(shape)
                if key == rule.key:
                    self.target = rule
                    if i > 1 and not throws():
                        self.move_rule(i)
                    return L1
        cache = self.cache
        hit = cache.find(call_key)
        if hit is not None:
            i, rule = hit
            self.target = rule
            self.add_rule(rule)
            cache.move_rule(rule, i)
            return L2
        rule = bind()
        self.target = rule
        self.add_rule(rule)
        return BIND

    def call(self, call_key: Callable[[tuple], tuple], bind: Callable[[], Rule],
             throws: Callable[[], bool] = lambda: False) -> int:
        if self.l0_matches(call_key):
            return L0
        return self.update(call_key, bind, throws)

    @property
    def l1_size(self) -> int:
        return 0 if self.rules is None else len(self.rules)
