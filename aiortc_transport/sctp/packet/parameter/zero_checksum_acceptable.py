"""Zero Checksum Acceptable parameter, RFC 9653 section 4.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|         Type = 0x8001         |          Length = 8           |
+-------------------------------+-------------------------------+
|           Error Detection Method Identifier (EDMID)           |
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
class ZeroChecksumAcceptableParameter:
    """The sender accepts packets with a zero checksum when ``edmid`` protects them.

    EDMID 1 is "SCTP over DTLS" (RFC 9653 section 7).
    """

    edmid: int

    TYPE: ClassVar[int] = 0x8001

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 4-byte parameter value."""
        if len(value) != 4:
            raise ParseError(f"zero-checksum-acceptable value of {len(value)} bytes, expected 4")
        return cls(_VALUE.unpack(value)[0])

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.TYPE, _VALUE.pack(self.edmid))

    def __str__(self) -> str:
        return f"zero-checksum-acceptable(edmid={self.edmid})"
