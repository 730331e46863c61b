"""SHUTDOWN ACK chunk, RFC 9260 section 3.3.9.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 8    |  Chunk Flags  |          Length = 4           |
+---------------+---------------+-------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_chunk


@dataclass(slots=True)
class ShutdownAckChunk:
    """Acknowledges a SHUTDOWN once all outstanding data is acknowledged."""

    TYPE: ClassVar[int] = 8

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the (empty) chunk value."""
        if value:
            raise ParseError(f"SHUTDOWN ACK chunk with {len(value)} value bytes")
        return cls()

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        return encode_chunk(self.TYPE, 0, b"")

    def __str__(self) -> str:
        return "SHUTDOWN_ACK"
