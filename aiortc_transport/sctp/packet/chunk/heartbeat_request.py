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
from typing import ClassVar

from aiortc_transport.sctp.packet.chunk._heartbeat_common import HeartbeatChunkBase


@dataclass(slots=True)
class HeartbeatRequestChunk(HeartbeatChunkBase):
    """Probes the peer; it echoes ``info`` in a HEARTBEAT ACK."""

    TYPE: ClassVar[int] = 4
    NAME: ClassVar[str] = "HEARTBEAT"
