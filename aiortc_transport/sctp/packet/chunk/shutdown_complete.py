"""SHUTDOWN COMPLETE chunk, RFC 9260 section 3.3.13.

 0                   1                   2                   3
+---------------+-------------+-+-------------------------------+
|   Type = 14   |  Reserved   |T|          Length = 4           |
+---------------+-------------+-+-------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_chunk

FLAG_T = 0x01


@dataclass(slots=True)
class ShutdownCompleteChunk:
    """Ends a graceful close; T bit as for ABORT (reflected verification tag)."""

    tag_reflected: bool = False

    TYPE: ClassVar[int] = 14

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the (empty) chunk value and the T bit."""
        if value:
            raise ParseError(f"SHUTDOWN COMPLETE chunk with {len(value)} value bytes")
        return cls(bool(flags & FLAG_T))

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        return encode_chunk(self.TYPE, FLAG_T if self.tag_reflected else 0, b"")

    def __str__(self) -> str:
        return f"SHUTDOWN_COMPLETE{'[T]' if self.tag_reflected else ''}"
