"""Supported Extensions parameter, RFC 5061 section 4.2.7.

 0                   1                   2                   3
+-------------------------------+-------------------------------+
|     Parameter Type = 0x8008   |      Parameter Length         |
+---------------+---------------+---------------+---------------+
| CHUNK TYPE 1  |  CHUNK TYPE 2 |  CHUNK TYPE 3 |  CHUNK TYPE 4 |
+---------------+---------------+---------------+---------------+
|                             ....                              |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.tlv import encode_tlv


@dataclass(slots=True)
class SupportedExtensionsParameter:
    """The extension chunk types the sender understands (e.g. RE-CONFIG 130, FORWARD TSN 192)."""

    chunk_types: list[int]

    TYPE: ClassVar[int] = 0x8008

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the parameter value: one byte per chunk type."""
        return cls(list(value))

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.TYPE, bytes(self.chunk_types))

    def __str__(self) -> str:
        return f"supported-extensions{self.chunk_types}"
