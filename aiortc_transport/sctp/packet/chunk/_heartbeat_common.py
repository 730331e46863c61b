"""Shared layout of HEARTBEAT and HEARTBEAT ACK (RFC 9260 sections 3.3.5 and 3.3.6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.parameter.heartbeat_info import HeartbeatInfoParameter
from aiortc_transport.sctp.packet.tlv import encode_chunk_with_tlvs, iter_tlvs_untrusted


def decode_heartbeat_info_untrusted(value: bytes, name: str) -> bytes:
    """Return the value of the Heartbeat Info parameter the chunk must carry.

    Other parameters after it are skipped: section 3.3.5 defines only this one.
    """
    for parameter_type, parameter_value in iter_tlvs_untrusted(value):
        if parameter_type == HeartbeatInfoParameter.TYPE:
            return bytes(parameter_value)
    raise ParseError(f"{name} without a Heartbeat Info parameter")


def encode_heartbeat(chunk_type: int, info: bytes) -> bytes:
    """Encode the chunk with one Heartbeat Info parameter, padding included."""
    return encode_chunk_with_tlvs(chunk_type, 0, b"", [HeartbeatInfoParameter(info).serialize()])


@dataclass(slots=True)
class HeartbeatChunkBase:
    """The field and codec HEARTBEAT and HEARTBEAT ACK share; subclasses set TYPE and NAME."""

    info: bytes

    TYPE: ClassVar[int]
    NAME: ClassVar[str]

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value; the flags are unused."""
        return cls(decode_heartbeat_info_untrusted(value, cls.NAME))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_heartbeat(self.TYPE, self.info)

    def __str__(self) -> str:
        return f"{self.NAME} info={len(self.info)} B"
