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
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.chunk._init_common import (
    decode_init_untrusted,
    describe_init,
    encode_init,
)
from aiortc_transport.sctp.packet.parameter import Parameter


@dataclass(slots=True)
class InitChunk:
    """Starts an association: the sender's tag, window, stream counts, TSN and options."""

    initiate_tag: int
    a_rwnd: int
    outbound_streams: int
    inbound_streams: int
    initial_tsn: int
    parameters: list[Parameter]

    TYPE: ClassVar[int] = 1

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value; the flags are unused (RFC 9260: ignored on receipt)."""
        return cls(*decode_init_untrusted(value, "INIT"))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_init(
            self.TYPE,
            self.initiate_tag,
            self.a_rwnd,
            self.outbound_streams,
            self.inbound_streams,
            self.initial_tsn,
            self.parameters,
        )

    def __str__(self) -> str:
        return describe_init(
            "INIT",
            self.initiate_tag,
            self.a_rwnd,
            self.outbound_streams,
            self.inbound_streams,
            self.initial_tsn,
            self.parameters,
        )
