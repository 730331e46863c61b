"""ABORT chunk, RFC 9260 section 3.3.7.

     0                   1                   2                   3
    +---------------+-------------+-+-------------------------------+
    |   Type = 6    |  Reserved   |T|            Length             |
    +---------------+-------------+-+-------------------------------+
    \\               Zero or more Error Causes                       \\
    +---------------------------------------------------------------+

T bit: the packet carries the verification tag of the receiver of the ABORT's sender's peer
(reflected), not the peer's own tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.error_cause import ErrorCause, parse_error_causes_untrusted
from aiortc_transport.sctp.packet.tlv import encode_chunk_with_tlvs

FLAG_T = 0x01


@dataclass(slots=True)
class AbortChunk:
    """Closes the association at once, optionally saying why."""

    causes: list[ErrorCause]
    tag_reflected: bool = False

    TYPE: ClassVar[int] = 6

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value (a run of error causes)."""
        return cls(parse_error_causes_untrusted(value), bool(flags & FLAG_T))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        flags = FLAG_T if self.tag_reflected else 0
        return encode_chunk_with_tlvs(self.TYPE, flags, b"", [c.serialize() for c in self.causes])

    def __str__(self) -> str:
        causes = ", ".join(str(c) for c in self.causes)
        return f"ABORT{'[T]' if self.tag_reflected else ''} {causes}".rstrip()
