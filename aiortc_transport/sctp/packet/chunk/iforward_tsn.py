"""I-FORWARD-TSN chunk, RFC 8260 section 2.3.1.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 194  |  Flags = 0x00 |        Length = Variable      |
+---------------+---------------+-------------------------------+
|                      New Cumulative TSN                       |
+-------------------------------+-----------------------------+-+
|       Stream Identifier       |          Reserved           |U|
+-------------------------------+-----------------------------+-+
|                      Message Identifier                       |
+---------------------------------------------------------------+
/                              ...                              /
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import CHUNK_HEADER

_U32 = struct.Struct("!I")
_ENTRY = struct.Struct("!HHI")


@dataclass(slots=True)
class IForwardTsnChunk:
    """Moves the peer's cumulative TSN past abandoned I-DATA.

    ``streams`` lists (stream_id, unordered, mid): for each stream and delivery mode, the
    largest MID skipped.
    """

    new_cumulative_tsn: int
    streams: list[tuple[int, bool, int]]

    TYPE: ClassVar[int] = 194

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value."""
        if len(value) < 4 or (len(value) - 4) % 8:
            raise ParseError(f"I-FORWARD-TSN chunk value of {len(value)} bytes")
        return cls(
            _U32.unpack_from(value)[0],
            [(sid, bool(bits & 1), mid) for sid, bits, mid in _ENTRY.iter_unpack(value[4:])],
        )

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        n = len(self.streams)
        entries = b"".join(_ENTRY.pack(sid, 1 if u else 0, mid) for sid, u, mid in self.streams)
        return (
            CHUNK_HEADER.pack(self.TYPE, 0, 8 + 8 * n)
            + _U32.pack(self.new_cumulative_tsn)
            + entries
        )

    def __str__(self) -> str:
        text = f"I_FORWARD_TSN new_cum_tsn={self.new_cumulative_tsn}"
        if self.streams:
            text += " streams=" + ",".join(
                f"sid{s}:{'U' if u else ''}mid{m}" for s, u, m in self.streams
            )
        return text
