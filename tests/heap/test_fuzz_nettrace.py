"""Random truncations and byte flips of a real CoreCLR heap dump never crash the nettrace reader.

Only :class:`NettraceFormatError` may escape (with an offset inside the
data), and every heap shot read before the damage must still build a
snapshot. The base is one real stream (a dump of a small heap on CoreCLR 3.1),
so each example parses in milliseconds.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsite.heap.eventpipe_stream import StreamReader
from callsite.heap.nettrace import _WANTED, RUNTIME_PROVIDER, NettraceFormatError, parse_nettrace
from callsite.heap.paths import path_summary
from callsite.heap.snapshot import Snapshot

from .conftest import HERE, ROOT
from .test_fuzz_real import truncated_and_flipped


@pytest.fixture(scope="module")
def base(demo_dll, tmp_path_factory) -> bytes:
    out = str(tmp_path_factory.mktemp("fuzz-ep") / "small.nettrace")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "capture_demo.py"), out, demo_dll, "coreclr", "50"],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    raw = open(out, "rb").read()
    return raw[:StreamReader(raw, 0, RUNTIME_PROVIDER, _WANTED).run()]  # the first stream: the "start" dump


def _parse_or_documented_error(raw: bytes) -> None:
    try:
        f = parse_nettrace(raw, path="fuzz")
    except NettraceFormatError as exc:
        assert 0 <= exc.offset <= len(raw)
        assert str(exc.offset) in str(exc) and "\n" not in str(exc)
        f = exc.partial
        if f is None:
            return
    for i in range(len(f.shots)):
        snap = Snapshot.from_mlpd(f, i)
        snap.statistics()
        snap.summary()
        path_summary(snap, "System.String", top=2)


def test_base_is_one_complete_dump(base):
    f = parse_nettrace(base)
    assert len(f.shots) == 1 and len(Snapshot.from_mlpd(f, 0)) > 1000


def test_two_streams_back_to_back(base):
    f = parse_nettrace(base + b"\0" * ((-len(base)) % 8) + base)
    assert f.header.streams == 2 and len(f.shots) == 2
    assert len(f.shots[0].obj_addr) == len(f.shots[1].obj_addr)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(data=st.data())
def test_truncate_and_flip(base, data):
    _parse_or_documented_error(truncated_and_flipped(base, data))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_flips_in_the_first_kilobyte(base, data):
    # the stream header, the Trace object and the metadata: the riskiest bytes
    raw = bytearray(base)
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, min(1024, len(raw)) - 1))] = data.draw(st.integers(0, 255))
    _parse_or_documented_error(bytes(raw))


@pytest.mark.parametrize("runtime_name, shown", [
    ("System.Collections.Generic.Dictionary`2[System.String,System.Object]",
     "System.Collections.Generic.Dictionary<System.String,System.Object>"),
    ("System.Func`3[System.Runtime.CompilerServices.CallSite,System.Object[],System.Object]",
     "System.Func<System.Runtime.CompilerServices.CallSite,System.Object[],System.Object>"),
    ("Node[System.Reflection.Assembly,System.String][]", "Node<System.Reflection.Assembly,System.String>[]"),
    ("System.Int32[,]", "System.Int32[,]"),
    ("Outer`1+Inner[System.Int32]", "Outer`1+Inner<System.Int32>"),
])
def test_type_names_in_the_spelling_mono_shots_use(runtime_name, shown):
    from callsite.heap.nettrace import mono_style_name

    assert mono_style_name(runtime_name) == shown


def test_files_of_neither_format_are_one_line_errors(tmp_path):
    from callsite.errors import DlrsimError
    from callsite.heap.formats import read_heap_file

    for name, data in (("x.nettrace", b"not a trace at all"), ("y.gcdump", b"!FastSerialization.1"), ("z", b"")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DlrsimError) as ei:
            read_heap_file(tmp_path / name)
        assert "\n" not in str(ei.value) and name in str(ei.value)
