"""Serial-number unwrapping (RFC 1982 semantics, done once)."""

from __future__ import annotations

from aiortc_transport.sctp.sequence import Unwrapper, unwrap_ssn, unwrap_tsn, wrap_ssn, wrap_tsn


def test_unwrap_tsn_across_wrap() -> None:
    ref = 0xFFFFFFF0
    assert unwrap_tsn(0xFFFFFFF5, ref) == 0xFFFFFFF5
    assert unwrap_tsn(0x00000005, ref) == 0x100000005
    assert unwrap_tsn(0xFFFFFFE0, ref) == 0xFFFFFFE0
    assert wrap_tsn(0x100000005) == 5


def test_unwrap_tsn_relative_to_large_reference() -> None:
    ref = 5 * (1 << 32) + 10
    assert unwrap_tsn(11, ref) == ref + 1
    assert unwrap_tsn(9, ref) == ref - 1
    assert unwrap_tsn((10 + (1 << 31) - 1) & 0xFFFFFFFF, ref) == ref + (1 << 31) - 1
    assert unwrap_tsn((10 + (1 << 31)) & 0xFFFFFFFF, ref) == ref - (1 << 31)


def test_unwrap_ssn() -> None:
    assert unwrap_ssn(0, 0xFFFF) == 0x10000
    assert unwrap_ssn(0xFFFE, 0x10000) == 0xFFFE
    assert unwrap_ssn(3, 0x10000 + 1) == 0x10003
    assert wrap_ssn(0x10003) == 3


def test_unwrapper_follows_a_stream() -> None:
    unwrapper = Unwrapper(16)
    values = [unwrapper.unwrap(v & 0xFFFF) for v in range(0, 200_000, 1000)]
    assert values == list(range(0, 200_000, 1000))
    # Slightly older values unwrap below the largest, not a whole cycle ahead.
    assert unwrapper.unwrap((199_000 - 5) & 0xFFFF) == 199_000 - 5
