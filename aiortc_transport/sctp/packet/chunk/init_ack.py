"""INIT ACK chunk, RFC 9260 section 3.3.3.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |   Type = 2    |  Chunk Flags  |      Chunk Length             |
    +---------------+---------------+-------------------------------+
    |                         Initiate Tag                          |
    +---------------------------------------------------------------+
    |          Advertised Receiver Window Credit (a_rwnd)           |
    +-------------------------------+-------------------------------+
    |  Number of Outbound Streams   |   Number of Inbound Streams   |
    +-------------------------------+-------------------------------+
    |                          Initial TSN                          |
    +---------------------------------------------------------------+
    \\              Optional/Variable-Length Parameters              \\
    +---------------------------------------------------------------+

The codec checks structure only; zero tags / stream counts are the association's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aiortc_transport.sctp.packet.chunk._init_common import InitChunkBase


@dataclass(slots=True)
class InitAckChunk(InitChunkBase):
    """Answers INIT: same fields, plus the mandatory State Cookie parameter."""

    TYPE: ClassVar[int] = 2
    NAME: ClassVar[str] = "INIT_ACK"
