"""Serial-number arithmetic, done once.

TSNs (32 bits) and SSNs / reconfiguration request numbers (16 / 32 bits) wrap around on the
wire (RFC 9260 section 6.1 / RFC 1982).  The association never compares wire values: it
unwraps every received value once, relative to a reference it already holds (usually its
cumulative TSN), into an unbounded int.  A wire value is interpreted as the int closest to
the reference with the same low bits, which is exactly RFC 1982 serial comparison as long as
both are less than half the number space apart.
"""

from __future__ import annotations

TSN_MODULUS = 1 << 32
TSN_MASK = TSN_MODULUS - 1
SSN_MODULUS = 1 << 16
SSN_MASK = SSN_MODULUS - 1

_TSN_HALF = 1 << 31
_SSN_HALF = 1 << 15


def unwrap_tsn(wire: int, reference: int) -> int:
    """Unwrap a 32-bit wire value to the int nearest ``reference`` (an unwrapped value)."""
    diff = (wire - reference) & TSN_MASK
    if diff >= _TSN_HALF:
        diff -= TSN_MODULUS
    return reference + diff


def unwrap_ssn(wire: int, reference: int) -> int:
    """Unwrap a 16-bit wire value to the int nearest ``reference`` (an unwrapped value)."""
    diff = (wire - reference) & SSN_MASK
    if diff >= _SSN_HALF:
        diff -= SSN_MODULUS
    return reference + diff


def wrap_tsn(value: int) -> int:
    """The 32-bit wire value of an unwrapped TSN (or any 32-bit serial number)."""
    return value & TSN_MASK


def wrap_ssn(value: int) -> int:
    """The 16-bit wire value of an unwrapped SSN."""
    return value & SSN_MASK


class Unwrapper:
    """Unwraps a stream of serial numbers that only moves forward "on average".

    Each value is unwrapped relative to the largest value seen so far, which then follows
    the stream.  Used where there is no better reference (e.g. peer request numbers).
    """

    __slots__ = ("_half", "_largest", "_mask", "_modulus")

    def __init__(self, bits: int, initial: int = 0) -> None:
        self._modulus = 1 << bits
        self._mask = self._modulus - 1
        self._half = 1 << (bits - 1)
        self._largest = initial

    def unwrap(self, wire: int) -> int:
        """Unwrap ``wire`` and remember it if it is the largest so far."""
        diff = (wire - self._largest) & self._mask
        if diff >= self._half:
            diff -= self._modulus
        value = self._largest + diff
        if value > self._largest:
            self._largest = value
        return value
