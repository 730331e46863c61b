"""SCTP packet: the common header and its chunks, RFC 9260 section 3.1.

     0                   1                   2                   3
    +-------------------------------+-------------------------------+
    |     Source Port Number        |     Destination Port Number   |
    +-------------------------------+-------------------------------+
    |                      Verification Tag                         |
    +---------------------------------------------------------------+
    |                           Checksum                            |
    +---------------------------------------------------------------+
    |                    Chunk #1 ... Chunk #n                      |
    +---------------------------------------------------------------+

Checksum: CRC32c (section 6.8, Appendix A), see ``checksum.py``. RFC 9653 lets an endpoint
that announced Zero Checksum Acceptable receive packets whose checksum field is zero; over DTLS
the records are already authenticated, so the association may turn verification off.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Self

import crc32c as _crc32c

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.chunk import Chunk, parse_chunks_untrusted

#: Source port, destination port, verification tag, checksum (the latter little-endian, see
#: checksum.py, so it is handled separately).
COMMON_HEADER = struct.Struct("!HHI")
COMMON_HEADER_SIZE = 12

_LE32 = struct.Struct("<I")
_ZERO = b"\x00\x00\x00\x00"


@dataclass(slots=True)
class SctpPacket:
    """A whole SCTP packet: common header fields and the decoded chunks."""

    source_port: int
    destination_port: int
    verification_tag: int
    chunks: list[Chunk]

    @classmethod
    def parse_untrusted(cls, data: bytes, *, verify_checksum: bool = True) -> Self:
        """Decode a packet; raises only ParseError.

        With ``verify_checksum`` (the default) the CRC32c must match; a zero checksum (RFC
        9653) is then rejected like any other wrong value. Without it, the checksum field is
        not looked at (zero-checksum mode, or a transport that authenticates already).
        A packet must hold at least one chunk (section 3.1).
        """
        if type(data) is not bytes:
            data = bytes(data)
        if len(data) < COMMON_HEADER_SIZE + 4:
            raise ParseError(f"SCTP packet of {len(data)} bytes is too short")
        if verify_checksum:
            zeroed = data[:8] + _ZERO + data[12:]
            if _LE32.pack(_crc32c.crc32c(zeroed)) != data[8:12]:
                raise ParseError("bad SCTP checksum")
        source_port, destination_port, tag = COMMON_HEADER.unpack_from(data)
        return cls(source_port, destination_port, tag, parse_chunks_untrusted(data, 12))

    def serialize(self, *, zero_checksum: bool = False) -> bytes:
        """Encode the packet with its CRC32c, or a zero checksum (RFC 9653) if asked."""
        return serialize_packet(
            self.source_port,
            self.destination_port,
            self.verification_tag,
            [chunk.serialize() for chunk in self.chunks],
            zero_checksum=zero_checksum,
        )

    def __str__(self) -> str:
        chunks = " | ".join(str(c) for c in self.chunks)
        return (
            f"SCTP {self.source_port}>{self.destination_port} "
            f"vtag={self.verification_tag:#010x} | {chunks}"
        )


def serialize_packet(
    source_port: int,
    destination_port: int,
    verification_tag: int,
    chunk_bytes: list[bytes],
    *,
    zero_checksum: bool = False,
) -> bytes:
    """Write the common header, the pre-serialized chunks and the CRC32c in one buffer.

    For the association's send path: chunks are serialized once (and kept for retransmission),
    then bundled here without decoding or re-encoding them.
    """
    buffer = bytearray(COMMON_HEADER.pack(source_port, destination_port, verification_tag))
    buffer += _ZERO
    for chunk in chunk_bytes:
        buffer += chunk
    if not zero_checksum:
        _LE32.pack_into(buffer, 8, _crc32c.crc32c(buffer))
    return bytes(buffer)
