"""RE-CONFIG chunk, RFC 6525 section 3.1.

     0                   1                   2                   3
    +---------------+---------------+-------------------------------+
    | Type = 130    |  Chunk Flags  |      Chunk Length             |
    +---------------+---------------+-------------------------------+
    \\                  Re-configuration Parameter                   \\
    +---------------------------------------------------------------+
    \\             Re-configuration Parameter (optional)             \\
    +---------------------------------------------------------------+

Section 3.1 allows one or two parameters in a few combinations; checking the combination is
the association's job (it answers with a result), the codec decodes whatever is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.sctp.packet.parameter import Parameter, parse_parameters_untrusted
from aiortc_transport.sctp.packet.tlv import encode_chunk_with_tlvs


@dataclass(slots=True)
class ReConfigChunk:
    """Carries stream reset / add-streams requests and responses."""

    parameters: list[Parameter]

    TYPE: ClassVar[int] = 130

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value (a run of parameters)."""
        return cls(parse_parameters_untrusted(value))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_chunk_with_tlvs(self.TYPE, 0, b"", [p.serialize() for p in self.parameters])

    def __str__(self) -> str:
        return "RE_CONFIG " + ", ".join(str(p) for p in self.parameters)
