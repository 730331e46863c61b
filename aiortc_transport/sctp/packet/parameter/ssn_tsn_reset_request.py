"""SSN/TSN Reset Request parameter, RFC 6525 section 4.3.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 15       |      Parameter Length = 8     |
+-------------------------------+-------------------------------+
|         Re-configuration Request Sequence Number              |
+---------------------------------------------------------------+
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_tlv

_VALUE = struct.Struct("!I")


@dataclass(slots=True)
class SsnTsnResetRequestParameter:
    """Ask the peer to reset all SSNs and the TSN in both directions."""

    request_sequence: int

    TYPE: ClassVar[int] = 15

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 4-byte parameter value."""
        if len(value) != 4:
            raise ParseError(f"ssn-tsn-reset-request value of {len(value)} bytes, expected 4")
        return cls(_VALUE.unpack(value)[0])

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.TYPE, _VALUE.pack(self.request_sequence))

    def __str__(self) -> str:
        return f"ssn-tsn-reset-request(req_seq={self.request_sequence})"
