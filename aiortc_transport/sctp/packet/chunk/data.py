"""DATA chunk, RFC 9260 section 3.3.1 (I bit: RFC 7053).

     0                   1                   2                   3
    +---------------+---------+-+-+-+-+-------------------------------+
    |   Type = 0    |  Res    |I|U|B|E|            Length             |
    +---------------+---------+-+-+-+-+-------------------------------+
    |                              TSN                                |
    +---------------------------------+-------------------------------+
    |      Stream Identifier S        |   Stream Sequence Number n    |
    +---------------------------------+-------------------------------+
    |                  Payload Protocol Identifier                    |
    +-----------------------------------------------------------------+
    \\                 User Data (seq n of Stream S)                    \\
    +-----------------------------------------------------------------+

The hot path of the whole stack: one precompiled struct for header + fixed fields, slicing only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError

FLAG_END = 0x01
FLAG_BEGINNING = 0x02
FLAG_UNORDERED = 0x04
FLAG_IMMEDIATE_ACK = 0x08

#: Chunk header and the fixed DATA fields in one go.
DATA_HEADER = struct.Struct("!BBHIHHI")
#: The fixed DATA fields alone (the chunk value starts with them).
DATA_FIELDS = struct.Struct("!IHHI")
DATA_HEADER_SIZE = 16

#: Zero bytes that pad a chunk of length ``n`` to a multiple of 4, indexed by ``n & 3``.
PADDING = (b"", b"\x00\x00\x00", b"\x00\x00", b"\x00")

#: Flag byte -> (unordered, beginning, end, immediate_ack); reserved bits are ignored.
FLAG_TABLE: tuple[tuple[bool, bool, bool, bool], ...] = tuple(
    (
        bool(flags & FLAG_UNORDERED),
        bool(flags & FLAG_BEGINNING),
        bool(flags & FLAG_END),
        bool(flags & FLAG_IMMEDIATE_ACK),
    )
    for flags in range(256)
)


class UserDataFlags:
    """The I/U/B/E flags DATA and I-DATA share: wire byte and ``__str__`` marks."""

    __slots__ = ()

    unordered: bool
    beginning: bool
    end: bool
    immediate_ack: bool

    @property
    def flags(self) -> int:
        """The flag byte as on the wire."""
        return (
            (FLAG_UNORDERED if self.unordered else 0)
            | (FLAG_BEGINNING if self.beginning else 0)
            | (FLAG_END if self.end else 0)
            | (FLAG_IMMEDIATE_ACK if self.immediate_ack else 0)
        )

    def _marks(self) -> str:
        return (
            ("U" if self.unordered else "")
            + ("B" if self.beginning else "")
            + ("E" if self.end else "")
            + ("I" if self.immediate_ack else "")
        ) or "-"


@dataclass(slots=True)
class DataChunk(UserDataFlags):
    """One fragment (or a whole message) of user data on a stream."""

    tsn: int
    stream_id: int
    ssn: int
    ppid: int
    user_data: bytes
    unordered: bool = False
    beginning: bool = False
    end: bool = False
    immediate_ack: bool = False

    TYPE: ClassVar[int] = 0

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode a DATA chunk value (the 12 fixed bytes, then user data)."""
        if len(value) < 12:
            raise ParseError(f"DATA chunk value of {len(value)} bytes, < 12")
        tsn, stream_id, ssn, ppid = DATA_FIELDS.unpack_from(value)
        unordered, beginning, end, immediate_ack = FLAG_TABLE[flags & 0xFF]
        return cls(
            tsn, stream_id, ssn, ppid, bytes(value[12:]), unordered, beginning, end, immediate_ack
        )

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return serialize_data_chunk(
            self.tsn, self.stream_id, self.ssn, self.ppid, self.user_data, self.flags
        )

    def __str__(self) -> str:
        return (
            f"DATA[{self._marks()}] tsn={self.tsn} sid={self.stream_id} ssn={self.ssn} "
            f"ppid={self.ppid} len={len(self.user_data)}"
        )


def serialize_data_chunk(
    tsn: int, stream_id: int, ssn: int, ppid: int, user_data: bytes, flags: int
) -> bytes:
    """Encode a DATA chunk straight from its fields (no object), for the send path."""
    length = DATA_HEADER_SIZE + len(user_data)
    if length > 0xFFFF:
        raise ValueError(f"DATA chunk of {length} bytes does not fit its 16-bit length")
    return (
        DATA_HEADER.pack(0, flags, length, tsn, stream_id, ssn, ppid)
        + user_data
        + PADDING[length & 3]
    )
