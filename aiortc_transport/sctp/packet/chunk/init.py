"""INIT chunk, RFC 9260 section 3.3.2.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    |   Type = 1    |  Chunk Flags  |      Chunk Length             |
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
class InitChunk(InitChunkBase):
    """Starts an association: the sender's tag, window, stream counts, TSN and options."""

    TYPE: ClassVar[int] = 1
    NAME: ClassVar[str] = "INIT"
