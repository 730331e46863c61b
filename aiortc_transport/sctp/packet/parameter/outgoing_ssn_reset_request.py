"""Outgoing SSN Reset Request parameter, RFC 6525 section 4.1.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 13       | Parameter Length = 16 + 2 * N |
+-------------------------------+-------------------------------+
|           Re-configuration Request Sequence Number            |
+---------------------------------------------------------------+
|           Re-configuration Response Sequence Number           |
+---------------------------------------------------------------+
|                Sender's Last Assigned TSN                     |
+-------------------------------+-------------------------------+
|  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
+-------------------------------+-------------------------------+
/                            ......                             /
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.parameter._streams import (
    decode_stream_ids_untrusted,
    encode_stream_ids,
)
from aiortc_transport.sctp.packet.tlv import encode_tlv

_FIXED = struct.Struct("!III")


@dataclass(slots=True)
class OutgoingSsnResetRequestParameter:
    """Ask the peer to reset its incoming side of our outgoing streams (none listed = all)."""

    request_sequence: int
    response_sequence: int
    sender_last_tsn: int
    stream_ids: list[int]

    TYPE: ClassVar[int] = 13

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the parameter value."""
        if len(value) < 12:
            raise ParseError(f"outgoing-ssn-reset-request value of {len(value)} bytes, < 12")
        req, resp, last_tsn = _FIXED.unpack_from(value)
        return cls(req, resp, last_tsn, decode_stream_ids_untrusted(value, 12))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        fixed = _FIXED.pack(self.request_sequence, self.response_sequence, self.sender_last_tsn)
        return encode_tlv(self.TYPE, fixed + encode_stream_ids(self.stream_ids))

    def __str__(self) -> str:
        return (
            f"outgoing-ssn-reset-request(req_seq={self.request_sequence} "
            f"resp_seq={self.response_sequence} sender_last_tsn={self.sender_last_tsn} "
            f"sids={self.stream_ids})"
        )
