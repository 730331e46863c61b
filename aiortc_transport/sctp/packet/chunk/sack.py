"""SACK chunk, RFC 9260 section 3.3.4.

 0                   1                   2                   3
+---------------+---------------+-------------------------------+
|   Type = 3    |  Chunk Flags  |         Chunk Length          |
+---------------+---------------+-------------------------------+
|                      Cumulative TSN Ack                       |
+---------------------------------------------------------------+
|          Advertised Receiver Window Credit (a_rwnd)           |
+-------------------------------+-------------------------------+
| Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
+-------------------------------+-------------------------------+
|    Gap Ack Block #1 Start     |     Gap Ack Block #1 End      |
/                              ...                              /
|                       Duplicate TSN 1 ... M                   |
+---------------------------------------------------------------+
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import CHUNK_HEADER

_FIXED = struct.Struct("!IIHH")
_GAP = struct.Struct("!HH")


@dataclass(slots=True)
class SackChunk:
    """Selective acknowledgement.

    ``gap_ack_blocks`` are (start, end) offsets from ``cumulative_tsn_ack``, as on the wire.
    """

    cumulative_tsn_ack: int
    a_rwnd: int
    gap_ack_blocks: list[tuple[int, int]]
    duplicate_tsns: list[int]

    TYPE: ClassVar[int] = 3

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value; the counts must match its length exactly."""
        if len(value) < 12:
            raise ParseError(f"SACK chunk value of {len(value)} bytes, < 12")
        cum_tsn, a_rwnd, n_gaps, n_dups = _FIXED.unpack_from(value)
        if len(value) != 12 + 4 * (n_gaps + n_dups):
            raise ParseError(
                f"SACK announces {n_gaps} gap blocks and {n_dups} duplicates in "
                f"{len(value) - 12} bytes"
            )
        gaps = list(_GAP.iter_unpack(value[12 : 12 + 4 * n_gaps])) if n_gaps else []
        duplicates = (
            list(struct.unpack_from(f"!{n_dups}I", value, 12 + 4 * n_gaps)) if n_dups else []
        )
        return cls(cum_tsn, a_rwnd, gaps, duplicates)

    def serialize(self) -> bytes:
        """Encode the whole chunk."""
        n_gaps = len(self.gap_ack_blocks)
        n_dups = len(self.duplicate_tsns)
        flat = [edge for block in self.gap_ack_blocks for edge in block]
        return (
            CHUNK_HEADER.pack(self.TYPE, 0, 16 + 4 * (n_gaps + n_dups))
            + _FIXED.pack(self.cumulative_tsn_ack, self.a_rwnd, n_gaps, n_dups)
            + struct.pack(f"!{2 * n_gaps}H{n_dups}I", *flat, *self.duplicate_tsns)
        )

    def __str__(self) -> str:
        text = f"SACK cum_tsn={self.cumulative_tsn_ack} a_rwnd={self.a_rwnd}"
        if self.gap_ack_blocks:
            text += " gaps=" + ",".join(f"{s}-{e}" for s, e in self.gap_ack_blocks)
        if self.duplicate_tsns:
            text += " dup_tsns=" + ",".join(str(t) for t in self.duplicate_tsns)
        return text
