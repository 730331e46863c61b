"""I-DATA chunk, RFC 8260 section 2.1 (I bit: RFC 7053).

     0                   1                   2                   3
    +---------------+---------+-+-+-+-+-------------------------------+
    |   Type = 64   |  Res    |I|U|B|E|            Length             |
    +---------------+---------+-+-+-+-+-------------------------------+
    |                              TSN                                |
    +---------------------------------+-------------------------------+
    |      Stream Identifier          |           Reserved            |
    +---------------------------------+-------------------------------+
    |                      Message Identifier                         |
    +-----------------------------------------------------------------+
    |    Payload Protocol Identifier / Fragment Sequence Number       |
    +-----------------------------------------------------------------+
    \\                           User Data                             \\
    +-----------------------------------------------------------------+

The B fragment carries the PPID in the shared field (its FSN is 0 implicitly); every other
fragment carries its FSN there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.chunk.data import FLAG_TABLE, PADDING, UserDataFlags

#: Chunk header and the fixed I-DATA fields in one go.
IDATA_HEADER = struct.Struct("!BBHIHHII")
#: The fixed I-DATA fields alone (the chunk value starts with them).
IDATA_FIELDS = struct.Struct("!IHHII")
IDATA_HEADER_SIZE = 20


@dataclass(slots=True)
class IDataChunk(UserDataFlags):
    """One fragment (or a whole message) of user data, interleavable (RFC 8260).

    ``ppid_or_fsn`` is the PPID when ``beginning`` is set, else the fragment sequence number.
    """

    tsn: int
    stream_id: int
    mid: int
    ppid_or_fsn: int
    user_data: bytes
    unordered: bool = False
    beginning: bool = False
    end: bool = False
    immediate_ack: bool = False

    TYPE: ClassVar[int] = 64

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode an I-DATA chunk value (the 16 fixed bytes, then user data)."""
        if len(value) < 16:
            raise ParseError(f"I-DATA chunk value of {len(value)} bytes, < 16")
        tsn, stream_id, _reserved, mid, ppid_or_fsn = IDATA_FIELDS.unpack_from(value)
        unordered, beginning, end, immediate_ack = FLAG_TABLE[flags & 0xFF]
        return cls(
            tsn,
            stream_id,
            mid,
            ppid_or_fsn,
            bytes(value[16:]),
            unordered,
            beginning,
            end,
            immediate_ack,
        )

    @property
    def ppid(self) -> int:
        """The payload protocol identifier (meaningful on the B fragment only)."""
        return self.ppid_or_fsn if self.beginning else 0

    @property
    def fsn(self) -> int:
        """The fragment sequence number (0 on the B fragment)."""
        return 0 if self.beginning else self.ppid_or_fsn

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return serialize_idata_chunk(
            self.tsn, self.stream_id, self.mid, self.ppid_or_fsn, self.user_data, self.flags
        )

    def __str__(self) -> str:
        field = f"ppid={self.ppid_or_fsn}" if self.beginning else f"fsn={self.ppid_or_fsn}"
        return (
            f"I_DATA[{self._marks()}] tsn={self.tsn} sid={self.stream_id} mid={self.mid} "
            f"{field} len={len(self.user_data)}"
        )


def serialize_idata_chunk(
    tsn: int, stream_id: int, mid: int, ppid_or_fsn: int, user_data: bytes, flags: int
) -> bytes:
    """Encode an I-DATA chunk straight from its fields (no object), for the send path."""
    length = IDATA_HEADER_SIZE + len(user_data)
    if length > 0xFFFF:
        raise ValueError(f"I-DATA chunk of {length} bytes does not fit its 16-bit length")
    return (
        IDATA_HEADER.pack(64, flags, length, tsn, stream_id, 0, mid, ppid_or_fsn)
        + user_data
        + PADDING[length & 3]
    )
