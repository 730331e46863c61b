"""HEARTBEAT chunk, RFC 9260 section 3.3.5.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |   Type = 4    |  Chunk Flags  |      Heartbeat Length         |
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
class HeartbeatRequestChunk:
    """Probes the peer; it echoes ``info`` in a HEARTBEAT ACK."""

    info: bytes

    TYPE: ClassVar[int] = 4

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value."""
        return cls(decode_heartbeat_info_untrusted(value, "HEARTBEAT"))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_heartbeat(self.TYPE, self.info)

    def __str__(self) -> str:
        return f"HEARTBEAT info={len(self.info)} B"
