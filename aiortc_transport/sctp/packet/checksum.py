"""The SCTP checksum: CRC32c, RFC 9260 section 6.8 and Appendix A.

The CRC is computed over the whole packet with the checksum field set to zero, using the
``crc32c`` package (a C implementation). Appendix A: the resulting 32-bit value is placed in
the checksum field least significant byte first (the reflected CRC's natural byte order), so
RFC 3720 B.4's "32 bytes of zeros -> aa 36 91 8a" is the field as it appears on the wire.
"""

from __future__ import annotations

import struct

import crc32c as _crc32c

#: Offset of the checksum field in the common header.
CHECKSUM_OFFSET = 8

_LE32 = struct.Struct("<I")
_ZERO = b"\x00\x00\x00\x00"


def crc32c(data: bytes | bytearray | memoryview) -> int:
    """Return the CRC32c of ``data`` as an integer."""
    result: int = _crc32c.crc32c(data)
    return result


def checksum_field(data: bytes | bytearray | memoryview) -> bytes:
    """Return the 4 checksum-field bytes for ``data`` (whose checksum field must be zero)."""
    return _LE32.pack(_crc32c.crc32c(data))


def packet_checksum_ok(packet: bytes) -> bool:
    """Return True when the packet's checksum field holds its CRC32c (RFC 9260 section 6.8)."""
    received = packet[CHECKSUM_OFFSET : CHECKSUM_OFFSET + 4]
    zeroed = packet[:CHECKSUM_OFFSET] + _ZERO + packet[CHECKSUM_OFFSET + 4 :]
    return _LE32.pack(_crc32c.crc32c(zeroed)) == received
