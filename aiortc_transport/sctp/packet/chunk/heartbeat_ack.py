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
from typing import ClassVar

from aiortc_transport.sctp.packet.chunk._heartbeat_common import HeartbeatChunkBase


@dataclass(slots=True)
class HeartbeatAckChunk(HeartbeatChunkBase):
    """Answers a HEARTBEAT, echoing its ``info`` unchanged."""

    TYPE: ClassVar[int] = 5
    NAME: ClassVar[str] = "HEARTBEAT_ACK"
