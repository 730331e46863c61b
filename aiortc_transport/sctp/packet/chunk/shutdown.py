"""SHUTDOWN chunk, RFC 9260 section 3.3.8.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 7    |  Chunk Flags  |          Length = 8           |
+---------------+---------------+-------------------------------+
|                      Cumulative TSN Ack                       |
+---------------------------------------------------------------+
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError

_CHUNK = struct.Struct("!BBHI")


@dataclass(slots=True)
class ShutdownChunk:
    """Starts a graceful close; acknowledges data up to ``cumulative_tsn_ack``."""

    cumulative_tsn_ack: int

    TYPE: ClassVar[int] = 7

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the 4-byte chunk value."""
        if len(value) != 4:
            raise ParseError(f"SHUTDOWN chunk value of {len(value)} bytes, expected 4")
        return cls(int.from_bytes(value, "big"))

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        return _CHUNK.pack(self.TYPE, 0, 8, self.cumulative_tsn_ack)

    def __str__(self) -> str:
        return f"SHUTDOWN cum_tsn={self.cumulative_tsn_ack}"
