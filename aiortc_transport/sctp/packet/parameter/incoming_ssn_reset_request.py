"""Incoming SSN Reset Request parameter, RFC 6525 section 4.2.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 14       |  Parameter Length = 8 + 2 * N |
+-------------------------------+-------------------------------+
|          Re-configuration Request Sequence Number             |
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

_FIXED = struct.Struct("!I")


@dataclass(slots=True)
class IncomingSsnResetRequestParameter:
    """Ask the peer to reset its outgoing streams (none listed = all)."""

    request_sequence: int
    stream_ids: list[int]

    TYPE: ClassVar[int] = 14

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the parameter value."""
        if len(value) < 4:
            raise ParseError(f"incoming-ssn-reset-request value of {len(value)} bytes, < 4")
        return cls(_FIXED.unpack_from(value)[0], decode_stream_ids_untrusted(value, 4))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        value = _FIXED.pack(self.request_sequence) + encode_stream_ids(self.stream_ids)
        return encode_tlv(self.TYPE, value)

    def __str__(self) -> str:
        return f"incoming-ssn-reset-request(req_seq={self.request_sequence} sids={self.stream_ids})"
