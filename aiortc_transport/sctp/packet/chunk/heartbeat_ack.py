"""HEARTBEAT ACK chunk, RFC 9260 section 3.3.6.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |   Type = 5    |  Chunk Flags  |      Heartbeat Length         |
    +---------------+---------------+-------------------------------+
    \\            Heartbeat Information TLV (Variable-Length)        \\
    +---------------------------------------------------------------+

``info`` is the value of the Heartbeat Info parameter (type 1); the TLV is handled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.chunk._heartbeat_common import (
    decode_heartbeat_info_untrusted,
    encode_heartbeat,
)


@dataclass(slots=True)
class HeartbeatAckChunk:
    """Answers a HEARTBEAT, echoing its ``info`` unchanged."""

    info: bytes

    TYPE: ClassVar[int] = 5

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value."""
        return cls(decode_heartbeat_info_untrusted(value, "HEARTBEAT_ACK"))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_heartbeat(self.TYPE, self.info)

    def __str__(self) -> str:
        return f"HEARTBEAT_ACK info={len(self.info)} B"
