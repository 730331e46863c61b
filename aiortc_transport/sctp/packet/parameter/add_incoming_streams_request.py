"""Add Incoming Streams Request parameter, RFC 6525 section 4.6.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 18       |      Parameter Length = 12    |
+-------------------------------+-------------------------------+
|          Re-configuration Request Sequence Number             |
+-------------------------------+-------------------------------+
|      Number of new streams    |         Reserved              |
+-------------------------------+-------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.parameter._add_streams import (
    decode_add_streams_untrusted,
    encode_add_streams,
)
from aiortc_transport.sctp.packet.tlv import encode_tlv


@dataclass(slots=True)
class AddIncomingStreamsRequestParameter:
    """Ask the peer to add outgoing streams (our incoming ones)."""

    request_sequence: int
    new_streams: int

    TYPE: ClassVar[int] = 18

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 8-byte parameter value."""
        return cls(*decode_add_streams_untrusted(value, "add-incoming-streams-request"))

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.TYPE, encode_add_streams(self.request_sequence, self.new_streams))

    def __str__(self) -> str:
        return (
            f"add-incoming-streams-request(req_seq={self.request_sequence} "
            f"new_streams={self.new_streams})"
        )
