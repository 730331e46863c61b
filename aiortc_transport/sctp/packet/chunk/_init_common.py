"""Shared layout of INIT and INIT ACK (RFC 9260 sections 3.3.2 and 3.3.3)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from aiortc_transport.exceptions import ParseError
from aiortc_transport.sctp.packet.parameter import Parameter, parse_parameters_untrusted
from aiortc_transport.sctp.packet.tlv import encode_chunk_with_tlvs

#: Initiate Tag, a_rwnd, outbound streams, inbound streams, initial TSN.
INIT_FIELDS = struct.Struct("!IIHHI")


def decode_init_untrusted(
    value: bytes, name: str
) -> tuple[int, int, int, int, int, list[Parameter]]:
    """Decode the fixed fields and the parameter list of an INIT or INIT ACK value."""
    if len(value) < 16:
        raise ParseError(f"{name} chunk value of {len(value)} bytes, < 16")
    tag, a_rwnd, outbound, inbound, initial_tsn = INIT_FIELDS.unpack_from(value)
    return tag, a_rwnd, outbound, inbound, initial_tsn, parse_parameters_untrusted(value[16:])


def encode_init(
    chunk_type: int,
    initiate_tag: int,
    a_rwnd: int,
    outbound_streams: int,
    inbound_streams: int,
    initial_tsn: int,
    parameters: list[Parameter],
) -> bytes:
    """Encode an INIT or INIT ACK chunk, padding included."""
    fixed = INIT_FIELDS.pack(initiate_tag, a_rwnd, outbound_streams, inbound_streams, initial_tsn)
    return encode_chunk_with_tlvs(chunk_type, 0, fixed, [p.serialize() for p in parameters])


def describe_init(
    name: str,
    initiate_tag: int,
    a_rwnd: int,
    outbound_streams: int,
    inbound_streams: int,
    initial_tsn: int,
    parameters: list[Parameter],
) -> str:
    """One-line description for logs."""
    return (
        f"{name} init_tag={initiate_tag:#010x} a_rwnd={a_rwnd} os={outbound_streams} "
        f"mis={inbound_streams} init_tsn={initial_tsn} "
        f"params=[{', '.join(str(p) for p in parameters)}]"
    )


@dataclass(slots=True)
class InitChunkBase:
    """The fields and codec INIT and INIT ACK share; subclasses set ``TYPE`` and ``NAME``."""

    initiate_tag: int
    a_rwnd: int
    outbound_streams: int
    inbound_streams: int
    initial_tsn: int
    parameters: list[Parameter]

    TYPE: ClassVar[int]
    NAME: ClassVar[str]

    @classmethod
    def parse_untrusted(cls, flags: int, value: bytes) -> Self:
        """Decode the chunk value; the flags are unused (RFC 9260: ignored on receipt)."""
        return cls(*decode_init_untrusted(value, cls.NAME))

    def serialize(self) -> bytes:
        """Encode the whole chunk, padding included."""
        return encode_init(
            self.TYPE,
            self.initiate_tag,
            self.a_rwnd,
            self.outbound_streams,
            self.inbound_streams,
            self.initial_tsn,
            self.parameters,
        )

    def __str__(self) -> str:
        return describe_init(
            self.NAME,
            self.initiate_tag,
            self.a_rwnd,
            self.outbound_streams,
            self.inbound_streams,
            self.initial_tsn,
            self.parameters,
        )
