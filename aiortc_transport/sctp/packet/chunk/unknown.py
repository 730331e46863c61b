"""Chunks of any type this codec does not decode, RFC 9260 section 3.2.

The upper two bits of the type tell the receiver what to do with one it does not recognize
(00 stop and discard, 01 also report, 10 skip, 11 skip and report, the report being an ERROR
with cause 6 quoting the chunk); the association applies the rule, the codec keeps type,
flags and value so that the chunk can be quoted exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aiortc_transport.sctp.packet.tlv import encode_chunk


@dataclass(slots=True)
class UnknownChunk:
    """A chunk kept as its type, flags and raw value."""

    type: int
    flags: int
    value: bytes

    #: Not a real type: unknown chunks carry theirs in ``type``.
    TYPE: ClassVar[int] = -1

    @property
    def report(self) -> bool:
        """Upper bits x1: report the chunk in an ERROR (cause 6)."""
        return bool(self.type & 0x40)

    @property
    def skip(self) -> bool:
        """Upper bits 1x: skip the chunk and go on with the packet (else stop processing)."""
        return bool(self.type & 0x80)

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_chunk(self.type, self.flags, self.value)

    def __str__(self) -> str:
        return f"UNKNOWN_{self.type} flags={self.flags:#04x} len={len(self.value) + 4}"
