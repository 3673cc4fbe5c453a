"""Hand-worked sequences for each cache algorithm (CallSite.cs, RuleCache.cs)."""

from __future__ import annotations

from callsite.rule import Rule
from callsite.rulecache import RuleCache
from callsite.site import BIND, L0, L1, L2, CallSite

SHAPE = ((0, "T"),)


def rule(n: int) -> Rule:
    return Rule(n, SHAPE, (n,), 0, "call", (n,), None)


class FakeBinder:
    """A binder whose rule for type n is rule n: lets a test script the update path."""

    def __init__(self, cache=None):
        self.cache = cache or RuleCache()
        self.bound = []

    def bind_for(self, n):
        def bind():
            r = rule(n)
            self.cache.add_rule(r)
            self.bound.append(n)
            return r
        return bind


def key_for(n):
    return lambda shape: (n,)


def ids(rules):
    return [r.id for r in rules]


def test_l1_add_is_newest_first_and_capped_at_ten():
    site = CallSite("s", 0, FakeBinder(), cache=RuleCache())
    for n in range(1, 13):
        site.add_rule(rule(n))
    assert ids(site.rules) == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]


def test_l1_move_rule_goes_up_two_only_past_index_one():
    site = CallSite("s", 0, FakeBinder(), cache=RuleCache())
    for n in range(5, 0, -1):
        site.add_rule(rule(n))          # [1, 2, 3, 4, 5]
    site.move_rule(1)
    assert ids(site.rules) == [1, 2, 3, 4, 5]
    site.move_rule(3)
    assert ids(site.rules) == [1, 4, 2, 3, 5]
    site.move_rule(2)
    assert ids(site.rules) == [2, 1, 4, 3, 5]


def test_l2_appends_to_64_then_inserts_at_64():
    cache = RuleCache()
    for n in range(64):
        cache.add_rule(rule(n))
    assert ids(cache.rules) == list(range(64))
    cache.add_rule(rule(64))
    cache.add_rule(rule(65))
    assert ids(cache.rules)[62:] == [62, 63, 65, 64]
    for n in range(66, 128):
        cache.add_rule(rule(n))
    assert ids(cache.rules) == list(range(64)) + list(range(127, 63, -1))


def test_full_l2_writes_the_new_rule_before_shifting_so_it_lands_twice():
    """AddOrInsert on a full cache reuses the array: rules[64] = new, then the
    tail is shifted right over it, copying the new rule into 65 as well. The
    rule that was at 64 and the last rule are lost."""
    cache = RuleCache()
    for n in range(128):
        cache.add_rule(rule(n))          # [0..63, 127..64]
    lost = cache.add_rule(rule(128))
    assert ids(lost) == [127, 64]
    assert ids(cache.rules) == list(range(64)) + [128, 128] + list(range(126, 64, -1))
    cache.add_rule(rule(129))             # one copy of 128 survives, shifted
    assert ids(cache.rules)[63:68] == [63, 129, 129, 128, 126]
    for n in range(130, 200):
        cache.add_rule(rule(n))
    assert len(cache) == 128
    assert ids(cache.rules) == list(range(64)) + [199, 199] + list(range(198, 136, -1))
    assert cache.find(key_for(199)) == (64, cache.rules[64])
    assert cache.find(key_for(136)) is None


def test_l2_move_up_two_and_lookup_finds_lowest_index():
    cache = RuleCache()
    for n in range(6):
        cache.add_rule(rule(n))
    cache.move_rule(cache.rules[4], 4)
    assert ids(cache.rules) == [0, 1, 4, 2, 3, 5]
    cache.move_rule(cache.rules[1], 1)   # i <= 1: no move
    assert ids(cache.rules) == [0, 1, 4, 2, 3, 5]
    assert cache.find(key_for(3)) == (4, cache.rules[4])
    assert cache.find(key_for(99)) is None


def test_l2_index_forgets_evicted_rules():
    cache = RuleCache(max_rules=4, insert_position=2)
    for n in range(6):
        cache.add_rule(rule(n))
    # [0, 1, 3, 2] is full; 4 lands at 2 and 3 (losing 3 and 2); 5 likewise (losing 4 twice)
    assert ids(cache.rules) == [0, 1, 5, 5]
    for gone in (2, 3, 4):
        assert cache.find(key_for(gone)) is None
    assert cache.find(key_for(5))[0] == 2


def test_update_path_order_l0_l1_l2_bind():
    binder = FakeBinder()
    site = CallSite("s", 0, binder, cache=binder.cache)
    assert site.call(key_for(1), binder.bind_for(1)) == BIND       # Target was Update
    assert site.call(key_for(1), binder.bind_for(1)) == L0
    assert site.call(key_for(2), binder.bind_for(2)) == BIND
    assert site.call(key_for(1), binder.bind_for(1)) == L1         # in L1, not L0
    assert ids(site.rules) == [2, 1]
    other = CallSite("t", 0, binder, cache=binder.cache)                                # same binder: shares L2
    assert other.call(key_for(2), binder.bind_for(2)) == L2
    assert ids(other.rules) == [2]
    assert binder.bound == [1, 2]


def test_l1_scan_skips_the_original_target_and_l2_does_not():
    binder = FakeBinder()
    site = CallSite("s", 0, binder, cache=binder.cache)
    for n in (1, 2):
        site.call(key_for(n), binder.bind_for(n))
    # L0 = rule 2, L1 = [2, 1]. A call that rule 2 would accept but that came
    # through the update path (as after a failed L0 test) is not satisfied by
    # L1, where rule 2 is skipped, but by L2, which does not skip it.
    assert site.target.id == 2
    assert site.update(key_for(2), binder.bind_for(2)) == L2
    assert binder.bound == [1, 2]
    assert ids(site.rules) == [2, 2, 1]


def test_l1_hit_on_a_throwing_rule_does_not_move_it():
    binder = FakeBinder()
    site = CallSite("s", 0, binder, cache=binder.cache)
    for n in (1, 2, 3):
        site.call(key_for(n), binder.bind_for(n))
    assert ids(site.rules) == [3, 2, 1]
    assert site.call(key_for(1), binder.bind_for(1), throws=lambda: True) == L1
    assert ids(site.rules) == [3, 2, 1]           # the move comes after the call returns
    site.call(key_for(4), binder.bind_for(4))     # [4, 3, 2, 1]
    assert site.call(key_for(2), binder.bind_for(2)) == L1
    assert ids(site.rules) == [2, 4, 3, 1]


def test_l2_hit_adds_to_l1_and_moves_in_l2():
    binder = FakeBinder()
    a = CallSite("a", 0, binder, cache=binder.cache)
    for n in range(5):
        a.call(key_for(n), binder.bind_for(n))
    b = CallSite("b", 0, binder, cache=binder.cache)
    assert b.call(key_for(3), binder.bind_for(3)) == L2
    assert ids(binder.cache.rules) == [0, 3, 1, 2, 4]
    assert ids(b.rules) == [3]
    assert b.target.id == 3
