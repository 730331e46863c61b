"""ERROR chunk (Operation Error), RFC 9260 section 3.3.10.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |   Type = 9    |  Chunk Flags  |            Length             |
    +---------------+---------------+-------------------------------+
    \\                  One or more Error Causes                     \\
    +---------------------------------------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.error_cause import ErrorCause, parse_error_causes_untrusted
from aiortc_transport.sctp.packet.tlv import encode_chunk_with_tlvs


@dataclass(slots=True)
class ErrorChunk:
    """Reports non-fatal errors (e.g. an unrecognized chunk type) to the peer."""

    causes: list[ErrorCause]

    TYPE: ClassVar[int] = 9

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value (a run of error causes)."""
        return cls(parse_error_causes_untrusted(value))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_chunk_with_tlvs(self.TYPE, 0, b"", [c.serialize() for c in self.causes])

    def __str__(self) -> str:
        return ("ERROR " + ", ".join(str(c) for c in self.causes)).rstrip()
