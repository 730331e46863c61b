"""State Cookie parameter, RFC 9260 section 3.3.3.1.

     0                   1                   2                   3
    +-------------------------------+-------------------------------+
    |        Parameter Type = 7     |       Parameter Length        |
    +-------------------------------+-------------------------------+
    \\                            Cookie                             \\
    +---------------------------------------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.tlv import encode_tlv


@dataclass(slots=True)
class StateCookieParameter:
    """The opaque state cookie an INIT ACK carries (echoed back in COOKIE ECHO)."""

    cookie: bytes

    TYPE: ClassVar[int] = 7

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the parameter value (any length is acceptable)."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.TYPE, self.cookie)

    def __str__(self) -> str:
        return f"state-cookie({len(self.cookie)} B)"
