"""Parameters of any type this codec does not decode, RFC 9260 section 3.2.1.

The upper two bits of the type say what a receiver does with one it does not recognize
(stop / skip, report or not); the association applies that rule, so the codec keeps the
type and the raw value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aiortc_transport.sctp.packet.tlv import encode_tlv


@dataclass(slots=True)
class UnknownParameter:
    """A parameter kept as its type and raw value."""

    type: int
    value: bytes

    #: Not a real type: unknown parameters carry theirs in ``type``.
    TYPE: ClassVar[int] = -1

    @property
    def report(self) -> bool:
        """Upper bits x1: report it (Unrecognized Parameter, in INIT ACK or ERROR)."""
        return bool(self.type & 0x4000)

    @property
    def skip(self) -> bool:
        """Upper bits 1x: skip it and go on with the other parameters (else stop)."""
        return bool(self.type & 0x8000)

    def serialize(self) -> bytes:
        """Encode the whole TLV, padding included."""
        return encode_tlv(self.type, self.value)

    def __str__(self) -> str:
        return f"param{self.type:#06x}({len(self.value)} B)"
