"""COOKIE ACK chunk, RFC 9260 section 3.3.12.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 11   |  Chunk Flags  |          Length = 4           |
+---------------+---------------+-------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_chunk


@dataclass(slots=True)
class CookieAckChunk:
    """Acknowledges COOKIE ECHO: the association is established."""

    TYPE: ClassVar[int] = 11

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the (empty) chunk value."""
        if value:
            raise ParseError(f"COOKIE ACK chunk with {len(value)} value bytes")
        return cls()

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        return encode_chunk(self.TYPE, 0, b"")

    def __str__(self) -> str:
        return "COOKIE_ACK"
