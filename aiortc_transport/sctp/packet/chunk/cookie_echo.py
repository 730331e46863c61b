"""COOKIE ECHO chunk, RFC 9260 section 3.3.11.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 10   |  Chunk Flags  |            Length             |
+---------------+---------------+-------------------------------+
/                            Cookie                             /
+---------------------------------------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.tlv import encode_chunk


@dataclass(slots=True)
class CookieEchoChunk:
    """Returns the State Cookie of the peer's INIT ACK, byte for byte."""

    cookie: bytes

    TYPE: ClassVar[int] = 10

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value (the cookie, any length)."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_chunk(self.TYPE, 0, self.cookie)

    def __str__(self) -> str:
        return f"COOKIE_ECHO cookie={len(self.cookie)} B"
