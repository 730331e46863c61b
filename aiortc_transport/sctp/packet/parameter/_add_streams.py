"""Shared layout and codec of the two RFC 6525 add-streams requests (sections 4.5 and 4.6)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.tlv import encode_tlv

_VALUE = struct.Struct("!IHH")


@dataclass(slots=True)
class AddStreamsRequestBase:
    """The fields and codec both add-streams requests share; subclasses set ``TYPE``/``NAME``."""

    request_sequence: int
    new_streams: int

    TYPE: ClassVar[int]
    NAME: ClassVar[str]

    @classmethod
    def parse_untrusted(cls, value: bytes) -> Self:
        """Decode the 8-byte parameter value; the reserved field is ignored."""
        if len(value) != 8:
            raise ParseError(f"{cls.NAME} value of {len(value)} bytes, expected 8")
        request_sequence, new_streams, _reserved = _VALUE.unpack(value)
        return cls(request_sequence, new_streams)

    def serialize(self) -> bytes:
        """Encode the whole TLV, reserved field zero."""
        return encode_tlv(self.TYPE, _VALUE.pack(self.request_sequence, self.new_streams, 0))

    def __str__(self) -> str:
        return f"{self.NAME}(req_seq={self.request_sequence} new_streams={self.new_streams})"
