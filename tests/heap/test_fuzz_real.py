"""Random truncations and byte flips of a real shot file never crash the reader.

Only :class:`MlpdFormatError` may escape (with an offset inside the data),
and every heap shot read before the damage must still build a snapshot.
To keep the test fast the base is the real file cut right after its first
heap shot's last buffer.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callsite.heap.mlpd import BUF_HEADER_SIZE, iter_buffers, parse_mlpd, read_mlpd

from .test_synthetic import _parse_or_documented_error


@pytest.fixture(scope="module")
def base(demo_mlpd) -> bytes:
    raw = open(demo_mlpd, "rb").read()
    f = read_mlpd(demo_mlpd)
    end = f.shots[0].end_offset
    for off, length, _ in iter_buffers(raw, f.header.size):
        if off <= end < off + length:
            return raw[: off + length]
    raise AssertionError("no buffer holds the end of shot 0")


def test_base_is_complete(base):
    assert len(parse_mlpd(base).shots) == 1


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(data=st.data())
def test_truncate_and_flip(base, data):
    _parse_or_documented_error(truncated_and_flipped(base, data))


def truncated_and_flipped(base: bytes, data) -> bytes:
    """``base`` cut at a random length, then up to 8 random bytes overwritten."""
    cut = data.draw(st.integers(0, len(base)))
    raw = bytearray(base[:cut])
    for _ in range(data.draw(st.integers(0, 8))):
        if not raw:
            break
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    return bytes(raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_flips_in_buffer_headers(base, data):
    # buffer headers carry lengths and bases: the riskiest bytes
    offs = [off - BUF_HEADER_SIZE for off, _, _ in iter_buffers(base, parse_mlpd(base).header.size)]
    raw = bytearray(base)
    for _ in range(data.draw(st.integers(1, 4))):
        h = data.draw(st.sampled_from(offs))
        raw[h + data.draw(st.integers(0, BUF_HEADER_SIZE - 1))] = data.draw(st.integers(0, 255))
    _parse_or_documented_error(bytes(raw))
