"""Heartbeat Info parameter, RFC 9260 section 3.3.5.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|    Heartbeat Info Type = 1    |      HB Info Length           |
+-------------------------------+-------------------------------+
/            Sender-Specific Heartbeat Info                     /
+---------------------------------------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.tlv import encode_tlv


@dataclass(slots=True)
class HeartbeatInfoParameter:
    """The opaque sender-specific information a HEARTBEAT carries and its ACK echoes."""

    info: bytes

    TYPE: ClassVar[int] = 1

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the parameter value (any length)."""
        return cls(bytes(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.TYPE, self.info)

    def __str__(self) -> str:
        return f"heartbeat-info({len(self.info)} B)"
