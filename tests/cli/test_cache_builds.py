"""What dlrsim builds for itself in ~/.cache/dlrsim: complete or absent, and old versions pruned."""

from __future__ import annotations

import os
import time

import pytest

from callsite.output import build_in_cache, cache_root


def _aged(path, days: float) -> None:
    path.mkdir(parents=True)
    (path / "lib.so").write_text("old")
    t = time.time() - days * 24 * 3600
    os.utime(path, (t, t))


def test_a_new_build_prunes_week_old_builds_of_the_same_thing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    root = cache_root()
    _aged(root / "heap-native-aaaa", 10)      # an older version, unused for 10 days: goes
    _aged(root / "heap-native-bbbb", 1)       # another checkout's version, used yesterday: stays
    _aged(root / "program-helper-cccc", 30)   # something else: stays
    out = build_in_cache("heap-native-dddd", lambda folder: (folder / "lib.so").write_text("new"))
    assert (out / "lib.so").read_text() == "new"
    assert sorted(p.name for p in root.iterdir()) == ["heap-native-bbbb", "heap-native-dddd", "program-helper-cccc"]


def test_a_failed_build_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _aged(cache_root() / "heap-native-aaaa", 10)

    def broken(folder):
        (folder / "half.so").write_text("x")
        raise RuntimeError("gcc failed")

    with pytest.raises(RuntimeError):
        build_in_cache("heap-native-dddd", broken)
    assert sorted(p.name for p in cache_root().iterdir()) == ["heap-native-aaaa"]  # nothing pruned either
