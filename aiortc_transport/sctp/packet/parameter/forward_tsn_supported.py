"""Forward-TSN-Supported parameter, RFC 3758 section 3.1.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|    Parameter Type = 49152     |  Parameter Length = 4         |
+-------------------------------+-------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_tlv


@dataclass(slots=True)
class ForwardTsnSupportedParameter:
    """Announces support of partial reliability (FORWARD TSN) in INIT / INIT ACK."""

    TYPE: ClassVar[int] = 0xC000

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the parameter value, which must be empty."""
        if value:
            raise ParseError(f"forward-tsn-supported with {len(value)} value bytes")
        return cls()

    def serialize(self) -> bytes:
        """Encode the whole TLV."""
        return encode_tlv(self.TYPE, b"")

    def __str__(self) -> str:
        return "forward-tsn-supported"
