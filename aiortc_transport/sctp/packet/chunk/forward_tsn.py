"""FORWARD TSN chunk, RFC 3758 section 3.2.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 192  |  Flags = 0x00 |        Length = Variable      |
+---------------+---------------+-------------------------------+
|                      New Cumulative TSN                       |
+-------------------------------+-------------------------------+
|         Stream-1              |       Stream Sequence-1       |
+-------------------------------+-------------------------------+
/                              ...                              /
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import CHUNK_HEADER

_U32 = struct.Struct("!I")
_STREAM = struct.Struct("!HH")


@dataclass(slots=True)
class ForwardTsnChunk:
    """Moves the peer's cumulative TSN past abandoned data.

    ``streams`` lists (stream_id, ssn) of the ordered streams concerned; unordered abandoned
    messages have no entry.
    """

    new_cumulative_tsn: int
    streams: list[tuple[int, int]]

    TYPE: ClassVar[int] = 192

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value."""
        if len(value) < 4 or len(value) & 3:
            raise ParseError(f"FORWARD TSN chunk value of {len(value)} bytes")
        return cls(_U32.unpack_from(value)[0], list(_STREAM.iter_unpack(value[4:])))

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        n = len(self.streams)
        flat = [field for entry in self.streams for field in entry]
        return CHUNK_HEADER.pack(self.TYPE, 0, 8 + 4 * n) + struct.pack(
            f"!I{2 * n}H", self.new_cumulative_tsn, *flat
        )

    def __str__(self) -> str:
        text = f"FORWARD_TSN new_cum_tsn={self.new_cumulative_tsn}"
        if self.streams:
            text += " streams=" + ",".join(f"sid{s}:ssn{n}" for s, n in self.streams)
        return text
